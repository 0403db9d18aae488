"""A worker's lifeline to the process it works for: when that process dies (``kill -9`` included),
the worker stops at once instead of training on for nobody, or waiting on a pipe forever.

The process that starts workers takes :func:`this_process` (a pid and, on Linux, the process's start
time, so that a later process given the same pid is not mistaken for it) and hands it to each worker,
which calls :func:`hold` first thing. ``hold`` uses two mechanisms:

- on Linux, when the process is the worker's parent, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the
  kernel kills the worker the instant its parent dies. Two caveats, both handled: the signal is
  tied to the parent *thread* that created the worker, not to the parent process, so it must only
  be used where that thread lives as long as the worker is wanted (the callers say which thread
  that is); and it is lost if the parent died before it was set, so the parent is checked again
  right after setting it;
- everywhere, a daemon thread that looks every :data:`POLL_S` seconds whether the process is still
  there (``os.getppid()`` for a parent, the pid and its start time for an ancestor further up, e.g.
  the driver of submitit's local jobs, whose parent is submitit's job controller) and ends the
  worker with ``os._exit`` when it is not: the portable fallback, and the guard where the
  parent-death signal cannot be used.

Nothing in a worker is worth saving when its parent is gone: the parent writes the records, and
checkpoints are written atomically, so a re-run resumes from the last one.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass

POLL_S = 0.5  # seconds between looks at the parent: a worker outlives it by at most this much
ORPHANED_EXIT = 137  # the status a worker ends with when its parent is gone: 128 + SIGKILL, as if
# the parent-death signal had killed it
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

_held: set = set()  # the processes this one already holds on to (hold() is idempotent)
_lock = threading.Lock()


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks after boot) of ``pid`` from /proc (Linux), None if unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read().decode(errors="replace")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the command name may hold spaces and parentheses
    return fields[0], int(fields[19])  # fields 3 (state) and 22 (starttime) of proc(5)


@dataclass(frozen=True)
class Process:
    """A process, told apart from a later one with the same pid by its start time where the system
    says it (Linux); picklable, to hand to workers."""

    pid: int
    started: int | None = None  # clock ticks after boot (Linux /proc); None elsewhere

    def alive(self) -> bool:
        """Whether this very process still runs (a zombie, dead but not yet reaped, does not)."""
        stat = _proc_stat(self.pid)
        if stat is not None:
            state, started = stat
            return state not in ("Z", "X") and (self.started is None or started == self.started)
        if _proc_stat(os.getpid()) is not None:
            return False  # /proc answers for this process but not for that one: no such process
        if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there: no way to ask, assume alive
            return True
        try:
            os.kill(self.pid, 0)  # elsewhere: the pid exists (it may, rarely, be a later process's)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def process(pid: int) -> Process:
    """The process that has ``pid`` now."""
    stat = _proc_stat(pid)
    return Process(pid, stat[1] if stat else None)


def this_process() -> Process:
    """This process, to hand to the workers it starts."""
    return process(os.getpid())


def _orphaned(parent: Process, why: str) -> None:
    try:
        os.write(2, f"ganbench worker {os.getpid()}: {why} (process {parent.pid}); stopping\n".encode())
    except OSError:
        pass
    os._exit(ORPHANED_EXIT)


def _set_parent_death_signal() -> bool:
    """``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux; whether it was set."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def hold(parent: Process, death_signal: bool = True, poll_s: float = POLL_S) -> None:
    """End this process (status :data:`ORPHANED_EXIT`) as soon as ``parent`` is gone: now, if it is
    already, and from then on within ``poll_s`` seconds, or at once on Linux when ``parent`` is this
    process's parent and ``death_signal`` is on (use it only where the parent thread that started
    this process lives as long as the process is wanted). Calling it again for the same process
    does nothing."""
    with _lock:
        if parent in _held:
            return
        _held.add(parent)
    if not parent.alive():
        _orphaned(parent, "the process it works for was gone before it started")
    direct = os.getppid() == parent.pid
    if direct and death_signal and _set_parent_death_signal() and os.getppid() != parent.pid:
        # the parent died between the look above and prctl: the signal will never come
        _orphaned(parent, "its parent died while it started")

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if (os.getppid() != parent.pid) if direct else not parent.alive():
                _orphaned(parent, "its parent died" if direct else "the process it works for died")

    threading.Thread(target=watch, name=f"ganbench-lifeline-{parent.pid}", daemon=True).start()
