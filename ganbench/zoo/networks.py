"""The architecture families, seed-batched (see ``layers``), in the registry ``ARCHITECTURES``.

- ``mlp`` for vector tasks (ring8, grid25, hd-mixture): the fully connected GANs of VEEGAN / PacGAN
  / Unrolled GAN; G: z -> [Linear-ReLU] x depth -> Linear; D: [Linear-LeakyReLU(0.2)] x depth -> Linear.
  Defaults: 3 hidden layers of 128 units, z of dimension 8 (``Arch``).
- ``dcgan`` for image tasks (Radford et al. 2016): G projects z to (ch·2^(n-1), r0, r0) and doubles
  the resolution n times with stride-2 transposed convolutions, BatchNorm and ReLU, tanh at the end;
  D mirrors it with stride-2 convolutions and LeakyReLU(0.2), no BatchNorm, and a linear output on
  its r0 x r0 features. r0 = 4 as in the paper (its Fig. 1), except that small images keep two
  stages (``dcgan_stages``): 8x8 digits r0 = 2, n = 2; 16x16 r0 = 4, n = 2; 32x32 r0 = 4, n = 3. A
  2x2 start at 32x32 (n = 4) collapses to one image on digits32 within 50 steps, with these layers
  and with plain PyTorch modules alike, where the paper's 4x4 start learns all ten digits.
- ``progan`` (Karras et al. 2018, ``ganbench.zoo.progressive``): the growing G and D, equalised
  learning rate, pixel norm, minibatch stddev; its ``progan`` step grows them.
- ``stylegan`` / ``stylegan2`` (Karras et al. 2019 / 2020, ``ganbench.zoo.style``): the style-based
  G (mapping network of ``depth`` layers, noise, mixing) with ProGAN's D at full resolution (the
  StyleGAN paper's D; StyleGAN2's residual D is not implemented). G's input vector carries z, the
  mixing latent and every noise map (``LatentStyleGenerator``).

Discriminators return ``(logits (S, B'), features (S, B', F))``: the penultimate features serve
feature matching. With packing m (PacGAN), D sees B' = B / m packed samples: m samples concatenated
along features (MLP) or channels (DCGAN).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ganbench.zoo.layers import MinibatchDiscrimination, SeedBatchNorm2d, SeedConv2d, SeedConvTranspose2d, SeedLinear


@dataclass(frozen=True)
class Arch:
    """Architecture hyper-parameters; ``family`` None means: chosen by the task's sample shape."""

    family: str | None = None
    z_dim: int | None = None  # default: 8 for mlp, 32 for dcgan
    hidden: int = 128  # mlp width
    depth: int = 3  # mlp hidden layers
    ch: int = 32  # dcgan base channels (the last G stage / first D stage)


def family_of(shape: tuple[int, ...], arch: Arch) -> str:
    """The architecture family a network for samples of ``shape`` gets: the recipe's, else ``dcgan``
    for images (C, H, W) and ``mlp`` for vectors."""
    return arch.family or ("dcgan" if len(shape) == 3 else "mlp")


def dcgan_stages(side: int) -> int:
    """Stride-2 stages of the DCGAN G and D for square images of ``side`` pixels: down to the paper's
    4x4 (log2(side) - 2), but at least two stages where the image is small enough to allow them
    (8x8: 2, from 2x2; 4x4: 1)."""
    n = int(round(math.log2(side)))
    return max(min(2, n - 1), n - 2)


def pack(x: torch.Tensor, m: int) -> torch.Tensor:
    """PacGAN packing (Lin et al. 2018): (S, B, *shape) -> (S, B/m, m*shape[0], *shape[1:])."""
    if m == 1:
        return x
    s, b = x.shape[:2]
    if b % m:
        raise ValueError(f"batch size {b} is not divisible by the packing degree {m}")
    return x.reshape(s, b // m, m * x.shape[2], *x.shape[3:])


class MLPGenerator(nn.Module):
    def __init__(self, gens, z_dim: int, out_dim: int, hidden: int, depth: int):
        super().__init__()
        dims = [z_dim] + [hidden] * depth
        self.hidden = nn.ModuleList(SeedLinear(gens, a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.out = SeedLinear(gens, dims[-1], out_dim)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = z
        for layer in self.hidden:
            h = torch.relu(layer(h))
        return self.out(h)


class MLPDiscriminator(nn.Module):
    def __init__(self, gens, in_dim: int, hidden: int, depth: int, sn=False, mbd: bool = False):
        super().__init__()
        dims = [in_dim] + [hidden] * depth
        self.hidden = nn.ModuleList(SeedLinear(gens, a, b, sn=sn) for a, b in zip(dims[:-1], dims[1:]))
        self.mbd = MinibatchDiscrimination(gens, hidden) if mbd else None
        self.out = SeedLinear(gens, hidden + (self.mbd.n_kernels if mbd else 0), 1, sn=sn)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = x
        for layer in self.hidden:
            h = nn.functional.leaky_relu(layer(h), 0.2)
        f = h
        if self.mbd is not None:
            h = self.mbd(h)
        return self.out(h)[..., 0], f


class DCGenerator(nn.Module):
    def __init__(self, gens, z_dim: int, shape: tuple[int, int, int], ch: int):
        super().__init__()
        c, hgt, _ = shape
        s, self.stages = len(gens), dcgan_stages(hgt)
        self.c0, self.r0 = ch * 2 ** (self.stages - 1), hgt >> self.stages
        self.project = SeedLinear(gens, z_dim, self.c0 * self.r0 * self.r0)
        self.bn0 = SeedBatchNorm2d(s, self.c0)
        ups, bns = [], []
        cin = self.c0
        for i in range(self.stages):
            last = i == self.stages - 1
            cout = c if last else cin // 2
            ups.append(SeedConvTranspose2d(gens, cin, cout, 4, 2, 1))
            if not last:
                bns.append(SeedBatchNorm2d(s, cout))
            cin = cout
        self.ups, self.bns = nn.ModuleList(ups), nn.ModuleList(bns)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        s, b = z.shape[:2]
        h = torch.relu(self.bn0(self.project(z).reshape(s, b, self.c0, self.r0, self.r0)))
        for i, up in enumerate(self.ups):
            h = up(h)
            h = torch.tanh(h) if i == len(self.ups) - 1 else torch.relu(self.bns[i](h))
        return h


class DCFeatures(nn.Module):
    """The DCGAN discriminator's body: stride-2 convolutions with LeakyReLU(0.2), channels ch, 2ch,
    ... down to ``dcgan_stages``' smallest resolution; (S, B, C, H, W) -> (S, B, feat_dim)."""

    def __init__(self, gens, shape: tuple[int, int, int], ch: int, sn=False):
        super().__init__()
        c, hgt, _ = shape
        stages = dcgan_stages(hgt)
        convs, cin, cout = [], c, ch
        for _ in range(stages):
            convs.append(SeedConv2d(gens, cin, cout, 4, 2, 1, sn=sn))
            cin, cout = cout, cout * 2
        self.convs = nn.ModuleList(convs)
        self.feat_dim = cin * (hgt >> stages) ** 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _leaky_convs(self.convs, x)


def _leaky_convs(convs, x: torch.Tensor) -> torch.Tensor:
    for conv in convs:
        x = nn.functional.leaky_relu(conv(x), 0.2)
    return x.flatten(2)


class DCDiscriminator(nn.Module):
    def __init__(self, gens, shape: tuple[int, int, int], ch: int, sn=False, mbd: bool = False):
        super().__init__()
        body = DCFeatures(gens, shape, ch, sn=sn)
        self.convs, self.feat_dim = body.convs, body.feat_dim  # the attribute names of saved state dicts
        self.mbd = MinibatchDiscrimination(gens, self.feat_dim) if mbd else None
        self.out = SeedLinear(gens, self.feat_dim + (self.mbd.n_kernels if mbd else 0), 1, sn=sn)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = _leaky_convs(self.convs, x)  # (S, B, feat_dim)
        g = self.mbd(f) if self.mbd is not None else f
        return self.out(g)[..., 0], f


def _build_mlp(shape, arch: Arch, gens, pack_m: int, sn, mbd: bool, extra: dict):
    if len(shape) != 1:
        raise ValueError(f"the mlp family takes vector samples, got shape {shape}")
    z = arch.z_dim or 8
    return MLPGenerator(gens, z, shape[0], arch.hidden, arch.depth), \
        MLPDiscriminator(gens, shape[0] * pack_m, arch.hidden, arch.depth, sn=sn, mbd=mbd), z


def require_square(shape, family: str, minimum: int = 4) -> None:
    if len(shape) != 3 or shape[1] != shape[2] or shape[1] < minimum or shape[1] & (shape[1] - 1):
        raise ValueError(f"the {family} family takes square images with a power-of-two side >= {minimum}, got {shape}")


def _build_dcgan(shape, arch: Arch, gens, pack_m: int, sn, mbd: bool, extra: dict):
    require_square(shape, "dcgan")
    z = arch.z_dim or 32
    return DCGenerator(gens, z, shape, arch.ch), \
        DCDiscriminator(gens, (shape[0] * pack_m, *shape[1:]), arch.ch, sn=sn, mbd=mbd), z


def _plain_d(family: str, pack_m: int, sn, mbd: bool) -> None:
    if pack_m > 1 or mbd or (any(sn) if isinstance(sn, (list, tuple)) else sn):
        raise ValueError(f"the {family} family's discriminator has its own minibatch statistic (minibatch "
                         "stddev) and no packing, minibatch discrimination or spectral normalisation")


def _build_progan(shape, arch: Arch, gens, pack_m: int, sn, mbd: bool, extra: dict):
    from ganbench.zoo.progressive import ProDiscriminator, ProGenerator

    require_square(shape, "progan")
    _plain_d("progan", pack_m, sn, mbd)
    z = arch.z_dim or 32
    g = ProGenerator(gens, z, shape[1], arch.ch, shape[0])
    return g, ProDiscriminator(gens, shape[1], arch.ch, channels=shape[0]), z


def _build_style(variant: str):
    def build(shape, arch: Arch, gens, pack_m: int, sn, mbd: bool, extra: dict):
        from ganbench.zoo.progressive import ProDiscriminator
        from ganbench.zoo.style import LatentStyleGenerator, StyleGenerator

        require_square(shape, variant)
        _plain_d(variant, pack_m, sn, mbd)
        z = arch.z_dim or 32
        g = StyleGenerator(gens, z, z, shape[1], arch.ch, variant, shape[0], mapping_depth=arch.depth)
        d = ProDiscriminator(gens, shape[1], arch.ch, channels=shape[0])
        g = LatentStyleGenerator(g, z, extra.get("style_mixing", 0.0), extra.get("truncation_psi", 1.0))
        return g, d, g.latent_dim
    return build


# family -> builder(shape, arch, gens, pack_m, sn, mbd, extra) -> (G, D, latent dimension of G's input)
ARCHITECTURES = {"mlp": _build_mlp, "dcgan": _build_dcgan, "progan": _build_progan,
                 "stylegan": _build_style("stylegan"), "stylegan2": _build_style("stylegan2")}


def build_networks(shape: tuple[int, ...], arch: Arch, gens, pack_m: int = 1, sn=False, mbd: bool = False,
                   **extra):
    """Generator and discriminator for samples of ``shape``, one network per generator in ``gens``
    (each seed's parameters drawn from its own generator: G first, then D). ``sn``: spectral
    normalisation of D, for all seeds or per seed (a sequence of bools). ``extra``: what a family
    reads from the recipe (``style_mixing``, ``truncation_psi`` for the style-based ones). Returns
    (G, D, z_dim), z_dim the length of G's input vector."""
    family = family_of(shape, arch)
    if family not in ARCHITECTURES:
        raise ValueError(f"unknown architecture family {family!r}; choose from {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[family](shape, arch, gens, pack_m, sn, mbd, extra)
