"""The one device module: which device a run uses, the numerics flags around it, and the
environment fingerprint recorded with every number.

``resolve_device`` is the only place a device string becomes a ``torch.device``; metrics, feature
extractors and the trainer all call it. ``exact_matmul`` keeps TF32 off inside metric code and
``deterministic_algorithms`` switches deterministic kernels on for a training run; both restore the
caller's settings on every exit (return, exception, interrupt).
"""
from __future__ import annotations

import contextlib
import functools
import os
import platform
import subprocess
from pathlib import Path
from typing import Iterator

import torch

from ganbench._version import __version__


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """``"auto"`` (or None) means CUDA when present, else CPU; anything else goes to ``torch.device``."""
    if isinstance(device, torch.device):
        dev = device
    elif device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        try:
            dev = torch.device(device)
        except (RuntimeError, TypeError) as exc:
            raise ValueError(f"device={device!r} is not a device; use 'auto', 'cpu' or 'cuda[:N]'") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={str(device)!r} asks for CUDA but none is available; use device='cpu' or 'auto'")
    return dev


@contextlib.contextmanager
def exact_matmul() -> Iterator[None]:
    """TF32 off for the duration (metric code), restoring the caller's settings.

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


@contextlib.contextmanager
def deterministic_algorithms(device: torch.device, enabled: bool = True) -> Iterator[None]:
    """Deterministic kernels on a GPU for the duration (CPU kernels are deterministic already);
    the caller's setting comes back on every exit."""
    if device.type != "cuda":
        yield
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS needs it for determinism
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(enabled)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous)


@functools.lru_cache(maxsize=1)
def git_sha() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_model() -> str:
    """CPU vendor, family and model from /proc/cpuinfo ("AuthenticAMD 23/1"): "AMD EPYC" alone names
    several generations whose kernels round differently."""
    fields = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key in ("vendor_id", "cpu family", "model") and key not in fields:
                fields[key] = value.strip()
            if len(fields) == 3:
                break
    except OSError:
        pass
    if not fields:
        return platform.machine()
    return f"{fields.get('vendor_id', '?')} {fields.get('cpu family', '?')}/{fields.get('model', '?')}"


def environment(device: torch.device) -> dict:
    """What decides the numbers besides the seeds: versions, device, kernels and precision flags."""
    return {
        "ganbench": __version__,
        "git_sha": git_sha(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": str(device),
        "device_name": device_name(device),
        "cpu_model": cpu_model(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cuda": torch.version.cuda if device.type == "cuda" else None,
        "threads": torch.get_num_threads(),
        "tf32_matmul": bool(torch.backends.cuda.matmul.allow_tf32),
        "tf32_cudnn": bool(torch.backends.cudnn.allow_tf32),
        "deterministic": bool(torch.are_deterministic_algorithms_enabled()),
    }


# The fields of ``environment`` that decide which kernels run, hence the bits of a result: two runs
# whose fingerprints agree on them train identically (same seeds and code).
FINGERPRINT_FIELDS = ("torch", "device", "device_name", "cpu_model", "cpu_capability", "cuda", "threads",
                      "tf32_matmul", "tf32_cudnn", "deterministic")


def fingerprint(env: dict) -> dict:
    return {k: env.get(k) for k in FINGERPRINT_FIELDS}
