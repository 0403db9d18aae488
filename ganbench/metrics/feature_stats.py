"""Streaming first and second moments of features, in float64, with memory independent of N."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from ganbench.metrics._inputs import as_features
from ganbench.utils.atomic import atomic_save

# Rows per Gram update: bounds the float64 working copy to CHUNK x D (128 MiB at D = 2048).
CHUNK = 8192


class FeatureStats:
    """Running mean and covariance of (N, D) features.

    Sums are kept around a fixed shift (the first batch's mean) so the covariance does not
    lose digits to cancellation when features have a large mean, as ReLU features do.
    ``cov`` is the unbiased estimate (divides by N - 1), as in torch-fidelity and TTUR.

    Example:
        >>> s = FeatureStats(2048); s.update(batch_a); s.update(batch_b)
        >>> s.save("real_stats.npz"); fid(s, fake_features)
    """

    def __init__(self, dim: int):
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
            raise ValueError(f"dim must be a positive integer (the feature dimension), got {dim!r}")
        self.dim = int(dim)
        self.n = 0
        self._shift: np.ndarray | None = None
        self._sum = np.zeros(self.dim)
        self._m2 = np.zeros((self.dim, self.dim))

    def update(self, batch) -> "FeatureStats":
        """Add a batch of features of shape (B, D); returns self."""
        x = as_features(batch, "batch", min_samples=1, dim=self.dim)
        if self._shift is None:
            self._shift = x.mean(dim=0, dtype=torch.float64).cpu().numpy()
        if x.is_cuda:
            # Float64 Gram on the GPU (TF32 cannot touch float64), summed into the host accumulator.
            shift = torch.from_numpy(self._shift).to(x.device)
            s, m2 = torch.zeros_like(shift), torch.zeros(self.dim, self.dim, dtype=torch.float64, device=x.device)
            for c in x.split(CHUNK):
                c = c.double() - shift
                s += c.sum(dim=0)
                m2.addmm_(c.T, c)
            self._sum += s.cpu().numpy()
            self._m2 += m2.cpu().numpy()
        else:
            x = x.numpy()
            for start in range(0, len(x), CHUNK):
                c = x[start : start + CHUNK].astype(np.float64)
                c -= self._shift  # in place: one float64 copy per chunk, not two
                self._sum += c.sum(axis=0)
                # numpy recognises c.T @ c and calls BLAS syrk: half the flops of a general product.
                self._m2 += c.T @ c
        self.n += len(x)
        return self

    def merge(self, other: "FeatureStats") -> "FeatureStats":
        """Fold another ``FeatureStats`` of the same dimension into this one; returns self."""
        if not isinstance(other, FeatureStats):
            raise ValueError(f"merge expects a FeatureStats, got {type(other).__name__}")
        if other.dim != self.dim:
            raise ValueError(f"cannot merge statistics of dimension {other.dim} into dimension {self.dim}")
        if other.n == 0:
            return self
        if self.n == 0:
            self._shift, self._sum, self._m2, self.n = other._shift.copy(), other._sum.copy(), other._m2.copy(), other.n
            return self
        # Re-express the other's sums around this shift: z = y + d with d = shift_o - shift_s.
        d = other._shift - self._shift
        s_o = other._sum
        self._m2 += other._m2 + np.outer(s_o, d) + np.outer(d, s_o) + other.n * np.outer(d, d)
        self._sum += s_o + other.n * d
        self.n += other.n
        return self

    @property
    def mean(self) -> np.ndarray:
        """(D,) float64 mean."""
        self._require(1)
        return self._shift + self._sum / self.n

    @property
    def cov(self) -> np.ndarray:
        """(D, D) float64 unbiased covariance (divides by N - 1)."""
        self._require(2)
        c = (self._m2 - np.outer(self._sum, self._sum) / self.n) / (self.n - 1)
        return (c + c.T) / 2  # exact symmetry; the sums above are symmetric only up to rounding

    def _require(self, n: int) -> None:
        if self.n < n:
            raise ValueError(f"FeatureStats holds {self.n} samples; at least {n} are needed (call .update first)")

    def save(self, path: str | os.PathLike) -> None:
        """Write to an ``.npz`` atomically (a crash never leaves half a file)."""
        self._require(1)
        arrays = dict(n=np.int64(self.n), dim=np.int64(self.dim), shift=self._shift, sum=self._sum, m2=self._m2)
        atomic_save(Path(path), arrays, lambda a, f: np.savez(f, **a))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "FeatureStats":
        path = Path(path)
        if not path.exists():
            raise ValueError(f"statistics file {path} does not exist; compute it with FeatureStats.update(...).save(path)")
        try:
            with np.load(path, allow_pickle=False) as z:
                s = cls(int(z["dim"]))
                s.n, s._shift, s._sum, s._m2 = int(z["n"]), z["shift"], z["sum"], z["m2"]
        except (KeyError, ValueError, OSError) as exc:
            raise ValueError(f"{path} is not a ganbench FeatureStats file ({exc}); recompute it") from exc
        return s

    @classmethod
    def from_features(cls, features) -> "FeatureStats":
        x = as_features(features, "features", min_samples=1)
        return cls(x.shape[1]).update(x)

    def __repr__(self) -> str:
        return f"FeatureStats(dim={self.dim}, n={self.n})"
