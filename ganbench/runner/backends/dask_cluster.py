"""The ``dask`` backend: one Dask task per job, on a user's cluster or on a local one.

With ``scheduler="tcp://host:8786"`` the jobs go to a running cluster (a SLURM cluster through
dask-jobqueue, Kubernetes through dask-kubernetes, ...): its workers need ganbench installed and
the run directory and plugin files on a shared file system, and should run one task at a time
(``nthreads=1``; one GPU each on GPU nodes). Without, a cluster of this machine is started for the
run and stopped after it: every socket bound to 127.0.0.1 (nothing is reachable from the network),
one single-threaded worker per core, or one per GPU with ``CUDA_VISIBLE_DEVICES`` naming its GPU.

A worker that dies takes only its job with it: the scheduler runs the job again on another worker
(it resumes from the job's checkpoint), up to ``distributed.scheduler.allowed-failures`` times
(3 by default); after that the job's trials are recorded as ``failed``.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from typing import Callable, Iterable, Iterator

from ganbench.runner.backends.local import cpu_count

LOOPBACK = "127.0.0.1"
MISSING = "the dask backend needs Dask: pip install 'ganbench[dask]'"


def _require_distributed():
    try:
        import distributed
    except ImportError:
        raise ValueError(MISSING) from None
    return distributed


def visible_gpus() -> list[str]:
    """The GPUs this process may use, as ``CUDA_VISIBLE_DEVICES`` entries (its own list if set)."""
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        return [g.strip() for g in env.split(",") if g.strip()]
    import torch

    return [str(i) for i in range(torch.cuda.device_count())]


def local_cluster(n_workers: int, gpus: list[str] | None = None, scratch: str | None = None):
    """A Dask cluster of this machine on 127.0.0.1 of ``n_workers`` single-threaded worker processes;
    with ``gpus``, worker i sees only ``gpus[i % len(gpus)]`` (``CUDA_VISIBLE_DEVICES``). The workers
    keep their files in ``scratch`` (default: Dask's, in the temporary folder). Close it when done
    (it is a context manager)."""
    distributed = _require_distributed()
    import logging

    # every server binds to 127.0.0.1 (the default interface is the host's network address), and no
    # dashboard: it would listen on another port and needs bokeh
    common = {"host": LOOPBACK, "silence_logs": logging.ERROR}
    envs = [{"CUDA_VISIBLE_DEVICES": gpus[i % len(gpus)]} if gpus else {} for i in range(n_workers)]
    workers = {i: {"cls": distributed.Nanny,
                   "options": {**common, "nthreads": 1, "env": env, "local_directory": scratch}}
               for i, env in enumerate(envs)}
    scheduler = {"cls": distributed.Scheduler,
                 "options": {"host": LOOPBACK, "port": 0, "dashboard": False, "dashboard_address": None,
                             "local_directory": scratch}}
    return distributed.SpecCluster(workers=workers, scheduler=scheduler, silence_logs=logging.ERROR,
                                   name="ganbench")


class DaskBackend:
    """Jobs as Dask tasks, yielded as they finish (``pip install 'ganbench[dask]'``)."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None, device: str = "cpu"):
        """``scheduler``: address of a running scheduler (``tcp://host:8786``); without, a local cluster
        of ``workers`` workers (default: one per core; with ``device="cuda"``, one per visible GPU, and
        more workers share the GPUs round-robin)."""
        _require_distributed()
        if scheduler is not None and workers is not None:
            raise ValueError("--workers sizes the local Dask cluster; with --scheduler, the cluster's own "
                             "workers run the jobs: drop one of them")
        if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
            raise ValueError(f"scheduler must be an address such as tcp://10.0.0.5:8786, got {scheduler!r}")
        self.scheduler = scheduler
        self.gpus = visible_gpus() if device == "cuda" and scheduler is None else None
        if workers is None:
            workers = len(self.gpus) if self.gpus else cpu_count()
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
        self.workers = None if scheduler is not None else workers

    def run(self, fn: Callable, jobs: Iterable, on_lost: Callable | None = None) -> Iterator:
        distributed = _require_distributed()
        jobs = list(jobs)
        if not jobs:
            return
        with contextlib.ExitStack() as stack:
            if self.scheduler is None:
                n = min(self.workers, len(jobs))
                scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="ganbench-dask-"))  # removed last
                cluster = stack.enter_context(local_cluster(n, self.gpus, scratch))
                client = stack.enter_context(distributed.Client(cluster, set_as_default=False))
            else:
                client = stack.enter_context(distributed.Client(self.scheduler, set_as_default=False))
            token = uuid.uuid4().hex[:8]  # task keys are unique on a shared scheduler
            # submitted longest first (the runner's order): earlier tasks get the higher priority
            futures = {client.submit(fn, job, key=f"ganbench-{job.key}-{token}", priority=len(jobs) - i): job
                       for i, job in enumerate(jobs)}
            try:
                for future in distributed.as_completed(futures, loop=client.loop):
                    job = futures.pop(future)
                    try:
                        result = future.result()
                    except distributed.KilledWorker as exc:
                        if on_lost is None:
                            raise
                        yield job, on_lost(job, f"its Dask workers died while running it ({exc})")
                        continue
                    yield job, result
            finally:
                client.cancel(list(futures))  # an interrupted run leaves no task behind on a shared cluster
