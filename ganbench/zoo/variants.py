"""The registry of named variants, and the plugin API to add more.

A variant is a frozen :class:`~ganbench.zoo.recipe.Variant` (its schema: ``ganbench.zoo.recipe``);
the reference variants are registered by ``ganbench.zoo.catalogue`` when ``ganbench.zoo`` is
imported. ``register_variant(name, base=..., **overrides)`` derives a new recipe from an existing
one; that is all a user needs to benchmark a new loss.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from ganbench.zoo.recipe import FLAT, GROUPS, Variant, source_digest, validate_variant
from ganbench.zoo.steps import STEPS, register_step

__all__ = ["VARIANTS", "RESERVED_NAMES", "Variant", "register_variant", "get_variant", "validate_variant",
           "source_digest"]

VARIANTS: dict[str, Variant] = {}
RESERVED_NAMES = ("real", "init", "identity")  # the reference rows of every leaderboard


def _check_name(name) -> None:
    if not name or not isinstance(name, str) or any(c.isspace() for c in name):
        raise ValueError(f"variant name must be a non-empty string without spaces, got {name!r}")
    if name in RESERVED_NAMES:
        raise ValueError(f"variant name {name!r} is reserved for a leaderboard's reference rows; pick another name")
    if "/" in name or "\\" in name or name.startswith(".") or ".." in name:
        raise ValueError(f"variant name {name!r} must not contain path separators or '..'")


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
    VARIANTS[v.name] = v
    return v


def register_variant(name: str, base: str | None = "gan-ns", *, step: str | Callable | None = None,
                     **overrides) -> Variant:
    """Register a variant named ``name``: ``base``'s recipe with ``overrides``, by flat field name
    (``loss="ragan"``, ``lr=2e-4``, ``betas=(0, 0.9)``, ``arch={"ch": 16}``: any field of
    ``ganbench.zoo.recipe``'s groups) or by group (``optim={"lr": 2e-4}``). ``step`` may be a
    callable ``step(ctx)`` for a variant whose training step differs; it is registered under the
    variant's name. Registering the same name with the same recipe again returns the registered
    variant.

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
    if name not in VARIANTS:
        raise ValueError(f"unknown variant {name!r}; choose from {', '.join(sorted(VARIANTS))} "
                         "or load a plugin that registers it (--plugin FILE)")
    return VARIANTS[name]
