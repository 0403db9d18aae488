"""A run's learning curves for other tools: the long CSV (every point, every value) and JSON lines.

- :func:`curves_long`: :func:`ganbench.report.curves.curve_frame` with the raw generator's values, one row
  per (trial, budget point, value), plus the headline judged on the selection reference, told apart by
  ``reference`` (``reporting`` | ``selection``). Written as ``leaderboard/curves_long.csv``.
- :func:`curves_jsonl`: one JSON object per line per (trial, evaluation point), in budget order, like
  stylegan2-ada's ``metric-fid50k_full.jsonl`` (``metrics/metric_main.py``, ``report_metric``: one line
  per snapshot, ``{"results": {...}, "metric", "total_time", "snapshot_pkl", "timestamp"}``), so a
  plotting script reads a run's curves without ganbench. Written as ``leaderboard/curves.jsonl``. A
  line holds ``trial_id``, ``suite``, ``task``, ``variant``, ``kind``, ``seed_index``, ``point`` (its index
  on the trial's curve), ``budget`` (``{"g_steps": 500}``; ``null`` for a reference row, which does not
  depend on the budget), ``spent``, ``status`` (``ok`` | ``diverged`` | ``failed``), ``results`` (the
  ranked generator's values), ``results_raw`` (the raw generator's, where the ranked one is its
  average), ``selection`` (the headline on the selection reference), ``generator``, ``extractor``,
  ``headline``, ``eval_wall_s``. Non-finite values are written as the strings ``"inf"``, ``"-inf"`` and
  ``"nan"``, as in the records (the lines are standard JSON); :func:`read_curves_jsonl` reads them back.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from ganbench.metrics.registry import HIGHER_IS_BETTER
from ganbench.report.curves import CURVE_COLUMNS, curve_frame, points

LONG_COLUMNS = [*CURVE_COLUMNS, "reference"]
_NONFINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def curves_long(records: list[dict]) -> pd.DataFrame:
    """Every point in long form (module docstring): ``curve_frame(records, raw=True)`` with
    ``reference = "reporting"``, then the selection reference's headline values (``reference =
    "selection"``, ``generator`` the ranked one's)."""
    frame = curve_frame(records, raw=True).assign(reference="reporting")
    rows = []
    for r in records:
        if r["status"] == "failed" or r.get("kind", "trial") != "trial":
            continue
        p = r.get("protocol", {})
        ext = p.get("extractor", "")
        for pt in points(r):
            if pt.get("status", "ok") != "ok":
                continue
            (unit, budget), = (pt.get("budget") or {"": math.nan}).items()
            for name, value in (pt.get("selection") or {}).items():
                rows.append({"trial_id": r["trial_id"], "suite": r["suite"], "task": r["task"], "variant": r["variant"],
                             "kind": "trial", "seed_index": r["seed_index"], "unit": unit, "budget": float(budget),
                             "metric": name, "extractor": ext, "generator": p.get("generator", "raw"),
                             "column": f"{name}[{ext}]", "value": float(value),
                             "higher_is_better": HIGHER_IS_BETTER.get(name), "status": "ok",
                             "config_hash": r.get("config_hash", ""), "reference": "selection"})
    if rows:
        frame = pd.concat([frame, pd.DataFrame(rows, columns=LONG_COLUMNS)], ignore_index=True)
    return frame[LONG_COLUMNS]


def _encode(x):
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, dict):
        return {k: _encode(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_encode(v) for v in x]
    return x


def _values(d) -> dict:
    return {k: _NONFINITE.get(v, v) if isinstance(v, str) else v for k, v in (d or {}).items()}


def curve_lines(records: list[dict]) -> list[dict]:
    """The objects of :func:`curves_jsonl`, one per (trial, point) in record order and budget order, a
    reference row one line with ``budget`` None."""
    out = []
    for r in records:
        p = r.get("protocol", {})
        base = {"trial_id": r["trial_id"], "suite": r.get("suite", ""), "task": r["task"], "variant": r["variant"],
                "kind": r.get("kind", "trial"), "seed_index": r["seed_index"]}
        about = {"generator": p.get("generator", "raw") if base["kind"] == "trial" else base["kind"],
                 "extractor": p.get("extractor", ""), "headline": p.get("headline", "")}
        if base["kind"] != "trial":
            out.append({**base, "point": 0, "budget": None, "spent": {}, "status": r["status"],
                        "results": dict(r.get("metrics", {})), "results_raw": {}, "selection": {}, **about,
                        "eval_wall_s": r.get("eval_wall_s", 0.0)})
            continue
        for i, pt in enumerate(points(r)):
            out.append({**base, "point": i, "budget": dict(pt.get("budget") or {}),
                        "spent": dict(pt.get("spent") or {}),
                        "status": pt.get("status", "ok"), "results": dict(pt.get("metrics") or {}),
                        "results_raw": dict(pt.get("metrics_raw") or {}), "selection": dict(pt.get("selection") or {}),
                        **about, "eval_wall_s": pt.get("eval_wall_s", r.get("eval_wall_s", 0.0))})
    return out


def curves_jsonl(records: list[dict]) -> str:
    """The JSON lines text of ``records``' curves (module docstring), keys sorted, one line each."""
    return "".join(json.dumps(_encode(line), sort_keys=True, allow_nan=False) + "\n" for line in curve_lines(records))


def read_curves_jsonl(path) -> list[dict]:
    """The objects of a ``curves.jsonl`` file, non-finite values decoded to floats."""
    text = Path(path).read_text()
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"curves.jsonl line {n}: not JSON ({exc})") from None
        for key in ("results", "results_raw", "selection"):
            obj[key] = _values(obj.get(key))
        out.append(obj)
    return out
