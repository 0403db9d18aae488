"""MkDocs hook: the CLI reference, rendered from ``ganbench.cli.build_parser()`` at build time.

A page that holds the marker ``<!-- ganbench:cli -->`` (alone on its line) gets, in its place, one section per
subcommand (nested subcommands included): its help line, its usage, and a table of its arguments
with their defaults, choices and help. Generated from the parser itself, so the page cannot drift
from what ``ganbench --help`` says.
"""
from __future__ import annotations

import argparse
import html
import os
import re

MARKER = re.compile(r"^<!-- ganbench:cli -->$", re.M)  # alone on its line (not a mention in `code`)
WIDTH = "100"  # argparse wraps usage to $COLUMNS: fixed, so the page does not depend on the terminal


def _inline(text: str) -> str:
    """HTML-escape help text and render its `backticks` as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text or "", quote=False))


def _subcommands(parser: argparse.ArgumentParser):
    """(name, help, subparser) for each subcommand of ``parser``, in definition order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, helps.get(name, ""), sub


def _argument_row(action, formatter) -> str:
    if action.option_strings:
        name = ", ".join(action.option_strings)
        if action.nargs != 0:  # a flag with a value: its metavar (choices go to their own column)
            name += " " + (action.metavar or action.dest.upper() if action.choices else
                           formatter._format_args(action, formatter._get_default_metavar_for_optional(action)))
    else:
        name = formatter._format_args(action, formatter._get_default_metavar_for_positional(action))
    default = ""
    if action.option_strings and action.nargs != 0 and action.default not in (None, argparse.SUPPRESS):
        default = str(action.default)
    if action.required and action.option_strings:
        default = "required"
    choices = ", ".join(str(c) for c in action.choices) if action.choices else ""
    text = formatter._expand_help(action) if action.help else ""
    return "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
        html.escape(name), f"<code>{html.escape(default)}</code>" if default else "", html.escape(choices),
        _inline(text))


def _argument_tables(parser: argparse.ArgumentParser, formatter) -> list[str]:
    """One table per argument group (positional and options first, then named groups with their title)."""
    out = []
    for group in parser._action_groups:
        actions = [a for a in group._group_actions
                   if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction))]
        if not actions:
            continue
        if group.title not in ("positional arguments", "options", "optional arguments"):
            out += [f"*{_inline(group.title)}*" + (f": {_inline(group.description)}" if group.description else ""), ""]
        out += ["<table><thead><tr><th>argument</th><th>default</th><th>choices</th><th>what it does</th></tr>"
                "</thead><tbody>", *(_argument_row(a, formatter) for a in actions), "</tbody></table>", ""]
    return out


def _section(prog: str, help_text: str, parser: argparse.ArgumentParser, level: int) -> list[str]:
    formatter = parser._get_formatter()
    out = [f"{'#' * level} `{prog}`", ""]
    if help_text:
        text = _inline(help_text)
        out += [text[:1].upper() + text[1:] + ("" if text.endswith(".") else "."), ""]
    out += ["```text", formatter._format_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups,
                                              "usage: ").rstrip(), "```", ""]
    out += _argument_tables(parser, formatter)
    for name, sub_help, sub in _subcommands(parser):
        out += _section(f"{prog} {name}", sub_help, sub, min(level + 1, 4))
    return out


def render_cli() -> str:
    """The Markdown of every subcommand of the ganbench CLI."""
    from ganbench.cli import build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        parser = build_parser()
        out = []
        for name, help_text, sub in _subcommands(parser):
            out += _section(f"ganbench {name}", help_text, sub, 2)
        return "\n".join(out)
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous


def on_page_markdown(markdown, page, config, files):
    if MARKER.search(markdown):
        markdown = MARKER.sub(lambda m: render_cli(), markdown)
    return markdown
