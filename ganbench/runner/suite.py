"""Suites: TOML files listing tasks, variants, seeds, per-task budgets, training settings and
evaluation protocols.

Format (strictly validated when loaded, before anything trains: an unknown key, task, variant or
metric, or a budget that is not a finite positive number, is an error naming it)::

    name = "smoke"
    description = "..."
    seeds = 2                       # number of seeds (indices 0..n-1) or an explicit list [0, 1, 5]
    variants = ["gan-ns", "pacgan", "wgan-gp"]
    claims = ["pacgan-ring8-modes"] # optional: published claims (ganbench.claims) the suite tests

    [tasks.ring8]
    budget = { g_steps = 300 }      # exactly one of g_steps, kimg, seconds, gflops
    eval_at = [50, 100, 200]        # optional: budget points every trial is also judged at (nested budgets)
    train = { batch_size = 64, ema = 0.999 }   # optional: applied to every variant on this task
    variants = ["gan-ns", "pacgan"] # optional: this task's variants instead of the suite's
    n_fake = 2500                   # optional protocol overrides: n_fake, n_real, metrics, headline

    [sequential]                    # optional, with claims: add seeds where a claim is undecided
    max_seeds = 20                  # the most seeds per side (ganbench.report.sequential)
    step = 5                        # seeds added per round (default: the suite's seed count)

    [tune]                          # optional: tune the variants on equal budgets (ganbench.tuning)
    configs = 20                    # N configurations per variant, configuration 0 its own recipe
    sampler_seed = 0                # the seed of the configurations' draws (ganbench.zoo.sample_configurations)
    rerun_seeds = 5                 # fresh seed indices 1..R for the selected configuration and the default
    select_at = "final"             # the budget selection reads: "final" or a point of the task's grid
    variants = ["gan-ns"]           # which of the suite's variants are tuned (default: all)

    [slurm]                         # optional: settings of --backend slurm (flags override them)
    partition = "gpu"
    time_min = 120                  # one task's time limit, minutes
    gpus_per_job = 1
    mem_gb = 16

``eval_at`` (nested budgets): the budget points, in the budget's unit, at which every trial of the task
is judged besides the end of its budget, each by the task's full protocol as if the trial had been
trained to that point (its record's ``curve``). A list of increasing numbers in (0, budget] (the budget
is added as the last point), ``"final"`` (the end only), or absent: the default grid
(:func:`ganbench.harness.budget.default_grid`: the 1-2-5 points in [budget/100, budget) and the
budget, e.g. 100, 200, 500, 1000, 2000, 5000, 10000 for 10,000 steps). A ``seconds`` budget is not
nested: its grid is its end alone. The grid does not change training, so it is not part of a trial's
config hash: a run directory's records are reused when their curve holds every point asked for.

Suites shipped with ganbench live in ``ganbench/suites/*.toml``; ``--suite`` takes their name or a path.
"""
from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

from ganbench.harness.budget import Budget, budget_grid
from ganbench.harness.encoders import encoder_tasks, judgeable
from ganbench.runner.backends.slurm import check_settings as check_slurm_settings
from ganbench.utils.names import check_name

SUITES_DIR = Path(__file__).resolve().parents[1] / "suites"
BACKEND_TABLES = {"slurm": check_slurm_settings}  # top-level tables holding a backend's settings -> their check
TOP_KEYS = {"name", "description", "seeds", "variants", "tasks", "device", "claims", "sequential", "tune",
            *BACKEND_TABLES}
# Reruns of a tuned configuration: at least five fresh seeds (issue 43, after Lucic et al. 2018's
# second phase, which reran the best setting with 50); one seed decides nothing (stats: 4 seeds per
# side are the fewest at which a two-sided test at 0.05 can decide).
MIN_RERUN_SEEDS = 5
TUNE_KEYS = {"configs": "configurations per tuned variant (N >= 2; configuration 0 is the recipe itself)",
             "sampler_seed": "seed of the configurations' draws (default 0)",
             "rerun_seeds": f"fresh seed indices 1..R the selected configuration and the default are rerun with "
                            f"(R >= {MIN_RERUN_SEEDS}, default {MIN_RERUN_SEEDS})",
             "select_at": "the budget point selection reads: \"final\" (default) or a point of the task's grid",
             "variants": "which of the suite's variants are tuned (default: all)"}
SEQUENTIAL_KEYS = {"max_seeds": "the most seeds per side a claim may be given",
                   "step": "seeds added per round to each undecided claim (default: the suite's seed count)"}
TASK_KEYS = {"budget", "eval_at", "n_fake", "n_real", "metrics", "headline", "train", "variants"}
TRAIN_KEYS = {"batch_size": "samples per batch (every variant on the task)",
              "ema": "decay of the generator average that is evaluated and ranked (0: the raw generator)"}


# Draws of every task's floor and ceiling rows, whatever the suite's seed count. "Learned" is a
# one-sided test of a variant's seeds against the floor's draws, and with n seeds against m draws no
# test can go below the exact permutation floor 1 / C(n + m, n) (ganbench.report.stats.welch_p): 3
# seeds against 3 draws could never show learning at α = 0.05 (1/20), 3 against 10 can (1/286), and
# 2 seeds against 10 (1/66). Reference rows only evaluate, so more draws cost seconds, not training.
REFERENCE_DRAWS = 10


@dataclass(frozen=True)
class TaskPlan:
    name: str
    budget: Budget
    overrides: dict = field(default_factory=dict)  # protocol overrides: n_fake, n_real, metrics
    train: dict = field(default_factory=dict)  # training settings applied to every variant: batch_size, ema
    variants: tuple[str, ...] = ()  # this task's variants; empty: the suite's
    eval_at: tuple | str | None = None  # the suite's eval_at: points, "final", or None (the default grid)

    @property
    def grid(self) -> tuple:
        """The budget points every trial of the task is judged at, the budget itself last."""
        return budget_grid(self.budget, self.eval_at)

    def task(self):
        """The task with this suite's protocol overrides applied (a copy; the registry is untouched)."""
        from ganbench.tasks import get_task

        base = get_task(self.name)
        if not self.overrides:
            return base
        t = copy.copy(base)
        over = {k: tuple(v) if k == "metrics" else v if k == "headline" else int(v) for k, v in self.overrides.items()}
        t.protocol = dataclasses.replace(base.protocol, **over)
        return t

    def variant(self, name: str):
        """The variant ``name`` with this task's training settings (its config hash says so)."""
        from ganbench.zoo import get_variant

        v = get_variant(name)
        return v.replace(**self.train) if self.train else v

    def to_dict(self) -> dict:
        d = {"budget": self.budget.to_dict(), "eval_at": list(self.grid), **self.overrides}
        if self.train:
            d["train"] = dict(self.train)
        if self.variants:
            d["variants"] = list(self.variants)
        return d


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    seeds: tuple[int, ...]
    variants: tuple[str, ...]
    tasks: tuple[TaskPlan, ...]
    device: str = "auto"
    source: str = ""  # the TOML text it came from
    backends: dict = field(default_factory=dict)  # backend name -> its settings ([slurm]); they do not change records
    claims: tuple[str, ...] = ()  # ids of ganbench.claims the suite tests
    sequential: dict = field(default_factory=dict)  # max_seeds, step: seeds go to undecided claims (ganbench.api)
    tune: dict = field(default_factory=dict)  # configs, sampler_seed, rerun_seeds, select_at, variants (tuning)

    def to_dict(self) -> dict:
        d = {"name": self.name, "description": self.description, "seeds": list(self.seeds),
             "variants": list(self.variants), "device": self.device,
             "tasks": {t.name: t.to_dict() for t in self.tasks}, **self.backends}
        if self.claims:
            d["claims"] = list(self.claims)
        if self.sequential:
            d["sequential"] = dict(self.sequential)
        if self.tune:
            d["tune"] = {k: list(v) if isinstance(v, tuple) else v for k, v in self.tune.items()}
        return d

    def plan_of(self, task: str) -> TaskPlan:
        for p in self.tasks:
            if p.name == task:
                return p
        raise ValueError(f"suite {self.name!r} has no task {task!r}; its tasks: {', '.join(p.name for p in self.tasks)}")

    def backend_settings(self, backend: str) -> dict:
        """The suite file's settings of ``backend`` (its table, e.g. ``[slurm]``), or none."""
        return dict(self.backends.get(backend, {}))

    @property
    def reference_seeds(self) -> tuple[int, ...]:
        """The draws of each task's reference rows (``init``, ``real``): the suite's seeds and at least
        :data:`REFERENCE_DRAWS` (they only evaluate: a few seconds each)."""
        return tuple(sorted(set(self.seeds) | set(range(REFERENCE_DRAWS))))

    def with_seeds(self, seeds) -> "Suite":
        return dataclasses.replace(self, seeds=_seeds(seeds, "--seeds"))

    def variants_of(self, plan: TaskPlan) -> tuple[str, ...]:
        return plan.variants or self.variants

    @property
    def n_trials(self) -> int:
        """Trials and reference rows (per task and seed: ``real``, ``init`` and the task's others, e.g. a
        translation task's ``identity``); for a tuned suite, at most (the selected configuration may be
        the default, whose reruns are then the selected one's)."""
        from ganbench.harness.reference import reference_kinds
        from ganbench.tasks import get_task

        refs = len(self.reference_seeds)
        if not self.tune:
            return sum(len(self.seeds) * len(self.variants_of(t)) + refs * len(reference_kinds(get_task(t.name)))
                       for t in self.tasks)
        # tuned (ganbench.tuning): N one-seed configurations and at most 2 x R reruns per tuned variant
        n, r, tuned = self.tune["configs"], self.tune["rerun_seeds"], set(self.tune["variants"])
        return sum(sum(n + 2 * r if v in tuned else len(self.seeds) for v in self.variants_of(t))
                   + refs * len(reference_kinds(get_task(t.name))) for t in self.tasks)


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
    try:
        text = p.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"suite file {p} cannot be read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{p}: invalid TOML ({exc})") from None
    return parse_suite(data, where=str(p), source=text)


def _variant_list(value, where: str) -> tuple[str, ...]:
    from ganbench.zoo import get_variant

    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: variants must be a non-empty list of variant names")
    if len(set(value)) != len(value):
        raise ValueError(f"{where}: variants repeat a name")
    for v in value:
        try:
            get_variant(v)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    return tuple(value)


def _train_settings(spec, where: str) -> dict:
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: train must be a table like {{ batch_size = 64 }}")
    bad = set(spec) - set(TRAIN_KEYS)
    if bad:
        raise ValueError(f"{where}: train has unknown key(s) {sorted(bad)}; allowed: {', '.join(TRAIN_KEYS)}")
    if "batch_size" in spec and (isinstance(spec["batch_size"], bool) or not isinstance(spec["batch_size"], int)
                                 or spec["batch_size"] < 2):
        raise ValueError(f"{where}: train.batch_size must be an integer >= 2, got {spec['batch_size']!r}")
    if "ema" in spec and (isinstance(spec["ema"], bool) or not isinstance(spec["ema"], (int, float))
                          or not (0 <= spec["ema"] < 1)):
        raise ValueError(f"{where}: train.ema must be a decay in [0, 1), got {spec['ema']!r}")
    return {k: (float(v) if k == "ema" else v) for k, v in spec.items()}


def _check_metrics(metrics, task, where: str) -> None:
    from ganbench.metrics import METRICS

    if not isinstance(metrics, list) or not metrics or not all(isinstance(m, str) for m in metrics):
        raise ValueError(f"{where}: metrics must be a non-empty list of names, e.g. [\"modes\", \"fid\"]")
    from ganbench.tasks.conditional import CONDITIONAL

    known = set(METRICS) | ({"modes"} if task.n_modes else set()) | ({CONDITIONAL} if getattr(task, "n_classes", 0)
                                                                   else set())
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise ValueError(f"{where}: unknown metric(s) {unknown} for task {task.name!r}; choose from {sorted(known)}")


def _check_headline(headline, metrics, task, where: str) -> None:
    """The value that ranks must be a ranked value the task's metrics compute: a ``metrics`` override
    that drops the headline's metric needs a ``headline`` among what is left."""
    from ganbench.metrics.registry import HIGHER_IS_BETTER, value_info

    if not isinstance(headline, str) or HIGHER_IS_BETTER.get(headline) is None:
        raise ValueError(f"{where} headline must name a ranked value (`ganbench list metrics`), got {headline!r}")
    computed = tuple(metrics) if metrics is not None else task.protocol.metrics
    source = value_info(headline).source
    if source not in computed:
        raise ValueError(f"{where} the headline {headline!r} is computed by metric {source!r}, which metrics = "
                         f"{list(computed)} leaves out; add {source!r} or set headline = a value of those metrics "
                         "(e.g. headline = \"fid\")")


def parse_suite(data: dict, where: str = "suite", source: str = "") -> Suite:
    """Validate a suite's TOML data completely (tasks, variants, budgets, settings, metrics)."""
    from ganbench.tasks import get_task

    unknown = set(data) - TOP_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(TOP_KEYS)}")
    for key in ("name", "seeds", "variants", "tasks"):
        if key not in data:
            raise ValueError(f"{where}: missing required key {key!r}")
    name = data["name"]
    try:
        check_name(name, "suite")  # it names folders and seeds
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    variants = _variant_list(data["variants"], where)
    if not isinstance(data["tasks"], dict) or not data["tasks"]:
        raise ValueError(f"{where}: [tasks] must list at least one task, e.g. [tasks.ring8] budget = {{ g_steps = 1000 }}")
    plans = []
    for tname, spec in data["tasks"].items():
        here = f"{where}: [tasks.{tname}]"
        if not isinstance(spec, dict):
            raise ValueError(f"{here} must be a table with a budget")
        bad = set(spec) - TASK_KEYS
        if bad:
            raise ValueError(f"{here} unknown key(s) {sorted(bad)}; allowed: {sorted(TASK_KEYS)}")
        try:
            task = get_task(tname)
            if "budget" not in spec:
                raise ValueError("needs a budget, e.g. budget = { g_steps = 1000 }")
            budget = Budget.parse(spec["budget"])
        except ValueError as exc:
            raise ValueError(f"{here} {exc}") from None
        overrides = {k: spec[k] for k in ("n_fake", "n_real", "metrics", "headline") if k in spec}
        for k in ("n_fake", "n_real"):
            if k in overrides and (isinstance(overrides[k], bool) or not isinstance(overrides[k], int) or overrides[k] < 2):
                raise ValueError(f"{here} {k} must be an integer >= 2, got {overrides[k]!r}")
        if "metrics" in overrides:
            _check_metrics(overrides["metrics"], task, here)
        _check_headline(overrides.get("headline", task.protocol.headline), overrides.get("metrics"), task, here)
        train = _train_settings(spec["train"], here) if "train" in spec else {}
        plan_variants = _variant_list(spec["variants"], here) if "variants" in spec else ()
        eval_at = spec.get("eval_at")
        if eval_at is not None and eval_at != "final" and not isinstance(eval_at, list):
            raise ValueError(f"{here} eval_at must be a list of budget points such as [500, 1000, 2000] or "
                             f"\"final\", got {eval_at!r}")
        try:
            budget_grid(budget, eval_at)
        except ValueError as exc:
            raise ValueError(f"{here} {exc}") from None
        plans.append(TaskPlan(tname, budget, overrides, train, plan_variants,
                              tuple(eval_at) if isinstance(eval_at, list) else eval_at))
    device = data.get("device", "auto")
    if not isinstance(device, str):
        raise ValueError(f"{where}: device must be a string such as \"auto\", \"cpu\" or \"cuda\"")
    backends = {b: check(data[b], f"{where}: [{b}]") for b, check in BACKEND_TABLES.items() if b in data}
    suite = Suite(name=name, description=str(data.get("description", "")), seeds=_seeds(data["seeds"], where),
                  variants=variants, tasks=tuple(plans), device=device, source=source, backends=backends)
    suite = dataclasses.replace(suite, claims=_claims(data.get("claims"), suite, where))
    suite = dataclasses.replace(suite, sequential=_sequential(data.get("sequential"), suite, where))
    if "tune" in data:
        suite = dataclasses.replace(suite, tune=check_tune(data["tune"], suite, f"{where}: [tune]"))
    for plan in suite.tasks:  # every variant's recipe must hold with the task's settings
        task = get_task(plan.name)
        labelled = bool(getattr(task, "n_classes", 0))
        for v in suite.variants_of(plan):
            try:
                variant = _validated(plan.variant(v))
                if variant.family.conditioning and not labelled:
                    from ganbench.tasks.conditional import labelled_tasks

                    raise ValueError(f"variant {v!r} is conditional and this task has no labels; list it under a "
                                     f"labelled task ({', '.join(labelled_tasks())}) with a task-level "
                                     "variants = [...]")
                if variant.family.inference and not judgeable(task):
                    raise ValueError(f"variant {v!r} has an encoder, and this task has no labels to judge it with; "
                                     f"list it under one of {', '.join(encoder_tasks())} with a task-level "
                                     "variants = [...]")
            except ValueError as exc:
                raise ValueError(f"{where}: [tasks.{plan.name}] {exc}") from None
    return suite


def _claims(value, suite: Suite, where: str) -> tuple[str, ...]:
    """The suite's claim ids, each registered, on one of the suite's tasks, between two of that task's
    variants, on a value the task's protocol computes."""
    from ganbench.claims import get_claim
    from ganbench.metrics.registry import value_info

    if value is None:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(c, str) for c in value):
        raise ValueError(f"{where}: claims must be a non-empty list of claim ids, e.g. [\"pacgan-grid25-modes\"] "
                         "(ganbench list claims)")
    if len(set(value)) != len(value):
        raise ValueError(f"{where}: claims repeat an id")
    tasks = {p.name: p for p in suite.tasks}
    for cid in value:
        try:
            c = get_claim(cid)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        if c.task not in tasks:
            raise ValueError(f"{where}: claim {cid!r} is about task {c.task!r}, which the suite does not train; add "
                             f"[tasks.{c.task}] or drop the claim")
        plan = tasks[c.task]
        missing = [v for v in (c.better, c.worse) if v not in suite.variants_of(plan)]
        if missing:
            raise ValueError(f"{where}: claim {cid!r} compares {c.better} with {c.worse}, and [tasks.{c.task}] does "
                             f"not train {', '.join(missing)}; add it to the task's variants")
        source = value_info(c.metric).source
        if source not in plan.task().protocol.metrics:
            raise ValueError(f"{where}: claim {cid!r} is judged by {c.metric!r} (metric {source!r}), which task "
                             f"{c.task!r}'s protocol does not compute here; add {source!r} to its metrics")
    return tuple(value)


def _sequential(spec, suite: Suite, where: str) -> dict:
    if spec is None:
        return {}
    here = f"{where}: [sequential]"
    if not isinstance(spec, dict):
        raise ValueError(f"{here} must be a table like {{ max_seeds = 20, step = 5 }}")
    bad = set(spec) - set(SEQUENTIAL_KEYS)
    if bad:
        raise ValueError(f"{here} unknown key(s) {sorted(bad)}; allowed: {', '.join(SEQUENTIAL_KEYS)}")
    if not suite.claims:
        raise ValueError(f"{here} needs claims = [...]: the sequential design adds seeds only to decide claims")
    if "max_seeds" not in spec:
        raise ValueError(f"{here} needs max_seeds, the most seeds per side a claim may be given")
    for k, v in spec.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{here} {k} must be a positive integer, got {v!r}")
    if suite.seeds != tuple(range(len(suite.seeds))) or len(suite.seeds) < 2:
        raise ValueError(f"{here} needs seeds = N (a count >= 2: the first look), got {list(suite.seeds)}")
    if spec["max_seeds"] < len(suite.seeds):
        raise ValueError(f"{here} max_seeds {spec['max_seeds']} is below the suite's {len(suite.seeds)} seeds")
    return dict(spec)


def check_tune(spec, suite: Suite, where: str = "[tune]") -> dict:
    """The tuning settings ``spec`` (a suite's ``[tune]`` table, or the same keys from the command
    line) checked against ``suite`` and completed with their defaults: ``{"configs", "sampler_seed",
    "rerun_seeds", "select_at", "variants"}``. Every configuration of every tuned variant is drawn
    here with each task's training settings, so a range that cannot hold there (a packing degree that
    does not divide the task's batch) fails before anything trains."""
    from ganbench.zoo.variants import configuration

    if not isinstance(spec, dict):
        raise ValueError(f"{where} must be a table like {{ configs = 20, rerun_seeds = 5 }}")
    bad = set(spec) - set(TUNE_KEYS)
    if bad:
        raise ValueError(f"{where} unknown key(s) {sorted(bad)}; allowed: {', '.join(TUNE_KEYS)}")
    if suite.claims or suite.sequential:
        raise ValueError(f"{where} a tuned suite does not judge claims: drop claims and [sequential], or tune another "
                         "suite")
    if "configs" not in spec:
        raise ValueError(f"{where} needs configs, the number of configurations per tuned variant (e.g. configs = 20)")
    out = {"configs": spec["configs"], "sampler_seed": spec.get("sampler_seed", 0),
           "rerun_seeds": spec.get("rerun_seeds", MIN_RERUN_SEEDS), "select_at": spec.get("select_at", "final")}
    for key, low in (("configs", 2), ("sampler_seed", 0), ("rerun_seeds", MIN_RERUN_SEEDS)):
        v = out[key]
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise ValueError(f"{where} {key} must be an integer >= {low} ({TUNE_KEYS[key]}), got {v!r}")
    every = tuple(dict.fromkeys(v for p in suite.tasks for v in suite.variants_of(p)))
    if "variants" in spec:
        variants = _variant_list(list(spec["variants"]) if isinstance(spec["variants"], tuple) else spec["variants"],
                                 f"{where} variants")
        missing = [v for v in variants if v not in every]
        if missing:
            raise ValueError(f"{where} variants {missing} are not in the suite ({', '.join(every)}); tune a suite's "
                             "variants, or add them to its variants")
    else:
        variants = every
    out["variants"] = tuple(variants)
    out["select_at"] = _select_at(out["select_at"], suite, variants, where)
    for plan in suite.tasks:
        for v in (v for v in suite.variants_of(plan) if v in variants):
            base = plan.variant(v)
            for i in range(1, out["configs"]):
                try:
                    configuration(base, out["sampler_seed"], i)
                except ValueError as exc:
                    raise ValueError(f"{where} [tasks.{plan.name}] {exc}") from None
    return out


def _select_at(value, suite: Suite, variants, where: str):
    """``"final"``, or a budget point (a number in the unit of every tuned task's budget) on each tuned
    task's grid."""
    if value == "final":
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{where} select_at must be \"final\" or a budget point (a positive number in the budget's "
                         f"unit), got {value!r}")
    for plan in suite.tasks:
        if not any(v in variants for v in suite.variants_of(plan)):
            continue
        unit, total = plan.budget.rule
        # the points the task is judged at: its grid (nested budgets), else its own budget
        grid = tuple(getattr(plan, "grid", (total,)))
        if not any(abs(value - p) <= 1e-9 * max(abs(value), abs(p)) for p in grid):
            raise ValueError(f"{where} select_at {value:g} is not a point of [tasks.{plan.name}]'s budget grid "
                             f"({', '.join(f'{p:g}' for p in grid)} {unit}); use \"final\" or one of them")
    return int(value) if float(value).is_integer() else float(value)


def _validated(variant):
    from ganbench.zoo.variants import validate_variant

    return validate_variant(variant)
