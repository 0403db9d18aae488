"""Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs", eq. 4): the unbiased
estimate of MMD^2 under the polynomial kernel k(x, y) = (gamma x.y + coef0)^degree, averaged over
random subsets. Lower is better; can be slightly negative (it is unbiased).
"""
from __future__ import annotations

import numpy as np
import torch

from ganbench.metrics._inputs import as_features, check_float32_products, check_positive_int, check_precision
from ganbench.utils.device import exact_matmul, resolve_device

# Subsets evaluated per batched kernel product; bounds memory to about
# 3 * GROUP * subset_size^2 float64 (72 MiB at subset_size 1000) plus the gathered features.
GROUP = 4


def subset_indices(n_real: int, n_fake: int, subsets: int, subset_size: int, seed: int):
    """Subset indices drawn exactly as torch-fidelity draws them (``RandomState(seed).choice``
    without replacement, alternating real and fake), so ``kid(seed=s)`` sees the same subsets as
    torch-fidelity's ``rng_seed=s``. Returns two (subsets, subset_size) int64 arrays."""
    rng = np.random.RandomState(seed)
    r = np.empty((subsets, subset_size), dtype=np.int64)
    f = np.empty((subsets, subset_size), dtype=np.int64)
    for i in range(subsets):
        r[i] = rng.choice(n_real, subset_size, replace=False)
        f[i] = rng.choice(n_fake, subset_size, replace=False)
    return r, f


def mmd2_unbiased(sum_xx, trace_xx, sum_yy, trace_yy, sum_xy, m: int):
    """Unbiased MMD^2 from the sums and traces of the three m x m kernel matrices (eq. 4): the
    within-set means leave out the diagonal. Works on floats and, elementwise, on batched tensors."""
    return (sum_xx - trace_xx + sum_yy - trace_yy) / (m * (m - 1)) - 2.0 * sum_xy / (m * m)


def _kernel_sum(g: np.ndarray, gamma: float, coef0: float, degree: int) -> tuple[float, float]:
    """Sum and trace of the polynomial kernel (gamma g + coef0)^degree of a Gram block, in float64."""
    t = g.astype(np.float64)
    t *= gamma
    t += coef0
    k = t.copy()
    for _ in range(degree - 1):
        k *= t
    return float(k.sum()), float(np.trace(k))


def kid(
    real,
    fake,
    subsets: int = 100,
    subset_size: int = 1000,
    degree: int = 3,
    gamma: float | None = None,
    coef0: float = 1.0,
    seed: int = 0,
    device="auto",
    precision: str = "mixed",
) -> tuple[float, float]:
    """KID between (N, D) feature sets, as (mean, std) over ``subsets`` random subsets.

    Kernels and sums are float64. ``precision="mixed"`` (default) forms the Gram products of
    float32 features in float32 on CPU (1e-9 relative on the 50k x 2048 benchmark features,
    benchmarks/README.md); ``"float64"`` -- and float64 features, and CUDA -- use float64 products.
    ``gamma`` defaults to 1 / D. ``std`` is the population standard deviation over subsets (as
    torch-fidelity reports). Deterministic for a given ``seed``.
    """
    subsets = check_positive_int(subsets, "subsets")
    subset_size = check_positive_int(subset_size, "subset_size", minimum=2)
    degree = check_positive_int(degree, "degree")
    precision = check_precision(precision)
    dev = resolve_device(device)
    x = as_features(real, "real", min_samples=2, device=dev)
    y = as_features(fake, "fake", min_samples=2, dim=x.shape[1], device=dev)
    for name, t in (("real", x), ("fake", y)):
        if len(t) < subset_size:
            raise ValueError(
                f"{name} has {len(t)} samples, fewer than subset_size={subset_size}; "
                f"pass subset_size <= {len(t)} or provide more samples"
            )
    gamma = 1.0 / x.shape[1] if gamma is None else float(gamma)
    ri, fi = subset_indices(len(x), len(y), subsets, subset_size, seed)

    if dev.type == "cpu":
        # numpy's OpenBLAS recognises a @ a.T as a symmetric rank-k update (half the work) and runs
        # faster than torch's MKL bmm on the CPUs we measured.
        mixed = precision == "mixed" and x.dtype == torch.float32 and y.dtype == torch.float32
        if mixed:
            for name, t in (("real", x), ("fake", y)):
                check_float32_products(t, name, "use precision='float64' (ganbench eval --precision float64)")
        dtype = np.float32 if mixed else np.float64
        xn, yn = x.numpy(), y.numpy()
        mmds = np.empty(subsets)
        for s in range(subsets):
            a, b = xn[ri[s]].astype(dtype, copy=False), yn[fi[s]].astype(dtype, copy=False)
            s_xx, t_xx = _kernel_sum(a @ a.T, gamma, coef0, degree)
            s_yy, t_yy = _kernel_sum(b @ b.T, gamma, coef0, degree)
            s_xy, _ = _kernel_sum(a @ b.T, gamma, coef0, degree)
            mmds[s] = mmd2_unbiased(s_xx, t_xx, s_yy, t_yy, s_xy, subset_size)
        return float(mmds.mean()), float(mmds.std())

    x, y = x.double(), y.double()
    ri, fi = torch.from_numpy(ri).to(dev), torch.from_numpy(fi).to(dev)

    def kernel_sum(a, b):  # per subset: sum and trace of the (S, m, m) kernel matrices
        k = (torch.bmm(a, b.transpose(1, 2)) * gamma + coef0) ** degree
        return k.sum((-2, -1)), k.diagonal(dim1=-2, dim2=-1).sum(-1)

    out = []
    with exact_matmul():
        for start in range(0, subsets, GROUP):
            a = x[ri[start : start + GROUP]]
            b = y[fi[start : start + GROUP]]
            out.append(mmd2_unbiased(*kernel_sum(a, a), *kernel_sum(b, b), kernel_sum(a, b)[0], subset_size))
    mmds = torch.cat(out).cpu().numpy()
    return float(mmds.mean()), float(mmds.std())
