"""Deterministic fault injection, a testing aid for "kill it anywhere".

``GANBENCH_FAULT="POINT:K"`` makes the K-th time this process passes ``fault_point(POINT)`` kill the
whole command at once (SIGKILL to its process group, so its workers die with it, as under the OOM
killer or a cluster's preemption); nothing runs after it, no ``finally`` block, no atexit handler.
The points, placed where a real kill would hurt most:

- ``step``: after a training step (in the worker that trains);
- ``evaluate``: before a program's samples are judged (at an evaluation point or at the end);
- ``rename``: between an atomic write's fsync and its rename (a temporary file is left behind);
- ``round``: before an adaptive run trains its next round of seeds, or a tuned run its reruns.

Unset (always, outside tests) every point is a no-op costing one dict lookup. Tests start the
command in a new session (``start_new_session=True``) so that the group is the command alone.
"""
from __future__ import annotations

import os
import signal

ENV = "GANBENCH_FAULT"
POINTS = ("step", "evaluate", "rename", "round")
_hits: dict[str, int] = {}


def _target() -> tuple[str, int] | None:
    spec = os.environ.get(ENV)
    if not spec:
        return None
    point, _, k = spec.partition(":")
    if point not in POINTS or not k.isdigit() or int(k) < 1:
        raise ValueError(f"{ENV}={spec!r}: write POINT:K with POINT one of {', '.join(POINTS)} and K >= 1")
    return point, int(k)


def fault_point(point: str) -> None:
    """Kill the command here if ``GANBENCH_FAULT`` names this point and this is its K-th pass."""
    target = _target()
    if target is None or target[0] != point:
        return
    _hits[point] = _hits.get(point, 0) + 1
    if _hits[point] == target[1]:
        try:
            os.killpg(os.getpgid(0), signal.SIGKILL)
        finally:  # no process group to signal (not POSIX): this process at least
            os.kill(os.getpid(), signal.SIGKILL)
