"""MkDocs hook: the metric tables, rendered from ``ganbench.metrics.registry`` at build time.

Markers (each replaced where it stands):

- ``<!-- ganbench:metric-values -->``: every value of ``VALUES`` (key, readable label, direction,
  inputs, what it is, the tasks ``ganbench list metrics`` names, citation, compare's equivalence
  margin, what a diverged seed scores), one table per group that computes it;
- ``<!-- ganbench:metric-specs -->``: the feature-space metrics of ``METRICS`` with their options and
  the defaults of ``ganbench.metrics.defaults.DEFAULTS``;
- ``<!-- ganbench:metric-inputs -->``: the inputs a value may need (``INPUTS``).

The registry is the one vocabulary of leaderboards, ``compare``, ``check`` and ``list metrics``; this
page reads it too, so it lists what exists.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

VALUES_MARKER = re.compile(r"^<!-- ganbench:metric-values -->$", re.M)
SPECS_MARKER = re.compile(r"^<!-- ganbench:metric-specs -->$", re.M)
INPUTS_MARKER = re.compile(r"^<!-- ganbench:metric-inputs -->$", re.M)
DIRECTION = {True: "higher is better", False: "lower is better", None: "not ranked"}


# MkDocs loads each hook by its path, so the shared HTML helpers come from this folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from html_table import code as _code, e as _e, table as _table  # noqa: E402


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _margin(v) -> str:
    if v.margin is None:
        return ""
    return f"{v.margin:.0%} of the reference" if v.relative else f"{v.margin:g}"


def _worst(v) -> str:
    if v.higher_is_better is None:
        return ""
    if v.worst is None:
        return "below every value (unbounded: ranks)"
    return f"{v.worst:g}"


def listed_tasks() -> dict[str, list[str]]:
    """Value -> the tasks ``ganbench list metrics`` names for it (what tests/tasks/test_vocabulary.py
    checks against each task's evaluation), read from that command's own output."""
    import contextlib
    import io

    from ganbench.cli import main
    from ganbench.tasks import TASK_FAMILIES, TASKS

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["list", "metrics"])
    rows = {}
    for line in out.getvalue().splitlines()[1:]:
        tokens = [t for word in line.split() for t in word.split(",")]
        names = [t for t in tokens if t in TASKS]
        names += [f"{t.split(':')[0]}:" for t in tokens if t.split(":")[0] in TASK_FAMILIES and ":" in t]
        rows[line.split()[0].split("[", 1)[0]] = list(dict.fromkeys(names))
    return rows


def render_values() -> str:
    from ganbench.metrics.registry import METRICS, VALUES

    tasks = listed_tasks()
    groups: dict[str, list] = {}
    for v in VALUES.values():
        groups.setdefault(v.source, []).append(v)
    out = []
    for source, values in groups.items():
        title = f"`--metrics {source}`" if source in METRICS else f"The {source} group"
        out += [f"### {title} {{#values-{_slug(source)}}}", ""]
        rows, ids = [], [f"value-{v.key}" for v in values]
        for v in values:
            key = _code(f"{v.key}[extractor]" if v.per_extractor else v.key)
            label = _e(v.header("", None)) + (" (shown as %)" if v.percent else "")
            applies = tasks.get(v.key) or ["none shipped (ganbench eval)"]
            what = _e(v.description) + f"<br>tasks: {_e(', '.join(applies))}"
            rows.append([key, label, DIRECTION[v.higher_is_better], _e(", ".join(v.needs)), what, _e(v.paper),
                         _e(_margin(v)), _e(_worst(v))])
        out += [_table(["key", "label", "direction", "needs", "what it is", "citation", "compare margin",
                        "diverged seed"], rows, ids), ""]
    return "\n".join(out)


def render_specs() -> str:
    from ganbench.metrics.registry import METRICS

    rows = []
    for spec in METRICS.values():
        values = ", ".join(_code(k) for k in spec.higher_is_better)
        options = "<br>".join(f"{_code(k)} = {_code(repr(d))}" for k, d in spec.defaults.items()) or ""
        rows.append([_code(spec.name), values, options, _e(spec.paper)])
    return _table(["metric (<code>--metrics</code>)", "values", "options (defaults)", "citation"], rows)


def render_inputs() -> str:
    from ganbench.metrics.registry import INPUTS

    return _table(["input", "what it is"], [[_e(k), _e(v)] for k, v in INPUTS.items()])


def on_page_markdown(markdown, page, config, files):
    for marker, render in ((VALUES_MARKER, render_values), (SPECS_MARKER, render_specs),
                           (INPUTS_MARKER, render_inputs)):
        if marker.search(markdown):  # a marker alone on its line (not a mention in `code`)
            markdown = marker.sub(lambda m: render(), markdown)
    return markdown
