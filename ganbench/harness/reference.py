"""The reference rows of a leaderboard: the floor and the ceiling of a task, judged exactly as the
trials are (same protocol, same number of samples, one record per seed).

- ``init``: each seed's generator at initialisation (the default architecture for the task, drawn
  from the seed's init stream): what a variant that learned nothing scores.
- ``real``: held-out real samples (``Task.heldout``: fresh draws for synthetic tasks, the test split
  for digits): what a perfect generator scores, sampling noise included.

A variant that is not significantly better than ``init`` has not learned the task, whatever its rank.
"""
from __future__ import annotations

import hashlib
import json
import time

import torch

from ganbench.evaluation import EvalContext
from ganbench.harness.budget import Budget
from ganbench.harness.program import Group, build_program
from ganbench.harness.identity import code_summary, extractor_key, reference_code, register_roots
from ganbench.harness.trainer import evaluate_samples, keep_samples, outputs
from ganbench.records import TrialRecord, TrialSpec, now
from ganbench.tasks import Task
from ganbench.utils.code import fingerprint
from ganbench.utils.device import environment, resolve_device
from ganbench.zoo import Variant, get_variant

INIT_RECIPE = "gan-ns"  # whose architecture the init row draws (every built-in recipe's G is the same)


def init_recipe(task: Task) -> str:
    """The recipe whose generator the ``init`` row draws: ``INIT_RECIPE`` unless the task says
    (translation tasks: the family that trains on them)."""
    return getattr(task, "init_recipe", INIT_RECIPE)


def reference_kinds(task: Task) -> tuple[str, ...]:
    """The reference rows of a task's leaderboard: ``real`` and ``init``, and what the task adds
    (translation tasks: ``identity``, the inputs unchanged)."""
    return tuple(getattr(task, "reference_kinds", ("real", "init")))


def reference_hash(task: Task, kind: str, init_variant: Variant | None = None) -> str:
    """What decides a reference record: the task's data and protocol (and the init architecture)."""
    key = {"data": task.cache_key(), "protocol": task.protocol.to_dict(), "reference": kind,
           "arch": repr(init_variant.arch) if init_variant is not None and kind == "init" else None,
           "code": fingerprint(_code(task, kind, init_variant)), **extractor_key(task)}
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _code(task: Task, kind: str, init_variant: Variant | None) -> dict:
    return reference_code(task, init_variant if kind == "init" else None)


def reference_records(task: Task, kind: str, seed_indices, *, suite: str = "adhoc", budget: Budget | None = None,
                      device: str = "auto", init_variant: Variant | None = None,
                      eval_context: EvalContext | None = None, samples_dir=None) -> list[TrialRecord]:
    """Records of the ``kind`` ("real" or "init") reference row for ``seed_indices``."""
    if kind not in reference_kinds(task):
        raise ValueError(f"task {task.name!r} has the reference rows {reference_kinds(task)}, got {kind!r}")
    dev = resolve_device(device)
    context = eval_context or EvalContext(dev)
    env = environment(dev)
    recipe = init_variant or get_variant(init_recipe(task))
    specs = [TrialSpec(suite, task.name, kind, int(i)) for i in seed_indices]
    n = task.protocol.n_fake
    if kind != "init":
        if hasattr(task, "reference_outputs"):  # the same data for every seed (a translation task's test split)
            x = task.reference_outputs(kind)
            samples = x[None].expand(len(specs), *x.shape)
        else:
            samples = torch.stack([task.heldout(n, torch.Generator().manual_seed(s.stream("eval"))) for s in specs])
    else:
        floor = recipe.replace(name="init", ema=0.0)
        prog = build_program(task, [Group(floor, tuple(s.seed_index for s in specs))], suite, dev)
        samples = outputs(prog.ctx.g, prog.ctx.z_dim, task, specs)
    chash = reference_hash(task, kind, recipe)
    records = []
    for s, x in zip(specs, samples):
        rec = TrialRecord(trial_id=s.trial_id, suite=suite, task=task.name, variant=kind, seed_index=s.seed_index,
                          seed=s.seed, fake_seed=s.stream("eval"), kind=kind,
                          budget=budget.to_dict() if budget is not None else {},
                          spent={"g_steps": 0, "d_steps": 0, "kimg": 0.0, "wall_s": 0.0, "gflops": 0.0},
                          env=env, config_hash=chash, code=code_summary(_code(task, kind, recipe)), created=now(),
                          variant_config={"reference": kind, **({"arch": recipe.to_dict()["arch"]} if kind == "init" else {})},
                          protocol={**task.protocol.to_dict(), "task": task.name})
        t0 = time.perf_counter()
        evaluate_samples(rec, task, x, context)
        rec.protocol["generator"] = kind
        rec.eval_wall_s = time.perf_counter() - t0
        if samples_dir is not None:
            from pathlib import Path

            keep_samples(Path(samples_dir) / f"{s.trial_id}.npy", task, x)
        records.append(rec)
    return records

register_roots("reference", reference_records)  # what a reference row's code identity is walked from
