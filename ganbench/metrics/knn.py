"""Exact k-nearest-neighbour radii and ball membership at float32 matrix-multiply speed.

Squared distances are computed in blocks as |a|^2 + |b|^2 - 2 a.b with a float32 GEMM (the fast
path on CPU and GPU). Each float32 value comes with a rigorous rounding bound,

    |d32 - d| <= TOL * (|a|^2 + |b|^2),   TOL = (D + 16) * 2^-24 * 1.01

(the standard dot-product bound gamma_D plus the input cast and the two additions). Any
comparison that the bound cannot decide -- a k-th neighbour candidate, or a pair whose distance is
within the bound of a ball's radius -- is recomputed in float64. Decisions are therefore those of
float64 arithmetic, while almost all of the work runs in float32. Points are centred on the real
mean first, which shrinks the norms and so the bound.

Memory: blocks hold at most BLOCK_ELEMS distances, whatever N is.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ganbench.metrics._inputs import exact_matmul

BLOCK_ELEMS = 1 << 25  # 32 Mi distances per block (128 MiB per float32 array)
PAIR_CHUNK = 1 << 14  # pairs recomputed in float64 at a time
MARGIN = 8  # extra float32 candidates kept per row for the exact k-th neighbour


@dataclass
class Points:
    """Centred points: float64 for exact recomputation, float32 for GEMMs, float64 squared norms."""

    x64: torch.Tensor
    x32: torch.Tensor
    sq: torch.Tensor

    @classmethod
    def make(cls, x: torch.Tensor, center: torch.Tensor) -> "Points":
        x64 = x.to(torch.float64) - center
        return cls(x64, x64.to(torch.float32), (x64 * x64).sum(1))

    def __len__(self) -> int:
        return self.x64.shape[0]


def tol_factor(dim: int) -> float:
    return (dim + 16) * 2.0**-24 * 1.01


def _gram32(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    if a.is_cuda:
        return a @ b.T
    # numpy's OpenBLAS is faster than MKL's sgemm on the AMD CPUs we measured; same float32 result class.
    return torch.from_numpy(a.numpy() @ b.numpy().T)


def sqdist32(a: Points, ia: slice, b: Points, ib: slice) -> torch.Tensor:
    """Float32 squared distances between a[ia] and b[ib], shape (len(ia), len(ib))."""
    g = _gram32(a.x32[ia], b.x32[ib])
    return (a.sq[ia].to(torch.float32)[:, None] + b.sq[ib].to(torch.float32)[None, :]) - 2.0 * g


def exact_sqdist_pairs(a: torch.Tensor, ia: torch.Tensor, b: torch.Tensor, ib: torch.Tensor) -> torch.Tensor:
    """Float64 squared distances |a[ia[t]] - b[ib[t]]|^2 for index vectors of equal length."""
    out = torch.empty(len(ia), dtype=torch.float64, device=a.device)
    for s in range(0, len(ia), PAIR_CHUNK):
        d = a[ia[s : s + PAIR_CHUNK]] - b[ib[s : s + PAIR_CHUNK]]
        out[s : s + PAIR_CHUNK] = (d * d).sum(1)
    return out


def _rows_per_block(n_cols: int) -> int:
    return max(1, BLOCK_ELEMS // max(n_cols, 1))


def kth_nn_sqradius(p: Points, k: int) -> torch.Tensor:
    """Squared distance from each point to its k-th nearest neighbour in the same set (float64, (N,)).

    The point itself counts as its own 0-th neighbour, as in torch-fidelity (``kthvalue(k + 1)``) and
    prdc; duplicates therefore give radius 0. Symmetric blocks are computed once and used for both
    their rows and their columns, halving the work.
    """
    n = len(p)
    if k >= n:
        raise ValueError(f"k={k} needs at least k + 1 = {k + 1} samples in each set, got {n}")
    m = min(n, k + 1 + MARGIN)
    dev = p.x64.device
    vals = torch.full((n, m), float("inf"), dtype=torch.float32, device=dev)
    idx = torch.zeros((n, m), dtype=torch.int64, device=dev)

    def merge(rows: slice, bv: torch.Tensor, bi: torch.Tensor) -> None:
        v = torch.cat([vals[rows], bv], 1)
        i = torch.cat([idx[rows], bi], 1)
        top = torch.topk(v, m, dim=1, largest=False)
        vals[rows], idx[rows] = top.values, torch.gather(i, 1, top.indices)

    rows_per = _rows_per_block(n)
    with exact_matmul():
        for i0 in range(0, n, rows_per):
            i1 = min(n, i0 + rows_per)
            d = sqdist32(p, slice(i0, i1), p, slice(i0, n))
            d[torch.arange(i1 - i0, device=dev), torch.arange(i1 - i0, device=dev)] = 0.0  # self, exactly
            t = torch.topk(d, min(m, n - i0), dim=1, largest=False)
            merge(slice(i0, i1), t.values, t.indices + i0)
            if i1 < n:  # the same block, transposed, serves the later rows
                dt = d[:, i1 - i0 :].T
                t = torch.topk(dt, min(m, i1 - i0), dim=1, largest=False)
                merge(slice(i1, n), t.values, t.indices + i0)

    # Exact k-th value among the candidates.
    rows = torch.arange(n, device=dev).repeat_interleave(m)
    exact = exact_sqdist_pairs(p.x64, rows, p.x64, idx.reshape(-1)).reshape(n, m)
    exact[idx == torch.arange(n, device=dev)[:, None]] = 0.0
    radius = exact.kthvalue(k + 1, dim=1).values

    # The candidates provably contain every neighbour up to the k-th unless the float32 gap is too small.
    tol = tol_factor(p.x64.shape[1]) * (p.sq + p.sq.max())
    kth32 = vals[:, k].to(torch.float64)
    unsure = (vals[:, -1].to(torch.float64) <= kth32 + 2 * tol) & (m < n)
    for r in unsure.nonzero().flatten().tolist():
        full = ((p.x64 - p.x64[r]) ** 2).sum(1)
        full[r] = 0.0
        radius[r] = full.kthvalue(k + 1).values
    return radius


def exact_ball_mask(
    d32: torch.Tensor,
    tol: torch.Tensor,
    thr: torch.Tensor,
    strict: bool,
    a: Points,
    rows: slice,
    b: Points,
    cols: slice,
) -> torch.Tensor:
    """Boolean block: d(a_i, b_j)^2 < thr (strict) or <= thr, decided exactly.

    ``thr`` broadcasts against the block: (B, 1) for radii of the rows, (1, M) for the columns.
    """
    thr32 = thr.to(torch.float32)
    mask = (d32 < thr32 - tol) if strict else (d32 <= thr32 - tol)
    amb = (d32 - thr32).abs() <= tol
    ii, jj = amb.nonzero(as_tuple=True)
    if len(ii):
        exact = exact_sqdist_pairs(a.x64, ii + rows.start, b.x64, jj + cols.start)
        t = thr.expand(d32.shape)[ii, jj]
        mask[ii, jj] = (exact < t) if strict else (exact <= t)
    return mask


def cross_blocks(a: Points, b: Points):
    """Yield (rows, d32, tol) blocks of the float32 squared distances between all of a and all of b."""
    c = tol_factor(a.x64.shape[1])
    rows_per = _rows_per_block(len(b))
    b_sq = b.sq.to(torch.float32)
    with exact_matmul():
        for i0 in range(0, len(a), rows_per):
            rows = slice(i0, min(len(a), i0 + rows_per))
            d32 = sqdist32(a, rows, b, slice(0, len(b)))
            tol = c * (a.sq[rows].to(torch.float32)[:, None] + b_sq[None, :])
            yield rows, d32, tol
