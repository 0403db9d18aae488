"""Density and coverage (Naeem et al. 2020, "Reliable fidelity and diversity metrics for generative
models", eq. 3-4). Density: the mean number of real k-NN balls containing a fake sample, divided by
k (can exceed 1). Coverage: the fraction of real balls that contain at least one fake sample.
Balls are open (``<``), as in the authors' prdc package. Higher is better for both.
"""
from __future__ import annotations

from ganbench.metrics._inputs import check_positive_int
from ganbench.metrics.balls import Balls
from ganbench.metrics.knn import cross_blocks
from ganbench.metrics.precision_recall import prepare_points


def density_coverage(real, fake, k: int = 5, device="auto") -> tuple[float, float]:
    """(density, coverage) of ``fake`` against ``real`` with real k-NN balls; inputs (N, D)."""
    k = check_positive_int(k, "k")
    r, f = prepare_points(real, fake, k, device)
    balls = Balls(r, f, k, strict=True)
    for rows, d32 in cross_blocks(f, r):  # rows are fakes, columns the real balls
        balls.add_block(d32, rows, balls_along=1)
    hits = balls.finish()
    # (1 / k) * mean, in prdc's order of operations, so equal inputs give the same float.
    return (1.0 / k) * (len(hits.query) / len(f)), float(hits.balls_hit(len(r)).double().mean())

