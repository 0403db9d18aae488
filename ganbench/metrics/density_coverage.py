"""Density and coverage (Naeem et al. 2020, "Reliable fidelity and diversity metrics for generative
models", eq. 3-4). Density: the mean number of real k-NN balls containing a fake sample, divided by
k (can exceed 1). Coverage: the fraction of real balls that contain at least one fake sample.
Balls are open (``<``), as in the authors' prdc package. Higher is better for both.
"""
from __future__ import annotations

import torch

from ganbench.metrics._inputs import check_positive_int
from ganbench.metrics.knn import cross_blocks, kth_nn_sqradius, row_count
from ganbench.metrics.precision_recall import prepare_points


def density_coverage(real, fake, k: int = 5, device="auto") -> tuple[float, float]:
    """(density, coverage) of ``fake`` against ``real`` with real k-NN balls; inputs (N, D)."""
    k = check_positive_int(k, "k")
    r, f = prepare_points(real, fake, k, device)
    r_rad = kth_nn_sqradius(r, k)
    hits = torch.zeros(len(f), dtype=torch.float64, device=r.x.device)
    covered = torch.zeros(len(r), dtype=torch.bool, device=r.x.device)
    thr = r_rad[None, :]
    thr32 = thr.float()
    for rows, d32, tol in cross_blocks(f, r):
        count, col = row_count(d32 - thr32, tol, f, rows, r, thr, strict=True)
        hits[rows] = count.to(torch.float64)
        covered |= col
    return float(hits.mean() / k), float(covered.double().mean())
