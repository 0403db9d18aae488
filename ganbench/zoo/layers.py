"""Seed-batched layers: S independent networks held as one, each parameter with a leading seed axis.

Seed s of a batched network computes exactly what a lone network with seed s's parameters would:
linear layers are ``torch.baddbmm`` over the seed axis, convolutions are grouped convolutions with
one group per seed, BatchNorm normalises each seed's channels over that seed's batch only. Losses
are summed over seeds, so each seed's gradient is its own loss's gradient; Adam, RMSprop and
clipping act element-wise. This is how S seeds train at once at nearly the cost of one.

Activations: MLP tensors are (S, B, F); image tensors inside convolutional nets are (B, S*C, H, W).
Initialisation draws each seed's parameters from that seed's own ``torch.Generator``, in layer
order, so seed s starts identically whatever other seeds share the batch.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def _uniform(shape, bound: float, g: torch.Generator) -> torch.Tensor:
    return (torch.rand(shape, generator=g) * 2 - 1) * bound


class SpectralNorm:
    """Spectral normalisation (Miyato et al. 2018): W / σ(W), σ estimated by one power iteration per
    training forward pass, per seed. ``u`` is a buffer of shape (S, rows)."""

    @staticmethod
    def init_u(s: int, rows: int, gens) -> torch.Tensor:
        u = torch.stack([torch.randn(rows, generator=g) for g in gens])
        return F.normalize(u, dim=1)

    @staticmethod
    def normalise(w: torch.Tensor, u: torch.Tensor, training: bool) -> torch.Tensor:
        """``w``: (S, rows, cols) -> w / σ per seed; updates ``u`` in place when training."""
        if training:
            with torch.no_grad():
                v = F.normalize(torch.bmm(u[:, None, :], w)[:, 0], dim=1)
                u.copy_(F.normalize(torch.bmm(w, v[:, :, None])[:, :, 0], dim=1))
        u = u.clone()  # the buffer changes in place at the next forward; this graph keeps its own copy
        v = F.normalize(torch.bmm(u[:, None, :], w)[:, 0], dim=1).detach()
        sigma = torch.bmm(u[:, None, :], torch.bmm(w, v[:, :, None]))[:, 0, 0]
        return w / sigma[:, None, None]


class SeedLinear(nn.Module):
    """y[s] = x[s] @ W[s] + b[s] for x of shape (S, B, fan_in). PyTorch's default init bounds."""

    def __init__(self, gens, fan_in: int, fan_out: int, sn: bool = False):
        super().__init__()
        bound = 1 / math.sqrt(fan_in)
        self.weight = nn.Parameter(torch.stack([_uniform((fan_in, fan_out), bound, g) for g in gens]))
        self.bias = nn.Parameter(torch.stack([_uniform((1, fan_out), bound, g) for g in gens]))
        self.sn = sn
        if sn:
            self.register_buffer("u", SpectralNorm.init_u(len(gens), fan_out, gens))

    def effective_weight(self) -> torch.Tensor:
        if not self.sn:
            return self.weight
        # σ of W (fan_in x fan_out) equals σ of its transpose; power iteration runs on (out, in).
        return SpectralNorm.normalise(self.weight.transpose(1, 2), self.u, self.training).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.effective_weight())


class SeedConv2d(nn.Module):
    """Per-seed Conv2d as one grouped convolution on (B, S*C_in, H, W)."""

    def __init__(self, gens, c_in: int, c_out: int, k: int, stride: int = 1, padding: int = 0, sn: bool = False):
        super().__init__()
        self.s, self.stride, self.padding, self.sn = len(gens), stride, padding, sn
        bound = 1 / math.sqrt(c_in * k * k)
        self.weight = nn.Parameter(torch.cat([_uniform((c_out, c_in, k, k), bound, g) for g in gens]))
        self.bias = nn.Parameter(torch.cat([_uniform((c_out,), bound, g) for g in gens]))
        if sn:
            self.register_buffer("u", SpectralNorm.init_u(self.s, c_out, gens))

    def effective_weight(self) -> torch.Tensor:
        if not self.sn:
            return self.weight
        w = self.weight.reshape(self.s, -1, *self.weight.shape[1:])
        wn = SpectralNorm.normalise(w.flatten(2), self.u, self.training)
        return wn.reshape(self.weight.shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.effective_weight(), self.bias, self.stride, self.padding, groups=self.s)


class SeedConvTranspose2d(nn.Module):
    """Per-seed ConvTranspose2d as one grouped transposed convolution on (B, S*C_in, H, W)."""

    def __init__(self, gens, c_in: int, c_out: int, k: int, stride: int = 1, padding: int = 0):
        super().__init__()
        self.s, self.stride, self.padding = len(gens), stride, padding
        bound = 1 / math.sqrt(c_out * k * k)  # PyTorch computes fan_in from weight.shape[1] for ConvTranspose
        self.weight = nn.Parameter(torch.cat([_uniform((c_in, c_out, k, k), bound, g) for g in gens]))
        self.bias = nn.Parameter(torch.cat([_uniform((c_out,), bound, g) for g in gens]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, groups=self.s)


def to_grouped(x: torch.Tensor) -> torch.Tensor:
    """(S, B, C, H, W) -> (B, S*C, H, W)."""
    s, b = x.shape[:2]
    return x.transpose(0, 1).reshape(b, s * x.shape[2], *x.shape[3:])


def from_grouped(x: torch.Tensor, s: int) -> torch.Tensor:
    """(B, S*C, H, W) -> (S, B, C, H, W)."""
    b = x.shape[0]
    return x.reshape(b, s, -1, *x.shape[2:]).transpose(0, 1)


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
