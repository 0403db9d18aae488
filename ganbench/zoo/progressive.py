"""Progressive growing (Karras et al. 2018, "Progressive Growing of GANs for Improved Quality,
Stability, and Variation", ICLR), seed-batched (see ``layers``): equalised learning rate, pixelwise
feature normalisation, minibatch standard deviation, and a generator / discriminator pair that grows
4x4 -> 8x8 -> 16x16 -> 32x32 with a linear fade-in of each new resolution.

Formulas follow the official code (tkarras/progressive_growing_of_gans, ``networks.py``; the
``use_wscale`` / ``lrmul`` weights of NVlabs/stylegan). Shapes: vectors (S, B, F), images
(S, B, C, H, W), with S seeds; every parameter has a leading seed axis.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

SQRT2 = math.sqrt(2.0)


class EqualizedLinear(nn.Module):
    """Equalised-learning-rate dense layer (Karras et al. 2018, Sec. 4.1): y[s] = x[s] @ (c W[s]) + m b[s]
    for x of shape (S, B, fan_in), as ``SeedLinear`` computes it.

    W is drawn N(0, 1/lr_mul²) from each seed's generator and multiplied at runtime by
    ``scale`` = c = lr_mul · gain / sqrt(fan_in) (He's constant times the learning-rate multiplier);
    the bias starts at zero and is multiplied by m = lr_mul. This is NVlabs/stylegan's ``get_weight``
    with ``use_wscale``: the effective weights start N(0, gain²/fan_in) whatever lr_mul is, while an
    optimiser's step on W moves them lr_mul times as far (the mapping network's lr_mul = 0.01)."""

    def __init__(self, gens, fan_in: int, fan_out: int, gain: float = SQRT2, lr_mul: float = 1.0, bias: bool = True):
        super().__init__()
        if lr_mul <= 0:
            raise ValueError(f"lr_mul must be positive, got {lr_mul}")
        self.lr_mul = float(lr_mul)
        self.scale = gain / math.sqrt(fan_in) * self.lr_mul
        self.weight = nn.Parameter(torch.stack([torch.randn((fan_in, fan_out), generator=g) / self.lr_mul
                                                for g in gens]))
        self.bias = nn.Parameter(torch.zeros(len(gens), 1, fan_out)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight * self.scale
        b = None if self.bias is None else (self.bias if self.lr_mul == 1.0 else self.bias * self.lr_mul)
        if w.shape[2] == 1:  # a GEMV: a lone seed would take another kernel than a batch of seeds
            y = (x * w.transpose(1, 2)).sum(-1, keepdim=True)
            return y if b is None else y + b
        return torch.bmm(x, w) if b is None else torch.baddbmm(b, x, w)


class EqualizedConv2d(nn.Module):
    """Equalised-learning-rate Conv2d on (S, B, C_in, H, W) (Karras et al. 2018, Sec. 4.1), one
    ``conv2d`` call per seed as ``SeedConv2d``: weight (S, C_out, C_in, k, k) drawn N(0, 1/lr_mul²),
    used as ``scale`` · weight with ``scale`` = lr_mul · gain / sqrt(C_in k²); bias zero, times lr_mul.
    ``padding`` k // 2 keeps the size (the official code's 'SAME')."""

    def __init__(self, gens, c_in: int, c_out: int, k: int, stride: int = 1, padding: int = 0,
                 gain: float = SQRT2, lr_mul: float = 1.0, bias: bool = True):
        super().__init__()
        if lr_mul <= 0:
            raise ValueError(f"lr_mul must be positive, got {lr_mul}")
        self.stride, self.padding, self.lr_mul = stride, padding, float(lr_mul)
        self.scale = gain / math.sqrt(c_in * k * k) * self.lr_mul
        self.weight = nn.Parameter(torch.stack([torch.randn((c_out, c_in, k, k), generator=g) / self.lr_mul
                                                for g in gens]))
        self.bias = nn.Parameter(torch.zeros(len(gens), c_out)) if bias else None

    def effective_weight(self) -> torch.Tensor:
        return self.weight * self.scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.effective_weight()
        b = None if self.bias is None else (self.bias if self.lr_mul == 1.0 else self.bias * self.lr_mul)
        return torch.stack([F.conv2d(x[s], w[s], None if b is None else b[s], self.stride, self.padding)
                            for s in range(len(w))])


def pixel_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Pixelwise feature vector normalisation (Karras et al. 2018, Sec. 4.2):
    b = a / sqrt(mean_j a_j² + ε) over the channels j (axis 2 of (S, B, C, H, W), the features of
    (S, B, F)), so every pixel's feature vector has mean square 1."""
    return x * torch.rsqrt(x.pow(2).mean(dim=2, keepdim=True) + eps)


def minibatch_stddev(x: torch.Tensor, group_size: int = 4) -> torch.Tensor:
    """Minibatch standard deviation (Karras et al. 2018, Sec. 3): (S, B, C, *rest) -> (S, B, C + 1, *rest).

    Per seed, the batch splits into groups of G = min(group_size, B) samples; within a group, the
    standard deviation over the G samples of every feature and pixel, sqrt(mean (x - mean x)² + 1e-8)
    (biased, as the official code), is averaged to one number, appended to each of the group's samples
    as a constant feature map. As in the official ``reshape([G, -1, ...])``, group m holds the samples
    m, m + B/G, m + 2B/G, ... (strided, not consecutive). B must be divisible by G."""
    if group_size < 1:
        raise ValueError(f"group_size must be >= 1, got {group_size}")
    s, b = x.shape[:2]
    g = min(group_size, b)
    if b % g:
        raise ValueError(f"minibatch stddev: batch size {b} is not divisible by the group size {g}; "
                         f"use a batch size that is a multiple of {g}")
    y = x.reshape(s, g, b // g, *x.shape[2:])  # sample n = i * (B/G) + m: member i of group m
    y = y - y.mean(dim=1, keepdim=True)
    y = torch.sqrt(y.pow(2).mean(dim=1) + 1e-8)  # (S, M, C, *rest)
    y = y.flatten(2).mean(dim=2)  # (S, M)
    y = y.repeat(1, g)  # sample n -> its group n % M
    y = y.reshape(s, b, 1, *([1] * (x.ndim - 3))).expand(s, b, 1, *x.shape[3:])
    return torch.cat([x, y.to(x.dtype)], dim=2)


def fade_in(alpha: float, low_res_rgb_upsampled: torch.Tensor, high_res_rgb: torch.Tensor) -> torch.Tensor:
    """(1 - α) · low + α · high (Karras et al. 2018, Sec. 3, Fig. 2): the new resolution's output
    blended in as α goes 0 -> 1. Written this way (not low + α (high - low)) so that α = 0 gives
    ``low`` and α = 1 gives ``high`` exactly."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"fade-in alpha must lie in [0, 1], got {alpha}")
    return (1.0 - alpha) * low_res_rgb_upsampled + alpha * high_res_rgb


def upsample2x(x: torch.Tensor) -> torch.Tensor:
    """Nearest-neighbour 2x upsampling of (..., H, W) -> (..., 2H, 2W) (the official ``upscale2d``)."""
    *lead, h, w = x.shape
    return x[..., :, None, :, None].expand(*lead, h, 2, w, 2).reshape(*lead, 2 * h, 2 * w)


def downsample2x(x: torch.Tensor) -> torch.Tensor:
    """2x2 average pooling of (..., H, W) -> (..., H/2, W/2) (the official ``downscale2d``)."""
    *lead, h, w = x.shape
    if h % 2 or w % 2:
        raise ValueError(f"cannot halve an image of size {h}x{w}")
    return x.reshape(*lead, h // 2, 2, w // 2, 2).mean(dim=(-3, -1))


def _levels(resolution: int) -> int:
    """Number of resolutions 4, 8, ..., ``resolution``."""
    if resolution < 4 or resolution & (resolution - 1):
        raise ValueError(f"resolution must be a power of two >= 4, got {resolution}")
    return int(round(math.log2(resolution))) - 1


class _Growing(nn.Module):
    """The stage of a growing network: ``level`` (0 = 4x4, ``levels - 1`` = full resolution) and
    the fade-in ``alpha`` of that level's block. Every seed shares the stage (one schedule)."""

    def _init_stage(self, resolution: int) -> None:
        self.resolution, self.levels = resolution, _levels(resolution)
        self.level, self.alpha = self.levels - 1, 1.0

    def set_stage(self, level: int, alpha: float = 1.0) -> None:
        """Grow to ``level`` (0 = 4x4), the new block blended in with weight ``alpha`` in [0, 1]
        (ignored at level 0, which has no previous resolution). Shapes of parameters never change."""
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level < self.levels:
            raise ValueError(f"level must be an integer in [0, {self.levels - 1}], got {level!r}")
        alpha = float(alpha)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
        self.level, self.alpha = level, alpha if level > 0 else 1.0


def growth_stage(kimg: float, levels: int, phase_kimg: float) -> tuple[int, float]:
    """The stage (level, α) after ``kimg`` thousand real images, ProGAN's schedule (Karras et al. 2018,
    Sec. 3 and App. A.1; the official ``TrainingSchedule`` with ``lod_training_kimg`` =
    ``lod_transition_kimg`` = ``phase_kimg``): the 4x4 level trains for one phase, then each higher
    level fades in over one phase (α from 0 to 1, linear in images shown) and trains for one more at
    α = 1; after the last level's fade the network stays at full resolution. ``phase_kimg`` <= 0:
    no growing (full resolution from the start)."""
    top = levels - 1
    if phase_kimg <= 0:
        return top, 1.0
    phase = kimg / phase_kimg  # phases completed, fractional
    if phase < 1:
        return 0, 1.0
    level = min(top, int((phase - 1) // 2) + 1)
    alpha = min(1.0, phase - 1 - 2 * (level - 1))
    return level, alpha


def fade_reals(x: torch.Tensor, level: int, alpha: float, levels: int) -> torch.Tensor:
    """Real images (S, B, C, R, R) as the generator at stage (``level``, ``alpha``) renders them:
    average-pooled to the stage's resolution, blended with the previous resolution by ``alpha`` and
    nearest-upsampled back to R (the official training loop's ``process_reals``), so that D compares
    reals and fakes of the same level of detail."""
    cur = x
    for _ in range(levels - 1 - level):
        cur = downsample2x(cur)
    if level > 0 and alpha < 1.0:
        cur = fade_in(alpha, upsample2x(downsample2x(cur)), cur)
    for _ in range(levels - 1 - level):
        cur = upsample2x(cur)
    return cur


def _lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2)


class ProGenerator(_Growing):
    """ProGAN generator (Karras et al. 2018, Table 2, with the official code's details), for square
    images of side ``resolution`` (4..32) and ``channels`` channels: (S, B, z_dim) -> (S, B, C, R, R).

    z is pixel-normalised; the 4x4 block is a dense layer to ch·16 units (gain √2/4, as the official
    code), reshaped to (ch, 4, 4), then a 3x3 conv; each higher block is a nearest 2x upsampling and two
    3x3 convs. Every conv / dense layer is equalised, followed by LeakyReLU(0.2) and pixel norm. Each
    resolution has its own 1x1 toRGB (gain 1). The output is linear, as in the paper (no tanh): samples
    are not bounded to the data range [-1, 1] (the harness clips them for evaluation, as the official
    code does when it converts them to uint8).

    Widths: ``ch`` (default 64) channels at every resolution, where the official 32x32 configuration
    has 512 throughout (fmap_base 8192 capped at fmap_max 512): constant, scaled down 8x.

    Growth (``set_stage``): at level l with fade-in α the output is
    (1 - α) · upsample(toRGB_{l-1}(h_{l-1})) + α · toRGB_l(block_l(h_{l-1})), then nearest-upsampled
    to R x R, so samples have the same shape at every stage. Every resolution's layers exist from
    construction, so parameters and optimiser state never change shape during growth (a checkpoint is
    the same at every stage); layers above the current stage get no gradient, and branches of weight 0
    are not computed (α = 0 equals the previous level at α = 1, bit for bit). A new network starts at
    full resolution (level ``levels - 1``, α = 1)."""

    def __init__(self, gens, z_dim: int, resolution: int = 32, ch: int = 64, channels: int = 1):
        super().__init__()
        self._init_stage(resolution)
        self.ch = ch
        self.dense = EqualizedLinear(gens, z_dim, ch * 16, gain=SQRT2 / 4, bias=False)
        self.dense_bias = nn.Parameter(torch.zeros(len(gens), ch))  # per channel, after the reshape
        self.conv4 = EqualizedConv2d(gens, ch, ch, 3, padding=1)
        blocks, torgb = [], [EqualizedConv2d(gens, ch, channels, 1, gain=1.0)]
        for _ in range(1, self.levels):
            blocks.append(nn.ModuleList([EqualizedConv2d(gens, ch, ch, 3, padding=1),
                                         EqualizedConv2d(gens, ch, ch, 3, padding=1)]))
            torgb.append(EqualizedConv2d(gens, ch, channels, 1, gain=1.0))
        self.blocks, self.torgb = nn.ModuleList(blocks), nn.ModuleList(torgb)

    def _block(self, level: int, h: torch.Tensor) -> torch.Tensor:
        h = upsample2x(h)
        for conv in self.blocks[level - 1]:
            h = pixel_norm(_lrelu(conv(h)))
        return h

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        s, b = z.shape[:2]
        h = self.dense(pixel_norm(z)).reshape(s, b, self.ch, 4, 4)
        h = pixel_norm(_lrelu(h + self.dense_bias[:, None, :, None, None]))
        h = pixel_norm(_lrelu(self.conv4(h)))
        level, alpha = self.level, self.alpha
        for k in range(1, level):
            h = self._block(k, h)
        if level == 0:
            img = self.torgb[0](h)
        else:
            high = self.torgb[level](self._block(level, h)) if alpha > 0 else None
            low = upsample2x(self.torgb[level - 1](h)) if alpha < 1 else None
            img = high if low is None else low if high is None else fade_in(alpha, low, high)
        for _ in range(self.levels - 1 - level):
            img = upsample2x(img)
        return img


class ProDiscriminator(_Growing):
    """ProGAN discriminator (Karras et al. 2018, Table 2), the generator's mirror: (S, B, C, R, R) ->
    (logits (S, B), features (S, B, ch)).

    Per resolution a 1x1 fromRGB (LeakyReLU); each block above 4x4 is two 3x3 convs with
    LeakyReLU(0.2) and a 2x2 average pooling; the 4x4 block is minibatch stddev (groups of
    ``mbstd_group``; <= 1 disables it, as the official code), a 3x3 conv, a dense layer to ch units
    (the returned features) and a linear dense output (gain 1). All layers equalised; ``ch`` (default 64)
    channels throughout, as ``ProGenerator``.

    Growth: the input is always R x R (the generator's output); at level l it is average-pooled to the
    level's resolution r, and the new block fades in as
    (1 - α) · fromRGB_{l-1}(pool(x_r)) + α · block_l(fromRGB_l(x_r)). All layers exist from
    construction (see ``ProGenerator``)."""

    def __init__(self, gens, resolution: int = 32, ch: int = 64, mbstd_group: int = 4, channels: int = 1):
        super().__init__()
        self._init_stage(resolution)
        self.ch, self.mbstd_group = ch, mbstd_group
        fromrgb, blocks = [EqualizedConv2d(gens, channels, ch, 1)], []
        for _ in range(1, self.levels):
            fromrgb.append(EqualizedConv2d(gens, channels, ch, 1))
            blocks.append(nn.ModuleList([EqualizedConv2d(gens, ch, ch, 3, padding=1),
                                         EqualizedConv2d(gens, ch, ch, 3, padding=1)]))
        self.fromrgb, self.blocks = nn.ModuleList(fromrgb), nn.ModuleList(blocks)
        self.batch_coupled = mbstd_group > 1  # its batch statistic must see reals and fakes apart
        self.conv4 = EqualizedConv2d(gens, ch + (1 if mbstd_group > 1 else 0), ch, 3, padding=1)
        self.dense = EqualizedLinear(gens, ch * 16, ch)
        self.out = EqualizedLinear(gens, ch, 1, gain=1.0)
        self.feat_dim = ch

    def _block(self, level: int, h: torch.Tensor) -> torch.Tensor:
        for conv in self.blocks[level - 1]:
            h = _lrelu(conv(h))
        return downsample2x(h)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.ndim != 5 or x.shape[-1] != self.resolution or x.shape[-2] != self.resolution:
            raise ValueError(f"expected images (S, B, C, {self.resolution}, {self.resolution}), got {tuple(x.shape)}")
        level, alpha = self.level, self.alpha
        img = x
        for _ in range(self.levels - 1 - level):
            img = downsample2x(img)
        if level == 0:
            h = _lrelu(self.fromrgb[0](img))
        else:
            high = self._block(level, _lrelu(self.fromrgb[level](img))) if alpha > 0 else None
            low = _lrelu(self.fromrgb[level - 1](downsample2x(img))) if alpha < 1 else None
            h = high if low is None else low if high is None else fade_in(alpha, low, high)
        for k in range(level - 1, 0, -1):
            h = self._block(k, h)
        if self.mbstd_group > 1:
            h = minibatch_stddev(h, self.mbstd_group)
        h = _lrelu(self.conv4(h))
        f = _lrelu(self.dense(h.flatten(2)))
        return self.out(f)[..., 0], f
