"""Image-to-image translation networks, seed-batched like the rest of the zoo (``layers``).

- ``pix2pix`` (Isola et al. 2017): a U-Net generator A -> B and a PatchGAN discriminator on
  (A, B) pairs concatenated along channels. The U-Net is the authors' ``unet_32`` (5 stride-2
  downsamplings, 32x32 -> 1x1, widths ch·(1, 2, 4, 8, 8), skip connections between mirrored
  layers; at 5 levels the released code has no dropout layer).
- ``cyclegan`` (Zhu et al. 2017): two ResNet generators G: A -> B and F: B -> A (the authors'
  ``resnet_6blocks``: 7x7 reflection-padded stem, 2 stride-2 downsamplings, 6 residual blocks,
  2 upsamplings), two PatchGANs D_B and D_A, and a history of 50 generated images per D
  (Shrivastava et al. 2017) from which D sees half of its fakes.

Scaled down for 32x32 digits (recorded in every record through the variant's ``arch``): base width
``Arch.ch`` instead of 64, and PatchGANs with one stride-2 layer (receptive field 16x16 of 32x32,
about the authors' 70x70 of 256x256 relative to the image) instead of three. Normalisation is
instance normalisation: CycleGAN's choice, and what pix2pix's batch-1 BatchNorm computes (its
released code keeps BatchNorm in training mode at test time, so it normalises each image by its own
statistics); pix2pix's has an affine map, CycleGAN's none. Weights start from N(0, 0.02) and biases
from 0, affine norm scales from N(1, 0.02), as the released code's ``init_weights``.

Discriminators return ``(logits (S, B, P), features (S, B, F))``: one logit per patch.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.zoo.layers import SeedConv2d, SeedConvTranspose2d, SeedInstanceNorm2d

TRANSLATION_FAMILIES = ("pix2pix", "cyclegan")
UNET_DOWNS = 5  # unet_32
RESNET_BLOCKS = 6  # resnet_6blocks
PATCH_LAYERS = 1  # stride-2 layers of the PatchGAN (the authors' n_layers; 3 at 256x256)
POOL_SIZE = 50  # CycleGAN's image history per discriminator
INIT_STD = 0.02


def _leaky(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2)


def _reflect(x: torch.Tensor, p: int) -> torch.Tensor:
    """Reflection padding of (S, B, C, H, W) by ``p`` pixels (a copy: exact per seed)."""
    s, b = x.shape[:2]
    return F.pad(x.flatten(0, 1), (p, p, p, p), mode="reflect").unflatten(0, (s, b))


class UNetGenerator(nn.Module):
    """pix2pix's U-Net (Isola et al. 2017, Sec. 3.2.1; the released ``UnetGenerator``): encoder
    C_k = LeakyReLU(0.2)-Conv(4, stride 2)-Norm, the first without activation or norm and the
    innermost without norm; decoder ReLU-ConvTranspose(4, stride 2)-Norm on the concatenation of
    the mirrored encoder output and the layer below, Tanh at the end. (S, B, c_in, H, W) -> (S, B, c_out, H, W)."""

    def __init__(self, gens, c_in: int, c_out: int, ch: int, downs: int = UNET_DOWNS):
        super().__init__()
        s = len(gens)
        widths = [ch * min(2**i, 8) for i in range(downs)]
        self.in_channels = c_in
        self.down = nn.ModuleList(SeedConv2d(gens, c_in if i == 0 else widths[i - 1], widths[i], 4, 2, 1)
                                  for i in range(downs))
        self.down_norm = nn.ModuleList(SeedInstanceNorm2d(s, widths[i], affine=True) for i in range(1, downs - 1))
        ups = []
        for i in reversed(range(downs)):  # the innermost first
            cin = widths[i] if i == downs - 1 else 2 * widths[i]
            ups.append(SeedConvTranspose2d(gens, cin, c_out if i == 0 else widths[i - 1], 4, 2, 1))
        self.up = nn.ModuleList(ups)
        self.up_norm = nn.ModuleList(SeedInstanceNorm2d(s, widths[i - 1], affine=True) for i in reversed(range(1, downs)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips, h = [], x
        for i, conv in enumerate(self.down):
            h = conv(h if i == 0 else _leaky(h))
            if 0 < i < len(self.down) - 1:
                h = self.down_norm[i - 1](h)
            skips.append(h)
        for j, conv in enumerate(self.up):
            i = len(self.up) - 1 - j  # the encoder level this decoder layer mirrors
            h = conv(torch.relu(h if j == 0 else torch.cat([skips[i], h], 2)))
            h = torch.tanh(h) if i == 0 else self.up_norm[j](h)
        return h


class ResnetBlock(nn.Module):
    """x + [ReflectionPad(1)-Conv(3)-Norm-ReLU-ReflectionPad(1)-Conv(3)-Norm](x) (He et al. 2016;
    CycleGAN's ``ResnetBlock`` without dropout)."""

    def __init__(self, gens, c: int):
        super().__init__()
        s = len(gens)
        self.conv1, self.conv2 = SeedConv2d(gens, c, c, 3), SeedConv2d(gens, c, c, 3)
        self.norm1, self.norm2 = SeedInstanceNorm2d(s, c), SeedInstanceNorm2d(s, c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.norm1(self.conv1(_reflect(x, 1))))
        return x + self.norm2(self.conv2(_reflect(h, 1)))


class ResnetGenerator(nn.Module):
    """CycleGAN's generator (Zhu et al. 2017, Appendix 7.2; Johnson et al. 2016): c7s1-ch, d2ch,
    d4ch, R4ch x blocks, u2ch, uch, c7s1-c_out with Tanh. (S, B, c_in, H, W) -> (S, B, c_out, H, W)."""

    def __init__(self, gens, c_in: int, c_out: int, ch: int, blocks: int = RESNET_BLOCKS):
        super().__init__()
        s = len(gens)
        self.in_channels = c_in
        self.stem, self.stem_norm = SeedConv2d(gens, c_in, ch, 7), SeedInstanceNorm2d(s, ch)
        self.down = nn.ModuleList([SeedConv2d(gens, ch, 2 * ch, 3, 2, 1), SeedConv2d(gens, 2 * ch, 4 * ch, 3, 2, 1)])
        self.down_norm = nn.ModuleList([SeedInstanceNorm2d(s, 2 * ch), SeedInstanceNorm2d(s, 4 * ch)])
        self.blocks = nn.ModuleList(ResnetBlock(gens, 4 * ch) for _ in range(blocks))
        self.up = nn.ModuleList([SeedConvTranspose2d(gens, 4 * ch, 2 * ch, 3, 2, 1, 1),
                                 SeedConvTranspose2d(gens, 2 * ch, ch, 3, 2, 1, 1)])
        self.up_norm = nn.ModuleList([SeedInstanceNorm2d(s, 2 * ch), SeedInstanceNorm2d(s, ch)])
        self.head = SeedConv2d(gens, ch, c_out, 7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.stem_norm(self.stem(_reflect(x, 3))))
        for conv, norm in zip(self.down, self.down_norm):
            h = torch.relu(norm(conv(h)))
        for block in self.blocks:
            h = block(h)
        for conv, norm in zip(self.up, self.up_norm):
            h = torch.relu(norm(conv(h)))
        return torch.tanh(self.head(_reflect(h, 3)))


class PatchDiscriminator(nn.Module):
    """PatchGAN (Isola et al. 2017, Sec. 3.2.2; the released ``NLayerDiscriminator``): C_ch (no norm),
    ``layers - 1`` more stride-2 C_k, one stride-1 C_k, a stride-1 convolution to one logit per
    patch; all 4x4 kernels, LeakyReLU(0.2). ``affine``: whether its norms have an affine map."""

    def __init__(self, gens, c_in: int, ch: int, layers: int = PATCH_LAYERS, affine: bool = False):
        super().__init__()
        s = len(gens)
        widths = [ch * min(2**i, 8) for i in range(layers + 1)]
        convs = [SeedConv2d(gens, c_in, widths[0], 4, 2, 1)]
        convs += [SeedConv2d(gens, widths[i - 1], widths[i], 4, 2, 1) for i in range(1, layers)]
        convs.append(SeedConv2d(gens, widths[layers - 1], widths[layers], 4, 1, 1))
        self.convs = nn.ModuleList(convs)
        self.norms = nn.ModuleList(SeedInstanceNorm2d(s, widths[i], affine) for i in range(1, layers + 1))
        self.out = SeedConv2d(gens, widths[layers], 1, 4, 1, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = _leaky(self.convs[0](x))
        for conv, norm in zip(self.convs[1:], self.norms):
            h = _leaky(norm(conv(h)))
        return self.out(h).flatten(2), h.flatten(2)


class ImagePool(nn.Module):
    """The history of generated images a CycleGAN discriminator learns from (Shrivastava et al. 2017,
    Sec. 2.3; the released ``ImagePool``), per seed: until ``size`` images are stored every fake is
    stored and returned; afterwards each fake is, with probability 1/2, swapped for a uniformly
    chosen stored one (which it replaces), else returned as is. The images are buffers, so that a
    checkpoint resumes the history exactly."""

    def __init__(self, s: int, shape: tuple[int, ...], size: int = POOL_SIZE):
        super().__init__()
        self.size = size
        self.register_buffer("images", torch.zeros(s, size, *shape))
        self.register_buffer("count", torch.zeros((), dtype=torch.int64))

    @torch.no_grad()
    def query(self, fake: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """``fake`` (S, B, *shape); ``u`` (S, B, 2) uniform numbers in [0, 1) from each seed's stream
        (the swap decision and the stored image it picks). Returns (S, B, *shape)."""
        if self.size == 0:
            return fake
        out = fake.clone()
        seeds = torch.arange(fake.shape[0], device=fake.device)
        for i in range(fake.shape[1]):
            n = int(self.count)
            if n < self.size:  # the same for every seed: the history fills at one pace
                self.images[:, n] = fake[:, i]
                self.count += 1
                continue
            swap = u[:, i, 0] > 0.5
            idx = (u[:, i, 1] * self.size).long().clamp_(max=self.size - 1)
            old = self.images[seeds, idx]
            out[:, i] = torch.where(swap.reshape(-1, *[1] * (fake.ndim - 2)), old, fake[:, i])
            keep = torch.where(swap.reshape(-1, *[1] * (fake.ndim - 2)), fake[:, i], old)
            self.images[seeds, idx] = keep
        return out


class CycleGenerators(nn.Module):
    """CycleGAN's two generators: ``ab`` (G: A -> B) and ``ba`` (F: B -> A); calling it translates A -> B."""

    def __init__(self, ab: nn.Module, ba: nn.Module):
        super().__init__()
        self.ab, self.ba = ab, ba
        self.in_channels = ab.in_channels

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return self.ab(a)


class CycleDiscriminators(nn.Module):
    """CycleGAN's two discriminators (``b`` judges domain B, ``a`` domain A) and their image histories."""

    def __init__(self, b: nn.Module, a: nn.Module, pool_b: ImagePool, pool_a: ImagePool):
        super().__init__()
        self.b, self.a, self.pool_b, self.pool_a = b, a, pool_b, pool_a


@torch.no_grad()
def normal_init_(module: nn.Module, gens, std: float = INIT_STD) -> None:
    """Redraw ``module``'s parameters per seed from that seed's generator, in module order:
    convolution weights N(0, std), biases 0, affine norm scales N(1, std) and shifts 0."""
    for m in module.modules():
        if isinstance(m, (SeedConv2d, SeedConvTranspose2d)):
            for s, g in enumerate(gens):
                m.weight[s].copy_(torch.randn(m.weight.shape[1:], generator=g) * std)
            m.bias.zero_()
        elif isinstance(m, SeedInstanceNorm2d) and m.affine:
            for s, g in enumerate(gens):
                m.weight[s].copy_(1 + torch.randn(m.weight.shape[1:], generator=g) * std)
            m.bias.zero_()


def build_translation_networks(shape_a: tuple[int, ...], shape_b: tuple[int, ...], ch: int, gens, kind: str):
    """(G, D) for ``kind`` in :data:`TRANSLATION_FAMILIES`, one network per generator in ``gens``
    (each seed's parameters from its own generator: G first, then D)."""
    if kind not in TRANSLATION_FAMILIES:
        raise ValueError(f"unknown translation family {kind!r}; choose from {', '.join(TRANSLATION_FAMILIES)}")
    for name, shape in (("A", shape_a), ("B", shape_b)):
        if len(shape) != 3 or shape[1] != shape[2] or shape[1] < 2**UNET_DOWNS or shape[1] % 2**UNET_DOWNS:
            raise ValueError(f"translation networks take square images whose side is a multiple of {2**UNET_DOWNS}; "
                             f"domain {name} has shape {tuple(shape)}")
    ca, cb = shape_a[0], shape_b[0]
    if kind == "pix2pix":
        g = UNetGenerator(gens, ca, cb, ch)
        d = PatchDiscriminator(gens, ca + cb, ch, affine=True)
    else:
        g = CycleGenerators(ResnetGenerator(gens, ca, cb, ch), ResnetGenerator(gens, cb, ca, ch))
        s = len(gens)
        d = CycleDiscriminators(PatchDiscriminator(gens, cb, ch), PatchDiscriminator(gens, ca, ch),
                                ImagePool(s, tuple(shape_b)), ImagePool(s, tuple(shape_a)))
    normal_init_(g, gens)
    normal_init_(d, gens)
    return g, d
