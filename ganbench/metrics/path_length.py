"""Perceptual path length (Karras et al. 2019, "A Style-Based Generator Architecture for Generative
Adversarial Networks", Sec. 4.2 and Appendix; the official ``metrics/perceptual_path_length.py``).

For pairs of latents z0, z1 ~ N(0, I) and t ~ U(0, 1) ("full" sampling; t = 0 for "end"), the distance
d(g(e(t)), g(e(t + ε))) / ε² between the images at two nearby points of the interpolation path e,
slerp in Z (``space="z"``) or lerp in W = mapping(Z) (``space="w"``). d is the squared L2 distance of
an embedding of the images (the paper's embedding is VGG16 / LPIPS; here any callable). Distances
outside the [1st, 99th] percentile are rejected and the rest averaged. Lower means a smoother latent
space. The networks are callables, so this module depends on no architecture: for seed s of a
seed-batched generator, pass e.g. ``lambda z: G(z[None].expand(S, -1, -1))[s]``.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ganbench.metrics._inputs import as_features, check_positive_int

SPACES = ("z", "w")
SAMPLINGS = ("full", "end")


def _normalize(v: torch.Tensor) -> torch.Tensor:
    return v / v.pow(2).sum(dim=-1, keepdim=True).sqrt()


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation of the directions of (N, D) rows ``a`` -> ``b`` at t (N, 1), a unit vector
    (the official ``slerp``: inputs normalised, output on the unit sphere)."""
    a, b = _normalize(a), _normalize(b)
    d = (a * b).sum(dim=-1, keepdim=True)
    p = t * torch.acos(d)
    c = _normalize(b - d * a)
    return _normalize(a * torch.cos(p) + c * torch.sin(p))


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """a + (b - a) t (the official ``tflib.lerp``)."""
    return a + (b - a) * t


def path_length(
    generate,
    embed,
    n: int,
    z_dim: int,
    generator: torch.Generator,
    space: str = "z",
    epsilon: float = 1e-4,
    mapping=None,
    sampling: str = "full",
    batch_size: int = 64,
    dtype: torch.dtype = torch.float32,
) -> float:
    """Perceptual path length over ``n`` latent pairs (mean of the distances within the 1st-99th
    percentiles, the official 'lower' / 'higher' percentile bounds).

    ``generate``: (M, z_dim) latents (space "z") or (M, w_dim) styles (space "w") -> M samples (M, ...).
    ``embed``: samples -> (M, ...) embeddings, flattened per sample; None: the samples themselves.
    ``mapping``: (M, z_dim) -> (M, w_dim), required for space "w" (``generate`` is then the synthesis).
    Draws, per batch of m = min(batch_size, pairs left) pairs, from ``generator`` (on its device):
    z = randn(2, m, z_dim) (z0 = z[0], z1 = z[1]), then t = rand(m) for "full" sampling, in ``dtype``
    (float64 makes the difference of nearby samples exact to ~1e-12; in float32 it carries rounding of
    order 1e-4 relative at ε = 1e-4). Deterministic for a given generator state. Returns a float (units: embedding
    units² per unit of path parameter², i.e. squared distance / ε²).
    """
    n = check_positive_int(n, "n")
    z_dim = check_positive_int(z_dim, "z_dim")
    batch_size = check_positive_int(batch_size, "batch_size")
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not math.isfinite(epsilon) or epsilon <= 0:
        raise ValueError(f"epsilon must be a positive finite number, got {epsilon!r}")
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, got {space!r}")
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {SAMPLINGS}, got {sampling!r}")
    if not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    if not callable(generate) or (embed is not None and not callable(embed)):
        raise ValueError("generate (and embed, unless None) must be callables")
    if space == "w" and not callable(mapping):
        raise ValueError("space='w' needs mapping, a callable from (M, z_dim) latents to (M, w_dim) styles")
    dev = generator.device
    dists = []
    with torch.no_grad():
        done = 0
        while done < n:
            m = min(batch_size, n - done)
            z = torch.randn((2, m, z_dim), generator=generator, device=dev, dtype=dtype)
            t = (torch.rand((m, 1), generator=generator, device=dev, dtype=dtype) if sampling == "full"
                 else torch.zeros((m, 1), device=dev, dtype=dtype))
            if space == "z":
                e = torch.cat([slerp(z[0], z[1], t), slerp(z[0], z[1], t + epsilon)])
            else:
                w = mapping(torch.cat([z[0], z[1]]))
                w0, w1 = w[:m], w[m:]
                e = torch.cat([lerp(w0, w1, t), lerp(w0, w1, t + epsilon)])
            x = generate(e)
            f = x if embed is None else embed(x)
            if len(f) != 2 * m:
                raise ValueError(f"generate/embed returned {len(f)} rows for {2 * m} inputs; "
                                 "they must map a batch of M latents to M samples / embeddings")
            f = as_features(f.reshape(2 * m, -1), "embed(generate(latents))", min_samples=2).double()
            dists.append(((f[:m] - f[m:]).pow(2).sum(dim=1) / (epsilon * epsilon)).cpu())
            done += m
    d = torch.cat(dists).numpy()
    lo = np.percentile(d, 1, method="lower")
    hi = np.percentile(d, 99, method="higher")
    return float(d[(lo <= d) & (d <= hi)].mean())
