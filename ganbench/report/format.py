"""Number formatting for every human table (the html page, the Markdown and CSV-free text of
leaderboards, ``compare`` and claims): digits chosen from the uncertainty, so a table never shows more
precision than its seeds support, and one number reads the same wherever it is printed.

The rule (the Particle Data Group's, simplified): the uncertainty keeps one significant digit, two
when that digit is 1 (``0.0148 -> 0.015``, ``0.053 -> 0.05``); the mean is rounded to the same
decimal place. ``0.0148 ± 0.00527`` reads ``0.015 ± 0.005``; ``3317 ± 612`` reads ``3300 ± 600``.
A value without an uncertainty (one seed, an infinite value) keeps three significant digits.
"""
from __future__ import annotations

import math

DASH = "—"  # a missing value (no successful seed)
INFINITY = "∞"
SIGNIFICANT = 3  # digits of a value shown without an uncertainty
# A spread below this fraction of the value is rounding noise of equal seeds (a std of 1e-16 on a
# mean of 0.98), not an uncertainty to take digits from: it prints as ± 0.
NOISE = 1e-9


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def decimals(uncertainty: float) -> int | None:
    """Decimal places that keep one significant digit of ``uncertainty`` (two when it begins with 1);
    negative for tens, hundreds, ...; None when it is zero, negative, NaN or infinite."""
    if _missing(uncertainty) or not math.isfinite(uncertainty) or uncertainty <= 0:
        return None
    lead, exp = f"{uncertainty:.0e}".split("e")  # rounded first, so 0.0096 counts as 0.01
    return (2 if lead == "1" else 1) - 1 - int(exp)


def _fixed(x: float, places: int) -> str:
    if places >= 0:
        text = f"{x:.{places}f}"
    else:  # round to tens, hundreds, ... and print the integer
        text = f"{round(x, places):.0f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text  # no "-0.00"


def significant(x, digits: int = SIGNIFICANT) -> str:
    """``x`` with at most ``digits`` significant digits, trailing zeros dropped, without exponent
    for everyday magnitudes (``15000``, ``71.7``, ``0.00101``, ``25``); ``∞`` and ``—`` for
    infinite and missing values."""
    if _missing(x):
        return DASH
    x = float(x)
    if math.isinf(x):
        return INFINITY if x > 0 else f"-{INFINITY}"
    if x == 0:
        return "0"
    exp = math.floor(math.log10(abs(x)))
    if exp >= digits + 3 or exp < -4:  # 1.2e+08, 3.4e-07: an exponent reads better than zeros
        return f"{x:.{digits - 1}e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")
    text = _fixed(x, max(0, digits - 1 - exp))
    return text.rstrip("0").rstrip(".") if "." in text else text  # 25, not 25.0: no digit claimed


def round_to_ci(mean, half_width, percent: bool = False) -> str:
    """``mean ± half_width`` with the digits the uncertainty supports, e.g. ``round_to_ci(0.0148,
    0.00527) == "0.015 ± 0.005"``. ``half_width`` may be a std or a CI's half width (the caller says
    which in its legend); zero prints ``± 0`` after the mean's own digits; NaN (one seed) prints the
    mean alone. ``percent``: fractions shown as percent, ``0.964, 0.0045 -> "96.4 ± 0.5 %"``."""
    if _missing(mean):
        return DASH
    scale, unit = (100.0, " %") if percent else (1.0, "")
    m = float(mean) * scale
    if math.isinf(m):
        return significant(m)
    h = math.nan if _missing(half_width) else abs(float(half_width)) * scale
    if h <= NOISE * abs(m):
        h = 0.0
    places = decimals(h)
    if places is None:
        text = significant(m)
        return f"{text} ± 0{unit}" if h == 0 else f"{text}{unit}"
    return f"{_fixed(m, places)} ± {_fixed(h, places)}{unit}"


def interval(lo, hi, percent: bool = False) -> str:
    """A confidence interval ``[lo, hi]`` rounded by its half width, e.g. ``[22.8, 25.2]``. An end that
    would round to zero keeps one significant digit of its own (``[0.003, 0.5]``, not ``[0.0, 0.5]``), so
    whether the interval crosses 0 stays readable and no ``-0.0`` is printed. Undefined (NaN) and
    zero-width intervals print ``—``: an interval without width says nothing."""
    if _missing(lo) or _missing(hi):
        return DASH
    scale, unit = (100.0, " %") if percent else (1.0, "")
    lo, hi = float(lo) * scale, float(hi) * scale
    if math.isinf(lo) or math.isinf(hi):
        return f"[{significant(lo)}, {significant(hi)}]{unit}"
    if not (hi - lo) / 2 > NOISE * max(abs(lo), abs(hi)):
        return DASH
    places = decimals((hi - lo) / 2)

    def end(x: float) -> str:
        text = _fixed(x, places)
        return significant(x, 1) if x != 0 and float(text) == 0 else text

    return f"[{end(lo)}, {end(hi)}]{unit}"


def estimate(x, lo, hi, percent: bool = False) -> str:
    """A point estimate and its confidence interval, ``0.07 [-0.03, 0.16]``: the estimate at the decimal
    place of the interval's ends (:func:`interval`), or three significant digits where the interval is
    undefined (``1 —``)."""
    text = interval(lo, hi, percent)
    if _missing(x):
        return f"{DASH} {text}"
    scale = 100.0 if percent else 1.0
    v = float(x) * scale
    if text == DASH or math.isinf(v) or math.isinf(float(lo)) or math.isinf(float(hi)):
        return f"{significant(v)} {text}"
    places = decimals((float(hi) - float(lo)) * scale / 2)
    shown = _fixed(v, places)
    return f"{significant(v, 1) if v != 0 and float(shown) == 0 else shown} {text}"


def fixed(x, places: int = 2) -> str:
    """``x`` with ``places`` decimals (a probability, ``0.35``), never ``-0.00``; ``—`` when missing."""
    if _missing(x):
        return DASH
    x = float(x)
    return significant(x) if math.isinf(x) else _fixed(x, places)


def signed(x, places: int = 2) -> str:
    """``x`` with an explicit sign and ``places`` decimals (an effect size, ``+0.50``, ``-0.32``, ``+∞``);
    zero and what rounds to it print unsigned (``0.00``); ``—`` when missing."""
    if _missing(x):
        return DASH
    x = float(x)
    if math.isinf(x):
        return ("+" if x > 0 else "-") + INFINITY
    text = _fixed(x, places)
    return text if float(text) == 0 or text.startswith("-") else "+" + text


def p_value(p) -> str:
    """A p-value with two significant digits, ``< 0.001`` below that (the exact value belongs in a
    tooltip or the CSV)."""
    if _missing(p):
        return DASH
    return "< 0.001" if p < 1e-3 else significant(p, 2)


def count(x) -> str:
    """A cost or a count: integers with thousands separators (``15,000``), other values with three
    significant digits (``71.7``); ``—`` when missing."""
    if _missing(x):
        return DASH
    x = float(x)
    if math.isfinite(x) and abs(x) >= 100:
        return f"{round(x):,}"
    return significant(x)
