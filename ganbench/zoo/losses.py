"""Adversarial losses: pure functions of discriminator outputs, and their registry.

A loss maps raw discriminator outputs ``d_real`` (S, B) and ``d_fake`` (S, B) to per-seed
``(d_loss, g_loss)``, each of shape (S,) (the mean over the batch). The trainer evaluates it twice
per step: for D with detached fakes (uses ``d_loss``), for G with fakes that carry G's gradient
(uses ``g_loss``; ``d_real`` is then the detached output of the last D step).
"""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

from ganbench.utils.registry import registrar

LossFn = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
LOSSES: dict[str, LossFn] = {}


# register_loss(name): a decorator registering ``fn(d_real, d_fake) -> (d_loss, g_loss)`` (or a class
# whose instances are such callables, instantiated once) under ``name``; refuses duplicate names.
register_loss = registrar(LOSSES, "loss", transform=lambda fn: fn() if isinstance(fn, type) else fn)


def get_loss(name: str) -> LossFn:
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose from {', '.join(sorted(LOSSES))} or register_loss() your own")
    return LOSSES[name]


def _m(x: torch.Tensor) -> torch.Tensor:
    return x.mean(1)


@register_loss("minimax")
def minimax(d_real, d_fake):
    """Goodfellow et al. 2014, Eq. 1: D maximises log D(x) + log(1 - D(G(z))); G minimises
    log(1 - D(G(z))) (the saturating loss). With logits v: log σ(v) = -softplus(-v)."""
    return _m(F.softplus(-d_real)) + _m(F.softplus(d_fake)), _m(-F.softplus(d_fake))


@register_loss("ns")
def non_saturating(d_real, d_fake):
    """Goodfellow et al. 2014, Sec. 3: G maximises log D(G(z)) instead."""
    return _m(F.softplus(-d_real)) + _m(F.softplus(d_fake)), _m(F.softplus(-d_fake))


@register_loss("ns-smooth")
def ns_label_smoothing(d_real, d_fake, target: float = 0.9):
    """One-sided label smoothing (Salimans et al. 2016, Sec. 3.4): real targets 0.9, fake targets 0."""
    d_loss = _m(target * F.softplus(-d_real) + (1 - target) * F.softplus(d_real)) + _m(F.softplus(d_fake))
    return d_loss, _m(F.softplus(-d_fake))


@register_loss("lsgan")
def least_squares(d_real, d_fake):
    """Mao et al. 2017, Eq. 9 with the 0-1 coding a = 0, b = c = 1."""
    return 0.5 * _m((d_real - 1) ** 2) + 0.5 * _m(d_fake**2), 0.5 * _m((d_fake - 1) ** 2)


@register_loss("lsgan-mse")
def least_squares_mse(d_real, d_fake):
    """Least squares as CycleGAN's released code computes it (Zhu et al. 2017, Sec. 4; Mao et al. 2017
    with a = 0, b = c = 1): D minimises ½[(D(x) - 1)² + D(G(z))²], G minimises (D(G(z)) - 1)², a mean
    squared error without lsgan's factor ½ on G's side (it sets G's weight against the cycle loss)."""
    return 0.5 * _m((d_real - 1) ** 2) + 0.5 * _m(d_fake**2), _m((d_fake - 1) ** 2)


@register_loss("wasserstein")
def wasserstein(d_real, d_fake):
    """Arjovsky et al. 2017: the critic maximises E f(x) - E f(G(z)); G minimises -E f(G(z))."""
    return _m(d_fake) - _m(d_real), -_m(d_fake)


@register_loss("hinge")
def hinge(d_real, d_fake):
    """Lim & Ye 2017; Miyato et al. 2018: E relu(1 - D(x)) + E relu(1 + D(G(z))); G: -E D(G(z))."""
    return _m(F.relu(1 - d_real)) + _m(F.relu(1 + d_fake)), -_m(d_fake)


class FDivergence:
    """f-GAN (Nowozin et al. 2016, Table 2 and Eq. 6): D maximises
    E_real[g_f(V(x))] - E_fake[f*(g_f(V(G(z))))], with output activation g_f and Fenchel conjugate f*;
    G maximises E_fake[g_f(V(G(z)))] (the paper's practical, non-saturating update, Sec. 3.2)."""

    def __init__(self, activation, conjugate, name):
        self.activation, self.conjugate, self.__name__ = activation, conjugate, name

    def __call__(self, d_real, d_fake):
        t_real, t_fake = self.activation(d_real), self.activation(d_fake)
        return -(_m(t_real) - _m(self.conjugate(t_fake))), -_m(t_fake)


_LOG2 = math.log(2.0)
F_DIVERGENCES = {
    # name: (g_f(v), f*(t)) from Nowozin et al. 2016, Table 2
    "kl": (lambda v: v, lambda t: torch.exp(t - 1)),
    "rkl": (lambda v: -torch.exp(-v), lambda t: -1 - torch.log(-t)),
    "pearson": (lambda v: v, lambda t: 0.25 * t * t + t),
    "hellinger": (lambda v: 1 - torch.exp(-v), lambda t: t / (1 - t)),
    "js": (lambda v: _LOG2 - F.softplus(-v), lambda t: -torch.log(2 - torch.exp(t))),
}
for _name, (_act, _conj) in F_DIVERGENCES.items():
    register_loss(f"fgan-{_name}")(FDivergence(_act, _conj, f"fgan-{_name}"))
BUILTIN_LOSSES = tuple(LOSSES)  # the ones above; plugins add more


def class_nll(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The AC-GAN class term (Odena et al. 2017, Eq. 2, L_C as a loss): per-seed mean negative
    log-likelihood of classes ``y`` (S, B) under ``logits`` (S, B, K); returns (S,)."""
    s, b, k = logits.shape
    return F.cross_entropy(logits.reshape(s * b, k), y.reshape(-1), reduction="none").reshape(s, b).mean(1)


class GroupedLoss:
    """The losses of a program whose trials use different losses: group k's loss applies to seeds
    ``bounds[k]:bounds[k+1]`` (each loss sees only its own seeds, so a trial's loss values are those
    it would have alone)."""

    def __init__(self, losses: list[LossFn], sizes: list[int]):
        self.losses, self.bounds = list(losses), [0]
        for n in sizes:
            self.bounds.append(self.bounds[-1] + int(n))

    def __call__(self, d_real: torch.Tensor, d_fake: torch.Tensor):
        if len(self.losses) == 1:
            return self.losses[0](d_real, d_fake)
        parts = [fn(d_real[a:b], d_fake[a:b]) for fn, a, b in zip(self.losses, self.bounds, self.bounds[1:])]
        return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
