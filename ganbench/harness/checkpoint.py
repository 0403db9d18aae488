"""Checkpoints of a training program: everything needed to continue it bit-identically.

A checkpoint holds the program's state (networks, optimisers, every random stream with its
undrawn block), the progress (budget spent, per-trial status and loss history) and a key naming what
it belongs to (configurations, seeds, suite); a checkpoint with another key is never loaded. Files
are written atomically and loaded with ``torch.load(weights_only=True)``.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from ganbench.utils.atomic import atomic_torch_save


class CorruptCheckpoint(ValueError):
    """A checkpoint file exists but cannot be read: the program is retrained from the start."""


def save_checkpoint(path: Path, key: str, state: dict, progress: dict) -> None:
    """``state``: tensors and containers of tensors; ``progress``: plain JSON-able values."""
    atomic_torch_save(path, {"key": key, "state": state, "progress": json.dumps(progress)})


def load_checkpoint(path: Path, key: str) -> tuple[dict, dict] | None:
    """(state, progress) saved at ``path`` for ``key``; None when there is none for this key.
    Raises :class:`CorruptCheckpoint` for a file that cannot be read."""
    if not path.is_file():
        return None
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated, foreign or damaged file
        raise CorruptCheckpoint(f"checkpoint {path} cannot be read ({type(exc).__name__}: {exc})") from None
    if not isinstance(saved, dict) or saved.get("key") != key:
        return None
    try:
        return saved["state"], json.loads(saved["progress"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptCheckpoint(f"checkpoint {path} is incomplete ({type(exc).__name__}: {exc})") from None
