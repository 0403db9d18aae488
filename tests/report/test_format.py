import math
import re

import numpy as np
import pytest

from ganbench.report.format import (NOISE, count, decimals, estimate, fixed, interval, p_value, round_to_ci, signed,
                                    significant)


@pytest.mark.parametrize("mean,half,text", [
    (0.0148, 0.00527, "0.015 ± 0.005"),  # the core grid's real-row FID
    (0.0173, 0.0113, "0.017 ± 0.011"),  # a leading 1 keeps two digits
    (7.8, 0.447, "7.8 ± 0.4"),
    (20.0, 1.87, "20 ± 2"),
    (24.0, 1.0, "24.0 ± 1.0"),
    (3317.0, 612.0, "3300 ± 600"),  # tens and hundreds round too
    (15.628, 0.0671, "15.63 ± 0.07"),
    (0.00101, 0.00109, "0.0010 ± 0.0011"),
    (0.0096, 0.0096, "0.010 ± 0.010"),  # 0.0096 rounds to 0.01, whose leading digit is 1
    (-2.2, 0.31, "-2.2 ± 0.3"),
    (-0.0001, 0.01, "0.000 ± 0.010"),  # no "-0.000"
    (25.0, 0.0, "25 ± 0"),  # no spread: the mean's own digits
    (0.9824234276361935, 1.4e-16, "0.982 ± 0"),  # equal seeds, std left by float rounding
    (3.2188758, 0.0, "3.22 ± 0"),
    (0.0123, math.nan, "0.0123"),  # one seed: no uncertainty to round by
    (math.inf, math.nan, "∞"),  # reverse KL of a generator with no high-quality sample
    (math.nan, math.nan, "—"),
])
def test_round_to_ci(mean, half, text):
    assert round_to_ci(mean, half) == text


def test_percent_values():
    assert round_to_ci(0.964, 0.00454, percent=True) == "96.4 ± 0.5 %"
    assert round_to_ci(0.946, 0.0713, percent=True) == "95 ± 7 %"
    assert round_to_ci(1.0, 0.0, percent=True) == "100 ± 0 %"
    assert round_to_ci(0.5, math.nan, percent=True) == "50 %"
    assert interval(0.961, 0.967, percent=True) == "[96.1, 96.7] %"


def test_rounding_keeps_the_rule_on_random_values():
    # The shown uncertainty has one significant digit (two when it starts with 1), the shown mean sits
    # at the same decimal place, and both are within half a unit of that place of the true values.
    rng = np.random.default_rng(0)
    for _ in range(2000):
        half = float(10 ** rng.uniform(-6, 5))
        mean = float(rng.normal(0, 10 ** rng.uniform(-6, 6)))
        if half <= NOISE * abs(mean):  # float noise of equal seeds: "± 0" (its own case above)
            continue
        shown_mean, shown_half = round_to_ci(mean, half).split(" ± ")
        digits = re.sub(r"^0\.0*|\.", "", shown_half).lstrip("0")
        assert len(digits.rstrip("0") or "0") <= (2 if digits.startswith("1") else 1), (mean, half, shown_half)
        places = decimals(half)
        unit = 10.0 ** -places
        assert abs(float(shown_mean) - mean) <= unit / 2 * (1 + 1e-9) + abs(mean) * 1e-15, (mean, half)
        assert abs(float(shown_half) - half) <= unit / 2 * (1 + 1e-9), (mean, half)
        assert len(shown_mean.partition(".")[2]) == len(shown_half.partition(".")[2]) == max(places, 0)


def test_decimals_of_degenerate_uncertainties():
    assert decimals(0.0) is None and decimals(math.nan) is None and decimals(math.inf) is None
    assert decimals(-1.0) is None
    assert decimals(0.05) == 2 and decimals(0.15) == 2 and decimals(140.0) == -1
    assert decimals(150.0) == -2  # 150 rounds to 2e2 first


def test_interval_rounds_by_its_half_width():
    assert interval(22.76, 25.24) == "[22.8, 25.2]"
    # no zero-width interval is printed (the old "[8, 8]" and "[0.982, 0.982]"): it says nothing
    assert interval(8.0, 8.0) == "—" and interval(0.98242342763619, 0.98242342763620) == "—"
    assert interval(math.nan, 1.0) == "—"
    # an end that rounds to zero keeps a digit of its own: the sign, and whether 0 is inside, stay readable
    assert interval(0.003, 0.5) == "[0.003, 0.5]" and interval(-0.486, 2.79) == "[-0.5, 3]"
    assert interval(-0.0004, 0.2) == "[-0.0004, 0.20]" and interval(-0.01, 0.9) == "[-0.01, 0.9]"


def test_estimates_effect_sizes_and_probabilities():
    assert estimate(0.0673, -0.03, 0.16) == "0.07 [-0.03, 0.16]"  # the estimate at its interval's place
    assert estimate(0.0463, -0.1, 0.2) == "0.05 [-0.1, 0.2]" and estimate(1.0, math.nan, math.nan) == "1 —"
    assert estimate(math.inf, math.nan, math.nan) == "∞ —"
    assert signed(0.5) == "+0.50" and signed(-0.324) == "-0.32" and signed(-0.001) == "0.00"
    assert signed(-math.inf) == "-∞" and signed(math.nan) == "—"
    assert fixed(0.349) == "0.35" and fixed(-0.001) == "0.00" and fixed(None) == "—"


def test_p_values_counts_and_significant_digits():
    assert p_value(4.3e-7) == "< 0.001" and p_value(0.0) == "< 0.001"
    assert p_value(0.031) == "0.031" and p_value(0.5) == "0.5" and p_value(math.nan) == "—"
    assert count(15000.0) == "15,000" and count(3316.78) == "3,317" and count(71.733) == "71.7"
    assert count(math.nan) == "—" and count(None) == "—"
    assert significant(0.00101) == "0.00101" and significant(25.0) == "25" and significant(3.4e-7) == "3.40e-7"
    assert significant(-math.inf) == "-∞" and significant(0.0) == "0"
