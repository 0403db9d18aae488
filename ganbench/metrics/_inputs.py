"""Validation of metric inputs and the device / numerics context shared by every metric.

Metrics validate at the boundary: a bad array raises ``ValueError`` naming the argument
and the fix, so a user never debugs a NaN that surfaced three layers later.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import numpy as np
import torch

ArrayLike = "np.ndarray | torch.Tensor"


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` means CUDA when present, else CPU; anything else is passed to ``torch.device``."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a device; use 'auto', 'cpu' or 'cuda[:N]'") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} asks for CUDA but none is available; use device='cpu' or 'auto'")
    return dev


def as_features(
    x,
    name: str,
    *,
    min_samples: int = 2,
    dim: int | None = None,
    device: torch.device | None = None,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Check that ``x`` is a finite (N, D) array with N >= ``min_samples`` and return it as a tensor.

    The tensor keeps its dtype unless ``dtype`` is given (float16/bfloat16 and integers are
    promoted to float32 at least, because distances in half precision are not trustworthy).
    """
    if isinstance(x, np.ndarray):
        t = torch.from_numpy(np.ascontiguousarray(x))
    elif isinstance(x, torch.Tensor):
        t = x.detach()
    else:
        raise ValueError(
            f"{name} must be a numpy array or torch tensor of shape (N, D), got {type(x).__name__}"
        )
    if t.ndim != 2:
        raise ValueError(
            f"{name} must have shape (N, D) (one feature vector per row), got shape {tuple(t.shape)}; "
            "flatten samples with x.reshape(len(x), -1) or extract features first"
        )
    if t.is_complex() or t.dtype == torch.bool:
        raise ValueError(f"{name} must hold real numbers, got dtype {t.dtype}")
    if t.shape[0] < min_samples:
        raise ValueError(f"{name} has {t.shape[0]} samples; this metric needs at least {min_samples}")
    if t.shape[1] < 1:
        raise ValueError(f"{name} has feature dimension 0; each sample needs at least one feature")
    if dim is not None and t.shape[1] != dim:
        raise ValueError(
            f"{name} has feature dimension {t.shape[1]} but the other input has {dim}; "
            "both sets must come from the same feature extractor"
        )
    if dtype is None:
        dtype = t.dtype if t.dtype in (torch.float32, torch.float64) else torch.float32
    t = t.to(device=device or t.device, dtype=dtype)
    # One reduction decides the common case: a sum is finite unless some entry is NaN/Inf (or the
    # sum overflows, which the elementwise check below then clears).
    if not torch.isfinite(t.sum()) and not torch.isfinite(t).all():
        bad = int((~torch.isfinite(t)).any(dim=1).sum())
        raise ValueError(
            f"{name} contains NaN or Inf in {bad} of {t.shape[0]} samples; "
            "drop or fix those samples (a diverged generator produces them)"
        )
    return t


PRECISIONS = ("mixed", "float64")  # Gram products of float32 features: float32 blocks, or float64


def check_precision(value) -> str:
    if value not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {value!r}")
    return value


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


@contextlib.contextmanager
def exact_matmul() -> Iterator[None]:
    """Turn TF32 off for the duration (metric code), restoring the caller's settings.

    TF32 keeps 10 mantissa bits: FID computed under it differs between GPU generations.
    """
    old_mm = torch.backends.cuda.matmul.allow_tf32
    old_cudnn = torch.backends.cudnn.allow_tf32
    old_prec = torch.get_float32_matmul_precision()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = old_mm
        torch.backends.cudnn.allow_tf32 = old_cudnn
        torch.set_float32_matmul_precision(old_prec)
