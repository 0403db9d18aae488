"""A run's curves for other tools (ganbench.report.curve_export): JSON lines that round-trip every point
(non-finite values included), and the long CSV with every (trial, budget, value)."""
import json
import math

import pandas as pd

from ganbench.report.curve_export import curve_lines, curves_jsonl, curves_long, read_curves_jsonl
from ganbench.report.publish import write_leaderboard

from .records import curved, make, references, write

B = (100, 1000, 10000)


def _records():
    recs = [curved("ring8", "gan-ns", s, [0.9, 0.4, 0.2 + s / 10], budgets=B, raw=[0.8, 0.3, 0.25],
                   selection=[0.88, 0.41, 0.21]) for s in range(2)]
    recs.append(curved("ring8", "lsgan", 0, [0.9, 0.5, 0.4], budgets=B, diverged_from=1000))
    r = curved("ring8", "wgan", 0, [0.9, 0.5, 0.4], budgets=B, metric="reverse_kl")
    r["curve"][0]["metrics"]["reverse_kl"] = math.inf  # no sample of high quality yet
    recs.append(r)
    return recs + references("ring8")


def test_json_lines_round_trip_every_point(tmp_path):
    recs = _records()
    path = tmp_path / "curves.jsonl"
    path.write_text(curves_jsonl(recs))
    lines = path.read_text().splitlines()
    assert len(lines) == 4 * 3 + 10  # a line per (trial, point), a reference row one line
    assert all(json.loads(line) for line in lines)  # standard JSON: no Infinity token
    assert '"inf"' in path.read_text()
    back = read_curves_jsonl(path)
    assert back == curve_lines(recs)
    first = back[0]
    assert first["trial_id"] == "ring8__gan-ns__s0" and first["point"] == 0 and first["budget"] == {"g_steps": 100}
    assert first["results"] == {"mode_tv": 0.9} and first["results_raw"] == {"mode_tv": 0.8}
    assert first["selection"] == {"mode_tv": 0.88} and first["generator"] == "ema(0.999)"
    wgan = [x for x in back if x["variant"] == "wgan"]
    assert wgan[0]["results"]["reverse_kl"] == math.inf
    lsgan = [x["status"] for x in back if x["variant"] == "lsgan"]
    assert lsgan == ["ok", "diverged", "diverged"]
    real = [x for x in back if x["kind"] == "real"]
    assert len(real) == 5 and real[0]["budget"] is None


def test_long_csv_holds_every_point_and_value(tmp_path):
    recs = _records()
    long = curves_long(recs)
    gan = long[(long.variant == "gan-ns") & (long.reference == "reporting")]
    assert len(gan) == 2 * 3 * 2  # seeds x points x (ranked + raw generator)
    assert set(gan.generator) == {"ema(0.999)", "raw"}
    sel = long[long.reference == "selection"]
    assert len(sel) == 2 * 3 and set(sel.variant) == {"gan-ns"}
    assert long[(long.variant == "lsgan") & (long.budget == 1000)].value.tolist() == [1.0]  # diverged: the worst
    run = write(tmp_path / "run", recs + [make("ring8", "old", 0, {"mode_tv": 0.3}, protocol={"headline": "mode_tv"})])
    written = write_leaderboard(run)
    csv = pd.read_csv(written["curves_long"])
    assert len(csv) == len(curves_long(recs)) + 1  # a record without a curve: one point, its budget
    assert len(read_curves_jsonl(written["curves_jsonl"])) == 4 * 3 + 10 + 1
