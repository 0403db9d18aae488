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

from ganbench.features.digit_domains import SIZE, edges, invert, load_domain_split, thicken, upsample
from ganbench.utils.registry import registrar

__all__ = ["SIZE", "TRANSLATION_TASKS", "TranslationTask", "edges", "get_translation_task", "invert", "thicken", "upsample"]


@dataclass(frozen=True)
class TranslationTask:
    """A translation task: ``mapping`` A -> B; ``paired`` says whether training sees the pairs."""

    name: str
    mapping: Callable[[torch.Tensor], torch.Tensor]
    paired: bool
    description: str
    shape: tuple[int, ...] = (1, SIZE, SIZE)

    def _split(self, split: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        a, y = load_domain_split("digits32", split)
        return a, self.mapping(a), y

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
