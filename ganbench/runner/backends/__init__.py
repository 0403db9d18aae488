"""Execution backends. A backend runs independent *jobs* (one training program each) and yields
``(job, records)`` as they finish; the runner stores the records (one writer, atomic files).

The protocol: ``Backend(device=..., workers=..., **its own options)`` then
``run(fn, jobs, on_lost=None)``. ``device`` is the device type the jobs train on (``"cpu"`` or
``"cuda"``), ``workers`` how many jobs run at once (None: the backend's default). ``fn`` is a
module-level function and the jobs are picklable; a job carries its plugins and its run directory,
so any process on a machine that sees the run directory can run it. A job whose worker died is
retried; one that cannot be run goes to ``on_lost(job, why)``, which returns ``failed`` records, so
that no trial is ever silently lost.

- ``local``: this process or worker processes of this machine (the default);
- ``dask``: a Dask cluster, a user's (``scheduler=ADDRESS``) or a local one on 127.0.0.1
  (``pip install 'ganbench[dask]'``);
- ``slurm``: one SLURM array task per job through submitit (``pip install 'ganbench[slurm]'``).
"""
from __future__ import annotations

import inspect

from ganbench.runner.backends.dask_cluster import DaskBackend
from ganbench.runner.backends.local import LocalBackend, cpu_count
from ganbench.runner.backends.slurm import SlurmBackend

BACKENDS = {b.name: b for b in (LocalBackend, DaskBackend, SlurmBackend)}

__all__ = ["BACKENDS", "get_backend", "cpu_count", "LocalBackend", "DaskBackend", "SlurmBackend"]


def get_backend(name: str, **options):
    """The backend ``name`` with ``options`` (None values mean the backend's default)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")
    cls = BACKENDS[name]
    accepted = [p for p in inspect.signature(cls).parameters if p != "self"]
    given = {k: v for k, v in options.items() if v is not None}
    bad = sorted(set(given) - set(accepted))
    if bad:
        flags = ", ".join(f"{k} (--{k.replace('_', '-')})" for k in bad)
        raise ValueError(f"the {name} backend takes no option {flags}; its options: {', '.join(accepted)}")
    return cls(**given)
