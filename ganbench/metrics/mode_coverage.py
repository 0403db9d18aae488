"""Mode coverage on Gaussian mixtures (Srivastava et al. 2017, VEEGAN; Lin et al. 2018, PacGAN):
assign each sample to its nearest center; it is *high quality* when that distance is below
``threshold * std``. A mode is covered when it receives at least ``min_count`` high-quality samples.
"""
from __future__ import annotations

import numpy as np
import torch

from ganbench.metrics._inputs import as_features, check_positive_int


def nearest_modes(samples, centers, std: float, threshold: float = 3.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Each of the (N, D) ``samples``' nearest of the (K, D) ``centers`` (N,) int64 and whether it is
    high quality (N,) bool: within ``threshold * std`` of that center."""
    x = as_features(samples, "samples", min_samples=1, dtype=torch.float64, device=torch.device("cpu"))
    c = as_features(centers, "centers", min_samples=1, dim=x.shape[1], dtype=torch.float64, device=torch.device("cpu"))
    if not (np.isfinite(std) and std > 0):
        raise ValueError(f"std must be a positive number (the mixture's component std), got {std!r}")
    if not (np.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be positive (in units of std), got {threshold!r}")
    nearest_dist = torch.empty(len(x), dtype=torch.float64)
    nearest = torch.empty(len(x), dtype=torch.int64)
    for s in range(0, len(x), 8192):  # bounded memory for large N x K
        d = torch.cdist(x[s : s + 8192], c, compute_mode="donot_use_mm_for_euclid_dist")
        v, i = d.min(1)
        nearest_dist[s : s + 8192], nearest[s : s + 8192] = v, i
    return nearest, nearest_dist < threshold * std


def mode_coverage(samples, centers, std: float, threshold: float = 3.0, min_count: int = 1) -> dict:
    """Mode statistics of (N, D) ``samples`` against (K, D) mixture ``centers``.

    Returns a dict with ``modes_covered`` (int), ``high_quality_fraction`` (float),
    ``reverse_kl`` (KL(p_hq || uniform) of the histogram of modes hit by high-quality samples, in
    nats; 0 for a perfectly balanced sampler, log(K/m) for one spread evenly over m modes) and
    ``counts`` (high-quality samples per mode, list of K ints).
    """
    min_count = check_positive_int(min_count, "min_count")
    nearest, hq = nearest_modes(samples, centers, std, threshold)
    n_modes = len(centers)
    counts = torch.bincount(nearest[hq], minlength=n_modes)
    n_hq = int(hq.sum())
    if n_hq:
        p = counts.double() / n_hq
        nz = p > 0
        reverse_kl = float((p[nz] * (p[nz] * n_modes).log()).sum())
    else:
        reverse_kl = float("inf")  # no high-quality sample: maximally far from the uniform target
    return {
        "modes_covered": int((counts >= min_count).sum()),
        "high_quality_fraction": n_hq / len(hq),
        "reverse_kl": reverse_kl,
        "counts": [int(v) for v in counts],
    }


def label_coverage(labels, n_modes: int) -> dict:
    """Mode statistics from discrete mode labels, e.g. the (R, G, B) digit triple of a stacked-digits
    sample mapped to 0..999 (Metz et al. 2017; Lin et al. 2018, PacGAN, Table 2).

    ``labels``: (N,) integers in [0, n_modes). Returns ``modes_covered`` (modes with at least one
    sample), ``kl_modes`` (KL(p_gen || uniform) of the label histogram, nats) and ``counts``.
    """
    y = torch.as_tensor(np.asarray(labels) if not isinstance(labels, torch.Tensor) else labels).reshape(-1)
    n_modes = check_positive_int(n_modes, "n_modes")
    if y.numel() == 0:
        raise ValueError("labels is empty; pass at least one sample's mode label")
    if y.dtype.is_floating_point or y.dtype == torch.bool:
        raise ValueError(f"labels must be integers, got dtype {y.dtype}")
    if int(y.min()) < 0 or int(y.max()) >= n_modes:
        raise ValueError(f"labels must lie in [0, {n_modes}), got [{int(y.min())}, {int(y.max())}]")
    counts = torch.bincount(y.long().cpu(), minlength=n_modes)
    p = counts.double() / y.numel()
    nz = p > 0
    return {
        "modes_covered": int(nz.sum()),
        "kl_modes": float((p[nz] * (p[nz] * n_modes).log()).sum()),
        "counts": [int(v) for v in counts],
    }
