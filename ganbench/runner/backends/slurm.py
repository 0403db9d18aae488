"""The ``slurm`` backend: one SLURM array task per job, submitted through submitit.

The driver (``ganbench run --backend slurm``, on a login node) submits one array with a task per
job, waits, and writes the records as tasks finish; the run directory, on a file system that the
login and compute nodes share, is the only coordination: submitit's pickled jobs, results and
logs live in ``RUN_DIR/logs/submitit``, the checkpoints and the per-job logs beside them. A task
that dies (node failure, preemption, out of memory, its time limit) is submitted once more and
resumes from its job's checkpoint; a second loss records the job's trials as ``failed``. If the
driver itself stops, the tasks it leaves queued are cancelled when it can (Ctrl-C); ``run`` on the
same directory starts again from the records and checkpoints.

Settings, from flags or the suite's ``[slurm]`` table (flags win): ``partition``, ``time_min``
(the time limit of one task, minutes), ``gpus_per_job``, ``mem_gb``, ``cpus_per_job`` (the
task's torch threads too), ``sbatch`` (more ``#SBATCH`` options, e.g. ``{ account = "proj",
qos = "high" }``), ``setup`` (shell lines run first, e.g. ``["module load cuda"]``) and
``executor`` (``"slurm"``, or ``"local"``: submitit's local executor, the same path on this
machine, to try a setup before queueing).
"""
from __future__ import annotations

import functools
import math
import shutil
import time
from typing import Callable, Iterable, Iterator

from ganbench.records import RunDir
from ganbench.runner.backends.local import cpu_count
from ganbench.utils import lifeline

MISSING = "the slurm backend needs submitit: pip install 'ganbench[slurm]'"
EXECUTORS = ("slurm", "local")
DEFAULTS = {"time_min": 60, "cpus_per_job": 1}  # SLURM's own default time limit is often minutes
# setting -> submitit's parameter ({executor}: the executor's own, unprefixed ones are every executor's)
TO_SUBMITIT = {"partition": "slurm_partition", "time_min": "timeout_min", "gpus_per_job": "gpus_per_node",
               "mem_gb": "mem_gb", "cpus_per_job": "cpus_per_task", "sbatch": "slurm_additional_parameters",
               "setup": "{executor}_setup"}


def _int_at_least(low):
    def check(v):
        return not isinstance(v, bool) and isinstance(v, int) and v >= low
    return check


# setting -> (valid?, what it must be): one table for the suite file, the flags and the API alike
SETTINGS = {
    "partition": (lambda v: isinstance(v, str) and v.strip() != "", "a partition name"),
    "time_min": (_int_at_least(1), "a time limit per task in whole minutes >= 1"),
    "gpus_per_job": (_int_at_least(0), "an integer >= 0"),
    "mem_gb": (lambda v: not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) and v > 0,
               "a positive number of GB"),
    "cpus_per_job": (_int_at_least(1), "an integer >= 1"),
    "sbatch": (lambda v: isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, (str, int))
                                                     and not isinstance(x, bool) for k, x in v.items()),
               'a table of sbatch options, e.g. { account = "proj", qos = "high" }'),
    "setup": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
              'a list of shell lines, e.g. ["module load cuda"]'),
    "executor": (lambda v: v in EXECUTORS, f"one of {', '.join(EXECUTORS)}"),
}


def check_settings(settings: dict, where: str) -> dict:
    """``settings`` validated against :data:`SETTINGS` (a ValueError naming the bad one)."""
    if not isinstance(settings, dict):
        raise ValueError(f"{where} must be a table like {{ partition = \"gpu\", time_min = 120 }}")
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise ValueError(f"{where}: unknown setting(s) {sorted(unknown)}; allowed: {', '.join(SETTINGS)}")
    for key, value in settings.items():
        valid, what = SETTINGS[key]
        if not valid(value):
            raise ValueError(f"{where}: {key} must be {what}, got {value!r}")
    return dict(settings)


def _require_submitit():
    try:
        import submitit
    except ImportError:
        raise ValueError(MISSING) from None
    return submitit


def _in_task(fn: Callable, threads: int, driver: lifeline.Process | None, job):
    """Run ``fn(job)`` in a SLURM task with the threads it was given (results do not depend on them).
    With ``driver`` (the local executor, on the driver's machine), the task ends when the driver does:
    submitit's job controller, between the two, is made to outlive its Python session and would let
    the task train to its end; it stops once the task has."""
    if driver is not None:
        # polled, not the parent-death signal: the task's parent is the controller, not the driver
        lifeline.hold(driver)
    import torch

    torch.set_num_threads(threads)
    return fn(job)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


class SlurmBackend:
    """Jobs as SLURM array tasks through submitit (``pip install 'ganbench[slurm]'``)."""

    name = "slurm"

    def __init__(self, partition: str | None = None, time_min: int | None = None, gpus_per_job: int | None = None,
                 mem_gb: float | None = None, cpus_per_job: int | None = None, sbatch: dict | None = None,
                 setup: list | None = None, executor: str | None = None, workers: int | None = None,
                 device: str = "cpu", poll_s: float | None = None):
        """``workers``: array tasks running at once (default: as many as SLURM gives); ``device``: with
        ``"cuda"``, one GPU per task unless ``gpus_per_job`` says otherwise; ``poll_s``: seconds between
        looks at the tasks (default 1 with the local executor, 15 on SLURM)."""
        _require_submitit()
        given = {"partition": partition, "time_min": time_min, "gpus_per_job": gpus_per_job, "mem_gb": mem_gb,
                 "cpus_per_job": cpus_per_job, "sbatch": sbatch, "setup": setup, "executor": executor}
        s = check_settings({k: v for k, v in given.items() if v is not None}, "slurm backend")
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
        self.executor = s.get("executor", "slurm")
        if self.executor == "slurm" and shutil.which("sbatch") is None:
            raise ValueError("the slurm backend submits with sbatch, which is not on PATH here: run ganbench on a "
                             "SLURM login node, or try the same path on this machine with executor = \"local\" in "
                             "the suite's [slurm] table")
        if workers is None and self.executor == "local":  # it would start every task at once on this machine
            workers = cpu_count()
        self.workers = workers
        s = {**DEFAULTS, "gpus_per_job": int(device == "cuda"), **s}
        self.cpus = s["cpus_per_job"]
        self.poll_s = poll_s if poll_s is not None else (1.0 if self.executor == "local" else 15.0)
        self.parameters = {"name": "ganbench", "stderr_to_stdout": True,
                           **{TO_SUBMITIT[k].format(executor=self.executor): v
                              for k, v in s.items() if k in TO_SUBMITIT}}
        if workers is not None:
            self.parameters["slurm_array_parallelism"] = workers
        self.queued_by_executor = self.executor == "slurm"  # the local executor has no queue: we hold it

    def submitit_executor(self, folder):
        """A submitit executor with this backend's settings, keeping its files in ``folder``."""
        submitit = _require_submitit()
        executor = submitit.AutoExecutor(folder=folder, cluster=self.executor)
        executor.update_parameters(**self.parameters)
        return executor

    def run(self, fn: Callable, jobs: Iterable, on_lost: Callable | None = None) -> Iterator:
        submitit = _require_submitit()
        jobs = list(jobs)
        if not jobs:
            return
        folder = RunDir(jobs[0].run_dir).logs / "submitit"
        executor = self.submitit_executor(folder)
        # on SLURM the driver is on a login node and its tasks run on with it gone (see the docs)
        driver = lifeline.this_process() if self.executor == "local" else None
        task = functools.partial(_in_task, fn, self.cpus, driver)
        waiting, pending = list(jobs), []  # pending: (submitit job, ganbench job), submitted
        if self.queued_by_executor:  # one array, SLURM runs at most array_parallelism of its tasks at once
            pending, waiting = list(zip(executor.map_array(task, waiting), waiting, strict=True)), []
        attempts = {job.key: 1 for job in jobs}
        try:
            while pending or waiting:
                # SLURM queues what it is given; the local executor would start it all at once
                while waiting and (self.queued_by_executor or len(pending) < self.workers):
                    job = waiting.pop(0)
                    pending.append((executor.submit(task, job), job))
                for item in [p for p in pending if p[0].done()]:
                    pending.remove(item)
                    sjob, job = item
                    try:
                        result = sjob.result()
                    except submitit.core.utils.FailedJobError:  # fn raised: an error, not a lost worker
                        raise
                    except submitit.core.utils.UncompletedJobError as exc:  # died, timed out, preempted
                        if attempts[job.key] < 2:
                            attempts[job.key] += 1
                            waiting.insert(0, job)  # resumes from its checkpoint
                            continue
                        if on_lost is None:
                            raise
                        yield job, on_lost(job, f"its SLURM task failed twice ({_first_line(exc)}); its logs: "
                                                f"{folder}/{sjob.job_id}_*")
                        continue
                    yield job, result
                if pending:
                    time.sleep(self.poll_s)
        finally:
            for sjob, _ in pending:  # an interrupted driver leaves nothing queued behind it
                sjob.cancel(check=False)
