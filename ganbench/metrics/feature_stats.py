"""Streaming first and second moments of features, accumulated in float64, with memory independent of N.

Precision of the Gram products (``precision=``):

- ``"mixed"`` (default): float32 features are multiplied in float32 over blocks of at most
  ``MIXED_BLOCK`` rows (BLAS ``ssyrk``, twice the speed of ``dsyrk`` on CPU) and every block's sum is
  accumulated in float64. Features from Inception are float32 already, so nothing is rounded on the
  way in; the only new error is float32 summation inside a block: about 1e-6 relative per
  covariance entry, random in sign, which moved FID by 1.8e-8 relative on the 50k x 2048 benchmark features (benchmarks/conftest.py)
  features and by at most 7.4e-6 over the core suite's records (benchmarks/README.md). Float64
  features, and everything on CUDA (where float64 costs the same), use float64 products.
- ``"float64"``: float64 products for every input, as torch-fidelity's ``np.cov``.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from ganbench.metrics._inputs import as_features, check_float32_products, check_precision
from ganbench.utils.atomic import atomic_save

# Rows per Gram update: bounds the float64 working copy to CHUNK x D (128 MiB at D = 2048).
CHUNK = 8192
# Rows per float32 Gram block in "mixed" precision: short enough that float32 summation inside a
# block stays near 1e-6 relative, long enough for BLAS to run at full speed (4096: 95% of 8192's).
MIXED_BLOCK = 4096


class FeatureStats:
    """Running mean and covariance of (N, D) features.

    Sums are kept around a fixed shift (the first batch's mean) so the covariance does not
    lose digits to cancellation when features have a large mean, as ReLU features do.
    ``cov`` is the unbiased estimate (divides by N - 1), as in torch-fidelity and TTUR.

    ``precision``: ``"mixed"`` (float32 block products for float32 features, float64 sums) or
    ``"float64"`` (float64 products throughout); see the module docstring for the error.

    Example:
        >>> s = FeatureStats(2048); s.update(batch_a); s.update(batch_b)
        >>> s.save("real_stats.npz"); fid(s, fake_features)
    """

    def __init__(self, dim: int, precision: str = "mixed"):
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
            raise ValueError(f"dim must be a positive integer (the feature dimension), got {dim!r}")
        self.dim = int(dim)
        self.precision = check_precision(precision)
        self.n = 0
        self._shift: np.ndarray | None = None
        self._sum = np.zeros(self.dim)
        self._m2 = np.zeros((self.dim, self.dim))

    def update(self, batch) -> "FeatureStats":
        """Add a batch of features of shape (B, D); returns self."""
        x = as_features(batch, "batch", min_samples=1, dim=self.dim)
        mixed = self.precision == "mixed" and x.dtype == torch.float32 and not x.is_cuda
        if mixed:
            check_float32_products(x, "features", "use precision='float64' (ganbench eval --precision float64)")
        if self._shift is None:
            shift = x[:MIXED_BLOCK].mean(dim=0, dtype=torch.float64).cpu().numpy()  # near the mean is enough
            # Any shift is exact (sums are re-centred in float64). A float32-representable one lets
            # float32 blocks subtract it as is, so no re-expression is needed per update.
            self._shift = shift.astype(np.float32).astype(np.float64) if self.precision == "mixed" else shift
        if x.is_cuda:
            # Float64 Gram on the GPU (TF32 cannot touch float64), summed into the host accumulator.
            shift = torch.from_numpy(self._shift).to(x.device)
            s, m2 = torch.zeros_like(shift), torch.zeros(self.dim, self.dim, dtype=torch.float64, device=x.device)
            for c in x.split(CHUNK):
                c = c.double() - shift
                s += c.sum(dim=0)
                m2.addmm_(c.T, c)
            self._add_sums(len(x), s.cpu().numpy(), m2.cpu().numpy(), self._shift)
        elif mixed:
            # Float32 blocks subtract a float32 shift; the sums are re-expressed around self._shift.
            x, shift32 = x.numpy(), self._shift.astype(np.float32)
            around = shift32.astype(np.float64)
            s, m2 = np.zeros(self.dim), np.zeros((self.dim, self.dim))
            for start in range(0, len(x), MIXED_BLOCK):
                block = x[start : start + MIXED_BLOCK]
                # The sum comes from the unrounded features, so the mean stays float64-exact.
                s += block.sum(axis=0, dtype=np.float64) - len(block) * around
                c = block - shift32
                m2 += c.T @ c  # float32 ssyrk over <= MIXED_BLOCK rows, summed in float64
            self._add_sums(len(x), s, m2, around)
        else:
            x = x.numpy()
            s, m2 = np.zeros(self.dim), np.zeros((self.dim, self.dim))
            for start in range(0, len(x), CHUNK):
                c = x[start : start + CHUNK].astype(np.float64)
                c -= self._shift  # in place: one float64 copy per chunk, not two
                s += c.sum(axis=0)
                # numpy recognises c.T @ c and calls BLAS syrk: half the flops of a general product.
                m2 += c.T @ c
            self._add_sums(len(x), s, m2, self._shift)
        return self

    def _add_sums(self, n: int, s: np.ndarray, m2: np.ndarray, around: np.ndarray) -> None:
        """Add n samples' sum and second moment, taken around ``around``, to the running sums."""
        d = around - self._shift
        if d.any():  # z = y + d: re-express around self._shift
            m2 = m2 + np.outer(s, d) + np.outer(d, s) + n * np.outer(d, d)
            s = s + n * d
        self._sum += s
        self._m2 += m2
        self.n += n

    def merge(self, other: "FeatureStats") -> "FeatureStats":
        """Fold another ``FeatureStats`` of the same dimension into this one; returns self."""
        if not isinstance(other, FeatureStats):
            raise ValueError(f"merge expects a FeatureStats, got {type(other).__name__}")
        if other.dim != self.dim:
            raise ValueError(f"cannot merge statistics of dimension {other.dim} into dimension {self.dim}")
        if other.n == 0:
            return self
        if other.precision != self.precision:
            self.precision = "mixed"  # the label says how exact the merged sums are: the weaker of the two
        if self.n == 0:
            self._shift, self._sum, self._m2, self.n = other._shift.copy(), other._sum.copy(), other._m2.copy(), other.n
            return self
        self._add_sums(other.n, other._sum, other._m2, other._shift)
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
        arrays = dict(n=np.int64(self.n), dim=np.int64(self.dim), shift=self._shift, sum=self._sum, m2=self._m2,
                      precision=np.str_(self.precision))
        atomic_save(Path(path), arrays, lambda a, f: np.savez(f, **a))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "FeatureStats":
        path = Path(path)
        if not path.exists():
            raise ValueError(f"statistics file {path} does not exist; compute it with FeatureStats.update(...).save(path)")
        try:
            with np.load(path, allow_pickle=False) as z:
                s = cls(int(z["dim"]), str(z["precision"]) if "precision" in z else "float64")
                s.n, s._shift, s._sum, s._m2 = int(z["n"]), z["shift"], z["sum"], z["m2"]
        except (KeyError, ValueError, OSError) as exc:
            raise ValueError(f"{path} is not a ganbench FeatureStats file ({exc}); recompute it") from exc
        return s

    @classmethod
    def from_features(cls, features, precision: str = "mixed") -> "FeatureStats":
        x = as_features(features, "features", min_samples=1)
        return cls(x.shape[1], precision).update(x)

    def __repr__(self) -> str:
        return f"FeatureStats(dim={self.dim}, n={self.n}, precision={self.precision!r})"
