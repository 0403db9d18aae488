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
PAIR_CHUNK = 2048  # pairs recomputed in float64 at a time
ROW_CHUNK = 4096  # rows centred at a time when building Points (no full float64 copy)
MARGIN = 8  # extra float32 candidates kept per row for the exact k-th neighbour


@dataclass
class Points:
    """Points centred on ``center``: the float32 copy feeds GEMMs; float64 rows are made on demand
    (only for the few pairs the float32 bound cannot decide). ``sq``: float64 squared norms."""

    x: torch.Tensor
    center: torch.Tensor
    x32: torch.Tensor
    sq: torch.Tensor

    @classmethod
    def make(cls, x: torch.Tensor, center: torch.Tensor) -> "Points":
        x32 = torch.empty(x.shape, dtype=torch.float32, device=x.device)
        sq = torch.empty(len(x), dtype=torch.float64, device=x.device)
        for s in range(0, len(x), ROW_CHUNK):
            c = x[s : s + ROW_CHUNK].to(torch.float64) - center
            x32[s : s + ROW_CHUNK] = c
            sq[s : s + ROW_CHUNK] = (c * c).sum(1)
        return cls(x, center, x32, sq)

    def rows64(self, idx: torch.Tensor) -> torch.Tensor:
        return self.x[idx].to(torch.float64) - self.center

    def __len__(self) -> int:
        return self.x.shape[0]


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


def exact_sqdist_pairs(a: Points, ia: torch.Tensor, b: Points, ib: torch.Tensor) -> torch.Tensor:
    """Float64 squared distances |a[ia[t]] - b[ib[t]]|^2 for index vectors of equal length."""
    out = torch.empty(len(ia), dtype=torch.float64, device=a.x.device)
    for s in range(0, len(ia), PAIR_CHUNK):
        d = a.rows64(ia[s : s + PAIR_CHUNK]) - b.rows64(ib[s : s + PAIR_CHUNK])
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
    dev = p.x.device
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

    # Only candidates within the rounding bound of the float32 k-th value need float64: those
    # surely below it count as below, everything beyond is provably farther than the true radius.
    tol = (tol_factor(p.x.shape[1]) * (p.sq + p.sq.max())).to(torch.float32)[:, None]
    kth32 = vals[:, k : k + 1]
    below = vals < kth32 - 2 * tol
    amb = ~below & (vals <= kth32 + 2 * tol)
    ii, jj = amb.nonzero(as_tuple=True)
    work = torch.full((n, m), float("inf"), dtype=torch.float64, device=dev)
    work[below] = -float("inf")
    work[ii, jj] = exact_sqdist_pairs(p, ii, p, idx[ii, jj])
    radius = work.kthvalue(k + 1, dim=1).values

    # The top-m candidates must reach past the bound, or the row is recomputed in full (rare).
    unsure = (vals[:, -1:] <= kth32 + 2 * tol).flatten() & (m < n)
    for r in unsure.nonzero().flatten().tolist():
        full = exact_sqdist_pairs(p, torch.full((n,), r, device=dev), p, torch.arange(n, device=dev))
        radius[r] = full.kthvalue(k + 1).values
    return radius


def _exact_hits(e: torch.Tensor, ii: torch.Tensor, jj: torch.Tensor, a: Points, rows: slice, b: Points,
                thr: torch.Tensor, strict: bool) -> torch.Tensor:
    """Exact verdicts d^2 < thr (or <=) for block pairs (ii, jj); ``thr`` broadcasts to the block."""
    exact = exact_sqdist_pairs(a, ii + rows.start, b, jj)
    t = thr.expand(e.shape)[ii, jj]
    return (exact < t) if strict else (exact <= t)


def block_any(e, tol, dim, a, rows, b, thr, strict) -> torch.Tensor:
    """Exactly: does any entry satisfy d^2 < thr (<=) -- per row of the block (``dim=1``: any column)
    or per column (``dim=0``: any row)? ``e = d32 - thr`` in float32; only entries whose minimum
    lies within ``tol`` of 0 are recomputed in float64."""
    mn = e.amin(dim)
    hit = mn < -tol
    unsure = (~hit & (mn <= tol)).nonzero().flatten()
    if len(unsure):
        i, j = (e.index_select(1 - dim, unsure) <= tol).nonzero(as_tuple=True)
        which, ii, jj = (i, unsure[i], j) if dim == 1 else (j, i, unsure[j])
        ok = _exact_hits(e, ii, jj, a, rows, b, thr, strict)
        hit[unsure] = torch.zeros(len(unsure), dtype=torch.bool, device=e.device).index_put_((which,), ok, accumulate=True)
    return hit


def row_count(e, tol, a, rows, b, thr, strict) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row: how many columns satisfy d^2 < thr (<=), exactly. Also returns the per-column any."""
    sure = e < -tol
    count = sure.sum(1)
    col = sure.any(0)
    amb = e.abs() <= tol
    if bool(amb.any()):
        ii, jj = amb.nonzero(as_tuple=True)
        ok = _exact_hits(e, ii, jj, a, rows, b, thr, strict)
        count = count.index_add(0, ii, ok.to(count.dtype))
        col = col.index_put((jj,), ok, accumulate=True)
    return count, col


def cross_blocks(a: Points, b: Points):
    """Yield (rows, d32, tol) blocks of float32 squared distances between all of a and all of b, with a
    scalar bound ``tol`` on their rounding error within the block."""
    c = tol_factor(a.x.shape[1])
    rows_per = _rows_per_block(len(b))
    b_max = float(b.sq.max())
    with exact_matmul():
        for i0 in range(0, len(a), rows_per):
            rows = slice(i0, min(len(a), i0 + rows_per))
            d32 = sqdist32(a, rows, b, slice(0, len(b)))
            yield rows, d32, c * (float(a.sq[rows].max()) + b_max)
