"""TrialRecord: one JSON object per (suite, task, variant, seed), written atomically.

Records are standard JSON: a non-finite float (a reverse KL of ``inf`` when no sample is of high
quality) is written as the string ``"inf"``, ``"-inf"`` or ``"nan"`` and read back as a float;
records written by older versions with the non-standard token ``Infinity`` still load.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ganbench.utils.atomic import atomic_write_text

_NONFINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
STATUSES = ("ok", "failed", "diverged")
# Reference rows of a leaderboard: not GAN variants, never ranked, compared or checked.
REFERENCE_KINDS = ("real", "init", "identity")  # identity: a translation task's inputs unchanged


def _encode(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, dict):
        return {k: _encode(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_encode(v) for v in obj]
    return obj


def _decode_metrics(metrics: dict) -> dict:
    return {k: _NONFINITE.get(v, v) if isinstance(v, str) else v for k, v in metrics.items()}


def _decode_point(point):
    if not isinstance(point, dict):
        raise ValueError(f"not a TrialRecord: a curve entry must be an object, got {type(point).__name__}")
    return {k: _decode_metrics(v) if k in POINT_VALUES and isinstance(v, dict) else v for k, v in point.items()}


POINT_VALUES = ("metrics", "metrics_raw", "selection")  # the value dicts of a curve entry


def _upgrade(d: dict) -> dict:
    """Field names of records written before 0.2: ``eval_seed`` (the fake-sample seed) became
    ``fake_seed``, the protocol's ``eval_seed`` (the real-sample seed) became ``real_seed``."""
    d = dict(d)
    if "eval_seed" in d and "fake_seed" not in d:
        d["fake_seed"] = d.pop("eval_seed")
    p = d.get("protocol")
    if isinstance(p, dict) and "eval_seed" in p and "real_seed" not in p:
        d["protocol"] = {("real_seed" if k == "eval_seed" else k): v for k, v in p.items()}
    return d


@dataclass
class TrialRecord:
    trial_id: str
    suite: str
    task: str
    variant: str
    seed_index: int
    seed: int
    fake_seed: int  # seed of the stream the generated samples for evaluation come from
    status: str = "ok"
    error: str = ""
    failed_step: int | None = None
    kind: str = "trial"  # "trial", or a reference row: "real" (held-out data), "init" (untrained G), "identity"
    budget: dict = field(default_factory=dict)  # asked: {"g_steps": 2000}
    spent: dict = field(default_factory=dict)  # g_steps, d_steps, kimg, wall_s, gflops (per trial)
    metrics: dict = field(default_factory=dict)  # value name -> float (of the generator the protocol ranks)
    metrics_raw: dict = field(default_factory=dict)  # of the raw generator, when the ranked one is its average
    protocol: dict = field(default_factory=dict)  # extractor, n_real, n_fake, real/fake seeds, options
    env: dict = field(default_factory=dict)
    config_hash: str = ""
    code: dict = field(default_factory=dict)  # the code it depends on: fingerprint, digest per module (harness.identity)
    variant_config: dict = field(default_factory=dict)
    seeds_in_batch: int = 1
    pack: dict = field(default_factory=dict)  # what shared the program: id, size, variants
    history: dict = field(default_factory=dict)  # {"step": [...], "d_loss": [...], "g_loss": [...]}
    notes: list = field(default_factory=list)  # events a reader should know (e.g. a checkpoint that was lost)
    eval_wall_s: float = 0.0  # seconds spent judging this trial: its share of its program's judging, all points
    created: str = ""
    # One entry per budget point the trial was judged at, in increasing budget order, the last being
    # the trial's own budget (its status and values are the record's own): {"budget": {unit: point},
    # "spent", "status", "failed_step", "error", "metrics", "metrics_raw", "selection", "eval_wall_s"}.
    # A point's status and values are those of a trial trained to that budget (nested budgets).
    curve: list = field(default_factory=list)

    @property
    def is_reference(self) -> bool:
        return self.kind in REFERENCE_KINDS

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> "TrialRecord":
        if not isinstance(d, dict):
            raise ValueError(f"not a TrialRecord: a JSON object is expected, got {type(d).__name__}")
        names = {f.name for f in fields(cls)}
        missing = {"trial_id", "task", "variant", "seed_index"} - set(d)
        if missing:
            raise ValueError(f"not a TrialRecord: missing {sorted(missing)}")
        d = _upgrade(d)
        d = {k: v for k, v in d.items() if k in names}
        if d.get("status", "ok") not in STATUSES:
            raise ValueError(f"not a TrialRecord: status {d['status']!r} is not one of {', '.join(STATUSES)}")
        for key in ("metrics", "metrics_raw"):
            if isinstance(d.get(key), dict):
                d[key] = _decode_metrics(d[key])
        if isinstance(d.get("curve"), list):
            d["curve"] = [_decode_point(p) for p in d["curve"]]
        try:
            return cls(**d)
        except TypeError as exc:
            raise ValueError(f"not a TrialRecord: {exc}") from None

    def to_json(self) -> str:
        return json.dumps(_encode(self.to_dict()), indent=2, sort_keys=True, allow_nan=False, default=str) + "\n"

    def save(self, path) -> None:
        atomic_write_text(Path(path), self.to_json())

    @classmethod
    def load(cls, path) -> "TrialRecord":
        try:
            data = json.loads(Path(path).read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from None
        except OSError as exc:
            raise ValueError(f"{path}: cannot be read ({exc.strerror})") from None
        try:
            return cls.from_dict(data)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
