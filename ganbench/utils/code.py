"""Code fingerprints: digests of the source a result depends on, function by function.

A record's identity must change when the code that made it changes (a resumed run must not reuse a
number today's code would not produce). :func:`code_digests` walks the code reachable from a few
*roots* (the functions and classes that train and judge a trial) and digests each reached
module-level function or class on its own:

- an object's digest covers its source with comments, docstrings, blank lines and trailing
  whitespace removed (editing prose does not re-plan anything), plus the values of the simple
  module-level constants it names (``CONFIDENT = 0.99``), but not what a
  :class:`~ganbench.utils.cache.ProcessCache` holds (state a process fills as it runs);
- from it, the walk follows every name its source reads (``foo``, ``module.foo``) that resolves, in
  the object's module, to a function or class of a followed module (ganbench's own, and the modules of
  the roots: a plugin's file) and to the bases of a class. Nested functions and methods are part of
  their enclosing object. Registries (dicts of functions) are not followed: what a trial picks from
  them (its loss, its step, its networks) is a root, so editing one loss changes only the trials
  that train with it.

The walk reads source text and its syntax tree only, so digests do not depend on the Python version
or on import order. What dynamic dispatch hides from it is found by the tests, which trace real
trials and check that every ganbench function they execute is covered.
"""
from __future__ import annotations

import ast
import dataclasses
import hashlib
import importlib
import inspect
import io
import sys
import textwrap
import tokenize
import types
from functools import lru_cache
from pathlib import Path

from ganbench.utils.cache import ProcessCache

DIGEST_CHARS = 12
_SIMPLE = (int, float, str, bytes, bool, type(None))


def normalised_source(source: str) -> str:
    """``source`` without comments, docstrings, blank lines and trailing whitespace."""
    source = textwrap.dedent(source)
    tree = _parse_fragment(source)
    if tree is None:
        return " ".join(source.split())
    drop: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                drop.update(range(first.lineno, first.end_lineno + 1))
    comment_at = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comment_at[tok.start[0]] = tok.start[1]
    lines = []
    for number, line in enumerate(source.splitlines(), 1):
        if number in drop:
            continue
        line = line[: comment_at[number]] if number in comment_at else line
        if line.strip():
            lines.append(line.rstrip())
    return "\n".join(lines)


def _canonical(value) -> str:
    """``repr`` of a simple value that does not depend on the process: a set's order follows string
    hashing, which Python salts per process, so sets (and frozensets) are written sorted."""
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_canonical(v) for v in value)) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_canonical(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_canonical(k)}: {_canonical(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _simple(value) -> bool:
    if isinstance(value, _SIMPLE):
        return True
    if isinstance(value, (tuple, list, frozenset, set)):
        return all(_simple(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, _SIMPLE) and _simple(v) for k, v in value.items())
    return False


def _unwrap(obj):
    """The function behind a decorator that keeps ``__wrapped__`` (``lru_cache``), the class of a
    callable instance; None for what has no source of its own."""
    obj = inspect.unwrap(obj) if callable(obj) else obj
    if inspect.isfunction(obj) or inspect.isclass(obj):
        return obj
    if isinstance(obj, types.MethodType):
        return _unwrap(obj.__func__)
    if callable(obj) and not isinstance(obj, (types.BuiltinFunctionType, types.ModuleType)):
        return type(obj)
    return None


def _defined_as(obj) -> str:
    """Where ``obj`` was defined: its code's qualified name (a factory may rename what it returns)."""
    code = getattr(obj, "__code__", None)
    return getattr(code, "co_qualname", None) or obj.__qualname__


def _top_level(obj):
    """The module-level object that holds ``obj`` (a nested function's enclosing function, a
    method's class), so that every object is digested once, whole."""
    module = sys.modules.get(obj.__module__)
    head = _defined_as(obj).split(".", 1)[0]
    top = getattr(module, head, None) if module is not None else None
    top = _unwrap(top) if top is not None else None
    return top if top is not None and getattr(top, "__module__", None) == obj.__module__ else obj


def qualified_name(obj) -> str:
    """``module.qualname``; a lambda is named by its source, as many share the name ``<lambda>``."""
    name = _defined_as(obj)
    if name.endswith("<lambda>"):
        name += "#" + hashlib.sha256(_parsed(obj)[0].encode()).hexdigest()[:8]
    return f"{obj.__module__}.{name}"


@lru_cache(maxsize=None)
def _parsed(obj) -> tuple[str, tuple[str, ...], tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(normalised source, names read, (name, attribute) pairs read, (module, name) pairs imported
    inside it) of a function or class."""
    try:
        source = inspect.getsource(obj)
    except (OSError, TypeError):
        return "", (), (), ()
    names, attrs, imports = set(), set(), set()
    tree = _parse_fragment(textwrap.dedent(source))
    if tree is None:
        return " ".join(source.split()), (), (), ()
    package = obj.__module__.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            attrs.add((node.value.id, node.attr))
        elif isinstance(node, ast.ImportFrom) and node.module:  # an import inside a function
            base = node.module if not node.level else ".".join([package.rsplit(".", node.level - 1)[0], node.module])
            imports.update((base, a.name) for a in node.names)
    return normalised_source(source), tuple(sorted(names)), tuple(sorted(attrs)), tuple(sorted(imports))


def _parse_fragment(source: str):
    """The syntax tree of ``source``; a lambda's source is the line(s) around it, which may be part
    of a larger expression (a dict entry, an argument): try it inside brackets too."""
    for wrapped in (source, f"({source})", f"x = {{{source}}}", f"x = [{source}]", f"f({source})"):
        try:
            return ast.parse(wrapped)
        except SyntaxError:
            continue
    return None


def _file_digest(path: Path) -> str:
    """A data file's digest; a folder's covers its files' names and contents."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return hashlib.sha256("".join(f"{p.relative_to(path)} {_file_digest(p)}\n" for p in files).encode()).hexdigest()[
            :DIGEST_CHARS]
    return hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_CHARS]


def _held(table) -> list:
    """The functions and classes a table (a dict, list or tuple, one level of tuples deep) holds."""
    values = table.values() if isinstance(table, dict) else table
    out = []
    for v in values:
        out += [f for f in (v if isinstance(v, tuple) else (v,)) if inspect.isfunction(f) or inspect.isclass(f)]
    return out


def code_digests(roots, follow=("ganbench",), exclude=(), registries=()) -> dict[str, str]:
    """``{qualified name: digest}`` of every module-level function and class reachable from
    ``roots`` (functions, classes or callable instances) through modules whose name starts with one
    of ``follow`` (the roots' own packages are always followed), except modules in ``exclude``.
    Tables the code reads (a dict of functions) are followed into, except ``registries``: tables
    whose entries are chosen per trial, and so are roots themselves."""
    skip = {id(r) for r in registries}
    modules = set(follow)
    seen: dict[str, str] = {}
    todo = []
    for r in roots:
        obj = _unwrap(r)
        if obj is None:
            raise ValueError(f"cannot fingerprint {r!r}: it is not a function, a class or a callable instance")
        modules.add(obj.__module__.split(".")[0])  # a root's own package (a plugin's) is followed too
        todo.append(_top_level(obj))
        if obj is type(r):  # a callable instance: what it was built with decides what it computes
            state = vars(r) if hasattr(r, "__dict__") else {}
            todo += [_top_level(_unwrap(v)) for v in state.values() if inspect.isfunction(v)]
            todo += [_top_level(_unwrap(f)) for v in state.values() if isinstance(v, tuple)
                     for f in v if inspect.isfunction(f)]
            simple = {k: v for k, v in state.items() if _simple(v)}
            seen[f"{qualified_name(obj)}()"] = hashlib.sha256(repr(sorted(simple.items())).encode()).hexdigest()[
                :DIGEST_CHARS]

    def followed(obj) -> bool:
        mod = getattr(obj, "__module__", None) or ""
        return (any(mod == m or mod.startswith(m + ".") for m in modules)
                and not any(mod == x or mod.startswith(x + ".") for x in exclude))

    while todo:
        obj = todo.pop()
        key = qualified_name(obj)
        if key in seen:
            continue
        source, names, attrs, imports = _parsed(obj)
        namespace = vars(sys.modules[obj.__module__]) if obj.__module__ in sys.modules else {}
        parts = [source or f"<no source: {key}>"]
        reached = []
        for name in names:
            if name not in namespace or (name.startswith("__") and name.endswith("__")):
                continue  # a local, a builtin, an argument, or the module's own __file__ (where it lives)
            value = namespace[name]
            if isinstance(value, ProcessCache):  # state the process fills as it runs, not code
                parts.append(f"{name}=<process cache>")
            elif id(value) in skip:  # a registry: what a trial picks from it is a root of its own
                parts.append(f"{name}=<registry>")
            elif isinstance(value, Path):  # a data file or folder the code reads (a classifier's weights)
                parts.append(f"{name}={_file_digest(value) if value.exists() else str(value)}")
            elif _simple(value):
                parts.append(f"{name}={_canonical(value)}")
            else:
                reached.append(value)
        for base, attr in attrs:
            module = namespace.get(base)
            if isinstance(module, types.ModuleType) and hasattr(module, attr):
                value = getattr(module, attr)
                if isinstance(value, ProcessCache) or id(value) in skip:
                    parts.append(f"{base}.{attr}=<{'registry' if id(value) in skip else 'process cache'}>")
                elif _simple(value) and (module.__name__.startswith(tuple(modules))):
                    parts.append(f"{base}.{attr}={_canonical(value)}")
                else:
                    reached.append(value)
        for module_name, attr in imports:
            module = sys.modules.get(module_name)
            if module is None and module_name.startswith(tuple(modules)):
                module = importlib.import_module(module_name)
            if module is not None and hasattr(module, attr):
                reached.append(getattr(module, attr))
        if inspect.isclass(obj):
            reached += [b for b in obj.__mro__[1:] if b is not object]
            if dataclasses.is_dataclass(obj):  # field defaults built at class creation
                parts += [f"{f.name}={f.default!r}" for f in dataclasses.fields(obj) if _simple(f.default)]
        seen[key] = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:DIGEST_CHARS]
        for table in [v for v in reached if isinstance(v, (dict, list, tuple)) and id(v) not in skip]:
            reached += _held(table)
        for value in reached:
            if isinstance(value, (dict, list, tuple)):
                continue
            target = _unwrap(value) if not isinstance(value, types.ModuleType) else None
            if target is not None and followed(target):
                top = _top_level(target)
                if qualified_name(top) not in seen:
                    todo.append(top)
    return dict(sorted(seen.items()))


def fingerprint(digests: dict[str, str]) -> str:
    """One digest of a ``code_digests`` map (16 hex characters)."""
    text = "\n".join(f"{k} {v}" for k, v in sorted(digests.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def module_changes(old: dict, new: dict) -> list[str]:
    """The modules whose code differs between two records' ``code`` entries (``{"fingerprint",
    "modules": {module: digest}}``, ``ganbench.harness.identity.code_summary``); a record written before
    code was recorded has none, and then every module counts as changed (``["(not recorded)"]``)."""
    a, b = (old or {}).get("modules"), (new or {}).get("modules")
    if a is None or b is None:
        return [] if a == b else ["(not recorded)"]
    return sorted(m for m in set(a) | set(b) if a.get(m) != b.get(m))


def changed(old: dict, new: dict) -> list[str]:
    """The qualified names whose code differs between two ``code_digests`` maps (added, removed or
    edited), sorted."""
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
