"""The ``local`` backend: jobs in this process, or in worker processes of this machine.

On a CPU, several single-threaded programs use the cores better than one program whose small ops
are split across threads (measured: 2 processes x 1 thread beat 1 process x 2 threads by 1.4x on 2
cores), and results do not depend on the thread count.

On a GPU, a program of small networks is bound by kernel launches, not by the device (a prototype
of the seed-batched ring8 MLP on one H100: ~5 ms a step whatever the batch), so one process leaves
the GPU idle between its launches and while it evaluates. With enough CPU cores several processes
share the GPU (:func:`gpu_workers`), each launching its own program's kernels; a trial's record does
not depend on what else ran on the device. Not yet timed on a GPU.
"""
from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator

from ganbench.utils import lifeline


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


GPU_SHARING_MAX = 4  # processes on one GPU: enough to hide launch gaps, few enough to keep device memory
CORES_PER_GPU_WORKER = 4  # each process needs a core to launch from and cores to evaluate on


def gpu_workers(cores: int | None = None) -> int:
    """How many processes share one GPU by default: one per ``CORES_PER_GPU_WORKER`` cores, at most
    ``GPU_SHARING_MAX``, at least one (16 cores: 4; 2 cores: 1)."""
    cores = cpu_count() if cores is None else cores
    return max(1, min(GPU_SHARING_MAX, cores // CORES_PER_GPU_WORKER))


def _worker_init(threads: int, parent: lifeline.Process) -> None:
    # First, before torch is imported: a worker ends with this process, ``kill -9`` included. The
    # parent-death signal is safe here: with the spawn context, CPython 3.11's ProcessPoolExecutor
    # starts every worker in ``submit`` (``_adjust_process_count``), on the thread that submits, which
    # is the thread iterating ``LocalBackend.run`` and which holds the pool until it is shut down
    # (only with ``max_tasks_per_child``, unused here, does its manager thread start replacements).
    lifeline.hold(parent)
    import torch

    torch.set_num_threads(threads)


class LocalBackend:
    """Jobs on this machine: in this process (one worker) or in a pool of worker processes, longest
    first. A worker that dies takes only its job with it: that job is retried once in a fresh pool,
    then reported through ``on_lost``. A worker never outlives this process
    (:mod:`ganbench.utils.lifeline`: at once on Linux, within half a second elsewhere)."""

    name = "local"

    def __init__(self, workers: int | None = None, device: str = "cpu", threads_per_worker: int | None = None):
        """``workers``: processes (default: one per core on a CPU; on a GPU, which they share,
        :func:`gpu_workers`)."""
        if workers is None:
            workers = gpu_workers() if device == "cuda" else cpu_count()
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
        self.workers = workers
        self.threads = threads_per_worker  # None: the cores shared by the processes that run

    def run(self, fn: Callable, jobs: Iterable, on_lost: Callable | None = None) -> Iterator:
        jobs = list(jobs)
        if self.workers == 1 or len(jobs) <= 1:
            for job in jobs:
                yield job, fn(job)
            return
        import multiprocessing

        pending, retried = list(jobs), set()  # retried: job keys (a Job holds dicts: it is not hashable)
        while pending:
            ctx = multiprocessing.get_context("spawn")  # no fork of a process holding torch threads
            n = min(self.workers, len(pending))
            threads = self.threads or max(1, cpu_count() // n)
            with ProcessPoolExecutor(n, mp_context=ctx, initializer=_worker_init,
                                     initargs=(threads, lifeline.this_process())) as pool:
                futures = {pool.submit(fn, job): job for job in pending}
                pending = []
                while futures:
                    done, _ = wait(futures, return_when=FIRST_COMPLETED)
                    broken = False
                    for f in done:
                        job = futures.pop(f)
                        try:
                            result = f.result()
                        except BrokenProcessPool:
                            broken = True
                            if job.key in retried:
                                if on_lost is None:
                                    raise
                                yield job, on_lost(job, "its worker process died twice")
                            else:
                                retried.add(job.key)
                                pending.append(job)
                            continue
                        yield job, result
                    if broken:  # the pool is unusable: the other unfinished jobs go to a fresh one
                        pending.extend(futures.values())
                        futures = {}
                        pool.shutdown(wait=False, cancel_futures=True)
