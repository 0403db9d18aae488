"""Validation of metric inputs (the device and the TF32 guard come from ``ganbench.utils.device``).

Metrics validate at the boundary: a bad array raises ``ValueError`` naming the argument
and the fix, so a user never debugs a NaN that surfaced three layers later.
"""
from __future__ import annotations

import numpy as np
import torch


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


def check_float32_products(t: torch.Tensor, name: str, fix: str) -> None:
    """Raise when products of float32 features would overflow: with entries up to m in D dimensions, a
    dot product or squared distance reaches about 4 m² D, which must stay below float32's 3.4e38.
    (Finite but huge features would otherwise come out as NaN, or as silently wrong k-NN verdicts.)"""
    if t.dtype != torch.float32 or t.numel() == 0:
        return
    m = float(t.abs().max())
    if 4.0 * m * m * t.shape[1] > float(torch.finfo(torch.float32).max):
        raise ValueError(f"{name} has values up to {m:.3g}: float32 products of {t.shape[1]}-d features that large "
                         f"overflow; {fix}")


PRECISIONS = ("mixed", "float64")  # Gram products of float32 features: float32 blocks, or float64


def check_precision(value) -> str:
    if value not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {value!r}")
    return value


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)
