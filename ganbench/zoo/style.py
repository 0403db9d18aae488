"""Style-based generators, seed-batched (see ``layers``): StyleGAN (Karras et al. 2019, "A Style-Based
Generator Architecture for Generative Adversarial Networks", CVPR) and StyleGAN2 (Karras et al. 2020,
"Analyzing and Improving the Image Quality of StyleGAN", CVPR) at small resolution.

Formulas follow the official code (NVlabs/stylegan ``training/networks_stylegan.py``, NVlabs/stylegan2
``training/networks_stylegan2.py``). Shapes: latents z (S, B, z_dim), w (S, B, w_dim), per-layer
styles ws (S, B, num_ws, w_dim), images (S, B, C, H, W); every parameter has a leading seed axis.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.zoo.progressive import SQRT2, EqualizedConv2d, EqualizedLinear, _levels, pixel_norm, upsample2x

VARIANTS = ("stylegan", "stylegan2")


def _lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2)


class MappingNetwork(nn.Module):
    """The mapping network f: Z -> W (Karras et al. 2019, Sec. 2): pixel norm of z, then ``depth``
    equalised dense layers with LeakyReLU(0.2) (the last included, as the official code), of width
    ``hidden`` (default w_dim), each with learning-rate multiplier ``lr_mul`` (0.01 in the paper, so
    the mapping learns 100x slower). (S, B, z_dim) -> (S, B, w_dim). Paper: depth 8, width 512."""

    def __init__(self, gens, z_dim: int, w_dim: int, depth: int = 8, lr_mul: float = 0.01, hidden: int | None = None):
        super().__init__()
        if depth < 1:
            raise ValueError(f"the mapping network needs depth >= 1, got {depth}")
        hidden = hidden or w_dim
        dims = [z_dim] + [hidden] * (depth - 1) + [w_dim]
        self.layers = nn.ModuleList(EqualizedLinear(gens, a, b, lr_mul=lr_mul) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = pixel_norm(z)
        for layer in self.layers:
            h = _lrelu(layer(h))
        return h


def adain(x: torch.Tensor, style_scale: torch.Tensor, style_bias: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """AdaIN (Karras et al. 2019, Eq. 1): y_s · (x - μ(x)) / σ(x) + y_b, each image's channel normalised
    over its pixels (biased σ, ε inside the root as the official ``instance_norm``). x: (S, B, C, H, W);
    style_scale, style_bias: (S, B, C). The official ``style_mod`` passes y_s = 1 + (affine output), so
    that a zero-initialised affine map starts at the identity scale; ``StyleGenerator`` does the same."""
    y = x - x.mean(dim=(-2, -1), keepdim=True)
    y = y * torch.rsqrt(y.pow(2).mean(dim=(-2, -1), keepdim=True) + eps)
    return y * style_scale[..., None, None] + style_bias[..., None, None]


def modulated_conv2d(x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor, demodulate: bool = True,
                     eps: float = 1e-8, padding: int | None = None) -> torch.Tensor:
    """Weight (de)modulation (Karras et al. 2020, Eq. 1-3): w'_ijk = s_i · w_ijk, and with ``demodulate``
    w''_ijk = w'_ijk / sqrt(Σ_ik w'_ijk² + ε), per sample, then the convolution with w''.

    x: (S, B, C_in, H, W); weight: (S, C_out, C_in, k, k) (already scaled, e.g. an equalised layer's
    ``effective_weight()``); styles: (S, B, C_in). ``padding`` defaults to k // 2 (the official 'SAME').
    Per seed, one grouped convolution over the batch (the official fused form: (B, C_in, H, W) as
    (1, B·C_in, H, W) with groups = B), so a seed's result does not depend on the other seeds."""
    s, b, c_in, h, w = x.shape
    if weight.ndim != 5 or weight.shape[0] != s or weight.shape[2] != c_in:
        raise ValueError(f"weight {tuple(weight.shape)} does not fit input {tuple(x.shape)}; "
                         "expected (S, C_out, C_in, k, k)")
    if styles.shape != (s, b, c_in):
        raise ValueError(f"styles must have shape {(s, b, c_in)}, got {tuple(styles.shape)}")
    c_out, k = weight.shape[1], weight.shape[3]
    pad = k // 2 if padding is None else padding
    wm = weight[:, None] * styles[:, :, None, :, None, None]  # (S, B, C_out, C_in, k, k)
    if demodulate:
        wm = wm * torch.rsqrt(wm.pow(2).sum(dim=(3, 4, 5), keepdim=True) + eps)
    out = []
    for i in range(s):
        y = F.conv2d(x[i].reshape(1, b * c_in, h, w), wm[i].reshape(b * c_out, c_in, k, weight.shape[4]),
                     padding=pad, groups=b)
        out.append(y.reshape(b, c_out, *y.shape[-2:]))
    return torch.stack(out)


def _draw_noise(gen, like: torch.Tensor) -> torch.Tensor:
    """(S, B, 1, H, W) standard normal noise for activations ``like``: from one generator for all seeds,
    or one generator per seed (then seed s's noise does not depend on the other seeds)."""
    s, b, _, h, w = like.shape
    if isinstance(gen, torch.Generator):
        return torch.randn((s, b, 1, h, w), generator=gen, device=like.device, dtype=like.dtype)
    if len(gen) != s:
        raise ValueError(f"{len(gen)} noise generators for {s} seeds")
    return torch.stack([torch.randn((b, 1, h, w), generator=g, device=like.device, dtype=like.dtype) for g in gen])


class NoiseInput(nn.Module):
    """Noise inputs (Karras et al. 2019, Sec. 3.2): x + n · weight, n a per-pixel standard normal map
    (one per image, shared by the channels), ``weight`` a learned scale per channel (S, C) (StyleGAN),
    or one per layer (S, 1) with ``per_channel=False`` (StyleGAN2's ``noise_strength``), zero-initialised.

    The noise is, in order of precedence: the explicit tensor ``noise`` (broadcastable to
    (S, B, 1, H, W)); drawn from ``gen`` (a ``torch.Generator``, or a sequence of one per seed); else the
    layer's fixed map ``fixed`` (S, 1, 1, size, size), drawn from each seed's init generator (the official
    ``randomize_noise=False``). No global random state is used, so training stays reproducible."""

    def __init__(self, gens, channels: int, size: int, per_channel: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(len(gens), channels if per_channel else 1))
        self.register_buffer("fixed", torch.stack([torch.randn((1, 1, size, size), generator=g) for g in gens]))

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None = None, gen=None) -> torch.Tensor:
        if noise is None:
            noise = self.fixed if gen is None else _draw_noise(gen, x)
        elif noise.ndim != 5 or noise.shape[2] != 1 or noise.shape[-2:] != x.shape[-2:]:
            raise ValueError(f"noise must broadcast to (S, B, 1, {x.shape[-2]}, {x.shape[-1]}), "
                             f"got {tuple(noise.shape)}")
        return x + noise * self.weight[:, None, :, None, None]


class _SynthesisLayer(nn.Module):
    """One synthesis layer: [2x nearest upsampling], 3x3 conv, noise, bias, LeakyReLU and the style.
    StyleGAN: conv (gain √2), noise, bias, activation, then AdaIN with (1 + y_s, y_b) from an affine
    map of w (gain 1), as the official ``layer_epilogue``; without ``conv`` it styles its input (the
    4x4 constant). StyleGAN2: modulated, demodulated conv (style s = affine(w) + 1), noise, bias,
    activation times √2 (the official ``fused_bias_act`` gain)."""

    def __init__(self, gens, c_in: int, c_out: int, w_dim: int, size: int, variant: str, conv: bool = True,
                 up: bool = False):
        super().__init__()
        self.variant, self.up = variant, up
        if variant == "stylegan":
            self.conv = EqualizedConv2d(gens, c_in, c_out, 3, padding=1, bias=False) if conv else None
            self.noise = NoiseInput(gens, c_out, size)
            self.affine = EqualizedLinear(gens, w_dim, 2 * c_out, gain=1.0)
        else:
            self.affine = EqualizedLinear(gens, w_dim, c_in, gain=1.0)
            self.conv = EqualizedConv2d(gens, c_in, c_out, 3, gain=1.0, bias=False)  # weights, modulated in forward
            self.noise = NoiseInput(gens, c_out, size, per_channel=False)
        self.bias = nn.Parameter(torch.zeros(len(gens), c_out))

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise=None, gen=None) -> torch.Tensor:
        if self.up:
            x = upsample2x(x)
        b = self.bias[:, None, :, None, None]
        if self.variant == "stylegan":
            if self.conv is not None:
                x = self.conv(x)
            x = _lrelu(self.noise(x, noise, gen) + b)
            style = self.affine(w)
            c = x.shape[2]
            return adain(x, 1 + style[..., :c], style[..., c:])
        x = modulated_conv2d(x, self.conv.effective_weight(), self.affine(w) + 1)
        return _lrelu(self.noise(x, noise, gen) + b) * SQRT2


class _ModulatedToRGB(nn.Module):
    """StyleGAN2's toRGB: a 1x1 modulated conv without demodulation (style affine(w) + 1), plus bias."""

    def __init__(self, gens, c_in: int, channels: int, w_dim: int):
        super().__init__()
        self.affine = EqualizedLinear(gens, w_dim, c_in, gain=1.0)
        self.conv = EqualizedConv2d(gens, c_in, channels, 1, gain=1.0, bias=False)
        self.bias = nn.Parameter(torch.zeros(len(gens), channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        y = modulated_conv2d(x, self.conv.effective_weight(), self.affine(w) + 1, demodulate=False)
        return y + self.bias[:, None, :, None, None]


class StyleGenerator(nn.Module):
    """Style-based generator: (S, B, z_dim) -> (S, B, channels, R, R), R = ``resolution`` (4..32).

    z -> w by ``MappingNetwork`` (``mapping_depth`` layers, ``lr_mul``); synthesis from a learned 4x4
    constant through per-resolution blocks (2x nearest upsampling, two 3x3 convs), each layer styled by
    its own w and given noise (``NoiseInput``):

    - ``variant="stylegan"`` (Karras et al. 2019, Fig. 1b): constant initialised to 1, styled before the
      first conv; AdaIN after every conv; per-channel noise; one 1x1 toRGB at the end.
    - ``variant="stylegan2"`` (Karras et al. 2020, Fig. 2d, 7): constant drawn N(0, 1); modulated /
      demodulated convs; one noise strength per layer; the "skip" generator (config E-F): a modulated
      1x1 toRGB per resolution, their upsampled outputs summed.

    ``num_ws`` = 2 · log2(R) - 2 styles (8 at 32x32): StyleGAN's layer i uses ws[:, :, i]; StyleGAN2's
    conv i uses ws[:, :, i] and the toRGB at resolution level k uses ws[:, :, 2k + 1], as the official code.
    The output is linear (no tanh), as the papers.

    Widths: ``ch`` (default 64) channels at every resolution and w_dim as given, where the official code
    has 512 (fmap_max) up to 32x32 and z, w of 512: scaled down 8x. Deviations from the official code,
    all for simplicity at 32x32: no low-pass (blur / FIR [1,3,3,1]) filter around resampling, nearest
    upsampling (StyleGAN2's upsampled conv and skip upsampling included); no progressive growing for
    StyleGAN (the fixed structure); StyleGAN2's mapping layers scale by √2 before the activation, as
    StyleGAN's (StyleGAN2 applies it after, which only rescales the zero-initialised bias).

    ``w_avg`` (S, w_dim) is the moving average of w used by the truncation trick; in training mode each
    forward updates it with ``w_avg_beta`` (0.995; None: never), as the official ``G_main``.
    """

    def __init__(self, gens, z_dim: int, w_dim: int, resolution: int = 32, ch: int = 64, variant: str = "stylegan",
                 channels: int = 1, mapping_depth: int = 8, lr_mul: float = 0.01, w_avg_beta: float | None = 0.995):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; choose one of {VARIANTS}")
        self.variant, self.resolution, self.levels = variant, resolution, _levels(resolution)
        self.num_ws, self.w_dim, self.ch, self.w_avg_beta = 2 * self.levels, w_dim, ch, w_avg_beta
        s = len(gens)
        self.mapping = MappingNetwork(gens, z_dim, w_dim, mapping_depth, lr_mul)
        if variant == "stylegan":
            self.const = nn.Parameter(torch.ones(s, ch, 4, 4))
            layers = [_SynthesisLayer(gens, ch, ch, w_dim, 4, variant, conv=False),
                      _SynthesisLayer(gens, ch, ch, w_dim, 4, variant)]
        else:
            self.const = nn.Parameter(torch.stack([torch.randn((ch, 4, 4), generator=g) for g in gens]))
            layers = [_SynthesisLayer(gens, ch, ch, w_dim, 4, variant)]
            torgb = [_ModulatedToRGB(gens, ch, channels, w_dim)]
        for k in range(1, self.levels):
            size = 4 * 2 ** k
            layers += [_SynthesisLayer(gens, ch, ch, w_dim, size, variant, up=True),
                       _SynthesisLayer(gens, ch, ch, w_dim, size, variant)]
            if variant == "stylegan2":
                torgb.append(_ModulatedToRGB(gens, ch, channels, w_dim))
        self.layers = nn.ModuleList(layers)
        if variant == "stylegan":
            self.torgb = EqualizedConv2d(gens, ch, channels, 1, gain=1.0)
        else:
            self.torgbs = nn.ModuleList(torgb)
        self.register_buffer("w_avg", torch.zeros(s, w_dim))

    @property
    def num_noise(self) -> int:
        """Number of noise inputs (the length of ``noise`` lists)."""
        return len(self.layers)

    @torch.no_grad()
    def update_w_avg(self, w: torch.Tensor, beta: float = 0.995) -> None:
        """w_avg <- lerp(mean_B w, w_avg, β) = mean + (w_avg - mean) β per seed (the official ``DlatentAvg``);
        w: (S, B, w_dim)."""
        mean = w.detach().mean(dim=1)
        self.w_avg.copy_(mean + (self.w_avg - mean) * beta)

    def truncate(self, ws: torch.Tensor, psi: float = 1.0, w_avg: torch.Tensor | None = None,
                 cutoff: int | None = None) -> torch.Tensor:
        """The truncation trick (Karras et al. 2019, Sec. 3.1; Appendix B): w_avg + ψ (w - w_avg) for the
        layers below ``cutoff`` (None: all). ψ = 1 returns ``ws`` itself. ws: (S, B, num_ws, w_dim);
        w_avg: (S, w_dim), default the tracked ``self.w_avg``."""
        if psi == 1:
            return ws
        avg = self.w_avg if w_avg is None else w_avg
        if avg.shape != (ws.shape[0], self.w_dim):
            raise ValueError(f"w_avg must have shape {(ws.shape[0], self.w_dim)}, got {tuple(avg.shape)}")
        avg = avg[:, None, None, :]
        out = avg + (ws - avg) * psi
        if cutoff is None or cutoff >= self.num_ws:
            return out
        keep = torch.arange(self.num_ws, device=ws.device)[None, None, :, None] < cutoff
        return torch.where(keep, out, ws)

    def synthesis(self, ws: torch.Tensor, noise_gen=None, noise: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
        """Images from styles ws: (S, B, num_ws, w_dim), or (S, B, w_dim) for one w at every layer.
        ``noise_gen``: a ``torch.Generator`` or one per seed, for fresh noise (training); ``noise``: a list
        of ``num_noise`` explicit maps (S or 1, B or 1, 1, H, W); neither: each layer's fixed noise."""
        if ws.ndim == 3:
            ws = ws[:, :, None].expand(-1, -1, self.num_ws, -1)
        s, b = ws.shape[:2]
        if ws.shape[2:] != (self.num_ws, self.w_dim):
            raise ValueError(f"ws must have shape (S, B, {self.num_ws}, {self.w_dim}), got {tuple(ws.shape)}")
        if noise is not None and len(noise) != self.num_noise:
            raise ValueError(f"noise: {len(noise)} maps for {self.num_noise} noise inputs")
        x = self.const[:, None].expand(s, b, *self.const.shape[1:])
        y = None
        for i, layer in enumerate(self.layers):
            x = layer(x, ws[:, :, i], None if noise is None else noise[i], noise_gen)
            if self.variant == "stylegan2" and i % 2 == 0:  # the last layer of a resolution
                k = i // 2
                rgb = self.torgbs[k](x, ws[:, :, 2 * k + 1])
                y = rgb if y is None else upsample2x(y) + rgb
        return self.torgb(x) if self.variant == "stylegan" else y

    def forward(self, z: torch.Tensor, noise_gen=None, truncation_psi: float = 1.0, w_avg: torch.Tensor | None = None,
                mix_z: torch.Tensor | None = None, mix_crossover: int | None = None,
                truncation_cutoff: int | None = None, noise: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
        """Images from latents z (S, B, z_dim). Style mixing (Karras et al. 2019, Sec. 3.1): with ``mix_z``
        (S, B, z_dim), layers ≥ ``mix_crossover`` (0..num_ws) take their style from mix_z (0: all of them,
        as generating from mix_z alone). Truncation (ψ = ``truncation_psi``, towards ``w_avg``) applies
        after mixing, as the official ``G_main``. Noise: see ``synthesis``."""
        w = self.mapping(z)
        if self.training and self.w_avg_beta is not None:
            self.update_w_avg(w, self.w_avg_beta)
        ws = w[:, :, None].expand(-1, -1, self.num_ws, -1)
        if (mix_z is None) != (mix_crossover is None):
            raise ValueError("style mixing needs both mix_z and mix_crossover")
        if mix_z is not None:
            c = mix_crossover
            if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c <= self.num_ws:
                raise ValueError(f"mix_crossover must be an integer in [0, {self.num_ws}], got {c!r}")
            w2 = self.mapping(mix_z)
            ws = torch.cat([ws[:, :, :c], w2[:, :, None].expand(-1, -1, self.num_ws - c, -1)], dim=2)
        ws = self.truncate(ws, truncation_psi, w_avg, truncation_cutoff)
        return self.synthesis(ws, noise_gen=noise_gen, noise=noise)


def _uniform(x: torch.Tensor) -> torch.Tensor:
    """Standard normal draws -> uniform in (0, 1) (the normal CDF)."""
    return 0.5 * (1 + torch.erf(x / SQRT2))


class LatentStyleGenerator(nn.Module):
    """A ``StyleGenerator`` driven by one input vector per sample, like every generator of the zoo:
    (S, B, ``latent_dim``) -> images, so that the program's per-seed noise stream is its only source of
    randomness (reproducible, and a seed's samples do not depend on the seeds it is batched with).

    Layout of a latent: ``z`` (z_dim) | the mixing latent ``z2`` (z_dim) | two numbers that decide
    mixing | the per-pixel noise of every synthesis layer (``noise_dim`` numbers), all standard normal.

    Training mode: style-mixing regularisation (Karras et al. 2019, Sec. 3.1) with probability
    ``mixing``, decided per seed and batch as the official training loop (one decision and one
    crossover per minibatch: layers below a crossover uniform in [1, num_ws - 1] take w(z), the others
    w(z2)), from the mixing numbers of the batch's first sample; ``w_avg`` tracks w(z). Eval mode: no
    mixing, truncation ``truncation_psi`` (1.0: none) towards ``w_avg``. Noise comes from the latent in
    both modes (the official ``randomize_noise=True``)."""

    def __init__(self, g: StyleGenerator, z_dim: int, mixing: float = 0.9, truncation_psi: float = 1.0):
        super().__init__()
        if not 0 <= mixing <= 1:
            raise ValueError(f"style-mixing probability must lie in [0, 1], got {mixing}")
        self.g, self.z_dim, self.mixing, self.truncation_psi = g, z_dim, float(mixing), float(truncation_psi)
        self.noise_shapes = [tuple(layer.noise.fixed.shape[-2:]) for layer in g.layers]
        self.noise_dim = sum(h * w for h, w in self.noise_shapes)
        self.latent_dim = 2 * z_dim + 2 + self.noise_dim

    def _noise(self, latent: torch.Tensor) -> list[torch.Tensor]:
        s, b = latent.shape[:2]
        flat, maps, at = latent[..., 2 * self.z_dim + 2:], [], 0
        for h, w in self.noise_shapes:
            maps.append(flat[..., at : at + h * w].reshape(s, b, 1, h, w))
            at += h * w
        return maps

    def styles(self, latent: torch.Tensor) -> torch.Tensor:
        """The per-layer styles ws (S, B, num_ws, w_dim) of ``latent`` (mixing in training mode)."""
        z, z2 = latent[..., : self.z_dim], latent[..., self.z_dim : 2 * self.z_dim]
        g, n = self.g, self.g.num_ws
        w = g.mapping(z)
        if self.training and g.w_avg_beta is not None:
            g.update_w_avg(w, g.w_avg_beta)
        ws = w[:, :, None].expand(-1, -1, n, -1)
        if self.training and self.mixing > 0:
            u = _uniform(latent[:, 0, 2 * self.z_dim : 2 * self.z_dim + 2])  # (S, 2): one decision per seed
            cut = 1 + (u[:, 1] * (n - 1)).long().clamp_(max=n - 2)  # in [1, n - 1]
            cut = torch.where(u[:, 0] < self.mixing, cut, torch.full_like(cut, n))
            w2 = g.mapping(z2)[:, :, None].expand(-1, -1, n, -1)
            layer = torch.arange(n, device=latent.device)[None, None, :, None]
            ws = torch.where(layer < cut[:, None, None, None], ws, w2)
        return ws if self.training else g.truncate(ws, self.truncation_psi)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        if latent.shape[-1] != self.latent_dim:
            raise ValueError(f"latents must have {self.latent_dim} numbers (z, z2, mixing, noise), got {latent.shape[-1]}")
        return self.g.synthesis(self.styles(latent), noise=self._noise(latent))

    @torch.no_grad()
    def mixing_grid(self, rows: torch.Tensor, cols: torch.Tensor, crossover: int) -> torch.Tensor:
        """The style-mixing figure of Karras et al. 2019 (Fig. 3), per seed: (S, 1 + R, 1 + C, ch, H, W),
        cell (i, j) the image whose layers below ``crossover`` take the styles of latent ``rows[:, i]`` and
        the others those of ``cols[:, j]``; row 0 holds the ``cols`` images, column 0 the ``rows`` images,
        cell (0, 0) is zero. rows, cols: (S, R / C, latent_dim); the fixed noise maps, no truncation."""
        g, n = self.g, self.g.num_ws
        if not 0 < crossover < n:
            raise ValueError(f"crossover must lie in [1, {n - 1}], got {crossover}")
        was = self.training
        self.eval()
        try:
            wr, wc = g.mapping(rows[..., : self.z_dim]), g.mapping(cols[..., : self.z_dim])
            s, r, c = wr.shape[0], wr.shape[1], wc.shape[1]
            layer = torch.arange(n, device=wr.device)[None, None, None, :, None]
            ws = torch.where(layer < crossover, wr[:, :, None, None, :], wc[:, None, :, None, :])  # (S, R, C, n, w)
            mixed = g.synthesis(ws.reshape(s, r * c, n, -1)).reshape(s, r, c, *self._image_shape())
            first_row = g.synthesis(wc)[:, None]  # (S, 1, C, ...)
            first_col = g.synthesis(wr)[:, :, None]  # (S, R, 1, ...)
            corner = torch.zeros_like(first_row[:, :, :1])
            top = torch.cat([corner, first_row], 2)
            return torch.cat([top, torch.cat([first_col, mixed], 2)], 1)
        finally:
            self.train(was)

    def _image_shape(self) -> tuple[int, ...]:
        ch = self.g.torgb.weight.shape[1] if self.g.variant == "stylegan" else self.g.torgbs[0].conv.weight.shape[1]
        return (ch, self.g.resolution, self.g.resolution)
