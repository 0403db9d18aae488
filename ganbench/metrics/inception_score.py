"""Inception Score (Salimans et al. 2016, "Improved techniques for training GANs"):
IS = exp(E_x KL(p(y|x) || p(y))), computed on ``splits`` consecutive splits, no shuffling.
Higher is better; bounded by the number of classes.
"""
from __future__ import annotations

import numpy as np
import torch

from ganbench.metrics._inputs import as_features, check_positive_int


def inception_score(logits, splits: int = 10) -> tuple[float, float]:
    """IS from classifier logits of shape (N, C), as (mean, std) over splits (float64).

    Splits are consecutive slices ``[i*N//splits, (i+1)*N//splits)``, as in torch-fidelity with
    ``shuffle=False``; std is the population standard deviation over splits.
    """
    splits = check_positive_int(splits, "splits")
    z = as_features(logits, "logits", min_samples=1, dtype=torch.float64, device=torch.device("cpu"))
    n = z.shape[0]
    if n < splits:
        raise ValueError(f"logits has {n} samples but splits={splits}; use splits <= {n}")
    log_p = z.log_softmax(dim=1)
    p = log_p.exp()
    scores = []
    for i in range(splits):
        sl = slice(i * n // splits, (i + 1) * n // splits)
        log_q = p[sl].mean(dim=0).log()
        kl = (p[sl] * (log_p[sl] - log_q)).sum(dim=1).mean()
        scores.append(float(kl.exp()))
    return float(np.mean(scores)), float(np.std(scores))
