"""Exact k-nearest-neighbour radii and ball membership at float32 matrix-multiply speed.

Squared distances are computed in blocks as |a|^2 + |b|^2 - 2 a.b with a float32 GEMM (the fast
path on CPU and GPU). Each float32 value comes with a rigorous rounding bound,

    |d32 - d| <= TOL * (|a|^2 + |b|^2),   TOL = (D + 16) * 2^-24 * 1.01

(the standard dot-product bound gamma_D plus the input cast and the two additions). Any
comparison that the bound cannot decide -- a k-th neighbour candidate, or a pair whose distance is
within the bound of a ball's radius -- is recomputed in float64. Decisions are therefore those of
float64 arithmetic, while almost all of the work runs in float32. Points are centred on the real
mean first, which shrinks the norms and so the bound.

Memory: blocks hold at most BLOCK_ELEMS distances, whatever N is; k-NN radii also keep about
(k + 1) * SAMPLE_DIV candidate pairs per point (20 bytes each: 0.2 GB at N = 50k, k = 5, and
as much again while sorting).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ganbench.metrics._inputs import exact_matmul

BLOCK_ELEMS = 1 << 25  # 32 Mi distances per block (128 MiB per float32 array)
PAIR_CHUNK = 2048  # pairs recomputed in float64 at a time
ROW_CHUNK = 4096  # rows centred at a time when building Points (no full float64 copy)
SAMPLE_DIV = 32  # the radius-bounding sample holds N / SAMPLE_DIV points ...
SAMPLE_MIN = 256  # ... and at least this many (all of them for small N)


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
    # numpy's OpenBLAS is faster than MKL's sgemm on the AMD CPUs we measured, and runs a @ a.T
    # (the same rows twice) as a symmetric rank-k update: half the work.
    return torch.from_numpy(a.numpy() @ b.numpy().T)


def sqdist32(a: Points, ia: slice, b: Points, ib: slice) -> torch.Tensor:
    """Float32 squared distances between a[ia] and b[ib], shape (len(ia), len(ib))."""
    g = _gram32(a.x32[ia], b.x32[ib])
    # In place (no block-sized temporaries); two roundings, inside TOL's allowance for the additions.
    return g.mul_(-2.0).add_(a.sq[ia].to(torch.float32)[:, None]).add_(b.sq[ib].to(torch.float32)[None, :])


def exact_sqdist_pairs(a: Points, ia: torch.Tensor, b: Points, ib: torch.Tensor) -> torch.Tensor:
    """Float64 squared distances |a[ia[t]] - b[ib[t]]|^2 for index vectors of equal length."""
    out = torch.empty(len(ia), dtype=torch.float64, device=a.x.device)
    for s in range(0, len(ia), PAIR_CHUNK):
        d = a.rows64(ia[s : s + PAIR_CHUNK]) - b.rows64(ib[s : s + PAIR_CHUNK])
        out[s : s + PAIR_CHUNK] = (d * d).sum(1)
    return out


def _rows_per_block(n_cols: int) -> int:
    return max(1, BLOCK_ELEMS // max(n_cols, 1))


def _sample_bound(p: Points, k: int, tol: torch.Tensor) -> torch.Tensor:
    """Per point, a float32 limit under which the float32 distance of every pair within its true
    k-NN radius must fall: the (k+1)-th smallest distance to a fixed random sample of the set (plus
    itself), which bounds the radius from above, widened by twice the rounding bound. Costs n * S
    distances with S = n / SAMPLE_DIV."""
    n, dev = len(p), p.x.device
    s = min(n, max(SAMPLE_MIN, n // SAMPLE_DIV))
    cols = torch.randperm(n, generator=torch.Generator().manual_seed(0))[:s].sort().values.to(dev)
    sample = Points(p.x[cols], p.center, p.x32[cols], p.sq[cols])
    bound = torch.empty(n, dtype=torch.float32, device=dev)
    rows_per = _rows_per_block(s + 1)
    with exact_matmul():
        for i0 in range(0, n, rows_per):
            i1 = min(n, i0 + rows_per)
            d = sqdist32(p, slice(i0, i1), sample, slice(0, s))
            # The point itself sits at distance 0: drop it from the sample, add it as a column of 0.
            d[(cols[None, :] == torch.arange(i0, i1, device=dev)[:, None])] = float("inf")
            d = torch.cat([d, torch.zeros(i1 - i0, 1, dtype=d.dtype, device=dev)], 1)
            bound[i0:i1] = d.kthvalue(min(k + 1, d.shape[1]), dim=1).values
    return bound + 2 * tol


def _segment_starts(rows: torch.Tensor, n: int) -> torch.Tensor:
    counts = torch.bincount(rows, minlength=n)
    return torch.cumsum(counts, 0) - counts


def _sort_by_row(rows: torch.Tensor, vals: torch.Tensor, *others: torch.Tensor):
    order = torch.sort(vals, stable=True).indices
    order = order[torch.sort(rows[order], stable=True).indices]
    return (rows[order], vals[order], *(o[order] for o in others))


def kth_nn_sqradius(p: Points, k: int) -> torch.Tensor:
    """Squared distance from each point to its k-th nearest neighbour in the same set (float64, (N,)).

    The point itself counts as its own 0-th neighbour, as in torch-fidelity (``kthvalue(k + 1)``) and
    prdc; duplicates therefore give radius 0. A sample pass bounds every radius from above
    (:func:`_sample_bound`); the main pass then only keeps the pairs under that bound (about
    (k + 1) * SAMPLE_DIV per point) instead of sorting every row, and uses each symmetric block for
    both its rows and its columns, halving the GEMM work.
    """
    n = len(p)
    if k >= n:
        raise ValueError(f"k={k} needs at least k + 1 = {k + 1} samples in each set, got {n}")
    dev = p.x.device
    # One rounding bound per point, valid for every pair it takes part in (|a|^2 + |b|^2 <= sq + max).
    tol = (tol_factor(p.x.shape[1]) * (p.sq + p.sq.max())).to(torch.float32)
    limit = _sample_bound(p, k, tol)
    found_r, found_c, found_v = [], [], []
    rows_per = _rows_per_block(n)
    with exact_matmul():
        for i0 in range(0, n, rows_per):
            i1 = min(n, i0 + rows_per)
            rows = slice(i0, i1)
            d = sqdist32(p, rows, p, rows)  # the diagonal block: a symmetric product (BLAS syrk)
            d[torch.arange(i1 - i0, device=dev), torch.arange(i1 - i0, device=dev)] = 0.0  # self, exactly
            r, c = (d <= limit[rows, None]).nonzero(as_tuple=True)
            found_r.append(r + i0), found_c.append(c + i0), found_v.append(d[r, c])
            if i1 < n:  # the block right of it serves these rows and, transposed, the later ones
                d = sqdist32(p, rows, p, slice(i1, n))
                r, c = (d <= limit[rows, None]).nonzero(as_tuple=True)
                found_r.append(r + i0), found_c.append(c + i1), found_v.append(d[r, c])
                r, c = (d <= limit[None, i1:]).nonzero(as_tuple=True)
                found_r.append(c + i1), found_c.append(r + i0), found_v.append(d[r, c])
    rows, vals, cols = _sort_by_row(torch.cat(found_r), torch.cat(found_v), torch.cat(found_c))
    starts = _segment_starts(rows, n)

    # Every pair whose true distance is at most the true radius is a candidate, so the float32 k-th
    # candidate is within the bound of the true radius. Candidates surely below it count as below,
    # those surely above are out; only the ones in between need float64.
    kth32 = vals[starts + k]
    t = tol[rows]
    below = vals < kth32[rows] - 2 * t
    amb = ~below & (vals <= kth32[rows] + 2 * t)
    n_below = torch.bincount(rows[below], minlength=n)
    a_rows = rows[amb]
    a_rows, exact = _sort_by_row(a_rows, exact_sqdist_pairs(p, a_rows, p, cols[amb]))
    return exact[_segment_starts(a_rows, n) + (k - n_below)]


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
