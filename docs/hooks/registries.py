"""MkDocs hook: the zoo, the tasks and the shipped suites, rendered from their registries at build time.

Markers (each replaced where it stands):

- ``<!-- ganbench:variants -->``: every registered variant (``ganbench.zoo.VARIANTS``): loss, what
  it adds, critic steps, optimiser settings, search space, paper and its own note;
- ``<!-- ganbench:search-ranges -->``: every tunable hyper-parameter, its range and its source
  (``ganbench.zoo.recipe.TUNABLE``);
- ``<!-- ganbench:tasks -->``: every registered task and task family (``ganbench.tasks``): shape,
  modes, metrics, extractor, sample counts, source;
- ``<!-- ganbench:suites -->``: every shipped suite (``ganbench/suites/*.toml``): its description,
  seeds, trials and, per task, budget, training settings and variants;
- ``<!-- ganbench:record-fields -->``: every field of ``TrialRecord``, its type, default and the
  comment beside it in ``ganbench/records/record.py``.

What ``ganbench list variants|tasks|suites`` prints, as tables that cannot drift from the code.
"""
from __future__ import annotations

import ast
import inspect
import io
import re
import sys
import textwrap
import tokenize
from pathlib import Path

VARIANTS_MARKER = re.compile(r"^<!-- ganbench:variants -->$", re.M)
RANGES_MARKER = re.compile(r"^<!-- ganbench:search-ranges -->$", re.M)
TASKS_MARKER = re.compile(r"^<!-- ganbench:tasks -->$", re.M)
SUITES_MARKER = re.compile(r"^<!-- ganbench:suites -->$", re.M)
RECORD_MARKER = re.compile(r"^<!-- ganbench:record-fields -->$", re.M)
ORDER = ("smoke", "core", "conditional", "inference", "translation", "images", "full")  # short to long; others after


# MkDocs loads each hook by its path, so the shared HTML helpers come from this folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from html_table import code as _code, e as _e, table as _table  # noqa: E402


def render_variants() -> str:
    from ganbench.zoo import VARIANTS
    from ganbench.zoo.space import format_space

    rows, ids = [], []
    for v in VARIANTS.values():
        o = v.optim
        lr = f"{o.lr:g}" + (f" (D {o.d_lr:g})" if o.d_lr else "")
        rows.append([_code(v.name), _code(v.loss), _e(", ".join(v.additions()) or "-"), str(o.n_critic),
                     _e(f"{o.optimizer} {lr}, β = {tuple(o.betas)}"), "<br>".join(_e(x) for x in format_space(v.search_space()).split("; ")),
                     _e(v.paper), _e(v.doc)])
        ids.append(f"variant-{v.name}")
    return _table(["variant", "loss", "adds", "D steps", "optimiser", "search space", "paper", "note"], rows, ids)


def render_search_ranges() -> str:
    """Every tunable hyper-parameter's range and its source (declared once, on the recipe's fields)."""
    from ganbench.zoo.recipe import TUNABLE

    rows = [[_code(name), _code(flat), _e(str(t.dist)), _e(t.source)] for name, (flat, t) in TUNABLE.items()]
    return _table(["hyper-parameter", "field", "range", "source"], rows, [f"range-{n}" for n in TUNABLE])


def render_tasks() -> str:
    from ganbench.tasks import TASK_FAMILIES, TASKS, get_task

    rows, ids = [], []
    for name in TASKS:
        i = get_task(name).info()
        rows.append([_code(name), _e("×".join(map(str, i["shape"]))), _e(i["modes"] or ""),
                     _e(", ".join(i["metrics"])), _code(i["extractor"]), _e(f"{i['n_real']} / {i['n_fake']}"),
                     _e(i["paper"])])
        ids.append(f"task-{name}")
    for prefix, factory in TASK_FAMILIES.items():
        i = {"arg": "PATH", "metrics": "fid,kid,pr", "n_real/n_fake": "all / 50000", **getattr(factory, "listing", {})}
        rows.append([_code(f"{prefix}:{i['arg']}"), "from the data", "", _e(i["metrics"].replace(",", ", ")),
                     _code("inception"), _e(i["n_real/n_fake"]), "your data"])
        ids.append(f"task-{prefix}")
    return _table(["task", "shape", "modes", "metrics", "extractor", "n_real / n_fake", "source"], rows, ids)


def render_suites() -> str:
    from ganbench.runner.suite import available_suites, load_suite

    out = []
    for name in sorted(available_suites(), key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n)):
        s = load_suite(name)
        out += [f"### `{name}` {{#suite-{name}}}", "", _e(s.description) + ".", "",
                f"Seeds: {', '.join(map(str, s.seeds))}; {s.n_trials} trials and reference rows "
                f"(`ganbench run --suite {name}`).", ""]
        rows = []
        for plan in s.tasks:
            budget = ", ".join(f"{k} = {v:g}" for k, v in plan.budget.to_dict().items() if v is not None)
            train = ", ".join(f"{k} = {v:g}" for k, v in plan.train.items())
            rows.append([_code(plan.name), _e(budget), _e(train), ", ".join(_code(v) for v in s.variants_of(plan))])
        out += [_table(["task", "budget per trial", "training settings", "variants"], rows), ""]
    return "\n".join(out)


def render_record_fields() -> str:
    from ganbench.records import TrialRecord

    source = textwrap.dedent(inspect.getsource(TrialRecord))
    comments = {tok.start[0]: tok.string.lstrip("# ")
                for tok in tokenize.generate_tokens(io.StringIO(source).readline) if tok.type == tokenize.COMMENT}
    rows, ids = [], []
    for node in ast.parse(source).body[0].body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            default = "" if node.value is None else ast.unparse(node.value)
            if default.startswith("field(default_factory="):  # field(default_factory=dict) -> {}
                default = {"dict": "{}", "list": "[]"}.get(default[len("field(default_factory="):-1], default)
            rows.append([_code(node.target.id), _code(ast.unparse(node.annotation)),
                         _code(default) if default else "required", _e(comments.get(node.lineno, ""))])
            ids.append(f"field-{node.target.id}")
    return _table(["field", "type", "default", "note (from the source)"], rows, ids)


def on_page_markdown(markdown, page, config, files):
    for marker, render in ((VARIANTS_MARKER, render_variants), (RANGES_MARKER, render_search_ranges),
                           (TASKS_MARKER, render_tasks),
                           (SUITES_MARKER, render_suites), (RECORD_MARKER, render_record_fields)):
        if marker.search(markdown):  # a marker alone on its line (not a mention in `code`)
            markdown = marker.sub(lambda m: render(), markdown)
    return markdown
