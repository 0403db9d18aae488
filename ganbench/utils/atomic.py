"""Atomic file writes: write a temporary file in the same folder, fsync, then rename over the target.

A kill between the write and the rename leaves the temporary (``.<name>.<random>.tmp``) and never a
half-written target; a run directory sweeps its stale temporaries when the next run takes its lock."""
from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from ganbench.utils.faults import fault_point

_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the mode open() would
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        fault_point("rename")  # a kill here leaves the temporary file; RunDir.remove_temporaries sweeps it
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def atomic_save(path: Path, obj: Any, saver: Callable[[Any, io.BytesIO], None]) -> None:
    """Serialise ``obj`` with ``saver(obj, buffer)`` (e.g. ``torch.save``) and write it atomically."""
    buf = io.BytesIO()
    saver(obj, buf)
    atomic_write_bytes(path, buf.getvalue())


def atomic_save_npy(path: Path, array) -> None:
    import numpy as np

    atomic_save(path, array, lambda a, f: np.save(f, a, allow_pickle=False))


def atomic_torch_save(path: Path, obj: Any) -> None:
    import torch

    atomic_save(path, obj, lambda o, f: torch.save(o, f))
