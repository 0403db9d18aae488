"""The runner: a suite -> trials -> jobs on a backend -> one TrialRecord file per trial.

A job is one program of the harness (the seeds of one task x variant, or of several variants
whose networks and schedules agree, trained together). The run
directory (:class:`ganbench.records.RunDir`) is the results store: re-running on the same directory
skips every trial whose record exists with the same config hash and resumes an interrupted job from
its checkpoint, so a kill loses at most the jobs in flight. The runner trains and stores; drawing
leaderboards is the top layer's business (``ganbench.api.run_suite``, the CLI).
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import os
import shutil
import socket
import sys
import time
import traceback
from pathlib import Path

from ganbench.harness import config_hash, failed_record, train_program
from ganbench.harness.budget import same_point
from ganbench.harness.reference import init_recipe, reference_hash, reference_kinds, reference_records
from ganbench.records import RunDir, TrialRecord, TrialSpec, now
from ganbench.runner.backends import get_backend
from ganbench.runner.backends.local import cpu_count
from ganbench.runner.suite import Suite, TaskPlan, load_suite
from ganbench.utils.atomic import atomic_write_json, atomic_write_text
from ganbench.utils.device import environment, resolve_device
from ganbench.utils.io import check_writable_dir


@dataclasses.dataclass(frozen=True)
class Job:
    """One training program: ``groups`` ((variant, seed indices) pairs) on ``plan.name``."""

    suite: str
    plan: TaskPlan
    groups: tuple[tuple[str, tuple[int, ...]], ...]
    device: str
    run_dir: str
    plugins: tuple[str, ...] = ()
    kind: str = "train"  # or "reference": the task's real and init rows (evaluation only)
    replanned: tuple[tuple[str, str], ...] = ()  # (trial id, why its record was not reused), for the job's log

    @property
    def n_trials(self) -> int:
        return sum(len(seeds) for _, seeds in self.groups)

    @property
    def label(self) -> str:
        return f"{self.plan.name}/" + "+".join(f"{v}[{','.join(map(str, s))}]" for v, s in self.groups)

    @property
    def key(self) -> str:
        """The job's checkpoint folder name: task, and a digest of what trains in it."""
        digest = hashlib.sha256(repr(self.groups).encode()).hexdigest()[:12]
        return f"{self.plan.name}__{digest}"

    def cost(self) -> float:
        """A rough relative cost (measured ratios on CPU: a critic step with a gradient penalty costs
        about 3 plain ones, one with spectral normalisation about 1.6 (sngan, five of them, costs 4.9
        gan-ns steps on ring8), an unrolled step (five lookahead steps on one batch) about 10 plain
        steps, and a step grows with the batch as batch^0.9 at these sizes), to balance and order
        the programs."""
        if self.kind == "reference":
            return 0.0
        v = self.plan.variant(self.groups[0][0])
        critic = (3.0 if v.reg.gp or v.reg.r1 else 1.0) * (1.6 if v.tricks.spectral_norm else 1.0)
        per_step = (v.optim.n_critic * critic + 1.0) * (1.0 + 1.8 * v.tricks.unroll)
        rule, limit = self.plan.budget.rule
        steps = limit if rule == "g_steps" else 1.0
        return self.n_trials * per_step * steps * (v.batch_size / 64) ** 0.9

    def split(self, parts: int) -> list["Job"]:
        """This program as ``parts`` programs over disjoint seeds (records are the same either way)."""
        seeds = sorted({i for _, s in self.groups for i in s})
        parts = max(1, min(parts, len(seeds)))
        chunks = [seeds[k * len(seeds) // parts:(k + 1) * len(seeds) // parts] for k in range(parts)]
        return [dataclasses.replace(self, groups=tuple((v, tuple(i for i in s if i in chunk)) for v, s in self.groups
                                                       if any(i in chunk for i in s))) for chunk in chunks]


_CONTEXTS: dict = {}  # one evaluation context per device in each process: extractors and real features


def run_job(job: Job) -> list[dict]:
    """Run one job (in this process or a worker) and return its records as dicts; never raises for a
    training failure: the trials come back as ``failed`` records with the error. Each attempt is
    appended to the job's log, ``RUN_DIR/logs/<job label>.log``: where it ran, each trial's status,
    the seconds it took, or the traceback that stopped it."""
    rd = RunDir(job.run_dir)
    with _job_log(rd.job_log(job.label), job) as log:
        mine = {TrialSpec(job.suite, job.plan.name, v, i).trial_id for v, seeds in job.groups for i in seeds}
        for trial, why in job.replanned:
            if trial in mine:  # a program split over workers logs its own trials
                log(f"{trial}: trained again: {why}")
        records = _run_job(job, rd, log)
        for r in records:
            error = r["error"].splitlines()[0] if r.get("error") else ""
            log(f"{r['trial_id']}: {r['status']} {error}".rstrip())
        return records


@contextlib.contextmanager
def _job_log(path: Path, job: Job):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", buffering=1) as f:  # line-buffered: a worker killed mid-job leaves its lines
        def log(line: str) -> None:
            f.write(f"{now()} {line}\n")

        gpus = os.environ.get("CUDA_VISIBLE_DEVICES")
        log(f"start {job.label} host={socket.gethostname()} pid={os.getpid()} device={job.device}"
            + (f" CUDA_VISIBLE_DEVICES={gpus}" if gpus is not None else ""))
        t0 = time.perf_counter()
        try:
            yield log
        except BaseException as exc:
            log(f"stopped after {time.perf_counter() - t0:.1f} s by {type(exc).__name__}: {exc}\n"
                + traceback.format_exc())
            raise
        log(f"done in {time.perf_counter() - t0:.1f} s")


def _run_job(job: Job, rd: RunDir, log) -> list[dict]:
    from ganbench.evaluation import EvalContext
    from ganbench.zoo import load_plugin

    for p in job.plugins:
        load_plugin(p)
    task = job.plan.task()
    if job.device not in _CONTEXTS:
        _CONTEXTS[job.device] = EvalContext(job.device)
    if job.kind == "reference":
        return [r.to_dict() for kind, seeds in job.groups
                for r in reference_records(task, kind, seeds, suite=job.suite, budget=job.plan.budget,
                                           device=job.device, init_variant=job.plan.variant(init_recipe(task)),
                                           eval_context=_CONTEXTS[job.device], samples_dir=rd.samples)]
    try:
        groups = [(job.plan.variant(v), seeds) for v, seeds in job.groups]
        records = train_program(task, groups, job.plan.budget, suite=job.suite, device=job.device,
                                checkpoint_dir=rd.checkpoint_dir(job.key), samples_dir=rd.samples,
                                eval_at=job.plan.grid, eval_context=_CONTEXTS[job.device])
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # a crash in one job must not take the run down
        if len(job.groups) > 1:  # one variant's crash must not take its pack-mates down: alone, each
            # trains to the very record it would have had in the pack
            log(f"the pack failed ({type(exc).__name__}: {exc}); each variant trains alone, see their logs")
            return [r for g in job.groups for r in run_job(dataclasses.replace(job, groups=(g,)))]
        records = failed_records(job, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}")
    return [r.to_dict() for r in records]


def failed_records(job: Job, error: str) -> list[TrialRecord]:
    """``failed`` records of every trial of ``job``, with ``error``."""
    task = job.plan.task()
    env = environment(resolve_device(job.device))
    out = []
    for vname, seeds in job.groups:
        if job.kind == "reference":
            out += [TrialRecord(trial_id=TrialSpec(job.suite, job.plan.name, vname, i).trial_id, suite=job.suite,
                                task=job.plan.name, variant=vname, seed_index=i, seed=0, fake_seed=0, kind=vname,
                                status="failed", error=error, env=env, created=now()) for i in seeds]
            continue
        variant = job.plan.variant(vname)
        chash = config_hash(task, variant, job.plan.budget)
        out += [failed_record(TrialSpec(job.suite, job.plan.name, vname, i), task, variant, job.plan.budget, chash, env,
                              job.n_trials, error) for i in seeds]
    return out


def default_run_dir(suite: Suite) -> Path:
    return Path("runs") / f"{suite.name}-{time.strftime('%Y%m%d-%H%M%S')}"


def balance(jobs: list[Job], workers: int, split: bool = True) -> list[Job]:
    """Split every program that costs more than half a worker's fair share into programs over
    disjoint seeds, so that the pool ends together; returned longest first. Finer is not better:
    splitting at a quarter of the share made the core suite slower on 2 workers (33.0 against
    31.2 minutes, measured), as one-seed programs lose what packing gains. Without ``split`` (on a
    GPU, where a packed step costs about what one seed's does) programs are only ordered."""
    if workers <= 1 or not jobs or not split:
        return sorted(jobs, key=lambda j: -j.cost())
    target = sum(j.cost() for j in jobs) / (2 * workers)
    out = []
    for j in jobs:
        parts = math.ceil(j.cost() / target) if target > 0 and j.kind == "train" else 1
        out += j.split(parts) if parts > 1 else [j]
    return sorted(out, key=lambda j: -j.cost())


def stale(rec: TrialRecord | None, expected: str, grid: tuple = (), retry_failed: bool = True) -> str | None:
    """Why ``rec`` cannot stand for its trial (None when it can): missing, made by another
    configuration (``expected`` config hash), ``failed`` (with ``retry_failed``), or judged at fewer
    budget points than ``grid`` asks for (the record's own budget is its last point, so an older
    record without a curve still stands for ``eval_at = "final"``)."""
    if rec is None:
        return "no record"
    if rec.config_hash != expected:
        return f"its config hash {rec.config_hash or 'none'} is not {expected}"
    if rec.status == "failed":
        return "it failed" if retry_failed else None
    judged = [v for p in rec.curve for v in p.get("budget", {}).values() if isinstance(v, (int, float))]
    missing = [p for p in grid[:-1] if not any(same_point(p, j) for j in judged)]
    return f"its curve lacks points {list(missing)}" if missing else None


def plan_jobs(suite: Suite, run_dir, device: str, plugins=(), pack: bool = True,
              retry_failed: bool = True) -> tuple[list[Job], int]:
    """Jobs for every trial without a current record; returns (jobs, number of trials already done).
    A record of a ``failed`` trial (a crash, a lost worker) is not a result: it is retried unless
    ``retry_failed`` is off; ``diverged`` records are results (the same seeds diverge again). A record
    whose curve lacks a point of its task's grid (``eval_at``) is trained again (:func:`stale`); each
    job's log says why its trials were.

    With ``pack``, the pending trials of a task whose variants agree on ``Variant.program_key`` train
    as one program (seeds and variants together); without, each variant's seeds are one program.
    Either way a trial's record is the same (``ganbench.harness.program``)."""
    rd = RunDir(run_dir)
    done, jobs = 0, []
    for plan in suite.tasks:
        task = plan.task()
        programs: dict = {}  # program key -> [(variant, seeds)]
        why: dict = {}  # program key -> [(trial id, reason)]
        grid = plan.grid
        for vname in suite.variants_of(plan):
            variant = plan.variant(vname)
            expected = config_hash(task, variant, plan.budget)
            pending = []
            key = variant.program_key() if pack else (vname,)
            for i in suite.seeds:
                tid = TrialSpec(suite.name, plan.name, vname, i).trial_id
                rec = rd.read_record(tid)
                reason = stale(rec, expected, grid, retry_failed)
                if reason is None:
                    done += 1
                else:
                    pending.append(i)
                    if rec is not None:
                        why.setdefault(key, []).append((tid, reason))
            if pending:
                programs.setdefault(key, []).append((vname, tuple(pending)))
        jobs += [Job(suite.name, plan, tuple(groups), device, str(run_dir), tuple(plugins), replanned=tuple(why.get(key, ())))
                 for key, groups in programs.items()]
        references = []  # the task's floor and ceiling rows
        for kind in reference_kinds(task):
            expected = reference_hash(task, kind, plan.variant(init_recipe(task)))
            pending = []
            for i in suite.reference_seeds:
                rec = rd.read_record(TrialSpec(suite.name, plan.name, kind, i).trial_id)
                if rec is not None and rec.config_hash == expected and (rec.status != "failed" or not retry_failed):
                    done += 1
                else:
                    pending.append(i)
            if pending:
                references.append((kind, tuple(pending)))
        if references:
            jobs.append(Job(suite.name, plan, tuple(references), device, str(run_dir), tuple(plugins), kind="reference"))
    return jobs, done


def run_suite(
    suite: str | Path | Suite = "smoke",
    out: str | Path | None = None,
    *,
    seeds=None,  # override the suite's seeds (a count or a list)
    device: str | None = None,  # override the suite's device
    fresh: bool = False,  # delete earlier results in ``out`` first
    plugins=(),  # plugin files/modules registering extra losses/variants
    backend: str = "local",  # local | dask | slurm (``ganbench.runner.backends``)
    workers: int | None = None,  # jobs at once: local processes, local Dask workers, SLURM tasks (None: the backend's)
    backend_options: dict | None = None,  # the backend's own: dask ``scheduler``; slurm ``partition``, ``time_min``..
    pack: bool = True,  # train variants whose networks and schedules agree as one program
    retry_failed: bool = True,  # retrain trials an earlier run recorded as failed
    progress: bool | None = None,
) -> Path:
    """Train and evaluate every (task, variant, seed) of ``suite``; returns the run directory."""
    from ganbench.zoo import load_plugin

    for p in plugins:
        load_plugin(p)
    if not isinstance(suite, Suite):
        suite = load_suite(suite)
    if seeds is not None:
        suite = suite.with_seeds(seeds)
    device = device or suite.device
    dev = resolve_device(device)
    # other processes (Dask workers, SLURM tasks) run the jobs: they get the paths from the job, absolute
    plugins = tuple(str(Path(p).resolve()) if p.endswith(".py") else p for p in plugins)
    options = {**suite.backend_settings(backend), **(backend_options or {}), "device": dev.type}
    if workers is not None:
        options["workers"] = workers
    engine = get_backend(backend, **options)  # bad options fail here, before the lock and any training
    rd = RunDir(check_writable_dir(out if out else default_run_dir(suite), "run directory"))
    with rd.lock():
        return _run_locked(suite, rd, device, dev, fresh, plugins, engine, options, pack, retry_failed, progress)


def _earlier_invocations(rd: RunDir, fresh: bool) -> list[dict]:
    """The manifests of the earlier invocations on this run directory, oldest first: a resume (or a
    re-run that trains nothing) must not erase which machine trained the records and how long it took."""
    if fresh or not rd.manifest.is_file():
        return []
    try:
        old = json.loads(rd.manifest.read_text())
    except (OSError, ValueError):
        return []  # an unreadable manifest is not worth failing a run for; the records carry their env
    if not isinstance(old, dict):
        return []
    earlier = old.pop("earlier_invocations", [])
    return [*(earlier if isinstance(earlier, list) else []), old]


def _run_locked(suite, rd, device, dev, fresh, plugins, engine, options, pack, retry_failed, progress) -> Path:
    from tqdm.auto import tqdm

    if fresh and rd.root.exists():
        for sub in (rd.records, rd.samples, rd.checkpoints, rd.logs, rd.leaderboard):
            shutil.rmtree(sub, ignore_errors=True)
    rd.records.mkdir(parents=True, exist_ok=True)
    atomic_write_text(rd.suite_toml, suite.source or "")
    atomic_write_json(rd.suite_json, suite.to_dict())
    jobs, done = plan_jobs(suite, rd.root.resolve(), device, plugins, pack=pack, retry_failed=retry_failed)
    # Longest first, heavy programs split by seed, so that the slots end together.
    jobs = balance(jobs, engine.workers or cpu_count(), split=dev.type != "cuda")
    workers = engine.workers if engine.workers is None else min(engine.workers, max(1, len(jobs)))
    manifest = {"suite": suite.name, "started": now(), "backend": engine.name,
                "backend_options": {k: v for k, v in options.items() if v is not None and k != "device"},
                "plugins": list(plugins), "workers": workers, "pack": pack, "programs": [j.label for j in jobs],
                **environment(dev), "earlier_invocations": _earlier_invocations(rd, fresh)}
    atomic_write_json(rd.manifest, manifest)

    bar = tqdm(total=suite.n_trials, initial=done, desc=f"suite {suite.name}", unit="trial",
               disable=(not sys.stderr.isatty()) if progress is None else not progress)
    t0 = time.perf_counter()
    lost = lambda job, why: [r.to_dict() for r in failed_records(job, f"job lost: {why}")]  # noqa: E731
    for job, records in engine.run(run_job, jobs, on_lost=lost):
        for rec in records:
            rd.write_record(TrialRecord.from_dict(rec))
        shutil.rmtree(rd.checkpoint_dir(job.key), ignore_errors=True)
        bar.set_postfix_str(job.label, refresh=False)
        bar.update(job.n_trials)
    bar.close()
    manifest.update(finished=now(), wall_s_this_invocation=round(time.perf_counter() - t0, 2))
    atomic_write_json(rd.manifest, manifest)
    return rd.root
