"""Gaussian mixtures of the mode-collapse literature, sampled on the fly (no dataset file).

- ``ring8``: 8 components at radius 1, centers (cos 2πk/8, sin 2πk/8) for k = 0..7, std 0.01
  (Srivastava et al. 2017, VEEGAN; Lin et al. 2018, PacGAN). Note the angles: ``linspace(0, 2π, 8)``
  would put k = 0 and k = 7 on the same point.
- ``grid25``: 25 components at {-4, -2, 0, 2, 4}², std 0.05 (VEEGAN; PacGAN).
- ``hd-mixture``: 10 components in 1200 dimensions whose means span a 700-dimensional subspace
  (VEEGAN, Section 5.1). The means are not published, so ganbench fixes them: uniform in [-1, 1]^700
  drawn from seed 0, placed in the first 700 coordinates. Per-coordinate std 0.01 in all 1200 dims.

Protocol (VEEGAN / PacGAN): 2,500 generated samples; a sample is *high quality* when it lies within
3 std of its nearest center (10 for hd-mixture); a mode is covered when it gets at least one
high-quality sample. The headline is ``mode_tv`` (``ganbench.metrics.mode_coverage.mode_tv``): the
total variation distance between the generated and the real distribution over {mode 1..K, off every
mode}, a proper score that neither spraying samples over every mode nor collapsing onto a few sharp
ones can win; modes, the high-quality fraction and reverse KL stay as columns (revision 1; before it
the mixtures ranked by modes alone, and a generator with three quarters of its samples off every mode
could rank first). In 1200 dims a real sample lies ≈ √1200 ≈ 35 per-coordinate stds from its mean,
so for hd-mixture "std" is the component's RMS radius σ√D and the threshold is 10 of those.
hd-mixture is judged by modes and FID only (as in VEEGAN): k-NN precision/recall says little when
all distances concentrate around one value, and costs the most there.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ganbench.metrics.mode_coverage import mode_coverage, mode_tv, nearest_modes, real_mode_probabilities
from ganbench.tasks.task import EvalProtocol, Task, register_task

MIXTURE_METRICS = ("modes", "pr", "fid")


class GaussianMixture(Task):
    """Equal-weight isotropic mixture: ``centers`` (K, D) float64, per-coordinate ``std``;
    ``mode_std`` and ``threshold`` define high quality for :func:`ganbench.metrics.mode_coverage`."""

    def __init__(self, name, centers, std, threshold, paper, description, mode_std=None, n_eval=2500,
                 metrics=MIXTURE_METRICS):
        self.name = name
        self.centers = np.asarray(centers, dtype=np.float64)
        self.std = float(std)
        self.mode_std = float(mode_std if mode_std is not None else std)
        self.threshold = float(threshold)
        self.shape = (self.centers.shape[1],)
        self.n_modes = len(self.centers)
        self.paper = paper
        self.description = description
        self.protocol = EvalProtocol(n_real=n_eval, n_fake=n_eval, metrics=metrics, extractor="identity",
                                     options={"pr_k": 3} if "pr" in metrics else {}, headline="mode_tv", revision=1)
        self._centers32 = torch.as_tensor(self.centers, dtype=torch.float32)

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return self.sample_labelled(n, generator)[0]

    def sample_labelled(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` samples and the component each comes from (int64)."""
        # Component first, then noise, both from ``generator``: one stream, bit-reproducible.
        k = torch.randint(self.n_modes, (n,), generator=generator, device=generator.device)
        return self.around(k, generator), k

    def around(self, k: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """One sample of component ``k[i]`` for each i (``k`` on ``generator.device``)."""
        noise = torch.randn((len(k), self.shape[0]), generator=generator, device=generator.device)
        return self._on("centers", self._centers32, generator.device)[k] + self.std * noise

    def selection_reference(self):
        """Fresh draws of the mixture itself (another real seed; ``mode_tv`` compares with the exact
        distribution over the modes and needs none)."""
        return self, "fresh draws of the mixture (the selection real seed)"

    def judge(self, samples: torch.Tensor, features=None) -> torch.Tensor:
        """(N,) the mode of each sample when it is a high-quality sample of it, else -1."""
        nearest, hq = nearest_modes(samples, self.centers, self.mode_std, self.threshold)
        return torch.where(hq, nearest, -1)

    def real_categories(self) -> np.ndarray:
        """(K + 1,) the real distribution over {mode 1..K, off every mode} under the 3-std rule."""
        return real_mode_probabilities(self.n_modes, self.shape[0], self.std, self.mode_std, self.threshold)

    def mode_stats(self, fake, features) -> dict:
        s = mode_coverage(fake, self.centers, self.mode_std, threshold=self.threshold)
        return {"mode_tv": mode_tv(s["counts"], len(fake), self.real_categories()), "modes": s["modes_covered"],
                "hq_fraction": s["high_quality_fraction"], "reverse_kl": s["reverse_kl"]}

    def cache_key(self) -> dict:
        return {"task": self.name, "std": self.std, "centers_sha": _digest(self.centers)}


def _digest(a: np.ndarray) -> str:
    import hashlib

    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


def ring_centers(n: int = 8, radius: float = 1.0) -> np.ndarray:
    angles = 2 * np.pi * np.arange(n) / n  # not linspace(0, 2π, n): that duplicates the first mode
    return radius * np.stack([np.cos(angles), np.sin(angles)], 1)


def grid_centers(side: int = 5, spacing: float = 2.0) -> np.ndarray:
    axis = spacing * (np.arange(side) - (side - 1) / 2)
    xx, yy = np.meshgrid(axis, axis, indexing="ij")
    return np.stack([xx.ravel(), yy.ravel()], 1)


def hd_centers(n: int = 10, dim: int = 1200, subspace: int = 700, seed: int = 0) -> np.ndarray:
    rng = np.random.RandomState(seed)
    centers = np.zeros((n, dim))
    centers[:, :subspace] = rng.uniform(-1.0, 1.0, size=(n, subspace))
    return centers


@register_task("ring8")
def ring8() -> GaussianMixture:
    return GaussianMixture("ring8", ring_centers(8), 0.01, 3.0, "Srivastava et al. 2017 (VEEGAN); Lin et al. 2018 (PacGAN)",
                           "8 Gaussians on the unit circle, std 0.01")


@register_task("grid25")
def grid25() -> GaussianMixture:
    return GaussianMixture("grid25", grid_centers(5), 0.05, 3.0, "Srivastava et al. 2017 (VEEGAN); Lin et al. 2018 (PacGAN)",
                           "25 Gaussians on a 5x5 grid {-4,...,4}^2, std 0.05")


@register_task("hd-mixture")
def hd_mixture() -> GaussianMixture:
    std = 0.01
    return GaussianMixture("hd-mixture", hd_centers(), std, 10.0, "Srivastava et al. 2017 (VEEGAN)",
                           "10 Gaussians in 1200-d, means in a 700-d subspace, std 0.01",
                           mode_std=std * math.sqrt(1200), metrics=("modes", "fid"))
