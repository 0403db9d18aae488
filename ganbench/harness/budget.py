"""Training budgets: one stopping rule, everything recorded as spent."""
from __future__ import annotations

from dataclasses import asdict, dataclass

UNITS = {"g_steps": "generator updates", "kimg": "thousands of real samples shown (per seed)",
         "seconds": "training wall time, evaluation excluded", "gflops": "measured training compute per seed (GFLOP)"}


@dataclass(frozen=True)
class Budget:
    """Exactly one of the fields is set; it is the stopping rule. ``gflops`` lets variants with several
    critic steps (WGAN) be compared with single-step ones at equal compute."""

    g_steps: int | None = None
    kimg: float | None = None
    seconds: float | None = None
    gflops: float | None = None

    def __post_init__(self):
        set_ = {k: v for k, v in asdict(self).items() if v is not None}
        if len(set_) != 1:
            raise ValueError(f"a budget sets exactly one of {', '.join(UNITS)}, got {set_ or 'none'}")
        (k, v), = set_.items()
        if not (isinstance(v, (int, float)) and v > 0):
            raise ValueError(f"budget {k} must be a positive number, got {v!r}")

    @property
    def rule(self) -> tuple[str, float]:
        return next((k, v) for k, v in asdict(self).items() if v is not None)

    @classmethod
    def parse(cls, obj) -> "Budget":
        """From a dict ({"g_steps": 2000}) or a string ("g_steps=2000")."""
        if isinstance(obj, Budget):
            return obj
        if isinstance(obj, str):
            if "=" not in obj:
                raise ValueError(f"budget {obj!r}: write KIND=VALUE with KIND one of {', '.join(UNITS)}")
            k, v = obj.split("=", 1)
            obj = {k.strip(): float(v)}
        if not isinstance(obj, dict):
            raise ValueError(f"budget must be a dict like {{'g_steps': 2000}}, got {obj!r}")
        unknown = set(obj) - set(UNITS)
        if unknown:
            raise ValueError(f"unknown budget kind(s) {sorted(unknown)}; choose one of {', '.join(UNITS)}")
        if "g_steps" in obj:
            if float(obj["g_steps"]) != int(float(obj["g_steps"])):
                raise ValueError(f"g_steps must be an integer, got {obj['g_steps']!r}")
            obj = {**obj, "g_steps": int(float(obj["g_steps"]))}
        return cls(**obj)

    def done(self, spent: dict) -> bool:
        k, v = self.rule
        key = "wall_s" if k == "seconds" else k
        return spent[key] >= v

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}
