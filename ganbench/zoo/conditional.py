"""Conditional GANs: seed-batched networks that take a class, and their training step.

A variant's ``conditioning`` says how D uses the label (G takes z and the one-hot label
concatenated, Mirza & Osindero 2014, except the projection cGAN's image generator, whose
BatchNorms are conditional, Miyato & Koyama 2018):

- ``concat`` (cGAN, Mirza & Osindero 2014): the one-hot label is concatenated to D's input, as K
  extra features (vectors) or K constant channels (images).
- ``auxiliary`` (AC-GAN, Odena et al. 2017): D sees x alone and has a second head with K class logits
  on its penultimate features; both players add the class log-likelihood of their samples.
- ``projection`` (Miyato & Koyama 2018, Eq. 3): D(x, y) = ψ(φ(x)) + e_yᵀ V φ(x), the inner product of
  D's penultimate features φ(x) with a learned class embedding (spectrally normalised with D).

Discriminators return ``(logits (S, B), features (S, B, F), class_logits (S, B, K) or None)``. The
training step is ``ganbench.zoo.steps.conditional_step``; the AC-GAN class term ``losses.class_nll``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.zoo.layers import SeedConditionalBatchNorm2d, SeedLinear
from ganbench.zoo.networks import Arch, DCDiscriminator, DCGenerator, MLPDiscriminator, MLPGenerator, family_of

CONDITIONINGS = ("concat", "auxiliary", "projection")


def one_hot(y: torch.Tensor, k: int, dtype: torch.dtype) -> torch.Tensor:
    return F.one_hot(y, k).to(dtype)


class ConditionalGenerator(nn.Module):
    """G(z, y) = G'(z ⊕ onehot(y)): ``base`` is built for latents of dimension z_dim + K."""

    def __init__(self, base: nn.Module, n_classes: int):
        super().__init__()
        self.base, self.n_classes = base, n_classes

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.base(torch.cat([z, one_hot(y, self.n_classes, z.dtype)], -1))


class CBNGenerator(DCGenerator):
    """The DCGAN generator with conditional BatchNorm in place of every BatchNorm (Miyato & Koyama 2018,
    Sec. 5: the projection discriminator's generator): G(z, y), the class enters only through each
    layer's γ_y, β_y. Same layers and parameter draws as ``DCGenerator`` for latents of ``z_dim``."""

    def __init__(self, gens, z_dim: int, shape: tuple[int, int, int], ch: int, n_classes: int):
        super().__init__(gens, z_dim, shape, ch)
        s = len(gens)
        self.n_classes = n_classes
        self.bn0 = SeedConditionalBatchNorm2d(s, self.c0, n_classes)
        self.bns = nn.ModuleList(SeedConditionalBatchNorm2d(s, bn.weight.shape[1], n_classes) for bn in self.bns)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        s, b = z.shape[:2]
        h = torch.relu(self.bn0(self.project(z).reshape(s, b, self.c0, self.r0, self.r0), y))
        for i, up in enumerate(self.ups):
            h = up(h)
            h = torch.tanh(h) if i == len(self.ups) - 1 else torch.relu(self.bns[i](h, y))
        return h


class ConditionalDiscriminator(nn.Module):
    """D(x, y) by ``mode`` (see the module docstring); ``base`` returns (logits, features)."""

    def __init__(self, gens, base: nn.Module, n_classes: int, mode: str, feat_dim: int, sn=False):
        super().__init__()
        self.base, self.n_classes, self.mode = base, n_classes, mode
        if mode == "projection":  # V (K, F) as a linear map from one-hot labels: its rows embed the classes
            self.embed = SeedLinear(gens, n_classes, feat_dim, sn=sn)
        elif mode == "auxiliary":
            self.classify = SeedLinear(gens, feat_dim, n_classes)

    def forward(self, x: torch.Tensor, y: torch.Tensor):
        if self.mode == "concat":
            code = one_hot(y, self.n_classes, x.dtype)
            if x.ndim == 5:  # images (S, B, C, H, W): the label as K constant channels
                code = code[..., None, None].expand(*code.shape, *x.shape[3:])
            out, f = self.base(torch.cat([x, code], 2))
            return out, f, None
        out, f = self.base(x)
        if self.mode == "auxiliary":
            return out, f, self.classify(f)
        v = self.embed.effective_weight()  # (S, K, F)
        e = torch.gather(v, 1, y[..., None].expand(*y.shape, v.shape[2]))  # (S, B, F): each sample's class row
        return out + (e * f).sum(-1), f, None


def build_conditional_networks(shape: tuple[int, ...], arch: Arch, gens, n_classes: int, mode: str, sn=False):
    """Conditional G and D for samples of ``shape`` and ``n_classes`` labels (G's parameters first,
    then D's, then D's label head, each from the seed's init stream). Returns (G, D, z_dim)."""
    if mode not in CONDITIONINGS:
        raise ValueError(f"unknown conditioning {mode!r}; choose from {', '.join(CONDITIONINGS)}")
    family = family_of(shape, arch)
    extra = n_classes if mode == "concat" else 0  # label features or channels at D's input
    if family == "mlp":
        z = arch.z_dim or 8
        g = MLPGenerator(gens, z + n_classes, shape[0], arch.hidden, arch.depth)
        d = MLPDiscriminator(gens, shape[0] + extra, arch.hidden, arch.depth, sn=sn)
        feat = arch.hidden
    elif family == "dcgan":
        z = arch.z_dim or 32
        # projection: the paper's conditional BatchNorm; the others: z and the one-hot label concatenated
        g = CBNGenerator(gens, z, shape, arch.ch, n_classes) if mode == "projection" else \
            ConditionalGenerator(DCGenerator(gens, z + n_classes, shape, arch.ch), n_classes)
        d = DCDiscriminator(gens, (shape[0] + extra, *shape[1:]), arch.ch, sn=sn)
        return g, ConditionalDiscriminator(gens, d, n_classes, mode, d.feat_dim, sn), z
    else:
        raise ValueError(f"unknown architecture family {family!r}; choose 'mlp' or 'dcgan'")
    return ConditionalGenerator(g, n_classes), ConditionalDiscriminator(gens, d, n_classes, mode, feat, sn), z
