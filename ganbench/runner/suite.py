"""Suites: TOML files listing tasks, variants, seeds, per-task budgets and evaluation protocols.

Format (strictly validated: an unknown key, task or variant is an error naming it)::

    name = "smoke"
    description = "..."
    seeds = 2                       # number of seeds (indices 0..n-1) or an explicit list [0, 1, 5]
    variants = ["gan-ns", "pacgan", "wgan-gp"]

    [tasks.ring8]
    budget = { g_steps = 300 }      # exactly one of g_steps, kimg, seconds, gflops
    n_fake = 2500                   # optional protocol overrides: n_fake, n_real, metrics

Suites shipped with ganbench live in ``ganbench/suites/*.toml``; ``--suite`` takes their name or a path.
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

from ganbench.harness.budget import Budget

SUITES_DIR = Path(__file__).resolve().parents[1] / "suites"
TOP_KEYS = {"name", "description", "seeds", "variants", "tasks", "device"}
TASK_KEYS = {"budget", "n_fake", "n_real", "metrics"}


@dataclass(frozen=True)
class TaskPlan:
    name: str
    budget: Budget
    overrides: dict = field(default_factory=dict)  # protocol overrides

    def task(self):
        """The task with this suite's protocol overrides applied (a copy; the registry is untouched)."""
        from ganbench.tasks import get_task

        base = get_task(self.name)
        if not self.overrides:
            return base
        t = copy.copy(base)
        over = {k: tuple(v) if k == "metrics" else int(v) for k, v in self.overrides.items()}
        t.protocol = dataclasses.replace(base.protocol, **over)
        return t


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    seeds: tuple[int, ...]
    variants: tuple[str, ...]
    tasks: tuple[TaskPlan, ...]
    device: str = "auto"
    source: str = ""  # the TOML text it came from

    def to_dict(self) -> dict:
        return {"name": self.name, "description": self.description, "seeds": list(self.seeds),
                "variants": list(self.variants), "device": self.device,
                "tasks": {t.name: {"budget": t.budget.to_dict(), **t.overrides} for t in self.tasks}}

    def with_seeds(self, seeds) -> "Suite":
        return dataclasses.replace(self, seeds=_seeds(seeds, "--seeds"))

    @property
    def n_trials(self) -> int:
        return len(self.seeds) * len(self.variants) * len(self.tasks)


def _seeds(value, where: str) -> tuple[int, ...]:
    if isinstance(value, bool):
        raise ValueError(f"{where}: seeds must be a count or a list of integers, got {value!r}")
    if isinstance(value, int):
        if value < 1:
            raise ValueError(f"{where}: seeds must be >= 1, got {value}")
        return tuple(range(value))
    if isinstance(value, (list, tuple)) and value and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in value):
        if len(set(value)) != len(value):
            raise ValueError(f"{where}: seeds {list(value)} repeat a seed")
        return tuple(value)
    raise ValueError(f"{where}: seeds must be a count or a non-empty list of non-negative integers, got {value!r}")


def available_suites() -> list[str]:
    return sorted(p.stem for p in SUITES_DIR.glob("*.toml"))


def load_suite(name_or_path: str | Path) -> Suite:
    """A shipped suite by name (``smoke``, ``core``, ``full``) or a TOML file by path; validated."""
    p = Path(name_or_path)
    if p.suffix != ".toml" and not p.exists():
        p = SUITES_DIR / f"{name_or_path}.toml"
        if not p.is_file():
            raise ValueError(f"unknown suite {name_or_path!r}; choose from {', '.join(available_suites())} or give a .toml path")
    if not p.is_file():
        raise ValueError(f"suite file {p} does not exist")
    text = p.read_text()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{p}: invalid TOML ({exc})") from None
    return parse_suite(data, where=str(p), source=text)


def parse_suite(data: dict, where: str = "suite", source: str = "") -> Suite:
    from ganbench.tasks import get_task
    from ganbench.zoo import get_variant

    unknown = set(data) - TOP_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(TOP_KEYS)}")
    for key in ("name", "seeds", "variants", "tasks"):
        if key not in data:
            raise ValueError(f"{where}: missing required key {key!r}")
    variants = data["variants"]
    if not isinstance(variants, list) or not variants or not all(isinstance(v, str) for v in variants):
        raise ValueError(f"{where}: variants must be a non-empty list of variant names")
    if len(set(variants)) != len(variants):
        raise ValueError(f"{where}: variants repeat a name")
    for v in variants:
        try:
            get_variant(v)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    if not isinstance(data["tasks"], dict) or not data["tasks"]:
        raise ValueError(f"{where}: [tasks] must list at least one task, e.g. [tasks.ring8] budget = {{ g_steps = 1000 }}")
    plans = []
    for tname, spec in data["tasks"].items():
        if not isinstance(spec, dict):
            raise ValueError(f"{where}: [tasks.{tname}] must be a table with a budget")
        bad = set(spec) - TASK_KEYS
        if bad:
            raise ValueError(f"{where}: [tasks.{tname}] unknown key(s) {sorted(bad)}; allowed: {sorted(TASK_KEYS)}")
        try:
            get_task(tname)
            if "budget" not in spec:
                raise ValueError(f"[tasks.{tname}] needs a budget, e.g. budget = {{ g_steps = 1000 }}")
            budget = Budget.parse(spec["budget"])
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        overrides = {k: spec[k] for k in ("n_fake", "n_real", "metrics") if k in spec}
        for k in ("n_fake", "n_real"):
            if k in overrides and (not isinstance(overrides[k], int) or overrides[k] < 2):
                raise ValueError(f"{where}: [tasks.{tname}] {k} must be an integer >= 2")
        plans.append(TaskPlan(tname, budget, overrides))
    return Suite(name=str(data["name"]), description=str(data.get("description", "")),
                 seeds=_seeds(data["seeds"], where), variants=tuple(variants), tasks=tuple(plans),
                 device=str(data.get("device", "auto")), source=source)
