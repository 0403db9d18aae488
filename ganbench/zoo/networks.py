"""The two architecture families, seed-batched (see ``layers``).

- ``mlp`` for vector tasks (ring8, grid25, hd-mixture): the fully connected GANs of VEEGAN / PacGAN
  / Unrolled GAN; G: z -> [Linear-ReLU] x depth -> Linear; D: [Linear-LeakyReLU(0.2)] x depth -> Linear.
  Defaults: 3 hidden layers of 128 units, z of dimension 8 (``Arch``).
- ``dcgan`` for image tasks (Radford et al. 2016): G projects z to (ch·2^(n-1), 2, 2) and doubles the
  resolution n = log2(H) - 1 times with stride-2 transposed convolutions, BatchNorm and ReLU, tanh
  at the end; D mirrors it with stride-2 convolutions and LeakyReLU(0.2), no BatchNorm, and a linear
  output. 8x8 digits: n = 2; 32x32 images: n = 4.

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
        s, self.stages = len(gens), int(round(math.log2(hgt))) - 1
        self.c0 = ch * 2 ** (self.stages - 1)
        self.project = SeedLinear(gens, z_dim, self.c0 * 4)
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
        h = torch.relu(self.bn0(self.project(z).reshape(s, b, self.c0, 2, 2)))
        for i, up in enumerate(self.ups):
            h = up(h)
            h = torch.tanh(h) if i == len(self.ups) - 1 else torch.relu(self.bns[i](h))
        return h


class DCDiscriminator(nn.Module):
    def __init__(self, gens, shape: tuple[int, int, int], ch: int, sn=False, mbd: bool = False):
        super().__init__()
        c, hgt, _ = shape
        stages = int(round(math.log2(hgt))) - 1
        convs, cin, cout = [], c, ch
        for _ in range(stages):
            convs.append(SeedConv2d(gens, cin, cout, 4, 2, 1, sn=sn))
            cin, cout = cout, cout * 2
        self.convs = nn.ModuleList(convs)
        self.feat_dim = cin * 4
        self.mbd = MinibatchDiscrimination(gens, self.feat_dim) if mbd else None
        self.out = SeedLinear(gens, self.feat_dim + (self.mbd.n_kernels if mbd else 0), 1, sn=sn)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = x
        for conv in self.convs:
            h = nn.functional.leaky_relu(conv(h), 0.2)
        f = h.flatten(2)  # (S, B, feat_dim)
        g = self.mbd(f) if self.mbd is not None else f
        return self.out(g)[..., 0], f


def build_networks(shape: tuple[int, ...], arch: Arch, gens, pack_m: int = 1, sn=False, mbd: bool = False):
    """Generator and discriminator for samples of ``shape``, one network per generator in ``gens``
    (each seed's parameters drawn from its own generator: G first, then D). ``sn``: spectral
    normalisation of D, for all seeds or per seed (a sequence of bools). Returns (G, D, z_dim)."""
    family = arch.family or ("dcgan" if len(shape) == 3 else "mlp")
    if family == "mlp":
        if len(shape) != 1:
            raise ValueError(f"the mlp family takes vector samples, got shape {shape}")
        z = arch.z_dim or 8
        g = MLPGenerator(gens, z, shape[0], arch.hidden, arch.depth)
        d = MLPDiscriminator(gens, shape[0] * pack_m, arch.hidden, arch.depth, sn=sn, mbd=mbd)
    elif family == "dcgan":
        if len(shape) != 3 or shape[1] != shape[2] or shape[1] < 4 or shape[1] & (shape[1] - 1):
            raise ValueError(f"the dcgan family takes square images with a power-of-two side >= 4, got {shape}")
        z = arch.z_dim or 32
        g = DCGenerator(gens, z, shape, arch.ch)
        d = DCDiscriminator(gens, (shape[0] * pack_m, *shape[1:]), arch.ch, sn=sn, mbd=mbd)
    else:
        raise ValueError(f"unknown architecture family {family!r}; choose 'mlp' or 'dcgan'")
    return g, d, z
