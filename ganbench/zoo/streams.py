"""Per-seed random streams drawn in blocks.

A program needs, every step, a real batch and a latent batch from *each* trial's own generator.
Drawing them one small tensor per seed per step costs more than the step's arithmetic on small
networks, so a :class:`SeedStream` draws a block of many steps' samples per seed at once (on the
program's device, from a generator on that device) and hands them out in order. A stream's samples
depend only on its generator and its block size, which depends only on the per-sample size, so a
trial draws the same samples whatever shares its program; on another device type the generator
(and so the samples) differ, reproducibly.
"""
from __future__ import annotations

import math
from typing import Callable

import torch

BLOCK_BYTES = 1 << 20  # per seed and stream: enough draws to amortise, little memory
MAX_BLOCK_DRAWS = 64


def block_samples(per_draw: int, sample_numel: int) -> int:
    """How many samples one refill draws: up to 64 draws of ``per_draw`` samples within 1 MiB."""
    draws = BLOCK_BYTES // max(1, per_draw * sample_numel * 4)
    return per_draw * max(1, min(MAX_BLOCK_DRAWS, draws))


class SeedStream:
    """``take(n)`` returns (S, n, *shape): the next ``n`` samples of every seed's stream.

    ``draw(n, generator)`` produces ``n`` samples from one generator on the generator's device;
    ``block`` samples are drawn per refill."""

    def __init__(self, gens: list[torch.Generator], draw: Callable[[int, torch.Generator], torch.Tensor], block: int):
        self.gens, self.draw, self.block = gens, draw, int(block)
        self.buffer: torch.Tensor | None = None  # (S, n_buffered, ...)
        self.pos = 0

    def take(self, n: int) -> torch.Tensor:
        left = 0 if self.buffer is None else self.buffer.shape[1] - self.pos
        if left < n:
            fresh = torch.stack([self.draw(max(self.block, n - left), g) for g in self.gens])
            self.buffer = fresh if left == 0 else torch.cat([self.buffer[:, self.pos:], fresh], 1)
            self.pos = 0
        out = self.buffer[:, self.pos : self.pos + n]
        self.pos += n
        return out.contiguous()

    def state_dict(self) -> dict:
        rest = torch.empty(0) if self.buffer is None else self.buffer[:, self.pos:].cpu().clone()
        return {"gens": [g.get_state() for g in self.gens], "rest": rest}

    def load_state_dict(self, state: dict) -> None:
        for g, st in zip(self.gens, state["gens"], strict=True):
            g.set_state(st)
        rest = state["rest"]
        device = self.gens[0].device
        self.buffer, self.pos = (None, 0) if rest.numel() == 0 else (rest.to(device), 0)


def normal_draw(dim: int) -> Callable:
    return lambda n, g: torch.randn(n, dim, generator=g, device=g.device)


def uniform_draw(n, g) -> torch.Tensor:
    return torch.rand(n, generator=g, device=g.device)


def sample_numel(shape) -> int:
    return math.prod(shape) if shape else 1


def labelled_draw(sample_labelled: Callable) -> Callable:
    """A draw of (sample, class) pairs as one float32 row per sample: the flattened sample, then its
    class (exact in float32 below 2^24). One buffer keeps the pairs aligned through refills and
    checkpoints; :func:`unpack_labelled` splits a batch again."""
    def draw(n, g):
        x, y = sample_labelled(n, g)
        return torch.cat([x.reshape(n, -1), y.to(x.dtype)[:, None]], 1)
    return draw


def unpack_labelled(batch: torch.Tensor, shape) -> tuple[torch.Tensor, torch.Tensor]:
    """(S, B, numel + 1) rows of :func:`labelled_draw` -> samples (S, B, *shape), classes (S, B) int64."""
    s, b = batch.shape[:2]
    return batch[..., :-1].reshape(s, b, *shape), batch[..., -1].long()


def label_draw(n_classes: int) -> Callable:
    return lambda n, g: torch.randint(n_classes, (n,), generator=g, device=g.device)
