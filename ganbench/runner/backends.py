"""Execution backends. A backend runs independent *jobs* (one seed batch of one task x variant each)
and yields their results as they finish; the runner stores them. Adding a distributed backend
means implementing ``run`` — the harness and the runner stay untouched."""
from __future__ import annotations

from typing import Callable, Iterable, Iterator


class LocalBackend:
    """One process, jobs in order (the seeds of a job train together, seed-batched)."""

    name = "local"

    def run(self, fn: Callable, jobs: Iterable) -> Iterator:
        for job in jobs:
            yield job, fn(job)


class RayBackend:
    """Jobs as Ray tasks (``pip install 'ganbench[ray]'``); results are yielded as they complete."""

    name = "ray"

    def __init__(self, address: str | None = None, num_gpus_per_job: float = 0.0):
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ValueError("the ray backend needs Ray: pip install 'ganbench[ray]'") from None
        self.address, self.num_gpus = address, num_gpus_per_job

    def run(self, fn, jobs):
        import ray

        if not ray.is_initialized():
            ray.init(address=self.address)
        remote = ray.remote(num_gpus=self.num_gpus)(fn)
        pending = {remote.remote(job): job for job in jobs}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            job = pending.pop(done[0])
            yield job, ray.get(done[0])


BACKENDS = {"local": LocalBackend, "ray": RayBackend}


def get_backend(name: str, **options):
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")
    return BACKENDS[name](**options)
