"""The data-copying test C_T (Meehan, Chaudhuri & Dasgupta 2020, "A Non-Parametric Test to Detect
Data-Copying in Generative Models", AISTATS, Sec. 3).

FID, precision/recall and a classifier's confidence all reward a generator that reproduces its
training set: on a small training set they can pass the held-out ceiling. C_T asks whether generated
samples lie closer to the training set T than new samples of the same distribution do. The space is
cut into cells by k-means on T; in each cell π the distances of the held-out samples P_n(π) and of the
generated samples Q_m(π) to their nearest training sample *of that cell* are compared by the
Mann-Whitney U test, z-scored under the null that both come from one distribution (Z_U(π)). C_T is
the mean of Z_U over the cells holding more than τ·m generated samples, weighted by each cell's share
of held-out samples (τ = 20/m, as the paper's MNIST experiment):

    C_T = Σ_{π∈Π_τ} P_n(π) Z_U(π) / Σ_{π∈Π_τ} P_n(π)

C_T ≪ 0: generated samples sit closer to the training set than new data (copying; the paper flags
C_T < -3); C_T ≫ 0: farther (underfitting); near 0: neither. Z_U follows the authors' reference code:
U counts the (generated, held-out) pairs in which the generated sample is the farther one (ties
count 1/2), and the continuity correction moves U by 1/2 towards the alternative "closer".
"""
from __future__ import annotations

import hashlib
import math

import numpy as np
import torch

from ganbench.metrics._inputs import as_features, check_positive_int
from ganbench.utils.cache import ProcessCache

MIN_FAKE_PER_CELL = 20  # the paper's τ·m: a cell enters C_T with more generated samples than this
COPYING_THRESHOLD = -3.0  # Meehan et al. 2020: C_T below it is evidence of data copying
_BLOCK_ROWS = 4096
_FITS = ProcessCache(kept=4)  # (digest of T, n_cells, seed) -> the k-means fitted on T


def _cells_of(train: torch.Tensor, n_cells: int, seed: int):
    """The k-means cells of the training set (scikit-learn, ``seed``), fitted once per process and
    training set: every judgement of a task (each seed, each budget point, G and its average) cuts
    the same T, and the fit took two thirds of a digits evaluation. The same data, cells and seed give
    the same fit, so the cache changes no value."""
    from sklearn.cluster import KMeans

    x = np.ascontiguousarray(train.numpy())
    key = (hashlib.sha256(x.tobytes()).hexdigest(), x.shape, x.dtype.str, n_cells, seed)
    if key in _FITS:
        _FITS.move_to_end(key)
        return _FITS[key]
    return _FITS.keep(key, KMeans(n_clusters=n_cells, n_init=10, random_state=seed).fit(x))


def nearest_distances(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Euclidean distance (float64) from each row of ``x`` (N, D) to its nearest row of ``ref`` (M, D)."""
    x, ref = x.to(torch.float64), ref.to(torch.float64)
    return torch.cat([torch.cdist(x[i:i + _BLOCK_ROWS], ref).amin(1) for i in range(0, len(x), _BLOCK_ROWS)])


def mann_whitney_z(fake_d, test_d) -> float:
    """Z_U of Meehan et al. 2020 (Eq. 4 with their code's continuity correction): generated samples'
    distances ``fake_d`` (m,) against held-out samples' ``test_d`` (n,); negative when the generated
    samples are the closer ones."""
    from scipy.stats import mannwhitneyu

    fake_d, test_d = np.asarray(fake_d, np.float64).ravel(), np.asarray(test_d, np.float64).ravel()
    m, n = len(fake_d), len(test_d)
    if m == 0 or n == 0:
        raise ValueError(f"Z_U needs generated and held-out distances, got {m} and {n}")
    u = mannwhitneyu(fake_d, test_d, alternative="less").statistic  # U of the first sample
    return float((u - (n * m / 2 - 0.5)) / math.sqrt(n * m * (n + m + 1) / 12))


def data_copying(train, test, fake, n_cells: int = 10, tau: float | None = None, seed: int = 0) -> dict:
    """C_T of generated samples ``fake`` (m, D) against the training set ``train`` (l, D) and held-out
    samples ``test`` (n, D) of the same distribution, all in one feature space.

    ``n_cells``: k-means cells fitted on ``train`` (scikit-learn, ``seed``); every cell must hold
    held-out samples, so keep n / n_cells well above 20. ``tau``: a cell enters C_T when more than
    ``tau * m`` generated samples fall in it (default 20/m). Returns ``c_t``, ``cells_used`` (of
    ``n_cells``) and ``fake_share_used`` (the share of generated samples in those cells)."""
    train = as_features(train, "train", device=torch.device("cpu"))
    dim = train.shape[1]
    test = as_features(test, "test", dim=dim, device=torch.device("cpu"))
    fake = as_features(fake, "fake", dim=dim, device=torch.device("cpu"))
    n_cells = check_positive_int(n_cells, "n_cells")
    if n_cells > len(train):
        raise ValueError(f"n_cells={n_cells} exceeds the {len(train)} training samples; use fewer cells")
    m, n = len(fake), len(test)
    if tau is not None and not 0 <= tau < 1:
        raise ValueError(f"tau must be in [0, 1), got {tau}")
    tau = MIN_FAKE_PER_CELL / m if tau is None else float(tau)

    km = _cells_of(train, n_cells, seed)
    sets = (train, test, fake)
    cells = [torch.from_numpy(km.predict(x.numpy()).astype(np.int64)) for x in sets]
    weights, scores, used_fake = [], [], 0
    for c in range(n_cells):
        t_c, p_c, q_c = (x[cell == c] for x, cell in zip(sets, cells))
        if len(p_c) == 0:
            raise ValueError(f"k-means cell {c} of {n_cells} holds no held-out sample; use fewer cells "
                             f"(n_cells) or more held-out samples")
        if len(q_c) <= tau * m:  # too few generated samples to test: the cell is left out (Π_τ)
            continue
        scores.append(mann_whitney_z(nearest_distances(q_c, t_c).numpy(), nearest_distances(p_c, t_c).numpy()))
        weights.append(len(p_c) / n)
        used_fake += len(q_c)
    if not scores:
        raise ValueError(f"no cell holds more than tau*m = {tau * m:g} generated samples; give more generated "
                         "samples or fewer cells")
    c_t = float(np.dot(weights, scores) / np.sum(weights))
    return {"c_t": c_t, "cells_used": float(len(scores)), "fake_share_used": used_fake / m}
