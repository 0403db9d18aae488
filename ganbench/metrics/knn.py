"""Exact k-nearest-neighbour radii at float32 matrix-multiply speed.

Squared distances are computed in blocks as |a|^2 + |b|^2 - 2 a.b with a float32 GEMM (the fast
path on CPU and GPU). Each float32 value comes with a rigorous rounding bound,

    |d32 - d| <= TOL * (|a|^2 + |b|^2),   TOL = (D + 16) * 2^-24 * 1.01

(the standard dot-product bound gamma_D plus the input cast and the two additions). Any
comparison that the bound cannot decide -- a k-th neighbour candidate, or a pair whose distance is
within the bound of a ball's radius -- is recomputed in float64. Decisions are therefore those of
float64 arithmetic, while almost all of the work runs in float32. Points are centred on the real
mean first, which shrinks the norms and so the bound.

Radii come from candidate pairs: a sample of the set (:class:`RadiusBound`) bounds each radius
from above, and only pairs under the bound are kept and sorted. Memory: blocks hold at most
BLOCK_ELEMS distances, whatever N is; radii also keep about (k + 1) * SAMPLE_DIV candidate pairs
per point (20 bytes each: 0.2 GB at N = 50k, k = 5, and as much again while sorting).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ganbench.utils.device import exact_matmul

BLOCK_ELEMS = 1 << 25  # 32 Mi distances per block (128 MiB per float32 array)
PAIR_CHUNK = 256  # pairs recomputed in float64 at a time (small: the rows stay in cache)
ROW_CHUNK = 4096  # rows centred at a time when building Points (no full float64 copy)
SAMPLE_DIV = 32  # the first radius-bounding sample holds N / SAMPLE_DIV points ...
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
        return self.x[idx].to(torch.float64).sub_(self.center)

    def tol(self, other_max_sq: float | torch.Tensor) -> torch.Tensor:
        """Per point, the float64 rounding bound of its float32 distance to any point whose squared
        norm is at most ``other_max_sq``."""
        return tol_factor(self.x.shape[1]) * (self.sq + other_max_sq)

    @property
    def device(self) -> torch.device:
        return self.x.device

    def __len__(self) -> int:
        return self.x.shape[0]


def tol_factor(dim: int) -> float:
    return (dim + 16) * 2.0**-24 * 1.01


def round_up32(x: torch.Tensor) -> torch.Tensor:
    """float64 -> float32, never below ``x`` (so a float32 limit stays a valid upper limit)."""
    y = x.to(torch.float32)
    return torch.where(y.to(torch.float64) < x, torch.nextafter(y, torch.full_like(y, float("inf"))), y)


def _gram32(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    if a.is_cuda:
        return a @ b.T
    # numpy's OpenBLAS is faster than MKL's sgemm on the AMD CPUs we measured, and runs a @ a.T
    # (the same rows twice) as a symmetric rank-k update: half the work.
    return torch.from_numpy(a.numpy() @ b.numpy().T)


def sqdist32(a32: torch.Tensor, asq: torch.Tensor, b32: torch.Tensor, bsq: torch.Tensor) -> torch.Tensor:
    """Float32 squared distances between rows of ``a32`` and ``b32`` (centred float32 points, with
    their float64 squared norms), shape (len(a32), len(b32))."""
    g = _gram32(a32, b32)
    # In place (no block-sized temporaries); two roundings, inside TOL's allowance for the additions.
    return g.mul_(-2.0).add_(asq.to(torch.float32)[:, None]).add_(bsq.to(torch.float32)[None, :])


def exact_sqdist_pairs(a: Points, ia: torch.Tensor, b: Points, ib: torch.Tensor) -> torch.Tensor:
    """Float64 squared distances |a[ia[t]] - b[ib[t]]|^2 for index vectors of equal length."""
    out = torch.empty(len(ia), dtype=torch.float64, device=a.device)
    for s in range(0, len(ia), PAIR_CHUNK):
        d = a.rows64(ia[s : s + PAIR_CHUNK]).sub_(b.rows64(ib[s : s + PAIR_CHUNK]))
        out[s : s + PAIR_CHUNK] = d.mul_(d).sum(1)
    return out


def rows_per_block(n_cols: int) -> int:
    return max(1, BLOCK_ELEMS // max(n_cols, 1))


def first_sample_size(n: int) -> int:
    return min(n, max(SAMPLE_MIN, n // SAMPLE_DIV))


class RadiusBound:
    """Upper bounds on every point's squared k-NN radius from a growing random sample of its set.

    Per point it keeps the k + 1 smallest float32 squared distances to the points sampled so far,
    the point itself counting as one at 0: the largest of them, plus the rounding bound, is at
    least the true radius. Samples follow one fixed random order (seed 0), so bounds are
    reproducible, and :meth:`tighten` can tighten the bounds of chosen points with more points.
    """

    def __init__(self, p: Points, k: int):
        self.p, self.k = p, k
        n = len(p)
        self.order = torch.randperm(n, generator=torch.Generator().manual_seed(0)).to(p.device)
        self.taken = 0
        self.best = torch.full((n, k + 1), float("inf"), dtype=torch.float32, device=p.device)
        self.best[:, 0] = 0.0
        self.self_tol = p.tol(p.sq.max())

    def next_points(self, count: int) -> torch.Tensor:
        """The next ``count`` points of the fixed order (sorted indices)."""
        cols = self.order[self.taken : self.taken + count].sort().values
        self.taken += len(cols)
        return cols

    def sample(self, count: int, which: torch.Tensor | None = None) -> None:
        """Tighten the bounds of ``which`` (all by default) with the next ``count`` points."""
        self.tighten(self.next_points(count), which)

    def tighten(self, cols: torch.Tensor, which: torch.Tensor | None = None) -> None:
        """Tighten the bounds of ``which`` (all by default) with the points ``cols``. Costs
        len(which) * len(cols) distances."""
        p = self.p
        rows = torch.arange(len(p), device=p.device) if which is None else which
        if not len(cols) or not len(rows):
            return
        c32, csq = p.x32[cols], p.sq[cols]
        per = rows_per_block(len(cols))
        with exact_matmul():
            for s in range(0, len(rows), per):
                r = rows[s : s + per]
                d = sqdist32(p.x32[r], p.sq[r], c32, csq)
                d[cols[None, :] == r[:, None]] = float("inf")  # the point itself is already best[:, 0]
                both = torch.cat([self.best[r], d], 1)
                self.best[r] = torch.topk(both, self.k + 1, dim=1, largest=False, sorted=True).values

    def upper(self) -> torch.Tensor:
        """float64 (N,): an upper bound on each squared k-NN radius (inf while unsampled)."""
        return self.best[:, self.k].to(torch.float64) + self.self_tol

    def self_limit(self) -> torch.Tensor:
        """float32 (N,): every same-set pair within a point's true radius has d32 at most this."""
        return round_up32(self.upper() + self.self_tol)


def _segment_starts(rows: torch.Tensor, n: int) -> torch.Tensor:
    counts = torch.bincount(rows, minlength=n)
    return torch.cumsum(counts, 0) - counts


def _sort_by_row(rows: torch.Tensor, vals: torch.Tensor, *others: torch.Tensor):
    """Sort by row, then by value within a row."""
    if vals.dtype == torch.float32:
        # One int64 sort: the row above 32 bits of the value mapped to an order-preserving integer
        # (negative floats, which rounding can produce, have their magnitude bits flipped).
        bits = vals.view(torch.int32)
        bits = bits ^ ((bits >> 31) & 0x7FFFFFFF)
        order = torch.sort((rows.to(torch.int64) << 32) + bits.to(torch.int64)).indices
    else:
        order = torch.sort(vals, stable=True).indices
        order = order[torch.sort(rows[order], stable=True).indices]
    return (rows[order], vals[order], *(o[order] for o in others))


def kth_nn_sqradius(p: Points, k: int, which: torch.Tensor | None = None,
                    limit: torch.Tensor | None = None) -> torch.Tensor:
    """Squared distance from each point to its k-th nearest neighbour in the same set (float64).

    The point itself counts as its own 0-th neighbour, as in torch-fidelity (``kthvalue(k + 1)``) and
    prdc; duplicates therefore give radius 0. ``which``: indices of the points whose radii are
    wanted (default all; the result follows its order). ``limit``: float32 per-point limits from
    :meth:`RadiusBound.self_limit` (default: a first sample of N / SAMPLE_DIV points).

    The pass keeps only the pairs under each point's limit (about (k + 1) * SAMPLE_DIV per point
    with the default) instead of sorting every row, and uses each block among the wanted points
    for both its rows and its columns, halving the GEMM work when all radii are wanted.
    """
    n = len(p)
    if k >= n:
        raise ValueError(f"k={k} needs at least k + 1 = {k + 1} samples in each set, got {n}")
    dev = p.device
    if limit is None:
        bound = RadiusBound(p, k)
        bound.sample(first_sample_size(n))
        limit = bound.self_limit()
    # Work in an order with the wanted points first: positions [0, s) are wanted, [s, n) are not.
    if which is None:
        s, order, x32, sq, lim = n, None, p.x32, p.sq, limit
    else:
        rest = torch.ones(n, dtype=torch.bool, device=dev)
        rest[which] = False
        order = torch.cat([which, rest.nonzero().flatten()])
        s, x32, sq, lim = len(which), p.x32[order], p.sq[order], limit[order]
    # One rounding bound per point, valid for every pair it takes part in (|a|^2 + |b|^2 <= sq + max).
    tol = p.tol(p.sq.max())
    tol = tol if order is None else tol[order]
    found_r, found_c, found_v = [], [], []
    rows_per = rows_per_block(n)
    with exact_matmul():
        for i0 in range(0, s, rows_per):
            i1 = min(s, i0 + rows_per)
            rows = slice(i0, i1)
            d = sqdist32(x32[rows], sq[rows], x32[rows], sq[rows])  # a symmetric product (BLAS syrk)
            d[torch.arange(i1 - i0, device=dev), torch.arange(i1 - i0, device=dev)] = 0.0  # self, exactly
            r, c = (d <= lim[rows, None]).nonzero(as_tuple=True)
            found_r.append(r + i0), found_c.append(c + i0), found_v.append(d[r, c])
            if i1 < n:  # the block right of it serves these rows and, transposed, later wanted rows
                d = sqdist32(x32[rows], sq[rows], x32[i1:], sq[i1:])
                r, c = (d <= lim[rows, None]).nonzero(as_tuple=True)
                found_r.append(r + i0), found_c.append(c + i1), found_v.append(d[r, c])
                if i1 < s:
                    r, c = (d[:, : s - i1] <= lim[None, i1:s]).nonzero(as_tuple=True)
                    found_r.append(c + i1), found_c.append(r + i0), found_v.append(d[r, c])
    rows, vals, cols = _sort_by_row(torch.cat(found_r), torch.cat(found_v), torch.cat(found_c))
    starts = _segment_starts(rows, s)

    # Every pair whose true distance is at most the true radius is a candidate, so the float32 k-th
    # candidate is within the bound of the true radius. Candidates surely below it count as below,
    # those surely above are out; only the ones in between need float64.
    kth32 = vals[starts + k].to(torch.float64)
    t = tol[rows]
    v64 = vals.to(torch.float64)
    below = v64 < kth32[rows] - 2 * t
    amb = ~below & (v64 <= kth32[rows] + 2 * t)
    n_below = torch.bincount(rows[below], minlength=s)
    a_rows, a_cols = rows[amb], cols[amb]
    if order is not None:
        a_ia, a_ib = order[a_rows], order[a_cols]
    else:
        a_ia, a_ib = a_rows, a_cols
    a_rows, exact = _sort_by_row(a_rows, exact_sqdist_pairs(p, a_ia, p, a_ib))
    return exact[_segment_starts(a_rows, s) + (k - n_below)]


def cross_blocks(a: Points, b: Points):
    """Yield (rows, d32) blocks of float32 squared distances between a[rows] and all of b."""
    rows_per = rows_per_block(len(b))
    with exact_matmul():
        for i0 in range(0, len(a), rows_per):
            rows = slice(i0, min(len(a), i0 + rows_per))
            yield rows, sqdist32(a.x32[rows], a.sq[rows], b.x32, b.sq)
