"""GANs with an encoder E: x -> z, seed-batched like the rest of the zoo (vector tasks, the mlp family).

- ``bigan`` (BiGAN, Donahue et al. 2017; ALI, Dumoulin et al. 2017): D judges joint pairs, real
  (x, E(x)) against fake (G(z), z); G and E together minimise what D maximises, so at the optimum
  E inverts G. The training step is ``ganbench.zoo.steps.bigan_step``.
- ``aae`` (adversarial autoencoder, Makhzani et al. 2016, Sec. 2): E and G form an autoencoder
  trained on the reconstruction error, and D on codes judges prior samples z ~ p(z) against E(x);
  E alone is then updated to fool D. The step is ``ganbench.zoo.steps.aae_step``.

Vector tasks (the mlp family): E has G's shape mirrored (Linear-ReLU x depth, then a linear code),
and BiGAN's D is the MLP discriminator on x ⊕ z. Images (the dcgan family, e.g. ``digits``): G is the
DCGAN generator, E the DCGAN discriminator's convolutions followed by a linear code (the BiGAN
paper's encoders are convolutional the same way), and BiGAN's D joins D's convolutional features
of x with z in one LeakyReLU layer before its output (the joint discriminator of Donahue et al. 2017,
Sec. 4 / Dumoulin et al. 2017, Table 4, one layer deep instead of their two or three). The AAE's D on
codes is the MLP discriminator in both. E is drawn from the seed's init stream after G and D. The
code's default dimension is the data's, at most 8: 2 on ring8 and grid25, 8 on digits (Makhzani et
al. 2016 use 8 on MNIST). Returns of D are ``(logits (S, B), features (S, B, F))``; BiGAN's D takes
the pair flattened, ``joint(x, z)``.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ganbench.zoo.layers import SeedLinear
from ganbench.zoo.networks import (
    Arch,
    DCFeatures,
    DCGenerator,
    MLPDiscriminator,
    MLPGenerator,
    family_of,
    require_square,
)

INFERENCE_FAMILIES = ("bigan", "aae")


def joint(x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """BiGAN's pair (x, z) as one tensor (S, B, numel(x) + z_dim): x flattened, then z."""
    return torch.cat([x.flatten(2), z], -1)


class DCEncoder(nn.Module):
    """E for images: the DCGAN discriminator's convolutions, then a linear code; (S, B, C, H, W) -> (S, B, z)."""

    def __init__(self, gens, shape: tuple[int, int, int], ch: int, z_dim: int):
        super().__init__()
        self.body = DCFeatures(gens, shape, ch)
        self.code = SeedLinear(gens, self.body.feat_dim, z_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.code(self.body(x))


class JointDCDiscriminator(nn.Module):
    """BiGAN's D for images on ``joint(x, z)``: convolutional features of x, concatenated with z, one
    LeakyReLU(0.2) layer of ``hidden`` units, a linear output; the features are that layer's."""

    def __init__(self, gens, shape: tuple[int, int, int], ch: int, z_dim: int, hidden: int, sn=False):
        super().__init__()
        self.shape, self.numel = tuple(shape), math.prod(shape)
        self.body = DCFeatures(gens, shape, ch, sn=sn)
        self.hidden = SeedLinear(gens, self.body.feat_dim + z_dim, hidden, sn=sn)
        self.out = SeedLinear(gens, hidden, 1, sn=sn)

    def forward(self, pair: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s, b = pair.shape[:2]
        x, z = pair[..., : self.numel].reshape(s, b, *self.shape), pair[..., self.numel:]
        f = nn.functional.leaky_relu(self.hidden(torch.cat([self.body(x), z], -1)), 0.2)
        return self.out(f)[..., 0], f


def build_inference_networks(shape: tuple[int, ...], arch: Arch, gens, kind: str, sn=False):
    """(G, D, E, z_dim) for ``kind`` in :data:`INFERENCE_FAMILIES`; BiGAN's D takes ``joint(x, z)``,
    the AAE's D takes a code z."""
    if kind not in INFERENCE_FAMILIES:
        raise ValueError(f"unknown inference family {kind!r}; choose from {', '.join(INFERENCE_FAMILIES)}")
    family = family_of(shape, arch)
    # A deterministic E maps the data onto a sheet of at most the data's dimension, so codes of more
    # dimensions can never match p(z) (the AAE) and (x, E(x)) never (G(z), z) (BiGAN: the optimum
    # needs E = G⁻¹): by default the code has the data's dimension, at most the zoo's 8.
    z = arch.z_dim or min(8, math.prod(shape))
    if family == "mlp" and len(shape) == 1:
        g = MLPGenerator(gens, z, shape[0], arch.hidden, arch.depth)
        d_in = shape[0] + z if kind == "bigan" else z
        d = MLPDiscriminator(gens, d_in, arch.hidden, arch.depth, sn=sn)
        e = MLPGenerator(gens, shape[0], z, arch.hidden, arch.depth)  # the same layer stack, x -> z
        return g, d, e, z
    if family == "dcgan" and len(shape) == 3:
        require_square(shape, "dcgan")
        g = DCGenerator(gens, z, shape, arch.ch)
        d = (JointDCDiscriminator(gens, shape, arch.ch, z, arch.hidden, sn=sn) if kind == "bigan"
             else MLPDiscriminator(gens, z, arch.hidden, arch.depth, sn=sn))
        return g, d, DCEncoder(gens, shape, arch.ch, z), z
    raise ValueError(f"the {kind} variants are implemented for vector tasks (the mlp family: ring8, grid25, "
                     f"hd-mixture) and images (the dcgan family: digits), got samples of shape {shape} "
                     f"with the {family} family")
