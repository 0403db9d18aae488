"""The worked example of examples/: a new loss in one file, compared against baselines (tiny budget)."""
import json
from pathlib import Path

from ganbench.api import run_suite
from ganbench.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TINY = 'name = "tiny-compare"\nseeds = 3\nvariants = ["gan-ns", "lsgan"]\n[tasks.ring8]\nbudget = { g_steps = 30 }\n'


def test_compare_example_end_to_end(tmp_path, capsys):
    suite = tmp_path / "tiny.toml"
    suite.write_text(TINY)
    baselines = run_suite(suite, tmp_path / "baselines", progress=False)
    capsys.readouterr()
    out = tmp_path / "cmp.json"
    rc = main(["compare", "--plugin", str(EXAMPLES / "relativistic_loss.py"), "--variant", "ragan", "--suite", str(suite),
               "--against", str(baselines), "--run-dir", str(tmp_path / "cmp"), "--out", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert "re-running baseline" not in printed  # all baseline records were valid and reused
    (c,) = json.loads(out.read_text())
    assert c["candidate"] == "ragan" and c["reference"] == "gan-ns" and c["n"] == 3
    # The baseline run has init rows, so the candidate is judged against the floor too; after 30 steps
    # it may well not have learned, and then the verdict must say so.
    assert c["learned"] is not None
    if c["learned"]:
        assert c["verdict"] in ("better", "worse", "equivalent") or c["verdict"].startswith("undecided ("), c["verdict"]
    else:
        assert c["verdict"] == "not learned (not better than init)"
    assert "verdict" in printed and "Welch p (Holm)" in printed


def test_compare_reruns_missing_baselines_and_says_so(tmp_path, capsys):
    suite = tmp_path / "tiny.toml"
    suite.write_text(TINY.replace("seeds = 3", "seeds = 2").replace(', "lsgan"', ""))
    rc = main(["compare", "--plugin", str(EXAMPLES / "relativistic_loss.py"), "--variant", "ragan", "--suite", str(suite),
               "--against", str(tmp_path / "none"), "--run-dir", str(tmp_path / "cmp")])
    printed = capsys.readouterr().out
    assert rc == 0 and "re-running baseline ring8/gan-ns/seed 0: missing" in printed


def test_compare_with_unknown_reference_is_a_usage_error(tmp_path, capsys):
    suite = tmp_path / "tiny.toml"
    suite.write_text(TINY)
    rc = main(["compare", "--plugin", str(EXAMPLES / "relativistic_loss.py"), "--variant", "ragan", "--suite", str(suite),
               "--reference", "wgan", "--against", str(tmp_path / "none"), "--run-dir", str(tmp_path / "c")])
    assert rc == 2 and "reference variant 'wgan' is not in suite" in capsys.readouterr().err
