import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganbench.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_eval_on_bundled_example_writes_json(tmp_path, capsys):
    out = tmp_path / "o.json"
    rc = main(["eval", str(EXAMPLES / "ring8_real.npy"), str(EXAMPLES / "ring8_fake.npy"), "--device", "cpu",
               "--json", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "fid" in printed and "precision" in printed
    data = json.loads(out.read_text())
    assert data["protocol"]["n_real"] == 2500 and data["protocol"]["extractor"] == "identity"
    assert data["values"]["recall"] < 0.9  # the fake set dropped 3 of 8 modes


def test_eval_image_folders(tmp_path):
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        for i in range(6):
            Image.fromarray(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)).save(tmp_path / name / f"{i}.png")
    assert main(["eval", str(tmp_path / "a"), str(tmp_path / "b"), "--metrics", "fid,pr", "--device", "cpu"]) == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["eval", "missing.npy", "missing.npy"], "does not exist"),
        (["eval", "{real}", "{real}", "--metrics", "fid,nope"], "unknown metric 'nope'"),
        (["eval", "{real}", "{nan}"], "NaN"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, argv, message):
    np.save(tmp_path / "real.npy", np.zeros((10, 2)))
    np.save(tmp_path / "nan.npy", np.full((10, 2), np.nan))
    argv = [a.format(real=tmp_path / "real.npy", nan=tmp_path / "nan.npy") for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_console_script_lists_metrics():
    out = subprocess.run([sys.executable, "-m", "ganbench.cli", "list", "metrics"], capture_output=True, text=True)
    assert out.returncode == 0 and "lower is better" in out.stdout


def test_list_tasks(capsys):
    assert main(["list", "tasks"]) == 0
    out = capsys.readouterr().out
    for name in ("ring8", "grid25", "hd-mixture", "digits", "stacked-digits", "images:PATH", "cifar10:PATH",
                 "digits-edges", "digits-thick-unpaired", "digits-rotated", "paired:DIR_A,DIR_B", "unpaired:DIR_A,DIR_B"):
        assert name in out
    assert "VEEGAN" in out


def test_list_variants_shows_what_each_adds_and_its_search_space(capsys, tmp_path):
    plugin = tmp_path / "narrow.py"
    plugin.write_text("from ganbench.zoo import register_variant\n"
                      "register_variant('t-cli-narrow', base='wgan-gp', space={'lr': 'logU[1e-4,1e-3]', 'beta1': None})\n")
    assert main(["list", "variants", "--plugin", str(plugin)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "gp(10)" in rows["wgan-gp"] and "lr∈logU[1e-5,1e-2]; β1∈U[0,1]; n_critic∈{1,5}; gp∈logU[0.1,100]" in rows["wgan-gp"]
    assert "pack(2)" in rows["pacgan"] and "pack∈{2,4}" in rows["pacgan"]
    assert "lr∈logU[1e-4,1e-3]; n_critic∈{1,5}; gp∈logU[0.1,100]" in rows["t-cli-narrow"]


def test_list_claims_and_suites(capsys):
    assert main(["list", "claims"]) == 0
    out = capsys.readouterr().out
    from ganbench.claims import CLAIMS

    assert all(cid in out for cid in CLAIMS) and "PacGAN" in out and "VEEGAN" in out
    assert main(["list", "suites"]) == 0
    claims = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("claims"))
    assert "95 trials (first look; up to 260 as claims need seeds)" in claims


def test_eval_against_a_task(tmp_path, capsys):
    fake = np.load(EXAMPLES / "ring8_fake.npy")
    np.save(tmp_path / "f.npy", fake)
    out = tmp_path / "o.json"
    assert main(["eval", "--task", "ring8", str(tmp_path / "f.npy"), "--json", str(out), "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert data["values"]["modes"] == 5 and data["protocol"]["task"] == "ring8"
    assert main(["eval", "--task", "ring8", str(tmp_path / "f.npy"), str(tmp_path / "f.npy")]) == 2
    assert "only the generated samples" in capsys.readouterr().err


def test_copying_flags_copies_of_the_training_set(tmp_path, capsys):
    rng = np.random.default_rng(0)
    train, test = rng.standard_normal((1500, 3)), rng.standard_normal((600, 3))
    paths = {n: tmp_path / f"{n}.npy" for n in ("train", "test", "copies", "fresh")}
    for name, x in (("train", train), ("test", test), ("copies", train[:800] + 1e-3 * rng.standard_normal((800, 3))),
                    ("fresh", rng.standard_normal((800, 3)))):
        np.save(paths[name], x)
    out = tmp_path / "c.json"
    assert main(["copying", str(paths["train"]), str(paths["test"]), str(paths["copies"]), "--json", str(out),
                 "--device", "cpu"]) == 0
    assert "data copying" in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["values"]["c_t"] < -3 and data["protocol"]["n_cells"] == 10 and data["protocol"]["n_train"] == 1500
    assert main(["copying", str(paths["train"]), str(paths["test"]), str(paths["fresh"]), "--device", "cpu"]) == 0
    assert "no evidence of copying" in capsys.readouterr().out


def test_copying_against_a_tasks_splits(tmp_path, capsys):
    from ganbench.tasks import get_task

    train = get_task("digits").labelled_split("train")[0]
    np.save(tmp_path / "copies.npy", train.numpy())  # the training digits themselves, in the task's features
    out = tmp_path / "c.json"
    assert main(["copying", "--task", "digits", str(tmp_path / "copies.npy"), "--json", str(out), "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert data["values"]["c_t"] < -3 and data["protocol"]["extractor"] == "digits"
    assert main(["copying", "--task", "ring8", str(tmp_path / "copies.npy")]) == 2
    assert "no fixed training set" in capsys.readouterr().err
    assert main(["copying", str(tmp_path / "copies.npy")]) == 2
    assert "TRAIN TEST FAKE" in capsys.readouterr().err


def test_list_metrics_is_the_registry(capsys):
    # every registered value, one row each: key, readable label, direction, inputs, tasks, citation
    from ganbench.metrics.registry import VALUES

    assert main(["list", "metrics"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["value", "label", "direction", "needs", "computed", "by", "tasks", "citation"]
    rows = {line.split()[0].split("[", 1)[0]: line for line in lines[1:]}
    assert list(rows) == list(VALUES)
    for key, v in VALUES.items():
        row = rows[key]
        assert v.header("", None) in row and v.paper in row and ", ".join(v.needs) in row
        assert {True: "higher is better", False: "lower is better", None: " - "}[v.higher_is_better] in row
    assert "ring8,grid25,hd-mixture" in rows["mode_tv"] and "digits32" in rows["ppl_z"]
    assert "- (ganbench eval)" in rows["density"]  # no shipped task computes it; `ganbench eval --metrics dc` does


def test_train_judges_at_the_budget_points_asked(tmp_path, capsys):
    assert main(["train", "ring8", "gan-ns", "--budget", "g_steps=6", "--eval-at", "2,4", "--device", "cpu",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "at g_steps=2  ok  mode_tv=" in out and "at g_steps=4  ok" in out
    rec = json.loads((tmp_path / "ring8__gan-ns__s0.json").read_text())
    assert [p["budget"] for p in rec["curve"]] == [{"g_steps": 2}, {"g_steps": 4}, {"g_steps": 6}]
    for bad, message in (("4,2", "points must increase"), ("two", "give budget points such as 100,200,500")):
        assert main(["train", "ring8", "gan-ns", "--budget", "g_steps=6", "--eval-at", bad]) == 2
        assert message in capsys.readouterr().err
