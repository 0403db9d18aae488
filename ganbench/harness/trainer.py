"""One program of trials: build, train under a budget, sample, evaluate, record.

The trials of a program (seeds of one variant, or of several variants whose networks and schedules
agree, see ``ganbench.harness.program``) train together as one seed-batched network: every trial
has its own init, data and noise streams and every op is per seed, so a trial's record does not
depend, bit for bit, on what shares its program, and S trials cost little more than one.

``train_program`` reads top to bottom in phases: build the program, resume from a checkpoint, train
until the budget is spent, judging every trial at each point of its budget grid on the way (nested
budgets), keep the final samples for plots, make the records.

Nested budgets: a point of the grid is judged by :func:`judge_program`, the same function that judges the end
of the budget, right after the step that reaches it and before anything else (a checkpoint included),
so a point's status and values are exactly those of a trial trained to that budget, and a checkpoint
never holds a passed point that was not judged. Judging does not perturb training: it reads G (and
its average) in eval mode under ``torch.no_grad`` (BatchNorm running statistics, spectral-norm vectors
and a style-based G's ``w_avg`` only move in training mode), never runs D, touches no training
stream, draws its latents from each trial's own seeded streams (``eval``, ``select``, ``ppl``), and runs
under ``torch.random.fork_rng`` so that even code drawing from the global RNG (feature extractors
built on first use, a plugin's network) leaves training's global RNG state as it was. What depends on
the whole budget by construction is not nested: the loss history (``HISTORY_POINTS`` samples spread
over the whole budget) and a ``seconds`` budget (the same steps take another time on every run; its
grid is its end alone).
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import torch

from ganbench.evaluation import EvalContext, evaluate_task
from ganbench.harness.budget import FINAL, Budget, budget_grid, point_done, same_point
from ganbench.harness.checkpoint import CorruptCheckpoint, load_checkpoint, save_checkpoint
from ganbench.harness.encoders import encoder_stats, reconstructions
from ganbench.harness.encoders import protocol as encoder_protocol
from ganbench.harness.flops import measure_flops
from ganbench.harness.identity import code_summary, extractor_key, register_roots, trial_code
from ganbench.harness.latent_paths import path_length_stats
from ganbench.harness.latent_paths import protocol as path_length_protocol
from ganbench.harness.program import Group, build_program, check_groups, load_program_state, program_id, program_state
from ganbench.metrics.registry import value_info
from ganbench.records import REAL_EVAL_SEED, TrialRecord, TrialSpec, now
from ganbench.records.trial import derive_seed
from ganbench.tasks import Task, get_task
from ganbench.tasks.digits import PATH_LENGTH
from ganbench.utils.atomic import atomic_save_npy
from ganbench.utils.code import fingerprint
from ganbench.utils.device import deterministic_algorithms, environment, resolve_device
from ganbench.utils.faults import fault_point
from ganbench.zoo import Variant, get_variant
from ganbench.zoo.steps import growth_stage_now

HISTORY_POINTS = 200  # loss samples kept per trial for curves
CHECKPOINT_EVERY_S = 30.0
SAMPLE_CHUNK = 8192


def config_hash(task: Task, variant: Variant, budget: Budget) -> str:
    """Hash of everything that decides a trial's result besides its seed: the task's data and
    protocol, the variant's recipe, the budget and the code that trains and judges the trial
    (``ganbench.harness.identity``: editing one line of a loss re-plans the trials that use it)."""
    key = {"data": task.cache_key(), "protocol": task.protocol.to_dict(), "variant": variant.config_hash(),
           "budget": budget.to_dict(), "code": fingerprint(trial_code(task, variant)), **extractor_key(task)}
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass
class _Progress:
    """What a program has done so far (checkpointed as JSON)."""

    spent: dict = field(default_factory=lambda: {"g_steps": 0, "d_steps": 0, "kimg": 0.0, "wall_s": 0.0, "gflops": 0.0})
    status: dict = field(default_factory=dict)  # trial id -> {"status", "error", "failed_step"}
    history: dict = field(default_factory=dict)  # {"step": [...], "d_loss": [[...] per trial], "g_loss": ...}
    flops_per_step: float | None = None  # per trial
    notes: list = field(default_factory=list)  # what happened that a reader should know (a lost checkpoint)
    flops_stage: list | None = None  # the growth stage flops_per_step was measured at (growing networks)
    # The budget points judged so far, in order: {"budget": point, "spent": {...}, "trials": {trial id:
    # the trial's point}}; and per trial the protocol its latest judging recorded.
    points: list = field(default_factory=list)
    protocol: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"spent": self.spent, "status": self.status, "history": self.history,
                "flops_per_step": self.flops_per_step, "notes": self.notes, "flops_stage": self.flops_stage,
                "points": self.points, "protocol": self.protocol}

    def judged(self, point: float) -> bool:
        return any(same_point(p["budget"], point) for p in self.points)


def _growth_stage_ahead(ctx) -> list | None:
    """[level, fading] of the step about to run, for a growing program (ProGAN); None otherwise. A
    step's cost changes with the stage (and a fade-in runs both resolutions' branches), so the
    FLOPs per step are measured again whenever it changes."""
    stage = growth_stage_now(ctx)
    return None if stage is None else [stage[0], 0 < stage[1] < 1]


@torch.no_grad()
def generate(g, z_dim, n, eval_gens, device, labels: torch.Tensor | None = None) -> torch.Tensor:
    """``n`` samples per seed from G in eval mode (BatchNorm running statistics), (S, n, ...) on CPU.
    A conditional G (``n_classes``) generates sample i for class ``labels[i]`` (the same for every seed)."""
    was_training = g.training
    g.eval()
    if getattr(g, "n_classes", 0) and labels is None:
        raise ValueError("a conditional generator needs the labels to generate for (task.eval_labels(n))")
    try:
        out = []
        for s in range(0, n, SAMPLE_CHUNK):
            m = min(SAMPLE_CHUNK, n - s)
            z = torch.stack([torch.randn(m, z_dim, generator=e) for e in eval_gens]).to(device)
            if getattr(g, "n_classes", 0):
                y = labels[s : s + m].to(device).expand(len(eval_gens), m)
                out.append(g(z, y).float().cpu())
            else:
                out.append(g(z).float().cpu())
        return torch.cat(out, 1)
    finally:
        g.train(was_training)


@torch.no_grad()
def translate(g, inputs: torch.Tensor, n_seeds: int, device) -> torch.Tensor:
    """Every seed's translations of ``inputs`` (N, C, H, W) by G in eval mode, (S, N, ...) on CPU."""
    was_training = g.training
    g.eval()
    try:
        return torch.cat([g(inputs[s : s + SAMPLE_CHUNK].to(device).expand(n_seeds, -1, -1, -1, -1)).float().cpu()
                          for s in range(0, len(inputs), SAMPLE_CHUNK)], 1)
    finally:
        g.train(was_training)


def outputs(g, z_dim: int, task: Task, specs, stream: str = "eval") -> torch.Tensor:
    """What the trials of a program are judged on, (S, n, ...) on CPU: samples from each trial's
    ``stream`` (``eval``; ``select`` for the selection reference), or for a translation task the
    translations of its test inputs."""
    dev = next(g.parameters()).device
    if getattr(task, "kind", "") == "translation":
        return translate(g, task.inputs(), len(specs), dev)
    eval_gens = [torch.Generator().manual_seed(s.stream(stream)) for s in specs]
    n = task.protocol.n_fake
    return generate(g, z_dim, n, eval_gens, dev, task.eval_labels(n) if hasattr(task, "eval_labels") else None)


@torch.no_grad()
def cycle_errors(task: Task, g, translated: torch.Tensor) -> list[dict]:
    """A CycleGAN's cycle-consistency error on the test inputs, per seed: mean |F(G(a)) - a| (Zhu et
    al. 2017, Eq. 2, the forward cycle), in pixel units of [-1, 1] images."""
    dev = next(g.parameters()).device
    was_training = g.training
    g.eval()
    try:
        back = g.ba(translated.to(dev)).float().cpu()
    finally:
        g.train(was_training)
    a = task.inputs()[None]
    # per seed in float64: one long reduction rounds differently from one per row of a batch of seeds
    return [{"cycle_error": float((b - a[0]).double().abs().mean())} for b in back]


def _train(program, budget: Budget, prog: _Progress, *, points, judge, label: str, progress, checkpoint,
           stop_after_steps) -> None:
    """Run steps until the budget is spent or every trial diverged, judging each point of ``points``
    (``judge(points)``) right after the step that reaches it and checkpointing then (so that a kill
    never loses a passed point), and every so often besides. Points the run never reached (every trial
    diverged) are judged at its end."""
    from tqdm.auto import tqdm

    ctx, step_fn, specs = program.ctx, program.step_fn, program.specs
    spent, status, history = prog.spent, prog.status, prog.history
    rule, limit = budget.rule
    total = int(limit) if rule == "g_steps" else None
    bar = tqdm(total=total, initial=spent["g_steps"] if total else 0, desc=label, leave=False, unit="step",
               disable=(not sys.stderr.isatty()) if progress is None else not progress)
    log_every = max(1, int(limit) // HISTORY_POINTS) if rule == "g_steps" else 10
    last_ckpt, steps_this_run = time.perf_counter(), 0
    pending = [p for p in points if not prog.judged(p)]
    try:
        while not budget.done(spent) and any(v["status"] == "ok" for v in status.values()):
            t0, shown0 = time.perf_counter(), ctx.real_shown
            stage = _growth_stage_ahead(ctx)
            if prog.flops_per_step is None or stage != prog.flops_stage:
                losses, flops = measure_flops(step_fn, ctx)
                prog.flops_per_step, prog.flops_stage = flops / len(specs), stage
            else:
                losses = step_fn(ctx)
            program.update_ema()
            spent["wall_s"] += time.perf_counter() - t0
            spent["g_steps"] += 1
            spent["d_steps"] += ctx.variant.optim.n_critic
            spent["kimg"] += (ctx.real_shown - shown0) / 1000.0
            spent["gflops"] += prog.flops_per_step / 1e9
            steps_this_run += 1
            fault_point("step")  # testing aid (GANBENCH_FAULT): a kill mid-training
            dl, gl = losses["d_loss"].detach(), losses["g_loss"].detach()
            bad = ~(torch.isfinite(dl) & torch.isfinite(gl))
            if bool(bad.any()):  # a non-finite loss ends that trial, not the program
                for i in bad.nonzero().flatten().tolist():
                    st = status[specs[i].trial_id]
                    if st["status"] == "ok":
                        st.update(status="diverged", failed_step=spent["g_steps"],
                                  error=f"non-finite loss at generator step {spent['g_steps']}: "
                                        f"d_loss={float(dl[i])}, g_loss={float(gl[i])}")
            if spent["g_steps"] % log_every == 0 or spent["g_steps"] == 1:
                history["step"].append(spent["g_steps"])
                for i, (a, b) in enumerate(zip(dl.double().cpu().tolist(), gl.double().cpu().tolist())):
                    history["d_loss"][i].append(a)
                    history["g_loss"][i].append(b)
            bar.update(1 if total else 0)
            if spent["g_steps"] % 50 == 0 and not bar.disable:
                bar.set_postfix(d=f"{float(dl.mean()):.3f}", g=f"{float(gl.mean()):.3f}", refresh=False)
            due = [p for p in pending if point_done(budget, p, spent)]
            if due:  # judged before anything else happens to the program: the state a shorter budget ends in
                judge(due)
                pending = pending[len(due):]
            if checkpoint is not None and (due or time.perf_counter() - last_ckpt > CHECKPOINT_EVERY_S):
                checkpoint(prog)
                last_ckpt = time.perf_counter()
            if stop_after_steps is not None and steps_this_run >= stop_after_steps:
                if checkpoint is not None:
                    checkpoint(prog)
                raise KeyboardInterrupt(f"stopped after {steps_this_run} steps (stop_after_steps)")
    finally:
        bar.close()
    if pending:  # every trial diverged before these points: a shorter budget would have stopped here too
        judge(pending)
    if checkpoint is not None:  # the finished state, so that a crash before the records are saved does not retrain
        checkpoint(prog)


def train_program(
    task: str | Task,
    groups: Sequence[Group] | Sequence[tuple],
    budget: Budget | dict | str,
    *,
    suite: str = "adhoc",  # part of the seed derivation (see ganbench.records.trial)
    device: str = "auto",  # auto: CUDA when present
    deterministic: bool = True,  # deterministic algorithms on GPU (always deterministic on CPU)
    checkpoint_dir: str | os.PathLike | None = None,  # where to checkpoint and resume; None: no checkpoints
    samples_dir: str | os.PathLike | None = None,  # keep each trial's first samples (<trial_id>.npy) for plots
    progress: bool | None = None,  # tqdm bar; None: only on a terminal
    evaluate: bool = True,  # judge the trials (at every point of eval_at); False: train only
    eval_at=FINAL,  # the budget points to judge at: "final", "default" (default_grid) or a list (budget_grid)
    eval_context: EvalContext | None = None,  # shared extractors and real features (default: one for `device`)
    stop_after_steps: int | None = None,  # testing aid: simulate a kill after this many steps (raises)
) -> list[TrialRecord]:
    """Train the trials of ``groups`` (``Group(variant, seed_indices)`` or ``(variant, seeds)`` pairs)
    on ``task`` as one program and return one record per trial, in group then seed order. Each
    record's ``curve`` holds its judgement at every point of ``eval_at`` (nested budgets: a point's
    status and values are those of the trial trained to that budget), the budget itself last."""
    task = get_task(task) if isinstance(task, str) else task
    groups = [g if isinstance(g, Group) else
              Group(get_variant(g[0]) if isinstance(g[0], str) else g[0], tuple(int(i) for i in g[1])) for g in groups]
    budget = Budget.parse(budget)
    points = budget_grid(budget, eval_at) if evaluate else ()
    check_groups(groups)
    dev = resolve_device(device)
    context = eval_context or EvalContext(dev)
    hashes = {g.variant.name: config_hash(task, g.variant, budget) for g in groups}
    pid = program_id(task, groups, suite)
    with deterministic_algorithms(dev, deterministic):
        env = environment(dev)

        # Build: each seed's parameters from its own init stream.
        try:
            prog = build_program(task, groups, suite, dev)
        except ValueError:
            raise
        except Exception as exc:  # a plugin's network or loss that cannot be built: failed records, not a crash
            n = sum(len(g.seed_indices) for g in groups)
            return [failed_record(TrialSpec(suite, task.name, g.variant.name, i), task, g.variant, budget,
                                  hashes[g.variant.name], env, n, f"build failed: {exc!r}")
                    for g in groups for i in g.seed_indices]
        specs = prog.specs
        fresh = lambda: _Progress(  # noqa: E731
            status={s.trial_id: {"status": "ok", "error": "", "failed_step": None} for s in specs},
            history={"step": [], "d_loss": [[] for _ in specs], "g_loss": [[] for _ in specs]})
        state = fresh()

        # Resume: a checkpoint of this very program (same configurations, seeds and suite). The grid is
        # not part of its key (it does not change training); a checkpoint that passed a point of this
        # grid without judging it (made for another grid) cannot give that point and is not used.
        checkpoint = None
        if checkpoint_dir is not None:
            path = Path(checkpoint_dir) / f"{pid}.ckpt"
            key = json.dumps({"configs": hashes, "seeds": [g.seed_indices for g in groups], "suite": suite})
            try:
                saved = load_checkpoint(path, key)
                if saved is not None:
                    load_program_state(prog, saved[0])
                    state = _Progress(**saved[1])
                    missed = [p for p in points if not state.judged(p) and point_done(budget, p, state.spent)]
                    if missed:
                        raise ValueError(f"it passed the budget points {[float(p) for p in missed]} without judging "
                                         "them (made with another eval_at)")
            except (CorruptCheckpoint, RuntimeError, KeyError, ValueError, TypeError) as exc:
                note = f"checkpoint {path.name} could not be used ({exc}); trained again from the start"
                warnings.warn(note, stacklevel=2)
                path.unlink(missing_ok=True)
                prog = build_program(task, groups, suite, dev)
                state = fresh()
                state.notes.append(note)
            checkpoint = lambda st: save_checkpoint(path, key, program_state(prog), st.to_dict())  # noqa: E731

        # Train until the budget is spent, judging every trial at each point of the grid on the way.
        final = {}  # the ranked samples of the end of the budget, when judged in this process (plots)

        def judge_points(due):
            fault_point("evaluate")  # testing aid (GANBENCH_FAULT): a kill before a point is judged
            judged, protocols, fakes = judge_program(prog, task, state.status, state.spent, context)
            for p in due:
                state.points.append({"budget": p, "spent": dict(state.spent),
                                     "trials": {s.trial_id: dict(j) for s, j in zip(specs, judged)}})
            state.protocol.update({s.trial_id: pr for s, pr in zip(specs, protocols)})
            if same_point(due[-1], budget.rule[1]):
                final["fakes"] = fakes

        label = f"{task.name}/{'+'.join(g.variant.name for g in groups)} x{len(specs)}"
        _train(prog, budget, state, points=points, judge=judge_points, label=label, progress=progress,
               checkpoint=checkpoint, stop_after_steps=stop_after_steps)

        # Plots: the final samples, a style-based G's style-mixing grid, an encoder's reconstructions.
        if samples_dir is not None and evaluate:
            fakes = final.get("fakes")
            if fakes is None:  # resumed after the end was judged: the same samples again
                with torch.random.fork_rng(devices=_rng_devices(dev)):
                    fakes = outputs(judged_g(prog), prog.ctx.z_dim, task, specs)
            _keep_plots(Path(samples_dir), prog, task, fakes, dev)

        # Records: each trial's last point is its own budget's judgement.
        records = []
        # What ran: the program (its id, size and variants) and how (eager PyTorch ops: no
        # torch.compile, no CUDA graphs; the device and precision flags are in ``env``).
        pack = {"id": pid, "size": len(specs), "variants": [g.variant.name for g in groups], "engine": "eager"}
        unit = budget.rule[0]
        for i, (s, v) in enumerate(zip(specs, prog.variants)):
            rec = _trial_record(s, task, v, budget, hashes[v.name], env, state, i, len(specs))
            rec.pack = pack
            if state.points:
                rec.curve = [{"budget": {unit: p["budget"]}, "spent": p["spent"], **p["trials"][s.trial_id]}
                             for p in state.points]
                last = rec.curve[-1]
                rec.status, rec.error, rec.failed_step = last["status"], last["error"], last["failed_step"]
                rec.metrics, rec.metrics_raw = dict(last["metrics"]), dict(last["metrics_raw"])
                rec.protocol = dict(state.protocol[s.trial_id])
                rec.eval_wall_s = sum(p["eval_wall_s"] for p in rec.curve)
            records.append(rec)
    # The checkpoint stays until the caller has saved the records (the runner removes it then).
    return records


def _rng_devices(dev: torch.device) -> list[int]:
    """The CUDA devices whose global RNG ``torch.random.fork_rng`` saves and restores around judging."""
    if dev.type != "cuda":
        return []
    return [dev.index if dev.index is not None else torch.cuda.current_device()]


def _keep_plots(folder: Path, prog, task: Task, fakes: torch.Tensor, dev) -> None:
    """Each trial's first samples, and for a style-based G its style-mixing grid, for an encoder its
    reconstructions: the leaderboard's figures (the end of the budget only)."""
    specs = prog.specs
    with torch.random.fork_rng(devices=_rng_devices(dev)):
        mixing = style_mixing_grids(judged_g(prog), specs)
        recon = None
        if prog.ctx.e is not None:
            recon = reconstructions(task, prog.ctx.e, prog.ctx.g, len(specs), dev,
                                    RECON_SHOWN_IMAGES if task.is_image else RECON_SHOWN_POINTS)
    for i, s in enumerate(specs):
        keep_samples(folder / f"{s.trial_id}.npy", task, fakes[i])
        if mixing is not None:
            atomic_save_npy(folder / f"{s.trial_id}.mixing.npy", mixing[i].float().cpu().numpy())
        if recon is not None:  # (2, n, *shape): the inputs, then this trial's reconstructions
            atomic_save_npy(folder / f"{s.trial_id}.recon.npy", torch.stack([recon[0], recon[1][i]]).numpy())


SELECT_REAL_SEED = derive_seed(REAL_EVAL_SEED, "select")  # the selection reference's real draws (synthetic tasks)


@torch.no_grad()
def judge_program(prog, task: Task, status: dict, spent: dict, context: EvalContext, *, select: bool = True):
    """Judge every trial of program ``prog`` as it stands, by ``task``'s full protocol: samples from each
    trial's evaluation stream for the raw G and for its average, their metrics (``evaluate_samples``),
    and what the program adds (an encoder's numbers, a CycleGAN's cycle error, the path length, a
    style-based G's truncation curve); with ``select``, the task's headline on the selection reference
    (:meth:`ganbench.tasks.task.Task.selection_reference`: another real set, samples from each trial's
    ``select`` stream), for picking a trial's best budget point without looking at its reported numbers.

    ``status``: the training status per trial id (a diverged trial is not judged); ``spent``: the budget
    spent so far. Returns, per trial, its point ({"status", "failed_step", "error", "metrics",
    "metrics_raw", "selection", "eval_wall_s"}: its share of the program's judging seconds) and its
    protocol, and the ranked samples (S, n, ...) (None when no trial is ok). Nothing here changes the
    program's training state (see the module's docstring)."""
    t0 = time.perf_counter()
    specs, dev = prog.specs, prog.ctx.device
    base = {**task.protocol.to_dict(), "task": task.name}
    judged = [{"status": status[s.trial_id]["status"], "failed_step": status[s.trial_id]["failed_step"],
               "error": status[s.trial_id]["error"], "metrics": {}, "metrics_raw": {}, "selection": {}}
              for s in specs]
    protocols = [dict(base) for _ in specs]
    fakes = None
    if any(j["status"] == "ok" for j in judged):
        with torch.random.fork_rng(devices=_rng_devices(dev)):
            fakes = _judge_alive(prog, task, specs, spent, context, judged, protocols, select)
    share = (time.perf_counter() - t0) / len(specs)
    for j in judged:
        j["eval_wall_s"] = share
    return judged, protocols, fakes


def _judge_alive(prog, task, specs, spent, context, judged, protocols, select) -> torch.Tensor:
    dev = prog.ctx.device
    g = judged_g(prog)
    # The same latents for G and its average (each trial's ``eval`` stream), or the test inputs translated.
    raw = outputs(prog.ctx.g, prog.ctx.z_dim, task, specs)
    fakes = outputs(prog.g_ema, prog.ctx.z_dim, task, specs) if prog.g_ema is not None else raw
    # ``extra``: per trial, the values beyond the samples' own, with ``extra_protocol`` saying how.
    extra, extra_protocol = None, {}
    if prog.ctx.e is not None:  # an inference program: judge its encoder too
        extra = encoder_stats(task, prog.ctx.e, prog.ctx.g, prog.ctx.z_dim, len(specs), dev,
                              context.extractor(task.protocol.extractor) if task.is_image else None)
        extra_protocol = {"encoder": encoder_protocol(task)}
    elif prog.variants[0].family.translation == "cyclegan":  # and a CycleGAN its way back
        extra = cycle_errors(task, prog.ctx.g, raw)
    elif PATH_LENGTH in task.protocol.metrics:  # the judged generator's latent-space smoothness
        extra = path_length_stats(g, prog.ctx.z_dim, specs, context.extractor(task.protocol.extractor))
        extra_protocol = {"path_length": path_length_protocol(task.protocol.extractor)}
    # A style-based G's FID against truncation (Karras et al. 2019, Sec. 3.1 / Fig. 8).
    curve = truncation_curve(g, prog.ctx.z_dim, task, specs, context)
    selection, selection_protocol = (_selection(g, prog.ctx.z_dim, task, specs, context, judged) if select
                                     else ([{} for _ in specs], {}))
    for i, (s, v) in enumerate(zip(specs, prog.variants)):
        if judged[i]["status"] != "ok":
            continue
        rec = TrialRecord(trial_id=s.trial_id, suite=s.suite, task=task.name, variant=v.name,
                          seed_index=s.seed_index, seed=s.seed, fake_seed=s.stream("eval"), spent=dict(spent),
                          protocol=dict(protocols[i]))
        if prog.g_ema is not None:  # both numbers are kept; the average's are ranked
            raw_rec = copy.copy(rec)
            evaluate_samples(raw_rec, task, raw[i], context)
            judged[i]["metrics_raw"] = raw_rec.metrics
        evaluate_samples(rec, task, fakes[i], context)
        if rec.protocol.get("task"):
            rec.protocol["generator"] = f"ema({v.tricks.ema:g})" if prog.g_ema is not None else "raw"
        if extra is not None and rec.status == "ok":
            rec.metrics.update(extra[i])
            rec.protocol.update(extra_protocol)
        if curve is not None and rec.status == "ok":
            rec.metrics.update(curve[i])
            rec.protocol["truncation_curve"] = {"psi": list(TRUNCATION_PSI), "towards": "w_avg", "metric": "fid"}
        if selection_protocol:
            rec.protocol["selection"] = selection_protocol
        judged[i].update(status=rec.status, failed_step=rec.failed_step, error=rec.error, metrics=rec.metrics,
                         selection=selection[i] if rec.status == "ok" else {})
        protocols[i] = rec.protocol
    return fakes


def _selection(g, z_dim: int, task: Task, specs, context: EvalContext, judged) -> tuple[list[dict], dict]:
    """Per trial, the task's headline on its selection reference ({headline: value}; empty where the
    task has none or the samples cannot be judged), and the protocol entry that says how."""
    headline = task.protocol.headline
    reference, what = task.selection_reference()
    source = value_info(headline).source
    if reference is not None and source not in task.protocol.metrics:
        reference, what = None, f"the protocol does not compute its headline {headline!r} (metric {source!r})"
    if reference is None:
        return [{} for _ in specs], {"headline": headline, "none": what}
    x = outputs(g, z_dim, reference, specs, stream="select")
    out = []
    for i in range(len(specs)):
        value = {}
        if judged[i]["status"] == "ok" and bool(torch.isfinite(x[i]).all()):
            try:
                res = evaluate_task(reference, x[i].clamp(-1, 1) if task.is_image else x[i],
                                    real_seed=SELECT_REAL_SEED, context=context, only=(source,))
                value = {headline: float(res.values[headline])}
            except Exception:  # the point's own evaluation records what went wrong; selection stays empty
                value = {}
        out.append(value)
    return out, {"headline": headline, "reference": what, "real_seed": SELECT_REAL_SEED,
                 "fakes": "n_fake samples from the trial's 'select' stream", "generator": "the ranked one"}


def train_seeds(task, variant, seed_indices: Sequence[int], budget, **kwargs) -> list[TrialRecord]:
    """Train seeds ``seed_indices`` of ``variant`` on ``task`` as one program and return one record
    per seed; the options are :func:`train_program`'s."""
    variant = get_variant(variant) if isinstance(variant, str) else variant
    seed_indices = tuple(int(i) for i in seed_indices)
    if not seed_indices or len(set(seed_indices)) != len(seed_indices):
        raise ValueError(f"seed_indices must be distinct integers, got {list(seed_indices)}")
    return train_program(task, [Group(variant, seed_indices)], budget, **kwargs)


def _trial_record(spec, task, variant, budget, chash, env, prog: _Progress, i: int, n: int) -> TrialRecord:
    st = prog.status[spec.trial_id]
    # wall_s: the program's training seconds (what a ``seconds`` budget counts); the trial's share too.
    spent = {**prog.spent, "wall_s_per_trial": prog.spent["wall_s"] / n}
    h = prog.history
    return TrialRecord(
        trial_id=spec.trial_id, suite=spec.suite, task=task.name, variant=variant.name, seed_index=spec.seed_index,
        seed=spec.seed, fake_seed=spec.stream("eval"), status=st["status"], error=st["error"],
        failed_step=st["failed_step"], budget=budget.to_dict(), spent=spent, env=env, config_hash=chash,
        code=code_summary(trial_code(task, variant)), variant_config=variant.to_dict(), seeds_in_batch=n,
        history={"step": h["step"], "d_loss": h["d_loss"][i], "g_loss": h["g_loss"][i]}, notes=list(prog.notes),
        created=now(),
        protocol={**task.protocol.to_dict(), "task": task.name},
    )


def evaluate_samples(rec: TrialRecord, task: Task, fake: torch.Tensor, context: EvalContext) -> None:
    """Metrics of one trial's samples into its record; a failure is recorded, never raised."""
    t0 = time.perf_counter()
    try:
        if not torch.isfinite(fake).all():
            rec.status, rec.failed_step = "diverged", rec.spent["g_steps"]
            rec.error = "generator produced NaN/Inf samples"
        else:
            res = evaluate_task(task, fake.clamp(-1, 1) if task.is_image else fake, real_seed=REAL_EVAL_SEED,
                                context=context)
            rec.metrics = {k: float(v) for k, v in res.values.items()}
            rec.protocol = {**res.protocol, "fake_seed": rec.fake_seed}
    except Exception as exc:  # evaluation must not lose the trial: record the failure
        rec.status, rec.error = "failed", f"evaluation failed: {exc!r}\n{traceback.format_exc(limit=3)}"
    rec.eval_wall_s = time.perf_counter() - t0


MIXING_SOURCES = 4  # rows and columns of a style-mixing grid
TRUNCATION_PSI = (0.5, 0.7)  # the points of the FID-against-truncation curve besides the protocol's own ψ


def judged_g(prog):
    """The generator a program's trials are judged on: its average when it keeps one."""
    return prog.g_ema if prog.g_ema is not None else prog.ctx.g


def truncation_curve(g, z_dim: int, task: Task, specs, context: EvalContext) -> list[dict] | None:
    """Per trial, ``fid_psi<ψ>`` at each ψ of ``TRUNCATION_PSI``: the FID of samples from the same
    evaluation latents truncated towards w_avg (the protocol's own ψ, default 1, is ``fid``); None for
    generators without truncation."""
    from ganbench.zoo.style import LatentStyleGenerator

    if not isinstance(g, LatentStyleGenerator) or "fid" not in task.protocol.metrics:
        return None
    own, out = g.truncation_psi, [{} for _ in specs]
    try:
        for psi in TRUNCATION_PSI:
            g.truncation_psi = psi
            x = outputs(g, z_dim, task, specs)
            for i in range(len(specs)):
                res = evaluate_task(task, x[i].clamp(-1, 1), real_seed=REAL_EVAL_SEED, context=context, only=("fid",))
                out[i][f"fid_psi{psi:g}"] = float(res.values["fid"])
    finally:
        g.truncation_psi = own
    return out


def style_mixing_grids(g, specs) -> torch.Tensor | None:
    """Per trial, the style-mixing grid (Karras et al. 2019, Fig. 3) of a style-based generator, (S, 5, 5,
    C, H, W): coarse styles (the layers below num_ws / 2: 4x4 and 8x8 at 32x32) from the row sources,
    the others from the column sources, latents from each trial's evaluation seed; None for other G."""
    from ganbench.zoo.style import LatentStyleGenerator

    if not isinstance(g, LatentStyleGenerator):
        return None
    dev = next(g.parameters()).device
    gens = [torch.Generator().manual_seed(derive_seed(s.stream("eval"), "mixing")) for s in specs]
    lat = torch.stack([torch.randn(2 * MIXING_SOURCES, g.latent_dim, generator=q) for q in gens]).to(dev)
    return g.mixing_grid(lat[:, :MIXING_SOURCES], lat[:, MIXING_SOURCES:], g.g.num_ws // 2)


RECON_SHOWN_IMAGES, RECON_SHOWN_POINTS = 12, 300  # reconstructions kept for the leaderboard's figure


def keep_samples(path: Path, task: Task, fake: torch.Tensor) -> None:
    rows = 8 * max(8, getattr(task, "n_classes", 0))  # an 8x8 grid, or 8 rows of every class
    keep = fake[:rows] if task.is_image else fake[:2500, :2]  # enough for a grid or a scatter
    atomic_save_npy(path, keep.float().numpy())


def failed_record(spec: TrialSpec, task, variant, budget, chash, env, n, error) -> TrialRecord:
    """The record of a trial that could not be trained: status ``failed`` with the error."""
    return TrialRecord(trial_id=spec.trial_id, suite=spec.suite, task=task.name, variant=variant.name,
                       seed_index=spec.seed_index, seed=spec.seed, fake_seed=spec.stream("eval"),
                       status="failed", error=error, budget=budget.to_dict(), env=env, config_hash=chash,
                       code=code_summary(trial_code(task, variant)), variant_config=variant.to_dict(),
                       seeds_in_batch=n, created=now(),
                       protocol={**task.protocol.to_dict(), "task": task.name})


def train_trial(task, variant, seed: int, budget, **kwargs) -> TrialRecord:
    """Train one seed (index ``seed``) of ``variant`` on ``task`` under ``budget``; see :func:`train_seeds`."""
    return train_seeds(task, variant, [seed], budget, **kwargs)[0]

register_roots("trial", train_program)  # what every trial's code identity is walked from
