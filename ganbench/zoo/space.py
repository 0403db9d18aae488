"""Search spaces: where a recipe's hyper-parameters are tuned, as distributions to sample from.

A space maps hyper-parameter names (recipe fields such as ``lr``, ``gp``, ``pack``; ``beta1`` for
Adam's β1) to one of three distributions, written as they print:

- ``logU[1e-5,1e-2]``: log-uniform, ``10 ** U[log10 low, log10 high)`` (learning rates and penalty
  weights, sampled so in Lucic et al. 2018: google/compare_gan v1, src/params.py);
- ``U[0,1]``: uniform on ``[low, high)``;
- ``{1,5}``: a uniform choice among values.

Which fields are tunable, their ranges and where the ranges come from are declared once, on the
recipe's fields (``ganbench.zoo.recipe``); a variant's space is the tunable fields its recipe uses.
:func:`narrower` says where one space leaves out part of another (a plugin tuned in a smaller region
than the baselines it is compared with).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

_REL = 1e-9  # sampled endpoints round (10 ** log10 x is not always x): containment is up to this


def _num(x) -> str:
    """A range's bound as people write it: ``1e-5``, ``2e-4``, ``0.1``, ``100``."""
    if isinstance(x, float) and 0 < abs(x) <= 0.01:
        mantissa, exponent = f"{x:.6e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    text = f"{x:g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text


@dataclass(frozen=True)
class LogUniform:
    """``10 ** U[log10 low, log10 high)``; ``0 < low <= high``."""

    low: float
    high: float

    def __post_init__(self):
        if not (math.isfinite(self.low) and math.isfinite(self.high) and 0 < self.low <= self.high):
            raise ValueError(f"log-uniform range needs 0 < low <= high, finite; got [{self.low}, {self.high}]")

    def sample(self, rng: np.random.Generator) -> float:
        return float(10 ** rng.uniform(math.log10(self.low), math.log10(self.high)))

    def __contains__(self, x) -> bool:
        return _is_number(x) and self.low * (1 - _REL) <= x <= self.high * (1 + _REL)

    def bounds(self) -> tuple[float, float]:
        return self.low, self.high

    def __str__(self) -> str:
        return f"logU[{_num(self.low)},{_num(self.high)}]"


@dataclass(frozen=True)
class Uniform:
    """``U[low, high)``; ``low <= high``."""

    low: float
    high: float

    def __post_init__(self):
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low <= self.high):
            raise ValueError(f"uniform range needs low <= high, finite; got [{self.low}, {self.high}]")

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    def __contains__(self, x) -> bool:
        tol = _REL * max(1.0, abs(self.low), abs(self.high))
        return _is_number(x) and self.low - tol <= x <= self.high + tol

    def bounds(self) -> tuple[float, float]:
        return self.low, self.high

    def __str__(self) -> str:
        return f"U[{_num(self.low)},{_num(self.high)}]"


@dataclass(frozen=True)
class Choice:
    """One of ``values``, each as likely."""

    values: tuple

    def __post_init__(self):
        values = tuple(self.values)
        if not values or len(set(values)) != len(values):
            raise ValueError(f"a choice needs distinct values, got {list(values)}")
        object.__setattr__(self, "values", values)

    def sample(self, rng: np.random.Generator):
        return self.values[int(rng.integers(len(self.values)))]

    def __contains__(self, x) -> bool:
        return any(x == v and type(x) is not bool for v in self.values)

    def bounds(self) -> tuple:
        return min(self.values), max(self.values)

    def __str__(self) -> str:
        return "{" + ",".join(_num(v) if _is_number(v) else str(v) for v in self.values) + "}"


Distribution = LogUniform | Uniform | Choice


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def covers(wide: Distribution, narrow: Distribution) -> bool:
    """Whether every value ``narrow`` can draw, ``wide`` can draw too."""
    if isinstance(narrow, Choice):
        return all(v in wide for v in narrow.values)
    if isinstance(wide, Choice):  # a continuous range inside a finite set: only a single point
        return narrow.low == narrow.high and narrow.low in wide
    return narrow.low in wide and narrow.high in wide


_PATTERN = re.compile(r"\s*(logU|U)\s*\[\s*([^,\]]+)\s*,\s*([^\]]+)\s*\]\s*|\s*\{([^}]*)\}\s*")


def parse_distribution(text: str) -> Distribution:
    """A distribution from its printed form: ``logU[1e-5,1e-2]``, ``U[0,1]``, ``{2,4}``."""
    m = _PATTERN.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"cannot read {text!r} as a range; write logU[low,high], U[low,high] or {{a,b,...}}")
    try:
        if m.group(1):
            lo, hi = float(m.group(2)), float(m.group(3))
            return LogUniform(lo, hi) if m.group(1) == "logU" else Uniform(lo, hi)
        return Choice(tuple(_literal(t) for t in m.group(4).split(",")))
    except ValueError as exc:
        raise ValueError(f"range {text!r}: {exc}") from None


def _literal(token: str):
    token = token.strip()
    for kind in (int, float):
        try:
            return kind(token)
        except ValueError:
            pass
    if not token:
        raise ValueError("empty value in a choice")
    return token


def as_distribution(value) -> Distribution:
    """A distribution itself, or one read from its printed form (see :func:`parse_distribution`)."""
    if isinstance(value, (LogUniform, Uniform, Choice)):
        return value
    return parse_distribution(value)


DISPLAY = {"beta1": "β1"}  # how a hyper-parameter's name prints where it is not a field name


def format_space(space: dict) -> str:
    """``lr∈logU[1e-5,1e-2]; β1∈U[0,1]; gp∈logU[0.1,100]`` ("-" for an empty space)."""
    return "; ".join(f"{DISPLAY.get(k, k)}∈{d}" for k, d in space.items()) or "-"


def narrower(space: dict, than: dict) -> dict[str, str]:
    """Where ``space`` leaves out part of ``than``: per hyper-parameter ``than`` tunes, why (tuned in
    a range that does not cover ``than``'s, or not tuned at all); empty when ``space`` covers
    ``than`` everywhere. Hyper-parameters only ``space`` tunes do not make it narrower."""
    out = {}
    for k, wide in than.items():
        name = DISPLAY.get(k, k)
        if k not in space:
            out[k] = f"{name} is fixed where the other space tunes it in {wide}"
        elif not covers(space[k], wide):
            out[k] = f"{name}∈{space[k]} does not cover {wide}"
    return out
