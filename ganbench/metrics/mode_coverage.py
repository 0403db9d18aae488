"""Mode coverage on Gaussian mixtures (Srivastava et al. 2017, VEEGAN; Lin et al. 2018, PacGAN):
assign each sample to its nearest center; it is *high quality* when that distance is below
``threshold * std``. A mode is covered when it receives at least ``min_count`` high-quality samples.

Modes and the high-quality fraction are reported side by side in those papers because each alone
can be gamed: spraying samples everywhere covers every mode, and one sharp mode is all high quality.
The headline that ranks is therefore one proper number, :func:`mode_tv`: the total variation distance
between the categorical distributions over {mode 1..K, off every mode} of the generated samples and
of the real distribution under the same 3-std rule,

    TV(q, p) = 1/2 (sum_k |q_k - p_k| + |q_off - p_off|),

0 only when the generator puts the real share on every mode and off them, and growing with missing
modes, unbalanced modes and off-mode mass alike (the share of probability mass that would have to
move). The real distribution's categories are known in closed form (:func:`real_mode_probabilities`),
so no second sample's noise enters the score; the leaderboard's ``real`` row (fresh held-out samples)
shows the noise floor of n generated samples. TV rather than Jensen-Shannon: it is bounded by 1, reads
as a share of samples, and stays finite and linear when a mode gets no sample at all.
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


def real_mode_probabilities(n_modes: int, dim: int, std: float, mode_std: float, threshold: float,
                            weights=None) -> np.ndarray:
    """(K + 1,) the real mixture's probability of each category of the 3-std rule: mode k (its weight
    times P(|noise| < threshold * mode_std)), then off every mode. For an isotropic Gaussian of
    per-coordinate ``std`` in ``dim`` dimensions, |noise|^2 / std^2 is chi-square with ``dim`` degrees
    of freedom (2-D at 3 std: 1 - exp(-4.5) = 0.9889). A real sample's nearest center is its own
    component when the components are far apart in units of std, as in every shipped mixture."""
    from scipy.stats import chi2

    n_modes = check_positive_int(n_modes, "n_modes")
    w = np.full(n_modes, 1.0 / n_modes) if weights is None else np.asarray(weights, np.float64)
    if w.shape != (n_modes,) or np.any(w < 0) or not np.isclose(w.sum(), 1.0):
        raise ValueError(f"weights must be {n_modes} non-negative numbers summing to 1")
    inside = float(chi2.cdf((threshold * mode_std / std) ** 2, dim))
    return np.concatenate([w * inside, [1.0 - inside]])


def total_variation(p, q) -> float:
    """Total variation distance 1/2 sum |p - q| between two categorical distributions (same length)."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    if p.shape != q.shape or p.ndim != 1:
        raise ValueError(f"p and q must be 1-D distributions of the same length, got {p.shape} and {q.shape}")
    return float(0.5 * np.abs(p - q).sum())


def mode_tv(counts, n_samples: int, real_probs) -> float:
    """TV between the generated categories (``counts``: high-quality samples per mode, K ints, of
    ``n_samples``; the rest are off every mode) and the real ones (``real_probs``, K + 1)."""
    counts = np.asarray(counts, np.float64)
    if n_samples < 1 or counts.sum() > n_samples or np.any(counts < 0):
        raise ValueError(f"counts must be non-negative and sum to at most n_samples={n_samples}")
    q = np.concatenate([counts, [n_samples - counts.sum()]]) / n_samples
    return total_variation(q, real_probs)


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
