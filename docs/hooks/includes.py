"""MkDocs hook: committed results shown in the docs without copying them into ``docs/``.

- Every file of ``leaderboards/`` that is not Markdown (PNG plots, CSV tables, HTML pages) is added
  to the build as ``leaderboards/<name>``, so a page links it as ``../leaderboards/<name>``.
- ``<!-- ganbench:leaderboard SUITE -->`` is replaced by ``leaderboards/SUITE.md`` (its title
  dropped, its headings one level down), each task's plots (``leaderboards/SUITE_<task>_*.png``)
  after that task's table, and links to the suite's CSV (and HTML page, where one is committed).
- ``<!-- ganbench:include PATH -->`` is replaced by the file ``PATH`` (relative to the repository
  root), its headings one level down.

A re-recorded leaderboard therefore shows up in the docs without editing them; a marker whose
file is missing fails the build.
"""
from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
LEADERBOARDS = ROOT / "leaderboards"
LEADERBOARD = re.compile(r"^<!-- ganbench:leaderboard ([\w.-]+) -->$", re.M)  # alone on its line
INCLUDE = re.compile(r"^<!-- ganbench:include ([\w./-]+) -->$", re.M)
STATIC = (".png", ".csv", ".html", ".svg", ".json")


def on_files(files, config):
    for path in sorted(LEADERBOARDS.glob("*")):
        if path.is_file() and path.suffix in STATIC:
            files.append(File(f"leaderboards/{path.name}", src_dir=str(ROOT), dest_dir=config["site_dir"],
                              use_directory_urls=config["use_directory_urls"]))
    return files


def _read(rel: str) -> str:
    path = (ROOT / rel).resolve()
    if ROOT not in path.parents or not path.is_file():
        raise PluginError(f"docs include: {rel} does not exist (relative to the repository root {ROOT})")
    return path.read_text(encoding="utf-8")


def _demote(text: str, drop_title: bool = False) -> list[str]:
    """The lines of ``text`` with every heading one level down (outside code fences)."""
    out, fenced = [], False
    for line in text.splitlines():
        if line.startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,5} ", line):
            if drop_title and line.startswith("# "):
                drop_title = False
                continue
            line = "#" + line
        out.append(line)
    return out


def _link(page, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(page.file.src_uri) or ".")


def _alt(name: str, where: str) -> str:
    """Alt text from the plot's file name (what ``ganbench.report.publish`` writes)."""
    kind = name.rsplit(".", 1)[0].rsplit("_", 1)[-1]
    what = {"samples": "samples of every row, seed 0", "reconstructions": "held-out inputs and their reconstructions",
            "mixing": "style-mixing grid", "truncation": "FID against truncation ψ"}
    what = what.get(kind, f"bar chart of {kind}, every row")
    return f"{where}: {what}"


def _images(page, names, where: str) -> list[str]:
    return [f"![{_alt(name, where)}]({_link(page, 'leaderboards/' + name)})\n" for name in names]


def render_leaderboard(suite: str, page) -> str:
    lines = _demote(_read(f"leaderboards/{suite}.md"), drop_title=True)
    pngs = sorted(p.name for p in LEADERBOARDS.glob(f"{suite}_*.png"))
    # plots the tables place themselves (a task's learning curves): linked where they stand, not repeated
    inline = re.compile(r"\]\(([\w.-]+\.png)\)")
    used: set[str] = {n for line in lines for n in inline.findall(line)}
    lines = [inline.sub(lambda m: f"]({_link(page, 'leaderboards/' + m.group(1))})", line) for line in lines]
    out: list[str] = []
    pending: list[str] = []

    def flush():
        out.extend(["", *pending, ""] if pending else [])
        pending.clear()

    for line in lines:
        m = re.match(r"### (\S+)", line)
        if m:
            flush()
            task = m.group(1)
            mine = [n for n in pngs if n.startswith(f"{suite}_{task}_") and n not in used]
            used.update(mine)
            pending.extend(_images(page, mine, task))
        out.append(line)
    flush()
    rest = [n for n in pngs if n not in used]
    if rest:
        out += ["### Plots", "", *_images(page, rest, suite)]
    links = [f"[`{n}`]({_link(page, 'leaderboards/' + n)})"
             for n in (f"{suite}.csv", f"{suite}_long.csv", f"{suite}.html") if (LEADERBOARDS / n).is_file()]
    out += ["", f"Files: `leaderboards/{suite}.md` (the tables above)" + "".join(", " + x for x in links) + ".", ""]
    return "\n".join(out)


def on_page_markdown(markdown, page, config, files):
    markdown = LEADERBOARD.sub(lambda m: render_leaderboard(m.group(1), page), markdown)
    return INCLUDE.sub(lambda m: "\n".join(_demote(_read(m.group(1)))), markdown)
