"""Image-to-image translation tasks derived from the 8x8 digits, for pix2pix-style (paired) and
CycleGAN-style (unpaired) training (Isola et al. 2017; Zhu et al. 2017).

Domain A is the digit upsampled to 32x32 (bilinear, as PyTorch's ``interpolate`` computes it: the
size the papers' U-Nets and PatchGANs can be scaled down to), values in [-1, 1]. Domain B is a
deterministic function of A, so every A image has exactly one ground-truth target:

- ``digits-edges``: the Sobel gradient magnitude of A (a local mapping, like pix2pix's edges ↔ photos);
- ``digits-thick``: grey dilation of A with a 5x5 square (stroke width changes everywhere: the
  appearance changes, the digit does not);
- ``digits-inverted``: -A (every pixel changes; the simplest global appearance change).

Splits follow ``digits``' fixed split (the test split is held out from all training). A *paired*
task trains on the train split's (A, B) pairs; its *unpaired* version (``<name>-unpaired``) trains on
the A images of one half of the train split and the B images of the other half, so no training pair
is ever seen, and is judged on the same test pairs. ``labels`` are the digit classes, for label
preservation (the analogue of the papers' FCN-score).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from ganbench.utils.registry import registrar

SIZE = 32


def upsample(x: torch.Tensor, size: int = SIZE) -> torch.Tensor:
    """(N, C, h, w) -> (N, C, size, size), bilinear (align_corners=False), clamped to [-1, 1]."""
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False).clamp_(-1, 1)


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] -> [0, 1]."""
    return (x + 1) / 2


def from_unit(x: torch.Tensor) -> torch.Tensor:
    """[0, 1] -> [-1, 1]."""
    return x * 2 - 1


def edges(a: torch.Tensor) -> torch.Tensor:
    """Sobel gradient magnitude of ``a`` (N, 1, H, W) in [0, 1], scaled by its maximum possible
    value (4√2 for a unit step) and mapped to [-1, 1]: dark background, bright outlines."""
    kx = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=a.dtype)
    k = torch.stack([kx, kx.T])[:, None]  # (2, 1, 3, 3)
    g = F.conv2d(F.pad(to_unit(a), (1, 1, 1, 1), mode="replicate"), k)
    mag = g.pow(2).sum(1, keepdim=True).sqrt() / (4 * 2**0.5)
    return from_unit(mag.clamp(0, 1))


def thicken(a: torch.Tensor, width: int = 5) -> torch.Tensor:
    """Grey dilation of ``a`` (N, 1, H, W) with a ``width`` x ``width`` square (max pooling, stride 1)."""
    return F.max_pool2d(a, width, stride=1, padding=width // 2)


def invert(a: torch.Tensor) -> torch.Tensor:
    return -a


@dataclass(frozen=True)
class TranslationTask:
    """A translation task: ``mapping`` A -> B; ``paired`` says whether training sees the pairs."""

    name: str
    mapping: Callable[[torch.Tensor], torch.Tensor]
    paired: bool
    description: str
    shape: tuple[int, ...] = (1, SIZE, SIZE)

    def _split(self, split: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        from ganbench.features.digits import load_digits_split

        x, y = load_digits_split(split)
        a = upsample(torch.from_numpy(x))
        return a, self.mapping(a), torch.from_numpy(y)

    def train(self) -> dict:
        """Training data: ``{"a", "b", "labels_a", "labels_b"}``, each (N, ...). Paired: a[i] and
        b[i] are a pair. Unpaired: A from the train split's even positions, B from its odd ones."""
        a, b, y = self._split("train")
        if self.paired:
            return {"a": a, "b": b, "labels_a": y, "labels_b": y}
        return {"a": a[0::2], "b": b[1::2], "labels_a": y[0::2], "labels_b": y[1::2]}

    def test(self) -> dict:
        """The held-out test pairs ``{"a", "b", "labels"}`` (both kinds of task are judged on them)."""
        a, b, y = self._split("test")
        return {"a": a, "b": b, "labels": y}

    def info(self) -> dict:
        return {"name": self.name, "kind": "paired" if self.paired else "unpaired", "shape": list(self.shape),
                "description": self.description}


TRANSLATION_TASKS: dict[str, TranslationTask] = {}
_register = registrar(TRANSLATION_TASKS, "translation task")


def _both(name: str, mapping, description: str) -> None:
    _register(name)(TranslationTask(name, mapping, True, f"{description} (paired)"))
    _register(f"{name}-unpaired")(TranslationTask(f"{name}-unpaired", mapping, False, f"{description} (unpaired)"))


_both("digits-edges", edges, "32x32 digits -> their Sobel edges: a local mapping")
_both("digits-thick", thicken, "32x32 digits -> strokes dilated by a 5x5 square: appearance changes, class does not")
_both("digits-inverted", invert, "32x32 digits -> their negative: every pixel changes")


def get_translation_task(name: str) -> TranslationTask:
    try:
        return TRANSLATION_TASKS[name]
    except KeyError:
        raise ValueError(f"unknown translation task {name!r}; known: {', '.join(sorted(TRANSLATION_TASKS))}") from None
