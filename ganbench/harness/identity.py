"""What a record's identity covers besides its seed: the code that trains and judges the trial.

A trial's config hash (``ganbench.harness.trainer.config_hash``) covers the task's data and
protocol, the variant's recipe, the budget and the **code**: :func:`trial_code` digests (with
``ganbench.utils.code.code_digests``) every ganbench function and class reachable from

- the harness that trains, samples and evaluates a program (``train_program``);
- what the variant picks from the registries: its loss, its step, its architecture family's builder,
  its optimiser (a plugin's too: its module is followed like ganbench's own);
- what the task picks: its class and factory, the metrics of its protocol and its feature
  extractor (whose spec, with the weights' sha256, is part of the key).

So editing one line of a built-in loss re-plans the trials that train with that loss (and only
those), editing the mixtures' mode statistics re-plans every mixture trial, and editing a comment
or a docstring re-plans nothing. The walk is static and errs on the side of covering too much: a
function on a path a trial never takes, but which its code names (another family's networks in
``build_program``), is covered too. Serialisation and file writing, which cannot change a number
(:data:`NOT_JUDGING`), are not. Reference rows (``real``, ``init``) have their own roots
(:func:`reference_code`).
"""
from __future__ import annotations

import inspect
from functools import lru_cache

from ganbench.utils.code import code_digests, fingerprint

# The code walk's starting points, registered by the modules that own them (the trainer registers
# ``train_program`` as "trial", the reference rows ``reference_records`` as "reference") rather than
# imported here: identity is read by those modules, so importing them back would close a circle.
_ROOTS: dict[str, tuple] = {}


def register_roots(kind: str, *roots) -> None:
    """Declare the functions a ``kind`` of record ("trial", "reference") is trained and judged by."""
    _ROOTS[kind] = tuple(roots)


def _roots(kind: str) -> list:
    if kind not in _ROOTS:  # only possible if identity is loaded without the rest of ganbench.harness
        raise RuntimeError(f"no {kind!r} code roots registered; import ganbench.harness before computing identities")
    return list(_ROOTS[kind])

# Modules whose code cannot change a number of a record: how records are serialised, where files go,
# and this identity itself (what it covers is in the digests; how it walks is not a number).
NOT_JUDGING = ("ganbench.records.record", "ganbench.records.rundir", "ganbench.utils.atomic", "ganbench.utils.cache",
               "ganbench.harness.identity", "ganbench.utils.code", "ganbench.utils.faults",
               "ganbench.utils.names", "ganbench.utils.registry")


def _task_roots(task) -> list:
    from ganbench.features.base import EXTRACTORS
    from ganbench.metrics.registry import METRICS
    from ganbench.tasks.task import TASK_FAMILIES, TASKS

    factory = TASKS.get(task.name) or TASK_FAMILIES.get(task.name.split(":", 1)[0])
    roots = [type(task), *([factory] if factory is not None else [])]
    roots += [v for v in vars(task).values() if inspect.isfunction(v)]  # what it was built with (a mapping)
    roots += [METRICS[m].compute for m in task.protocol.metrics if m in METRICS]
    if task.protocol.extractor in EXTRACTORS:
        roots.append(EXTRACTORS[task.protocol.extractor])
    return roots


def _variant_roots(task, variant) -> list:
    from ganbench.zoo.losses import get_loss
    from ganbench.zoo.networks import ARCHITECTURES, family_of
    from ganbench.zoo.optim import OPTIMIZERS
    from ganbench.zoo.steps import STEPS

    roots = [get_loss(variant.loss), STEPS[variant.step], OPTIMIZERS[variant.optim.optimizer]]
    family = family_of(task.shape, variant.arch)
    if not variant.family.translation and family in ARCHITECTURES:
        roots.append(ARCHITECTURES[family])
    return roots


def _registries() -> tuple:
    """The tables a trial picks its parts from by name (its roots say which), and their views
    (``HIGHER_IS_BETTER`` of ``VALUES``): registering a plugin's metric or loss must not change the
    identity of trials that do not use it. Every other table the code reads is followed into."""
    from ganbench.features.base import EXTRACTORS
    from ganbench.metrics.registry import HIGHER_IS_BETTER, METRICS, VALUES
    from ganbench.tasks.task import TASK_FAMILIES, TASKS
    from ganbench.tasks.translation import TRANSLATION_TASKS
    from ganbench.zoo.losses import LOSSES
    from ganbench.zoo.networks import ARCHITECTURES
    from ganbench.zoo.optim import OPTIMIZERS
    from ganbench.zoo.steps import STEPS
    from ganbench.zoo.variants import VARIANTS

    return (EXTRACTORS, METRICS, VALUES, HIGHER_IS_BETTER, TASKS, TASK_FAMILIES, TRANSLATION_TASKS, LOSSES,
            ARCHITECTURES, OPTIMIZERS, STEPS, VARIANTS)


@lru_cache(maxsize=256)
def _digests(roots: tuple) -> tuple[tuple[str, str], ...]:
    return tuple(code_digests(roots, exclude=NOT_JUDGING, registries=_registries()).items())


def trial_code(task, variant) -> dict[str, str]:
    """``{qualified name: digest}`` of the code a trial of ``variant`` on ``task`` depends on."""
    return dict(_digests(tuple([*_roots("trial"), *_variant_roots(task, variant), *_task_roots(task)])))


def reference_code(task, init_variant=None) -> dict[str, str]:
    """The same for a task's reference rows: how they are drawn and judged, and for the ``init`` row
    the networks it draws and the optimisers built with them (nothing of a loss or a step: it does
    not train)."""
    from ganbench.zoo.networks import ARCHITECTURES, family_of
    from ganbench.zoo.optim import OPTIMIZERS

    extra = []
    if init_variant is not None:
        extra.append(OPTIMIZERS[init_variant.optim.optimizer])
        if not init_variant.family.translation:
            extra.append(ARCHITECTURES[family_of(task.shape, init_variant.arch)])
    return dict(_digests(tuple([*_roots("reference"), *extra, *_task_roots(task)])))


def extractor_key(task) -> dict:
    """``{"weights": sha256}`` of the InceptionV3 weights a task with the ``inception`` extractor
    will be judged with (the user's file, outside the package: the code walk cannot see it), so that
    a run resumed with other weights re-plans; ``{}`` for the shipped extractors, whose weights the
    code walk covers."""
    if task.protocol.extractor != "inception":
        return {}
    from ganbench.features.inception import find_weights

    try:
        path = find_weights()
    except ValueError:
        return {"weights": "missing"}  # evaluation will say how to get them
    return {"weights": _weights_sha256(str(path), path.stat().st_size, path.stat().st_mtime_ns)}


@lru_cache(maxsize=8)
def _weights_sha256(path: str, size: int, mtime_ns: int) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def code_summary(digests: dict[str, str]) -> dict:
    """What a record keeps of its code: the fingerprint and one digest per module (of the objects
    of that module it depends on), enough for ``check`` to say where the code changed. Digested
    objects are module-level, so a qualified name is ``module.object``."""
    modules: dict[str, dict] = {}
    for name, digest in digests.items():
        module, _, obj = name.rpartition(".")
        modules.setdefault(module, {})[obj] = digest
    return {"fingerprint": fingerprint(digests), "modules": {m: fingerprint(d) for m, d in sorted(modules.items())}}
