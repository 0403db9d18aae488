"""The registry of named variants, and the plugin API to add more.

A variant is a frozen :class:`~ganbench.zoo.recipe.Variant` (its schema: ``ganbench.zoo.recipe``);
the reference variants are registered by ``ganbench.zoo.catalogue`` when ``ganbench.zoo`` is
imported. ``register_variant(name, base=..., **overrides)`` derives a new recipe from an existing
one; that is all a user needs to benchmark a new loss. :func:`sample_configurations` draws the
configurations of a variant's search space (``ganbench.zoo.space``) as variants of their own.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import Callable

import numpy as np

from ganbench.utils.names import check_new_name, collision_key
from ganbench.zoo.recipe import FLAT, GROUPS, Variant, check_space, source_digest, validate_variant
from ganbench.zoo.space import DISPLAY, as_distribution
from ganbench.zoo.steps import STEPS, register_step

__all__ = ["VARIANTS", "RESERVED_NAMES", "Variant", "register_variant", "get_variant", "validate_variant",
           "source_digest", "sample_configurations", "configuration", "configuration_name", "parse_configuration_name"]

VARIANTS: dict[str, Variant] = {}
RESERVED_NAMES = ("real", "init", "identity")  # the reference rows of every leaderboard


def _check_name(name) -> None:
    if isinstance(name, str) and collision_key(name) in {collision_key(r) for r in RESERVED_NAMES}:
        raise ValueError(f"variant name {name!r} is reserved for a leaderboard's reference rows; pick another name")
    check_new_name(name, "variant", VARIANTS)


def _add(v: Variant, step_fn: Callable | None = None) -> Variant:
    """Register ``v``; the same name with an equal recipe (and the same plugin step) is the
    registered variant, the same name with another recipe an error."""
    old = VARIANTS.get(v.name)
    if old is not None:
        if old == v and old.config_hash() == v.config_hash() and (step_fn is None or STEPS.get(v.name) is step_fn):
            return old
        raise ValueError(f"variant {v.name!r} is already registered with another recipe; pick another name")
    _check_name(v.name)
    validate_variant(v)
    check_space(v, {k: x for k, x in v.space.items() if x is not None})  # a declared space holds the recipe
    VARIANTS[v.name] = v
    return v


def register_variant(name: str, base: str | None = "gan-ns", *, step: str | Callable | None = None,
                     space: dict | None = None, **overrides) -> Variant:
    """Register a variant named ``name``: ``base``'s recipe with ``overrides``, by flat field name
    (``loss="ragan"``, ``lr=2e-4``, ``betas=(0, 0.9)``, ``arch={"ch": 16}``: any field of
    ``ganbench.zoo.recipe``'s groups) or by group (``optim={"lr": 2e-4}``). ``step`` may be a
    callable ``step(ctx)`` for a variant whose training step differs; it is registered under the
    variant's name. ``space``: the variant's own search space over the default one,
    ``{hyper-parameter: range or None}`` with ranges as ``"logU[1e-4,1e-3]"``, ``"{2,4}"`` or
    ``ganbench.zoo.space`` distributions (None: not tuned). Registering the same name with the same
    recipe again returns the registered variant.

    Example::

        @register_loss("my-loss")
        def my_loss(d_real, d_fake): ...
        register_variant("my-gan", base="gan-ns", loss="my-loss", lr=2e-4)
    """
    _check_name(name)
    if base is None:
        proto = Variant(name=name)
    elif base in VARIANTS:
        proto = VARIANTS[base]
    else:
        raise ValueError(f"register_variant({name!r}): unknown base variant {base!r}; see `ganbench list variants`")
    unknown = sorted(set(overrides) - set(FLAT) - set(GROUPS) - {"paper", "doc", "published_budget"})
    if unknown:
        raise ValueError(f"register_variant({name!r}): unknown field(s) {unknown}; valid: "
                         f"{sorted(set(FLAT) - {'name'})}, or a group {sorted(GROUPS)} as a dict")
    step_fn = step if callable(step) else None
    if step_fn is not None:
        overrides["step"] = name
    elif step is not None:
        overrides["step"] = step
    if space is not None:
        if not isinstance(space, dict):
            raise ValueError(f"register_variant({name!r}): space must be a dict {{hyper-parameter: range or None}}")
        try:
            overrides["space"] = {**proto.space, **{k: None if x is None else as_distribution(x) for k, x in space.items()}}
        except ValueError as exc:
            raise ValueError(f"register_variant({name!r}): space: {exc}") from None
    if "paper" not in overrides and base is not None:
        overrides["paper"] = ""
    if "doc" not in overrides and base is not None:
        said = ", ".join(f"{k}={v}" for k, v in overrides.items() if k not in ("paper", "doc", "space"))
        overrides["doc"] = f"{base} with {said}"
    try:
        v = proto.replace(name=name, **{k: x for k, x in overrides.items() if k in FLAT or k in GROUPS})
    except ValueError as exc:
        raise ValueError(f"register_variant({name!r}): {exc}") from None
    v = dataclasses.replace(v, origin={}, **{k: overrides[k] for k in ("published_budget", "space") if k in overrides})
    if step_fn is None or name in VARIANTS:
        return _add(v, step_fn)
    register_step(name)(step_fn)
    try:
        return _add(v, step_fn)
    except ValueError:
        STEPS.pop(name, None)  # a refused recipe leaves no step behind: the name stays free
        raise


def get_variant(name: str) -> Variant:
    """The registered variant ``name``. A configuration's name (:func:`configuration_name`, e.g.
    ``gan-ns+s0c07``) whose base resolves is drawn and registered on first use: the name alone
    determines the recipe (the sampler is pure), so a worker process, a SLURM task or a later session
    that loaded the base's plugin resolves it to the very recipe the planner hashed."""
    if name not in VARIANTS:
        parsed = parse_configuration_name(name) if isinstance(name, str) else None
        if parsed is not None:
            base, seed, index = parsed
            try:
                return _add(configuration(get_variant(base), seed, index))
            except ValueError as exc:
                raise ValueError(f"variant {name!r} names configuration {index} of {base!r} (sampler seed {seed}), "
                                 f"which cannot be drawn: {exc}") from None
        raise ValueError(f"unknown variant {name!r}; choose from {', '.join(sorted(VARIANTS))} "
                         "or load a plugin that registers it (--plugin FILE)")
    return VARIANTS[name]


def configuration_name(base: str, seed: int, index: int) -> str:
    """The name of configuration ``index`` drawn with sampler seed ``seed`` from ``base``'s space:
    ``gan-ns+s0c07`` (``s``: the seed, ``c``: the configuration)."""
    return f"{base}+s{seed}c{index:02d}"


_CONFIGURATION = re.compile(r"(?P<base>.+)\+s(?P<seed>[0-9]+)c(?P<index>[0-9]+)")


def parse_configuration_name(name: str) -> tuple[str, int, int] | None:
    """``(base, seed, index)`` of a name :func:`configuration_name` writes (``gan-ns+s0c07`` ->
    ``("gan-ns", 0, 7)``), or None for any other name (``c7``, ``c007`` and configuration 0, which is
    the recipe under its own name, are not configuration names)."""
    m = _CONFIGURATION.fullmatch(name)
    if m is None:
        return None
    base, seed, index = m["base"], int(m["seed"]), int(m["index"])
    return (base, seed, index) if index >= 1 and configuration_name(base, seed, index) == name else None


def _stream(seed: int, index: int, name: str) -> np.random.Generator:
    """The random numbers of hyper-parameter ``name`` in configuration ``index``: its own stream, so
    the value does not depend on what else the space tunes, and variants that share a range draw the
    same values (common random numbers: configuration 7 of gan-ns and of lsgan have one lr)."""
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")
    return np.random.default_rng([seed, index, key])


def configuration(variant: str | Variant, seed: int, index: int) -> Variant:
    """Configuration ``index`` of ``variant``'s search space drawn with sampler seed ``seed`` (not
    registered): the recipe itself for index 0, else the variant :func:`sample_configurations` draws
    at that index (the same, whatever ``n``)."""
    v = get_variant(variant) if isinstance(variant, str) else variant
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"sampler seed must be an integer >= 0, got {seed!r}")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"configuration index must be an integer >= 0, got {index!r}")
    space = v.search_space()
    check_space(v, space)
    return v if index == 0 else _draw(v, space, seed, index)


def _draw(v: Variant, space: dict, seed: int, i: int) -> Variant:
    values = {k: dist.sample(_stream(seed, i, k)) for k, dist in space.items()}
    said = ", ".join(f"{DISPLAY.get(k, k)}={x:.3g}" for k, x in values.items())
    c = dataclasses.replace(v.with_hyperparameters(values), name=configuration_name(v.name, seed, i),
                            doc=f"configuration {i} of {v.name}'s search space (sampler seed {seed}): {said}",
                            origin={"base": v.name, "seed": seed, "index": i, "values": values})
    check_new_name(c.name, "variant", ())
    try:
        validate_variant(c)
    except ValueError as exc:
        raise ValueError(f"configuration {i} of {v.name!r} ({said}) is not a valid recipe: {exc}") from None
    return c


def sample_configurations(variant: str | Variant, n: int, seed: int, *, register: bool = False) -> list[Variant]:
    """``n`` configurations of ``variant``'s search space (:meth:`Variant.search_space`), as variants:
    configuration 0 is the recipe itself (its own name and hash, so its trials are the baseline's),
    configuration i > 0 draws every hyper-parameter from its range with numpy generators seeded by
    ``(seed, i, hyper-parameter)`` and is named :func:`configuration_name` (each has its own config
    hash). Pure: the same arguments give the same variants, and the first k of n are the draw of k.
    ``register``: add them to :data:`VARIANTS` (idempotent: an equal recipe under the same name is
    fine, another one is an error); :func:`get_variant` also draws a configuration by its name."""
    v = get_variant(variant) if isinstance(variant, str) else variant
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"number of configurations must be a positive integer, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"sampler seed must be an integer >= 0, got {seed!r}")

    space = v.search_space()
    check_space(v, space)
    out = [v, *(_draw(v, space, seed, i) for i in range(1, n))]
    if register:
        out = [out[0], *(_add(c) for c in out[1:])]
    return out
