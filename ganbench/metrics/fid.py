"""Fréchet distance between Gaussians fitted to features (Heusel et al. 2017, "GANs trained by a
two time-scale update rule converge to a local Nash equilibrium", eq. 6):

    FID = |mu_r - mu_f|^2 + tr(S_r) + tr(S_f) - 2 tr((S_r S_f)^(1/2))

The trace of the square root is computed exactly through a symmetric eigenproblem: with
S_r = L L^T, S_r S_f is similar to L^T S_f L, which is symmetric positive semi-definite, so
tr((S_r S_f)^(1/2)) = sum(sqrt(eigvalsh(L^T S_f L))). No complex numbers, no sqrtm iteration,
and rank-deficient covariances (N < D) take an eigendecomposition route for L instead of Cholesky.
"""
from __future__ import annotations

import numpy as np
import torch

from ganbench.metrics._inputs import as_features
from ganbench.metrics.feature_stats import FeatureStats
from ganbench.utils.device import exact_matmul, resolve_device


def _to_stats(x, name: str, dim: int | None, device: torch.device, precision: str) -> FeatureStats:
    if isinstance(x, FeatureStats):
        if dim is not None and x.dim != dim:
            raise ValueError(f"{name} has feature dimension {x.dim} but the other input has {dim}")
        if x.n < 2:
            raise ValueError(f"{name} holds {x.n} samples; FID needs at least 2")
        return x
    feats = as_features(x, name, min_samples=2, dim=dim, device=device)
    return FeatureStats(feats.shape[1], precision).update(feats)


def _psd_factor(s: torch.Tensor) -> torch.Tensor:
    """A matrix L with L L^T = s for a symmetric PSD s (float64)."""
    L, info = torch.linalg.cholesky_ex(s)
    if int(info) == 0:
        return L
    # Singular (e.g. fewer samples than dimensions): V diag(sqrt(lambda)) with lambda clipped at 0,
    # keeping only the columns that carry variance (also shrinks the eigenproblem below).
    w, v = torch.linalg.eigh(s)
    keep = w > w.max().clamp_min(0) * s.shape[0] * torch.finfo(s.dtype).eps
    return v[:, keep] * w[keep].sqrt()


def trace_sqrt_product(sigma1, sigma2, device="auto") -> float:
    """tr((sigma1 sigma2)^(1/2)) for symmetric PSD (D, D) matrices, exactly, in float64."""
    dev = resolve_device(device)
    with exact_matmul():
        s1 = torch.as_tensor(np.asarray(sigma1), dtype=torch.float64, device=dev)
        s2 = torch.as_tensor(np.asarray(sigma2), dtype=torch.float64, device=dev)
        L = _psd_factor(s1)
        m = L.T @ s2 @ L
        ev = torch.linalg.eigvalsh((m + m.T) / 2)
        return float(ev.clamp_min(0).sqrt().sum())


def frechet_distance(mu1, sigma1, mu2, sigma2, device="auto") -> float:
    """FID from Gaussian parameters: means (D,), covariances (D, D). Returns a float >= 0 up to rounding."""
    mu1, mu2 = np.asarray(mu1, dtype=np.float64), np.asarray(mu2, dtype=np.float64)
    sigma1, sigma2 = np.asarray(sigma1, dtype=np.float64), np.asarray(sigma2, dtype=np.float64)
    if mu1.shape != mu2.shape or mu1.ndim != 1:
        raise ValueError(f"means must be (D,) vectors of equal size, got {mu1.shape} and {mu2.shape}")
    d = mu1.shape[0]
    for name, s in (("sigma1", sigma1), ("sigma2", sigma2)):
        if s.shape != (d, d):
            raise ValueError(f"{name} must have shape ({d}, {d}), got {s.shape}")
        if not np.isfinite(s).all():
            raise ValueError(f"{name} contains NaN or Inf; recompute the statistics from finite features")
    diff = mu1 - mu2
    tr_sqrt = trace_sqrt_product(sigma1, sigma2, device=device)
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_sqrt)


def fid(real, fake, device="auto", precision: str = "mixed") -> float:
    """Fréchet Inception Distance between two feature sets (lower is better).

    Args:
        real, fake: (N, D) features as ``np.ndarray`` / ``torch.Tensor``, or ``FeatureStats``.
        device: "auto" (CUDA when present), "cpu" or "cuda[:N]" for the matrix square root.
        precision: Gram products for features given as arrays, ``"mixed"`` or ``"float64"``
            (see :mod:`ganbench.metrics.feature_stats`); the square root is always float64.

    Returns:
        FID as a Python float, in squared feature units.
    """
    dev = resolve_device(device)
    dim = real.dim if isinstance(real, FeatureStats) else None
    s_real = _to_stats(real, "real", dim, dev, precision)
    s_fake = _to_stats(fake, "fake", s_real.dim, dev, precision)
    return frechet_distance(s_real.mean, s_real.cov, s_fake.mean, s_fake.cov, device=device)
