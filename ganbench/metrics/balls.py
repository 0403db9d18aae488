"""Which query points lie inside which k-NN balls of another set, exactly, computing as few k-NN
radii as the data allow. The engine behind precision/recall (Kynkäänniemi et al. 2019) and
density/coverage (Naeem et al. 2020).

Ball i is {x : d(x, p_i) <= r_i} (or ``<`` when strict), with d the squared distance and r_i the
squared k-NN radius of p_i within its own set. Only cross pairs with d(q, p_i) <= r_i matter, and
r_i is at most a sampled upper bound U_i (:class:`~ganbench.metrics.knn.RadiusBound`). So:

1. the cross pass (one GEMM over all query-ball pairs, shared by both directions of P/R) keeps
   only the pairs under U_i plus rounding: the candidates;
2. a ball without candidates contains no query point and needs no radius. While it pays, the
   bounds of the balls that still hold candidates are tightened on a doubling sample, dropping
   more balls (a ball is worth dropping when its exact radius would cost more than the sampling;
   the first stage is tried on a 1 / PROBE_DIV probe, so overlapping sets pay for the probe only);
3. exact radii are computed for the balls that remain only, and each candidate pair is decided
   in float32 with a rounding bound, or in float64 when the bound cannot tell.

Where the sets overlap (precision and recall well above 0) most balls keep a candidate and the
cost is that of computing all radii; where they do not, most radii are never computed.

Measured at N = 10k, D = 2048 (benchmarks/README.md): 4 of 10,000 real radii computed on the
benchmark features whose sets barely overlap (precision/recall 2.4x torch-fidelity), all of them on overlapping sets (1.5x).

Memory: candidates are kept as (query, ball, d32) triples, 12 bytes each (20 while decided),
about (k + 1) * SAMPLE_DIV per ball when the sets overlap. If more than PENDING_MAX accumulate (a collapsed
generator whose samples all fall near a few balls), all radii are computed at once and later
candidates are decided as they come.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ganbench.metrics.knn import Points, RadiusBound, exact_sqdist_pairs, first_sample_size, kth_nn_sqradius, round_up32

PENDING_MAX = 1 << 24  # candidate pairs held before falling back to computing every radius
REFINE_UNTIL = 2  # stop tightening bounds once 1 / REFINE_UNTIL of the set has been sampled
PROBE_DIV, PROBE_MIN = 16, 256  # the first tightening is tried on 1 / PROBE_DIV of the balls first


@dataclass
class Hits:
    """(query, ball) index pairs with the query inside the ball."""

    query: torch.Tensor
    ball: torch.Tensor

    def queries_inside(self, n_query: int) -> torch.Tensor:
        """bool (n_query,): inside at least one ball."""
        return torch.bincount(self.query, minlength=n_query) > 0

    def balls_hit(self, n_ball: int) -> torch.Tensor:
        """bool (n_ball,): holding at least one query point."""
        return torch.bincount(self.ball, minlength=n_ball) > 0


class Balls:
    """The k-NN balls of ``centers`` probed by ``queries`` (both :class:`Points` with one centre).

    Feed the cross pass with :meth:`add_block` (or :meth:`add`), then call :meth:`finish` once.
    """

    def __init__(self, centers: Points, queries: Points, k: int, strict: bool):
        self.p, self.q, self.k, self.strict = centers, queries, k, strict
        self.bound = RadiusBound(centers, k)
        self.bound.sample(first_sample_size(len(centers)))
        self.radii: torch.Tensor | None = None  # float64, all balls; set only on the fallback path
        self.pending: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
        self.n_pending = 0
        self.hits: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.limit = self._cross_limit()
        self._q_tol, self._p_tol = queries.tol(0.0), centers.tol(0.0)

    def _cross_limit(self) -> torch.Tensor:
        """float32 (n_ball,): every query within a ball's true radius has d32 at most this."""
        return round_up32(self.bound.upper() + self.p.tol(self.q.sq.max()))

    def add(self, query: torch.Tensor, ball: torch.Tensor, d32: torch.Tensor) -> None:
        """Candidate pairs from the cross pass: index vectors and their float32 squared distances."""
        if self.radii is not None:
            self._decide(query, ball, d32, self.radii[ball])
            return
        self.pending.append((query.to(torch.int32), ball.to(torch.int32), d32))
        self.n_pending += len(query)
        if self.n_pending > PENDING_MAX:
            self.radii = kth_nn_sqradius(self.p, self.k, limit=self.bound.self_limit())
            q, b, d = self._take_pending()
            self._decide(q, b, d, self.radii[b])

    def add_block(self, d32: torch.Tensor, rows: slice, balls_along: int) -> None:
        """The candidates of one cross-pass block ``d32`` (block rows ``rows`` of the full row set,
        all columns). ``balls_along``: 1 when the columns are this object's balls, 0 the rows."""
        if balls_along == 1:
            i, j = (d32 <= self.limit[None, :]).nonzero(as_tuple=True)
            self.add(i + rows.start, j, d32[i, j])
        else:
            i, j = (d32 <= self.limit[rows, None]).nonzero(as_tuple=True)
            self.add(j, i + rows.start, d32[i, j])

    def finish(self) -> Hits:
        if self.radii is None:
            q, b, d = self._take_pending()
            active = self._active(b, d)
            keep = active[b]
            q, b, d = q[keep], b[keep], d[keep]
            which = active.nonzero().flatten()
            if len(which):
                radii = torch.full((len(self.p),), float("nan"), dtype=torch.float64, device=self.p.device)
                radii[which] = kth_nn_sqradius(self.p, self.k, which=which, limit=self.bound.self_limit())
                self._decide(q, b, d, radii[b])
        if not self.hits:
            empty = torch.zeros(0, dtype=torch.long, device=self.p.device)
            return Hits(empty, empty)
        return Hits(torch.cat([h[0] for h in self.hits]), torch.cat([h[1] for h in self.hits]))

    def _take_pending(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        dev = self.p.device
        if not self.pending:
            z = torch.zeros(0, dtype=torch.long, device=dev)
            return z, z, torch.zeros(0, dtype=torch.float32, device=dev)
        q, b, d = (torch.cat(t) for t in zip(*self.pending))
        self.pending, self.n_pending = [], 0
        return q.long(), b.long(), d

    def _active(self, ball: torch.Tensor, d32: torch.Tensor) -> torch.Tensor:
        """bool (n_ball,): balls that may hold a query. Tightens bounds on a doubling sample while
        the balls it drops save more distances than the sample costs. The first stage is tried on a
        random probe of the balls, so overlapping sets (where almost every ball keeps a query) pay
        for the probe only."""
        n = len(self.p)
        nearest = torch.full((n,), float("inf"), dtype=torch.float32, device=self.p.device)
        nearest.scatter_reduce_(0, ball, d32, "amin")
        active = nearest <= self.limit
        probe_first = True
        while self.bound.taken * REFINE_UNTIL < n and bool(active.any()):
            which = active.nonzero().flatten()
            cols = self.bound.next_points(self.bound.taken)
            if probe_first:
                probe_first = False
                size = max(PROBE_MIN, len(which) // PROBE_DIV)
                if size < len(which):
                    probe = which[torch.randperm(len(which), generator=torch.Generator().manual_seed(1))[:size].to(which.device)]
                    if not self._tighten_pays(cols, probe, active, nearest):
                        break
                    which = which[~torch.isin(which, probe)]
            if not self._tighten_pays(cols, which, active, nearest):
                break
        return active

    def _tighten_pays(self, cols, which, active, nearest) -> bool:
        """Tighten the bounds of balls ``which`` with points ``cols`` and drop the balls now ruled
        out. True if that paid: each dropped ball saves its exact radius (at least n / 2 distances
        with the symmetric pass), tightening cost len(cols) distances per ball."""
        self.bound.tighten(cols, which)
        self.limit = self._cross_limit()
        keep = nearest[which] <= self.limit[which]
        active[which] = keep
        dropped = len(which) - int(keep.sum())
        return dropped * (len(self.p) // 2) >= len(which) * len(cols)

    def _decide(self, query, ball, d32, radii) -> None:
        """Record the pairs with d(query, ball) <= radius (< when strict), exactly."""
        t = self._q_tol[query] + self._p_tol[ball]  # TOL * (|q|^2 + |p|^2), per pair
        d = d32.to(torch.float64)
        sure = d + t < radii
        unsure = (~sure & (d - t <= radii)).nonzero().flatten()
        if len(unsure):
            exact = exact_sqdist_pairs(self.q, query[unsure], self.p, ball[unsure])
            r = radii[unsure]
            sure[unsure] = (exact < r) if self.strict else (exact <= r)
        self.hits.append((query[sure], ball[sure]))
