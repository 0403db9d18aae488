"""The README's exit-code promise holds for every command: 0 success, 1 a regression, 2 bad input or a
protocol mismatch, the latter always as one line on stderr (never a traceback), for the hostile
inputs a new user meets."""
import json
import os
import stat

import numpy as np
import pytest

from ganbench.cli import main
from ganbench.records import RunDir


def _run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def _usage_error(capsys, *argv, says=""):
    rc, out, err = _run(capsys, *argv)
    assert rc == 2, (rc, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganbench: error:") and "Traceback" not in err, err
    assert says in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def pair(tmp_path):
    rng = np.random.default_rng(0)
    real, fake = tmp_path / "real.npy", tmp_path / "fake.npy"
    np.save(real, rng.normal(size=(200, 4)).astype(np.float32))
    np.save(fake, rng.normal(size=(200, 4)).astype(np.float32))
    return real, fake


def _read_only(path):
    path.mkdir(exist_ok=True)
    path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    return path


needs_permissions = pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else False,
                                       reason="root ignores file permissions")


def test_eval_bad_files(tmp_path, pair, capsys):
    real, _ = pair
    images = tmp_path / "imgs"
    images.mkdir()
    (images / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")  # corrupt
    _usage_error(capsys, "eval", real, images, says="a.png is not a readable image")
    from PIL import Image

    Image.new("RGB", (8, 8)).save(images / "a.png")
    (images / "b.png").write_bytes((images / "a.png").read_bytes()[:30])  # truncated
    _usage_error(capsys, "eval", real, images, says="b.png")
    empty = tmp_path / "empty.npy"
    empty.write_bytes(b"")
    _usage_error(capsys, "eval", real, empty, says="is empty (0 bytes)")
    strings = tmp_path / "strings.npy"
    np.save(strings, np.array([["a", "b"], ["c", "d"]]))
    _usage_error(capsys, "eval", real, strings, says="dtype <U1")
    disguised = tmp_path / "really-npy.npz"  # an .npy under an .npz name loads by its content
    disguised.write_bytes(pair[1].read_bytes())
    assert _run(capsys, "eval", real, disguised, "--metrics", "fid")[0] == 0


def test_eval_bad_json_destinations(tmp_path, pair, capsys):
    real, fake = pair
    _usage_error(capsys, "eval", real, fake, "--metrics", "fid", "--json", tmp_path, says="is a directory")
    (tmp_path / "file").write_text("x")
    _usage_error(capsys, "eval", real, fake, "--metrics", "fid", "--json", tmp_path / "file" / "out.json",
                 says="is a file, not a folder")


@needs_permissions
def test_eval_read_only_destination(tmp_path, pair, capsys):
    real, fake = pair
    _usage_error(capsys, "eval", real, fake, "--json", _read_only(tmp_path / "ro") / "out.json", says="not writable")


def test_huge_features_name_the_overflow_and_the_fix(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for name in ("r", "f"):
        np.save(tmp_path / f"{name}.npy", (rng.random((100, 4)) * 1e30).astype(np.float32))
    line = _usage_error(capsys, "eval", tmp_path / "r.npy", tmp_path / "f.npy", "--metrics", "fid", says="overflow")
    assert "--precision float64" in line
    rc, out, _ = _run(capsys, "eval", tmp_path / "r.npy", tmp_path / "f.npy", "--metrics", "fid", "--precision", "float64")
    assert rc == 0 and "fid" in out


def test_check_validates_its_outputs_before_printing_a_verdict(tmp_path, capsys):
    from tests.report.records import make, write

    run = write(tmp_path / "run", [make("ring8", "gan-ns", s, {"fid": 1.0 + s}) for s in range(2)])
    (tmp_path / "file").write_text("x")
    for flag in ("--junit", "--markdown"):
        rc, out, err = _run(capsys, "check", run, "--baseline", run, flag, tmp_path / "file" / "x")
        assert rc == 2 and "PASS" not in out and "is a file, not a folder" in err
    bad = tmp_path / "bad" / "records"
    bad.mkdir(parents=True)
    for i, text in enumerate(["5", "null", "[1, 2]"]):
        (bad / f"r{i}.json").write_text(text)
        _usage_error(capsys, "check", run, "--baseline", bad.parent, says="not a TrialRecord")
        (bad / f"r{i}.json").unlink()
    _usage_error(capsys, "check", run, "--baseline", run, "--abs-tol", "fid=lots", says="--abs-tol")


def test_run_bad_destinations_and_records(tmp_path, capsys):
    suite = tmp_path / "s.toml"
    suite.write_text('name = "s"\nseeds = 1\nvariants = ["gan-ns"]\n[tasks.ring8]\nbudget = { g_steps = 2 }\n')
    (tmp_path / "file").write_text("x")
    _usage_error(capsys, "run", "--suite", suite, "--out", tmp_path / "file", says="is a file")
    out = tmp_path / "run"
    (out / "records").mkdir(parents=True)
    (out / "records" / "ring8__gan-ns__s0.json").write_text("null")  # valid JSON, not a record: redone
    assert _run(capsys, "run", "--suite", suite, "--out", out)[0] == 0
    assert json.loads((out / "records" / "ring8__gan-ns__s0.json").read_text())["status"] == "ok"
    with RunDir(out).lock():  # another process holds the directory
        _usage_error(capsys, "run", "--suite", suite, "--out", out, says="another ganbench process")
    _usage_error(capsys, "run", "--suite", suite, "--out", out, "--seeds", "two", says="--seeds")


@needs_permissions
def test_run_read_only_destination(tmp_path, capsys):
    _usage_error(capsys, "run", "--suite", "smoke", "--out", _read_only(tmp_path / "ro") / "run", says="not writable")


@pytest.mark.parametrize("budget,says", [("{ seconds = inf }", "finite positive"), ('{ g_steps = "10" }', "must be a number"),
                                         ("{ g_steps = true }", "must be a number"), ("{ g_steps = 2.5 }", "integer")])
def test_suite_budgets_are_validated_when_loaded(tmp_path, capsys, budget, says):
    suite = tmp_path / "s.toml"
    suite.write_text(f'name = "s"\nseeds = 1\nvariants = ["gan-ns"]\n[tasks.ring8]\nbudget = {budget}\n')
    _usage_error(capsys, "run", "--suite", suite, "--out", tmp_path / "r", says=says)
    assert not (tmp_path / "r" / "records").exists()  # nothing trained


@pytest.mark.parametrize("body,says", [
    ('metrics = ["modes", "fidd"]', "unknown metric(s) ['fidd']"),
    ('train = { batch_size = 0 }', "batch_size"),
    ('train = { ema = 1.5 }', "ema"),
    ('variants = ["nope"]', "unknown variant"),
])
def test_suite_settings_are_validated_when_loaded(tmp_path, capsys, body, says):
    suite = tmp_path / "s.toml"
    suite.write_text(f'name = "s"\nseeds = 1\nvariants = ["gan-ns"]\n[tasks.ring8]\nbudget = {{ g_steps = 2 }}\n{body}\n')
    _usage_error(capsys, "run", "--suite", suite, "--out", tmp_path / "r", says=says)


def test_suite_and_variant_names_cannot_escape_the_run_directory(tmp_path, capsys):
    suite = tmp_path / "s.toml"
    suite.write_text('name = "../../evil"\nseeds = 1\nvariants = ["gan-ns"]\n[tasks.ring8]\nbudget = { g_steps = 2 }\n')
    _usage_error(capsys, "run", "--suite", suite, "--out", tmp_path / "r", says="suite name '../../evil' may contain only")
    plugin = tmp_path / "p.py"
    plugin.write_text("from ganbench.zoo import register_variant\nregister_variant('../x')\n")
    _usage_error(capsys, "list", "variants", "--plugin", plugin, says="variant name '../x' may contain only")


def test_broken_plugins(tmp_path, capsys):
    syntax = tmp_path / "syntax.py"
    syntax.write_text("def broken(:\n")
    _usage_error(capsys, "list", "variants", "--plugin", syntax, says="line 1")
    raises = tmp_path / "raises.py"
    raises.write_text("raise RuntimeError('plugin exploded')\n")
    _usage_error(capsys, "list", "variants", "--plugin", raises, says="RuntimeError: plugin exploded")


def test_a_task_whose_every_trial_failed_still_renders(tmp_path, capsys):
    plugin = tmp_path / "boom.py"
    plugin.write_text("from ganbench.zoo import register_loss, register_variant\n"
                      "@register_loss('t-exit-boom')\ndef boom(r, f):\n    raise RuntimeError('boom')\n"
                      "register_variant('t-exit-boom-gan', loss='t-exit-boom')\n")
    suite = tmp_path / "s.toml"
    suite.write_text('name = "s"\nseeds = 1\nvariants = ["t-exit-boom-gan"]\n[tasks.ring8]\nbudget = { g_steps = 2 }\n')
    rc, out, err = _run(capsys, "run", "--suite", suite, "--out", tmp_path / "r", "--plugin", plugin)
    assert rc == 0 and "failed" in out and "Traceback" not in err
    assert _run(capsys, "run", "--suite", suite, "--out", tmp_path / "r", "--plugin", plugin, "--fail-on-error")[0] == 1
