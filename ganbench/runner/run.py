"""The runner: a suite -> trials -> jobs on a backend -> one TrialRecord file per trial.

A job is one program of the harness (the seeds of one task x variant, trained together). The run
directory (:class:`ganbench.records.RunDir`) is the results store: re-running on the same directory
skips every trial whose record exists with the same config hash and resumes an interrupted job from
its checkpoint, so a kill loses at most the jobs in flight. The runner trains and stores; drawing
leaderboards is the top layer's business (``ganbench.api.run_suite``, the CLI).
"""
from __future__ import annotations

import shutil
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from ganbench.harness import config_hash, failed_record, train_seeds
from ganbench.records import RunDir, TrialRecord, TrialSpec, now
from ganbench.runner.backends import get_backend
from ganbench.runner.suite import Suite, TaskPlan, load_suite
from ganbench.utils.atomic import atomic_write_json, atomic_write_text
from ganbench.utils.device import environment, resolve_device


@dataclass(frozen=True)
class Job:
    """One program: seeds ``seeds`` of ``variant`` on ``plan.name``."""

    suite: str
    plan: TaskPlan
    variant: str
    seeds: tuple[int, ...]
    device: str
    run_dir: str
    plugins: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.plan.name}/{self.variant} seeds {','.join(map(str, self.seeds))}"

    @property
    def key(self) -> str:
        """The job's checkpoint folder name (made safe by the run directory)."""
        return f"{self.plan.name}__{self.variant}__{'-'.join(map(str, self.seeds))}"


def run_job(job: Job) -> list[dict]:
    """Run one job (in this process or a worker) and return its records as dicts; never raises for a
    training failure: the trials come back as ``failed`` records with the error."""
    from ganbench.zoo import get_variant, load_plugin

    for p in job.plugins:
        load_plugin(p)
    rd = RunDir(job.run_dir)
    task = job.plan.task()
    try:
        records = train_seeds(task, job.variant, job.seeds, job.plan.budget, suite=job.suite, device=job.device,
                              checkpoint_dir=rd.checkpoint_dir(job.key), samples_dir=rd.samples)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # a crash in one job must not take the run down
        variant = get_variant(job.variant)
        err = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"
        chash = config_hash(task, variant, job.plan.budget)
        env = environment(resolve_device(job.device))
        records = [failed_record(TrialSpec(job.suite, job.plan.name, job.variant, i), task, variant, job.plan.budget,
                                 chash, env, len(job.seeds), err) for i in job.seeds]
    return [r.to_dict() for r in records]


def default_run_dir(suite: Suite) -> Path:
    return Path("runs") / f"{suite.name}-{time.strftime('%Y%m%d-%H%M%S')}"


def plan_jobs(suite: Suite, run_dir, device: str, plugins=(), max_seeds_per_job: int | None = None) -> tuple[list[Job], int]:
    """Jobs for every trial without a current record; returns (jobs, number of trials already done)."""
    from ganbench.zoo import get_variant

    rd = RunDir(run_dir)
    done, jobs = 0, []
    for plan in suite.tasks:
        task = plan.task()
        for vname in suite.variants:
            expected = config_hash(task, get_variant(vname), plan.budget)
            pending = []
            for i in suite.seeds:
                rec = rd.read_record(TrialSpec(suite.name, plan.name, vname, i).trial_id)
                if rec is not None and rec.config_hash == expected:
                    done += 1
                else:
                    pending.append(i)
            step = max_seeds_per_job or len(pending) or 1
            for k in range(0, len(pending), step):
                jobs.append(Job(suite.name, plan, vname, tuple(pending[k : k + step]), device, str(run_dir), tuple(plugins)))
    return jobs, done


def run_suite(
    suite: str | Path | Suite = "smoke",
    out: str | Path | None = None,
    *,
    seeds=None,  # override the suite's seeds (a count or a list)
    device: str | None = None,  # override the suite's device
    fresh: bool = False,  # delete earlier results in ``out`` first
    plugins=(),  # plugin files/modules registering extra losses/variants
    backend: str = "local",
    progress: bool | None = None,
) -> Path:
    """Train and evaluate every (task, variant, seed) of ``suite``; returns the run directory."""
    from tqdm.auto import tqdm

    from ganbench.zoo import load_plugin

    for p in plugins:
        load_plugin(p)
    if not isinstance(suite, Suite):
        suite = load_suite(suite)
    if seeds is not None:
        suite = suite.with_seeds(seeds)
    device = device or suite.device
    dev = resolve_device(device)
    rd = RunDir(out if out else default_run_dir(suite))
    if fresh and rd.root.exists():
        for sub in (rd.records, rd.samples, rd.checkpoints, rd.leaderboard):
            shutil.rmtree(sub, ignore_errors=True)
    rd.records.mkdir(parents=True, exist_ok=True)
    atomic_write_text(rd.suite_toml, suite.source or "")
    atomic_write_json(rd.suite_json, suite.to_dict())
    manifest = {"suite": suite.name, "started": now(), "backend": backend, "plugins": list(plugins), **environment(dev)}
    atomic_write_json(rd.manifest, manifest)

    jobs, done = plan_jobs(suite, rd.root, device, plugins)
    bar = tqdm(total=suite.n_trials, initial=done, desc=f"suite {suite.name}", unit="trial",
               disable=(not sys.stderr.isatty()) if progress is None else not progress)
    t0 = time.perf_counter()
    for job, records in get_backend(backend).run(run_job, jobs):
        for rec in records:
            rd.write_record(TrialRecord.from_dict(rec))
        shutil.rmtree(rd.checkpoint_dir(job.key), ignore_errors=True)
        bar.set_postfix_str(job.label, refresh=False)
        bar.update(len(job.seeds))
    bar.close()
    manifest.update(finished=now(), wall_s_this_invocation=round(time.perf_counter() - t0, 2))
    atomic_write_json(rd.manifest, manifest)
    return rd.root
