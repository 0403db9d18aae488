"""One trial (or a batch of seeds of one trial): build, train under a budget, sample, evaluate, record.

Seeds of the same (task, variant) train together as one seed-batched network (see
``ganbench.zoo.layers``): every seed has its own init, data and noise streams, so its result does
not depend on which seeds share the batch, and S seeds cost little more than one.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

from ganbench.data import Task, get_task
from ganbench.harness.budget import Budget
from ganbench.harness.record import TrialRecord, environment, now
from ganbench.harness.seeds import REAL_EVAL_SEED, derive_seed, stream_seed
from ganbench.utils.atomic import atomic_save_npy, atomic_torch_save
from ganbench.zoo import STEPS, Variant, build_networks, get_loss, get_variant

HISTORY_POINTS = 200  # loss samples kept per trial for curves
CHECKPOINT_EVERY_S = 30.0
SAMPLE_CHUNK = 8192


@dataclass
class StepContext:
    """What a step function sees (see ``ganbench.zoo.steps``)."""

    g: torch.nn.Module
    d: torch.nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    variant: Variant
    loss: object
    task: Task
    z_dim: int
    device: torch.device
    data_gens: list
    noise_gens: list
    real_shown: int = 0  # real samples drawn per seed

    def real(self) -> torch.Tensor:
        b = self.variant.batch_size
        self.real_shown += b
        return torch.stack([self.task.sample(b, g) for g in self.data_gens]).to(self.device)

    def noise(self) -> torch.Tensor:
        b = self.variant.batch_size
        return torch.stack([torch.randn(b, self.z_dim, generator=g) for g in self.noise_gens]).to(self.device)

    def uniform(self, shape) -> torch.Tensor:
        return torch.stack([torch.rand(shape, generator=g) for g in self.noise_gens]).to(self.device)


@dataclass
class TrialSpec:
    suite: str
    task: str
    variant: str
    seed_index: int
    seed: int = field(init=False)

    def __post_init__(self):
        self.seed = derive_seed(self.suite, self.task, self.variant, self.seed_index)

    @property
    def trial_id(self) -> str:
        return f"{self.task}__{self.variant}__s{self.seed_index}"


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but CUDA is not available; use --device cpu")
    return dev


def config_hash(task: Task, variant: Variant, budget: Budget) -> str:
    key = {"data": task.cache_key(), "protocol": task.protocol.to_dict(), "variant": variant.config_hash(),
           "budget": budget.to_dict()}
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _optimizer(params, v: Variant, lr: float):
    if v.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    return torch.optim.Adam(params, lr=lr, betas=v.betas)


class _FlopCount(TorchDispatchMode):
    """Counts FLOPs of every dispatched op with PyTorch's own formulas (``torch.utils.flop_counter``:
    matrix products and convolutions, forward and backward). ``FlopCounterMode`` itself cannot be
    used: its module tracker breaks ``autograd.grad`` on leaves, which gradient penalties need."""

    def __init__(self):
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.total += int(formula(*args, **kwargs, out_val=out))
        return out


def _measure_flops(step_fn, ctx) -> tuple[dict, float]:
    """Run one step under the FLOP counter; returns its losses and the FLOPs of the whole seed batch.
    Every step of a variant runs the same ops on the same shapes, so one step measures them all."""
    with _FlopCount() as counter:
        losses = step_fn(ctx)
    return losses, float(counter.total)


def _checkpoint_state(ctx, spent, status, history, flops_per_step, key) -> dict:
    return {
        "key": key,
        "g": ctx.g.state_dict(), "d": ctx.d.state_dict(),
        "opt_g": ctx.opt_g.state_dict(), "opt_d": ctx.opt_d.state_dict(),
        "data_gens": [g.get_state() for g in ctx.data_gens],
        "noise_gens": [g.get_state() for g in ctx.noise_gens],
        "real_shown": ctx.real_shown, "spent": dict(spent), "status": json.dumps(status),
        "history": json.dumps(history), "flops_per_step": flops_per_step,
    }


@torch.no_grad()
def _generate(g, z_dim, n, eval_gens, device) -> torch.Tensor:
    """``n`` samples per seed from G in eval mode (BatchNorm running statistics), (S, n, ...) on CPU."""
    was_training = g.training
    g.eval()
    try:
        out = []
        for s in range(0, n, SAMPLE_CHUNK):
            m = min(SAMPLE_CHUNK, n - s)
            z = torch.stack([torch.randn(m, z_dim, generator=e) for e in eval_gens]).to(device)
            out.append(g(z).float().cpu())
        return torch.cat(out, 1)
    finally:
        g.train(was_training)


def train_seeds(
    task: str | Task,
    variant: str | Variant,
    seed_indices: Sequence[int],
    budget: Budget | dict | str,
    *,
    suite: str = "adhoc",  # part of the seed derivation (see ganbench.harness.seeds)
    device: str = "auto",  # auto: CUDA when present
    deterministic: bool = True,  # deterministic algorithms on GPU (always deterministic on CPU)
    checkpoint_dir: str | os.PathLike | None = None,  # where to checkpoint and resume; None: no checkpoints
    checkpoint_every_s: float = CHECKPOINT_EVERY_S,  # seconds of training between checkpoints
    artefacts_dir: str | os.PathLike | None = None,  # per-trial sample plot and loss curves (PNG)
    samples_dir: str | os.PathLike | None = None,  # keep seed 0's first samples (<trial_id>.npy) for plots
    progress: bool | None = None,  # tqdm bar; None: only on a terminal
    evaluate: bool = True,  # compute the task's metrics at the end
    stop_after_steps: int | None = None,  # testing aid: simulate a kill after this many steps (raises)
) -> list[TrialRecord]:
    """Train seeds ``seed_indices`` of ``variant`` on ``task`` together and return one record per seed."""
    from tqdm.auto import tqdm

    task = get_task(task) if isinstance(task, str) else task
    variant = get_variant(variant) if isinstance(variant, str) else variant
    budget = Budget.parse(budget)
    seed_indices = [int(i) for i in seed_indices]
    if not seed_indices or len(set(seed_indices)) != len(seed_indices):
        raise ValueError(f"seed_indices must be distinct integers, got {seed_indices}")
    dev = resolve_device(device)
    if dev.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    prev_det = torch.are_deterministic_algorithms_enabled()
    if dev.type == "cuda":  # CPU kernels are deterministic already
        torch.use_deterministic_algorithms(deterministic)
    specs = [TrialSpec(suite, task.name, variant.name, i) for i in seed_indices]
    chash = config_hash(task, variant, budget)
    env = environment(dev)
    try:
        # Build: each seed's parameters from its own init stream.
        init_gens = [torch.Generator().manual_seed(stream_seed(s.seed, "init")) for s in specs]
        g, d, z_dim = build_networks(task.shape, variant.arch, init_gens, variant.pack, variant.spectral_norm, variant.mbd)
        g, d = g.to(dev).train(), d.to(dev).train()
        ctx = StepContext(
            g, d, _optimizer(g.parameters(), variant, variant.lr),
            _optimizer(d.parameters(), variant, variant.d_lr if variant.d_lr is not None else variant.lr),
            variant, get_loss(variant.loss), task, z_dim, dev,
            [torch.Generator().manual_seed(stream_seed(s.seed, "data")) for s in specs],
            [torch.Generator().manual_seed(stream_seed(s.seed, "noise")) for s in specs],
        )
    except ValueError:
        raise
    except Exception as exc:  # a plugin's network or loss that cannot be built: a failed record, not a crash
        return [failed_record(s, task, variant, budget, chash, env, len(specs), f"build failed: {exc!r}") for s in specs]
    step_fn = STEPS[variant.step]
    spent = {"g_steps": 0, "d_steps": 0, "kimg": 0.0, "wall_s": 0.0, "gflops": 0.0}
    status = {s.trial_id: {"status": "ok", "error": "", "failed_step": None} for s in specs}
    history = {"step": [], "d_loss": [[] for _ in specs], "g_loss": [[] for _ in specs]}
    flops_per_step = None
    ckpt = Path(checkpoint_dir) / f"{task.name.replace('/', '_')}__{variant.name}__{chash}__" \
        f"{'-'.join(map(str, seed_indices))}.ckpt" if checkpoint_dir else None
    key = json.dumps({"config": chash, "seeds": seed_indices, "suite": suite})
    if ckpt is not None and ckpt.is_file():
        state = torch.load(ckpt, map_location="cpu", weights_only=True)
        if state["key"] == key:
            g.load_state_dict(state["g"])
            d.load_state_dict(state["d"])
            ctx.opt_g.load_state_dict(state["opt_g"])
            ctx.opt_d.load_state_dict(state["opt_d"])
            for gen, st in zip(ctx.data_gens, state["data_gens"]):
                gen.set_state(st)
            for gen, st in zip(ctx.noise_gens, state["noise_gens"]):
                gen.set_state(st)
            ctx.real_shown, spent = state["real_shown"], state["spent"]
            status, history = json.loads(state["status"]), json.loads(state["history"])
            flops_per_step = state["flops_per_step"]

    # Train until the budget is spent.
    rule, limit = budget.rule
    total = int(limit) if rule == "g_steps" else None
    bar = tqdm(total=total, initial=spent["g_steps"] if total else 0, desc=f"{task.name}/{variant.name} x{len(specs)}",
               disable=(not sys.stderr.isatty()) if progress is None else not progress, leave=False, unit="step")
    log_every = max(1, int(limit) // HISTORY_POINTS) if rule == "g_steps" else 10
    last_ckpt = time.perf_counter()
    steps_this_run = 0
    while not budget.done(spent) and any(v["status"] == "ok" for v in status.values()):
        t0 = time.perf_counter()
        shown0 = ctx.real_shown
        if flops_per_step is None:
            losses, flops = _measure_flops(step_fn, ctx)
            flops_per_step = flops / len(specs)
        else:
            losses = step_fn(ctx)
        spent["wall_s"] += time.perf_counter() - t0
        spent["g_steps"] += 1
        spent["d_steps"] += variant.n_critic
        spent["kimg"] += (ctx.real_shown - shown0) / 1000.0
        spent["gflops"] += flops_per_step / 1e9
        steps_this_run += 1
        dl, gl = losses["d_loss"].double().cpu(), losses["g_loss"].double().cpu()
        for i, s in enumerate(specs):
            st = status[s.trial_id]
            if st["status"] == "ok" and not (math.isfinite(dl[i]) and math.isfinite(gl[i])):
                st.update(status="diverged", failed_step=spent["g_steps"],
                          error=f"non-finite loss at generator step {spent['g_steps']}: d_loss={float(dl[i])}, g_loss={float(gl[i])}")
        if spent["g_steps"] % log_every == 0 or spent["g_steps"] == 1:
            history["step"].append(spent["g_steps"])
            for i in range(len(specs)):
                history["d_loss"][i].append(float(dl[i]))
                history["g_loss"][i].append(float(gl[i]))
        bar.update(1 if total else 0)
        if spent["g_steps"] % 20 == 0:
            bar.set_postfix(d=f"{float(dl.mean()):.3f}", g=f"{float(gl.mean()):.3f}", refresh=False)
        if ckpt is not None and time.perf_counter() - last_ckpt > checkpoint_every_s:
            atomic_torch_save(ckpt, _checkpoint_state(ctx, spent, status, history, flops_per_step, key))
            last_ckpt = time.perf_counter()
        if stop_after_steps is not None and steps_this_run >= stop_after_steps:
            if ckpt is not None:
                atomic_torch_save(ckpt, _checkpoint_state(ctx, spent, status, history, flops_per_step, key))
            bar.close()
            raise KeyboardInterrupt(f"stopped after {steps_this_run} steps (stop_after_steps)")
    bar.close()
    if ckpt is not None:  # the finished state, so that a crash during evaluation does not retrain
        atomic_torch_save(ckpt, _checkpoint_state(ctx, spent, status, history, flops_per_step, key))

    # Sample with each seed's own evaluation stream and evaluate.
    records = []
    eval_gens = [torch.Generator().manual_seed(stream_seed(s.seed, "eval")) for s in specs]
    fakes = _generate(g, z_dim, task.protocol.n_fake, eval_gens, dev) if evaluate else None
    for i, s in enumerate(specs):
        st = status[s.trial_id]
        rec = TrialRecord(
            trial_id=s.trial_id, suite=suite, task=task.name, variant=variant.name, seed_index=s.seed_index,
            seed=s.seed, eval_seed=stream_seed(s.seed, "eval"), status=st["status"], error=st["error"],
            failed_step=st["failed_step"], budget=budget.to_dict(), spent={**spent, "wall_s": spent["wall_s"] / len(specs)},
            env=env, config_hash=chash, variant_config=variant.to_dict(), seeds_in_batch=len(specs),
            history={"step": history["step"], "d_loss": history["d_loss"][i], "g_loss": history["g_loss"][i]},
            created=now(),
        )
        rec.spent["batch_wall_s"] = spent["wall_s"]
        if evaluate and rec.status == "ok":
            t0 = time.perf_counter()
            try:
                fake = fakes[i]
                if not torch.isfinite(fake).all():
                    rec.status, rec.failed_step = "diverged", spent["g_steps"]
                    rec.error = "generator produced NaN/Inf samples"
                else:
                    from ganbench.evaluation import evaluate_task

                    res = evaluate_task(task, fake.clamp(-1, 1) if task.is_image else fake,
                                        eval_seed=REAL_EVAL_SEED, device=str(dev))
                    rec.metrics = {k: float(v) for k, v in res.values.items()}
                    rec.protocol = {**res.protocol, "fake_seed": rec.eval_seed}
            except Exception as exc:  # evaluation must not lose the trial: record the failure
                rec.status, rec.error = "failed", f"evaluation failed: {exc!r}\n{traceback.format_exc(limit=3)}"
            rec.eval_wall_s = time.perf_counter() - t0
        if not rec.protocol:
            rec.protocol = {**task.protocol.to_dict(), "task": task.name}
        if samples_dir is not None and fakes is not None and s.seed_index == 0:
            _keep_samples(Path(samples_dir) / f"{s.trial_id}.npy", task, fakes[i])
        if artefacts_dir is not None and fakes is not None:
            _artefacts(Path(artefacts_dir), rec, task, fakes[i])
        records.append(rec)
    # The checkpoint stays until the caller has saved the records (the runner removes it then).
    if dev.type == "cuda":
        torch.use_deterministic_algorithms(prev_det)
    return records


def _keep_samples(path: Path, task: Task, fake: torch.Tensor) -> None:
    keep = fake[:64] if task.is_image else fake[:2500, :2]  # enough for a grid or a scatter
    atomic_save_npy(path, keep.float().numpy())


def failed_record(spec, task, variant, budget, chash, env, n, error) -> TrialRecord:
    """The record of a trial that could not be trained: status ``failed`` with the error."""
    return TrialRecord(trial_id=spec.trial_id, suite=spec.suite, task=task.name, variant=variant.name,
                       seed_index=spec.seed_index, seed=spec.seed, eval_seed=stream_seed(spec.seed, "eval"),
                       status="failed", error=error, budget=budget.to_dict(), env=env, config_hash=chash,
                       variant_config=variant.to_dict(), seeds_in_batch=n, created=now(),
                       protocol={**task.protocol.to_dict(), "task": task.name})


def _artefacts(folder: Path, rec: TrialRecord, task: Task, fake: torch.Tensor) -> None:
    from ganbench.report.plots import save_loss_curves, save_samples

    folder.mkdir(parents=True, exist_ok=True)
    save_samples(folder / f"{rec.trial_id}_samples.png", task, fake, title=f"{rec.variant} seed {rec.seed_index}")
    save_loss_curves(folder / f"{rec.trial_id}_losses.png", rec.history, title=rec.trial_id)


def train_trial(task, variant, seed: int, budget, **kwargs) -> TrialRecord:
    """Train one seed (index ``seed``) of ``variant`` on ``task`` under ``budget``; see :func:`train_seeds`."""
    return train_seeds(task, variant, [seed], budget, **kwargs)[0]
