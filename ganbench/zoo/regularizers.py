"""Discriminator regularisers, per seed: each returns a tensor of shape (S,)."""
from __future__ import annotations

import torch


def _per_sample_sqnorm(grad: torch.Tensor) -> torch.Tensor:
    return grad.flatten(2).pow(2).sum(2)  # (S, B)


def gradient_penalty(d, real: torch.Tensor, fake: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al. 2017, Eq. 3): E[(|∇D(x̂)|₂ - 1)²] at x̂ = ε x + (1 - ε) x̃.

    ``real``/``fake``: (S, B, ...) as D sees them (packed); ``eps``: (S, B) uniform in [0, 1].
    The penalty is differentiable in D's parameters (double back-propagation)."""
    e = eps.reshape(*eps.shape, *([1] * (real.ndim - 2)))
    x = (e * real + (1 - e) * fake).detach().requires_grad_(True)
    out, _ = d(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    norm = (_per_sample_sqnorm(grad) + 1e-12).sqrt()  # 1e-12: the norm's gradient at 0 stays finite
    return ((norm - 1) ** 2).mean(1)


def r1_penalty(d, real: torch.Tensor) -> torch.Tensor:
    """R1 (Mescheder et al. 2018, Eq. 9 without the γ/2 factor): E_real |∇D(x)|²."""
    x = real.detach().requires_grad_(True)
    out, _ = d(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return _per_sample_sqnorm(grad).mean(1)


@torch.no_grad()
def clip_weights(d, c) -> None:
    """WGAN weight clipping (Arjovsky et al. 2017, Algorithm 1): every critic parameter into [-c, c].
    ``c``: one bound, or per seed an (S,) tensor (``inf`` for seeds that are not clipped)."""
    for p in d.parameters():
        if isinstance(c, torch.Tensor):
            bound = c.to(p.dtype).reshape(-1, *([1] * (p.ndim - 1)))
            p.copy_(torch.minimum(torch.maximum(p, -bound), bound))
        else:
            p.clamp_(-c, c)
