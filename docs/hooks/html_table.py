"""The HTML pieces the generated reference pages share (imported by the hooks beside this file; not a
hook itself, so mkdocs.yml does not list it)."""
from __future__ import annotations

import html


def e(text) -> str:
    return html.escape(str(text), quote=False)


def code(text) -> str:
    return f"<code>{e(text)}</code>"


def table(head: list[str], rows: list[list[str]], ids: list[str] | None = None) -> str:
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "\n".join(("<tr>" if ids is None else f'<tr id="{e(ids[i])}">')
                     + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for i, row in enumerate(rows))
    return f"<table><thead><tr>{th}</tr></thead><tbody>\n{body}\n</tbody></table>"
