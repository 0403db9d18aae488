"""Seed-batched layers: S independent networks held as one, each parameter with a leading seed axis.

Seed s of a batched network computes *bit for bit* what a lone network with seed s's parameters
would, whatever the other seeds are and however many share the batch. That is what lets a trial's
record not depend on what it trained with (seeds, or whole variants packed into one program), and
it holds because every op here is either elementwise, a reduction within one seed's slice, or a
batched matrix product (``torch.bmm`` / ``baddbmm``), whose per-matrix results do not depend on the
batch size, or a per-seed call of the very kernel a lone network would run. Three shapes of work are
written out by hand because PyTorch's batched kernels for them depend on the batch composition
(measured on CPU: a lone seed's GEMV, a grouped convolution with few input channels and
``BatchNorm2d`` over S·C channels each round differently from their per-seed counterparts, and 300
training steps amplify one ulp into a different GAN):

- a linear layer with one output unit is a multiply and a sum, not a GEMV;
- convolutions and transposed convolutions run one call per seed (as fast as a grouped call at
  these sizes, measured);
- batch normalisation computes its per-seed, per-channel moments with reductions over one seed's slice.

Losses are summed over seeds, so each seed's gradient is its own loss's gradient.

Activations: MLP tensors are (S, B, F); image tensors are (S, B, C, H, W). Initialisation draws each
seed's parameters from that seed's own ``torch.Generator``, in layer order, so seed s starts
identically whatever other seeds share the batch.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def _uniform(shape, bound: float, g: torch.Generator) -> torch.Tensor:
    return (torch.rand(shape, generator=g) * 2 - 1) * bound


def _seed_flags(flags, n: int) -> list[bool]:
    """A per-seed switch from one bool (all seeds) or a sequence of n bools."""
    if isinstance(flags, bool):
        return [flags] * n
    flags = [bool(f) for f in flags]
    if len(flags) != n:
        raise ValueError(f"{len(flags)} per-seed flags for {n} seeds")
    return flags


class SpectralNorm:
    """Spectral normalisation (Miyato et al. 2018): W / σ(W), σ estimated by one power iteration per
    training forward pass, per seed. ``u`` is a buffer of shape (S, rows); ``mask`` (S,) says which
    seeds are normalised (the others see W itself, so spectrally normalised and plain seeds can share
    a program). A seed's ``u`` is drawn from its generator only when that seed is normalised, so its
    later parameters do not depend on the flag of any other seed."""

    @staticmethod
    def init_u(rows: int, gens, flags) -> torch.Tensor:
        u = torch.stack([torch.randn(rows, generator=g) if f else torch.ones(rows) for g, f in zip(gens, flags)])
        return F.normalize(u, dim=1)

    @staticmethod
    def normalise(w: torch.Tensor, u: torch.Tensor, mask: torch.Tensor, training: bool) -> torch.Tensor:
        """``w``: (S, rows, cols) -> w / σ for seeds in ``mask``; updates ``u`` in place when training.
        The products are multiplies and sums, not batched GEMVs, whose rounding depends on S; only
        the normalised seeds are computed (a plain seed's W passes through untouched)."""
        every = bool(mask.all())
        idx = None if every else mask.nonzero().flatten()
        ws, us = (w, u) if every else (w[idx], u[idx])
        if training:
            with torch.no_grad():
                v = F.normalize((us[:, :, None] * ws).sum(1), dim=1)
                us = F.normalize((ws * v[:, None, :]).sum(2), dim=1)
                if every:
                    u.copy_(us)
                else:
                    u[idx] = us
        us = us.clone()  # the buffer changes in place at the next forward; this graph keeps its own copy
        v = F.normalize((us[:, :, None] * ws).sum(1), dim=1).detach()
        sigma = (us * (ws * v[:, None, :]).sum(2)).sum(1)
        if every:
            return w / sigma[:, None, None]
        full = torch.ones(len(w), dtype=w.dtype, device=w.device).index_put((idx,), sigma)
        return w / full[:, None, None]  # w / 1 is w exactly, gradient too


class _SeedParametrised(nn.Module):
    """A layer whose weight (S, rows, cols) may be spectrally normalised per seed."""

    def _init_sn(self, gens, sn, rows: int) -> None:
        flags = _seed_flags(sn, len(gens))
        self.sn = any(flags)
        if self.sn:
            self.register_buffer("sn_mask", torch.tensor(flags))
            self.register_buffer("u", SpectralNorm.init_u(rows, gens, flags))

    def _normalised(self, w: torch.Tensor) -> torch.Tensor:
        return SpectralNorm.normalise(w, self.u, self.sn_mask, self.training) if self.sn else w


class SeedLinear(_SeedParametrised):
    """y[s] = x[s] @ W[s] + b[s] for x of shape (S, B, fan_in). PyTorch's default init bounds.
    ``sn``: spectral normalisation, for all seeds (bool) or per seed (sequence of bools)."""

    def __init__(self, gens, fan_in: int, fan_out: int, sn=False):
        super().__init__()
        bound = 1 / math.sqrt(fan_in)
        self.weight = nn.Parameter(torch.stack([_uniform((fan_in, fan_out), bound, g) for g in gens]))
        self.bias = nn.Parameter(torch.stack([_uniform((1, fan_out), bound, g) for g in gens]))
        self._init_sn(gens, sn, fan_out)

    def effective_weight(self) -> torch.Tensor:
        if not self.sn:
            return self.weight
        # σ of W (fan_in x fan_out) equals σ of its transpose; power iteration runs on (out, in).
        return self._normalised(self.weight.transpose(1, 2)).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.effective_weight()
        if w.shape[2] == 1:  # a GEMV: a lone seed would take another kernel than a batch of seeds
            return (x * w.transpose(1, 2)).sum(-1, keepdim=True) + self.bias
        return torch.baddbmm(self.bias, x, w)


class SeedConv2d(_SeedParametrised):
    """Per-seed Conv2d on (S, B, C_in, H, W): one ``conv2d`` call per seed. A grouped convolution with
    one group per seed would be one call, but its kernel (and rounding) depends on the group count."""

    def __init__(self, gens, c_in: int, c_out: int, k: int, stride: int = 1, padding: int = 0, sn=False):
        super().__init__()
        self.stride, self.padding = stride, padding
        bound = 1 / math.sqrt(c_in * k * k)
        self.weight = nn.Parameter(torch.stack([_uniform((c_out, c_in, k, k), bound, g) for g in gens]))
        self.bias = nn.Parameter(torch.stack([_uniform((c_out,), bound, g) for g in gens]))
        self._init_sn(gens, sn, c_out)

    def effective_weight(self) -> torch.Tensor:
        if not self.sn:
            return self.weight
        w = self.weight
        return self._normalised(w.reshape(w.shape[0], w.shape[1], -1)).reshape(w.shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.effective_weight()
        return torch.stack([F.conv2d(x[s], w[s], self.bias[s], self.stride, self.padding) for s in range(len(w))])


class SeedConvTranspose2d(nn.Module):
    """Per-seed ConvTranspose2d on (S, B, C_in, H, W): one ``conv_transpose2d`` call per seed."""

    def __init__(self, gens, c_in: int, c_out: int, k: int, stride: int = 1, padding: int = 0, output_padding: int = 0):
        super().__init__()
        self.stride, self.padding, self.output_padding = stride, padding, output_padding
        bound = 1 / math.sqrt(c_out * k * k)  # PyTorch computes fan_in from weight.shape[1] for ConvTranspose
        self.weight = nn.Parameter(torch.stack([_uniform((c_in, c_out, k, k), bound, g) for g in gens]))
        self.bias = nn.Parameter(torch.stack([_uniform((c_out,), bound, g) for g in gens]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([F.conv_transpose2d(x[s], self.weight[s], self.bias[s], self.stride, self.padding,
                                               self.output_padding) for s in range(len(self.weight))])


def _batch_statistics(bn: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-seed channel mean and (biased) variance (S, C) of x (S, B, C, ...) in training mode, with
    the running averages of ``bn`` (``momentum``, unbiased variance) updated; the running averages in
    eval mode. Shared by the per-seed BatchNorms."""
    if not bn.training:
        return bn.running_mean, bn.running_var
    s, c = x.shape[0], x.shape[2]
    flat = x.transpose(1, 2).reshape(s, c, -1)  # (S, C, B*H*W): one seed's channel per row
    mean = flat.mean(-1)
    var = (flat - mean[..., None]).pow(2).mean(-1)
    n = flat.shape[-1]
    with torch.no_grad():
        bn.running_mean.mul_(1 - bn.momentum).add_(bn.momentum * mean)
        bn.running_var.mul_(1 - bn.momentum).add_(bn.momentum * var * (n / max(n - 1, 1)))
    return mean, var


class SeedBatchNorm2d(nn.Module):
    """BatchNorm2d per seed on (S, B, C, H, W): each seed's channels are normalised over that seed's
    batch, with PyTorch's defaults (eps 1e-5, momentum 0.1, affine 1/0 init, unbiased running var)."""

    def __init__(self, s: int, c: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(s, c))
        self.bias = nn.Parameter(torch.zeros(s, c))
        self.register_buffer("running_mean", torch.zeros(s, c))
        self.register_buffer("running_var", torch.ones(s, c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s, c = x.shape[0], x.shape[2]
        mean, var = _batch_statistics(self, x)
        shape = (s, 1, c) + (1,) * (x.ndim - 3)
        scale = self.weight / (var + self.eps).sqrt()
        return (x - mean.reshape(shape)) * scale.reshape(shape) + self.bias.reshape(shape)


class SeedConditionalBatchNorm2d(nn.Module):
    """Conditional BatchNorm (de Vries et al. 2017; the projection-cGAN generator of Miyato & Koyama
    2018) per seed on (S, B, C, H, W): normalised as ``SeedBatchNorm2d`` (batch statistics, running
    averages for eval), then each sample scaled and shifted by its class's own γ_y, β_y, (S, K, C),
    initialised to 1 and 0 (so it starts as plain BatchNorm)."""

    def __init__(self, s: int, c: int, n_classes: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(s, n_classes, c))
        self.bias = nn.Parameter(torch.zeros(s, n_classes, c))
        self.register_buffer("running_mean", torch.zeros(s, c))
        self.register_buffer("running_var", torch.ones(s, c))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """x (S, B, C, H, W); y (S, B) int64 classes."""
        s, b, c = x.shape[:3]
        mean, var = _batch_statistics(self, x)
        idx = y[..., None].expand(s, b, c)
        gamma, beta = torch.gather(self.weight, 1, idx), torch.gather(self.bias, 1, idx)  # (S, B, C)
        tail = (1,) * (x.ndim - 3)
        xhat = (x - mean.reshape(s, 1, c, *tail)) / (var + self.eps).sqrt().reshape(s, 1, c, *tail)
        return xhat * gamma.reshape(s, b, c, *tail) + beta.reshape(s, b, c, *tail)


class SeedInstanceNorm2d(nn.Module):
    """InstanceNorm2d on (S, B, C, H, W) (Ulyanov et al. 2016): every image's channels normalised over
    their own pixels (biased variance, eps 1e-5, PyTorch's defaults), with a per-seed affine map when
    ``affine``. Training and evaluation compute the same (no running statistics), as in the
    pix2pix / CycleGAN code, where batch-1 BatchNorm and InstanceNorm both normalise per image."""

    def __init__(self, s: int, c: int, affine: bool = False, eps: float = 1e-5):
        super().__init__()
        self.eps, self.affine = eps, affine
        if affine:
            self.weight = nn.Parameter(torch.ones(s, c))
            self.bias = nn.Parameter(torch.zeros(s, c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean((-2, -1), keepdim=True)
        var = (x - mean).pow(2).mean((-2, -1), keepdim=True)
        y = (x - mean) / (var + self.eps).sqrt()
        if not self.affine:
            return y
        s, c = self.weight.shape
        return y * self.weight.reshape(s, 1, c, 1, 1) + self.bias.reshape(s, 1, c, 1, 1)


class MinibatchDiscrimination(nn.Module):
    """Minibatch discrimination (Salimans et al. 2016, Sec. 3.2): for features f (S, B, A),
    M = f T reshaped to (S, B, n_kernels, kernel_dim); o(x_i)_b = Σ_{j≠i} exp(-|M_i,b - M_j,b|_1);
    returns [f, o] of shape (S, B, A + n_kernels)."""

    def __init__(self, gens, a: int, n_kernels: int = 8, kernel_dim: int = 4):
        super().__init__()
        self.n_kernels, self.kernel_dim = n_kernels, kernel_dim
        self.t = nn.Parameter(torch.stack([torch.randn((a, n_kernels * kernel_dim), generator=g) * 0.1 for g in gens]))

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        s, b, _ = f.shape
        m = torch.bmm(f, self.t).reshape(s, b, self.n_kernels, self.kernel_dim)
        l1 = (m[:, :, None] - m[:, None, :]).abs().sum(-1)  # (S, B, B, n_kernels)
        o = torch.exp(-l1).sum(2) - 1.0  # drop j = i (exp(0) = 1)
        return torch.cat([f, o], -1)
