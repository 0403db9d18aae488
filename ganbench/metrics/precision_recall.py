"""Improved precision and recall (Kynkäänniemi et al. 2019, "Improved precision and recall metric
for assessing generative models", eq. 1-3). Precision: the fraction of fake samples inside at
least one real k-NN ball; recall: the fraction of real samples inside at least one fake k-NN ball.
Balls are closed (``<=``), as in the paper and torch-fidelity. Higher is better for both.
"""
from __future__ import annotations

import torch

from ganbench.metrics._inputs import as_features, check_float32_products, check_positive_int
from ganbench.metrics.balls import Balls
from ganbench.metrics.knn import Points, cross_blocks
from ganbench.utils.device import resolve_device


def prepare_points(real, fake, k: int, device) -> tuple[Points, Points]:
    """Validate a real/fake pair for a k-NN metric and centre both on the real mean."""
    dev = resolve_device(device)
    x = as_features(real, "real", min_samples=2, device=dev)
    y = as_features(fake, "fake", min_samples=2, dim=x.shape[1], device=dev)
    for name, t in (("real", x), ("fake", y)):
        check_float32_products(t, name, "rescale both sets by one factor (k-NN verdicts do not change) or pass float64 arrays")
        if len(t) <= k:
            raise ValueError(f"{name} has {len(t)} samples; k={k} needs at least {k + 1} (use a smaller k)")
    center = x.to(torch.float64).mean(0)
    return Points.make(x, center), Points.make(y, center)


def precision_recall(real, fake, k: int = 3, device="auto") -> tuple[float, float]:
    """(precision, recall) of ``fake`` against ``real`` with k-NN balls; inputs (N, D)."""
    k = check_positive_int(k, "k")
    r, f = prepare_points(real, fake, k, device)
    real_balls = Balls(r, f, k, strict=False)  # precision: fakes inside real balls
    fake_balls = Balls(f, r, k, strict=False)  # recall: reals inside fake balls
    # One cross pass serves both directions: rows are fakes, columns reals.
    for rows, d32 in cross_blocks(f, r):
        real_balls.add_block(d32, rows, balls_along=1)
        fake_balls.add_block(d32, rows, balls_along=0)
    precision = real_balls.finish().queries_inside(len(f))
    recall = fake_balls.finish().queries_inside(len(r))
    return float(precision.double().mean()), float(recall.double().mean())
