"""Improved precision and recall (Kynkäänniemi et al. 2019, "Improved precision and recall metric
for assessing generative models", eq. 1-3). Precision: the fraction of fake samples inside at
least one real k-NN ball; recall: the fraction of real samples inside at least one fake k-NN ball.
Balls are closed (``<=``), as in the paper and torch-fidelity. Higher is better for both.
"""
from __future__ import annotations

import torch

from ganbench.metrics._inputs import as_features, check_positive_int, resolve_device
from ganbench.metrics.knn import Points, block_any, cross_blocks, kth_nn_sqradius


def prepare_points(real, fake, k: int, device) -> tuple[Points, Points]:
    """Validate a real/fake pair for a k-NN metric and centre both on the real mean."""
    dev = resolve_device(device)
    x = as_features(real, "real", min_samples=2, device=dev)
    y = as_features(fake, "fake", min_samples=2, dim=x.shape[1], device=dev)
    for name, t in (("real", x), ("fake", y)):
        if len(t) <= k:
            raise ValueError(f"{name} has {len(t)} samples; k={k} needs at least {k + 1} (use a smaller k)")
    center = x.to(torch.float64).mean(0)
    return Points.make(x, center), Points.make(y, center)


def precision_recall(real, fake, k: int = 3, device="auto") -> tuple[float, float]:
    """(precision, recall) of ``fake`` against ``real`` with k-NN balls; inputs (N, D)."""
    k = check_positive_int(k, "k")
    r, f = prepare_points(real, fake, k, device)
    r_rad, f_rad = kth_nn_sqradius(r, k), kth_nn_sqradius(f, k)
    fake_in_real = torch.zeros(len(f), dtype=torch.bool, device=r.x.device)
    real_in_fake = torch.zeros(len(r), dtype=torch.bool, device=r.x.device)
    r_thr, f_thr = r_rad[None, :], f_rad[:, None]
    r_thr32, f_thr32 = r_thr.float(), f_thr.float()
    for rows, d32, tol in cross_blocks(f, r):
        # Precision: this fake inside some real ball; recall: this real inside some fake ball.
        fake_in_real[rows] = block_any(d32 - r_thr32, tol, 1, f, rows, r, r_thr, strict=False)
        real_in_fake |= block_any(d32 - f_thr32[rows], tol, 0, f, rows, r, f_thr[rows], strict=False)
    return float(fake_in_real.double().mean()), float(real_in_fake.double().mean())
