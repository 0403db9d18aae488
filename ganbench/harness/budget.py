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


# Nested budgets: the points of a budget at which every trial is judged (issue 41). A point's numbers
# are those of a trial trained to that budget: training does not depend on the grid, so a grid is part
# of neither a trial's config hash nor its checkpoint's key.
GRID_SERIES = (1, 2, 5)  # the 1-2-5 series: 100, 200, 500, 1,000, ... (readable in tables, log-spaced)
GRID_DECADES = 2  # the default grid spans two decades below the budget
FINAL = "final"  # eval_at = "final": the end of the budget only
DEFAULT = "default"  # eval_at = "default": the default grid (what a suite task without eval_at gets)
_SLACK = 1e-9  # relative, as Budget.done: kimg and GFLOPs are sums of per-step floats


def default_grid(budget: Budget) -> tuple:
    """The points a trial is judged at when its suite task declares none, in the budget's unit: the
    points of the 1-2-5 series in [B/100, B) and B itself, seven log-spaced points over two decades
    (10,000 steps: 100, 200, 500, 1,000, 2,000, 5,000, 10,000; 15,000: 200, 500, ..., 10,000, 15,000).
    A g_steps budget keeps the integer points (8 steps: 1, 2, 5, 8). A ``seconds`` budget is not
    nested (a point at t seconds is not a trial trained for t seconds: the same steps take another time
    on every run), so its grid is B alone."""
    budget = Budget.parse(budget)
    unit, total = budget.rule
    if unit == "seconds":
        return (total,)
    from decimal import Decimal

    low = total / 10 ** GRID_DECADES
    exp = math.floor(math.log10(low)) - 1
    points = []
    while True:
        for m in GRID_SERIES:
            # Decimal, so that 0.2 kimg is the float 0.2 a user would write, not 2 * 0.1
            p = float(Decimal(m) * Decimal(10) ** exp)
            if p >= total * (1 - _SLACK):
                return tuple(points) + (total,)
            if p >= low * (1 - _SLACK) and (unit != "g_steps" or p.is_integer()):
                points.append(int(p) if unit == "g_steps" else p)
        exp += 1


def budget_grid(budget: Budget, eval_at=None) -> tuple:
    """The validated points (numbers in the budget's unit, increasing, the budget itself last) of
    ``eval_at``: None or ``"default"`` the :func:`default_grid`; ``"final"`` the budget alone; a list of
    numbers, each in (0, B], to which B is added when it is not the last. Raises ValueError naming
    what is wrong."""
    budget = Budget.parse(budget)
    unit, total = budget.rule
    if eval_at is None or eval_at == DEFAULT:
        return default_grid(budget)
    if eval_at == FINAL:
        return (total,)
    if isinstance(eval_at, str) or not isinstance(eval_at, (list, tuple)) or not eval_at:
        raise ValueError(f"eval_at must be a list of budget points such as [500, 1000, 2000], \"final\" or "
                         f"\"default\", got {eval_at!r}")
    if unit == "seconds":
        raise ValueError("eval_at: a seconds budget is not nested (the same steps take another time on every run, "
                         "so a point at t seconds is not a trial trained for t seconds); use a g_steps, kimg or "
                         "gflops budget, or eval_at = \"final\"")
    points = []
    for p in eval_at:
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not math.isfinite(p) or p <= 0:
            raise ValueError(f"eval_at: every point must be a finite positive number of {unit}, got {p!r}")
        if unit == "g_steps":
            if not float(p).is_integer():
                raise ValueError(f"eval_at: g_steps points must be integers, got {p!r}")
            p = int(p)
        if p > total * (1 + _SLACK):
            raise ValueError(f"eval_at: point {p:g} lies beyond the budget of {total:g} {unit}")
        if points and p <= points[-1] * (1 + _SLACK):
            raise ValueError(f"eval_at: points must increase, got {p:g} after {points[-1]:g}")
        points.append(p)
    if same_point(points[-1], total):
        points[-1] = total
    else:
        points.append(total)
    return tuple(points)


def same_point(a: float, b: float) -> bool:
    """Whether two budget points are the same (kimg and GFLOPs points within a relative 1e-9)."""
    return abs(a - b) <= _SLACK * max(abs(a), abs(b))


def point_done(budget: Budget, point: float, spent: dict) -> bool:
    """Whether ``spent`` has reached ``point`` (in ``budget``'s unit), by the rule of :meth:`Budget.done`."""
    unit, _ = Budget.parse(budget).rule
    return Budget(**{unit: point}).done(spent)
