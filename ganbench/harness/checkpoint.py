"""Checkpoints of a training program: everything needed to continue it bit-identically.

A checkpoint holds the networks, the optimisers, every random stream's state, the budget spent, the
per-trial status and loss history, and a key naming what it belongs to (configuration, seeds,
suite); a checkpoint with another key is never loaded. Files are written atomically and loaded with
``torch.load(weights_only=True)``.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from ganbench.utils.atomic import atomic_torch_save


class CorruptCheckpoint(ValueError):
    """A checkpoint file exists but cannot be read: the program is retrained from the start."""


def save_checkpoint(path: Path, key: str, ctx, progress: dict) -> None:
    """``progress``: spent, status, history, flops_per_step (plain JSON-able values)."""
    atomic_torch_save(path, {
        "key": key,
        "g": ctx.g.state_dict(), "d": ctx.d.state_dict(),
        "opt_g": ctx.opt_g.state_dict(), "opt_d": ctx.opt_d.state_dict(),
        "data_gens": [g.get_state() for g in ctx.data_gens],
        "noise_gens": [g.get_state() for g in ctx.noise_gens],
        "real_shown": ctx.real_shown,
        "progress": json.dumps(progress),
    })


def load_checkpoint(path: Path, key: str, ctx) -> dict | None:
    """Restore ``ctx`` from ``path`` when it belongs to ``key``; returns the saved progress, or None
    when there is no checkpoint for this key. Raises :class:`CorruptCheckpoint` for an unreadable file."""
    if not path.is_file():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated, foreign or damaged file
        raise CorruptCheckpoint(f"checkpoint {path} cannot be read ({type(exc).__name__}: {exc})") from None
    if not isinstance(state, dict) or state.get("key") != key:
        return None
    try:
        ctx.g.load_state_dict(state["g"])
        ctx.d.load_state_dict(state["d"])
        ctx.opt_g.load_state_dict(state["opt_g"])
        ctx.opt_d.load_state_dict(state["opt_d"])
        for gen, st in zip(ctx.data_gens, state["data_gens"], strict=True):
            gen.set_state(st)
        for gen, st in zip(ctx.noise_gens, state["noise_gens"], strict=True):
            gen.set_state(st)
        ctx.real_shown = state["real_shown"]
        return json.loads(state["progress"])
    except (KeyError, RuntimeError, ValueError, TypeError) as exc:
        raise CorruptCheckpoint(f"checkpoint {path} does not match the program ({type(exc).__name__}: {exc})") from None
