"""Training budgets: one stopping rule, everything recorded as spent."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

UNITS = {"g_steps": "generator updates", "kimg": "thousands of real samples shown (per trial)",
         "seconds": "training wall time of the program, evaluation excluded",
         "gflops": "measured training compute per trial (GFLOP)"}


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
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise ValueError(f"budget {k} must be a finite positive number, got {v!r}")
        if k == "g_steps" and not isinstance(v, int):
            raise ValueError(f"budget g_steps must be an integer, got {v!r}")

    @property
    def rule(self) -> tuple[str, float]:
        return next((k, v) for k, v in asdict(self).items() if v is not None)

    @classmethod
    def parse(cls, obj) -> "Budget":
        """From a dict ({"g_steps": 2000}; values must be numbers) or a string ("g_steps=2000")."""
        if isinstance(obj, Budget):
            return obj
        if isinstance(obj, str):
            if "=" not in obj:
                raise ValueError(f"budget {obj!r}: write KIND=VALUE with KIND one of {', '.join(UNITS)}")
            k, v = (part.strip() for part in obj.split("=", 1))
            try:
                num = float(v)
            except ValueError:
                raise ValueError(f"budget {obj!r}: {v!r} is not a number") from None
            if k == "g_steps":
                if not num.is_integer():
                    raise ValueError(f"budget g_steps must be an integer, got {v!r}")
                num = int(num)
            obj = {k: num}
        if not isinstance(obj, dict):
            raise ValueError(f"budget must be a table like {{ g_steps = 2000 }}, got {obj!r}")
        unknown = set(obj) - set(UNITS)
        if unknown:
            raise ValueError(f"unknown budget kind(s) {sorted(unknown)}; choose one of {', '.join(UNITS)}")
        for k, v in obj.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"budget {k} must be a number, got {v!r} ({type(v).__name__})")
        if isinstance(obj.get("g_steps"), float):
            if not obj["g_steps"].is_integer():
                raise ValueError(f"budget g_steps must be an integer, got {obj['g_steps']!r}")
            obj = {**obj, "g_steps": int(obj["g_steps"])}
        return cls(**obj)

    def done(self, spent: dict) -> bool:
        k, v = self.rule
        key = "wall_s" if k == "seconds" else k
        # kimg and GFLOPs are sums of per-step floats (3,000 steps of 0.016 kimg add up to 47.999...):
        # a relative 1e-9 keeps them from running one step past an exact budget
        return spent[key] >= v * (1 - 1e-9) if k in ("kimg", "gflops") else spent[key] >= v

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}
