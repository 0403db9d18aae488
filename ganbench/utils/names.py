"""The one rule for everything a user or a plugin names: variants, tasks, task families, losses, steps,
feature extractors, claims and suites.

A name becomes part of file names (``{task}__{variant}__s{seed}.json``, checkpoint folders, run
folders), of TOML files, tables and shell commands, so it is checked when it is registered:

- plain ASCII: letters, digits and ``. _ + = -``, starting with a letter or a digit (the file-name
  rule of :func:`ganbench.records.safe_name`, which then keeps it unchanged). ASCII rules out names
  that look alike but differ (Cyrillic ``а`` for Latin ``a``, ``é`` composed or as ``e`` + accent)
  and every invisible character (zero-width joiners, bidi overrides), which are refused by name;
- no ``..`` or ``__`` (a trial id joins its parts with ``__``), no trailing ``.`` and no Windows
  device name (``con``, ``nul``, ``com1`` ...), so that the name is one file name on every system;
- at most :data:`MAX_LENGTH` characters: a trial's files (task and variant names, the seed, a
  suffix such as ``_samples.npz``) stay well under the 255 bytes a file name may have;
- no two registered names of one kind share a :func:`collision_key` (NFKC, then case folding):
  ``GAN-NS`` and ``gan-ns`` would be one file on case-insensitive file systems (macOS, Windows).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

MAX_LENGTH = 80
ALLOWED = "letters, digits and . _ + = -"
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+=-]*")
_CHAR = re.compile(r"[A-Za-z0-9._+=-]")
# Windows device names (a tuple, not a set: code digests print constants, and a set prints in an order
# that changes from one process to the next)
_DEVICES = ("aux", "con", "nul", "prn", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10)))


def _describe(ch: str) -> str:
    return f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})"


def check_name(name, kind: str) -> str:
    """``name`` unchanged when it follows the rule above; otherwise ``ValueError`` with one line
    saying what is wrong, e.g. ``variant name 'A$^$' may contain only letters, digits and . _ + = -``."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"{kind} name must be a non-empty string, got {name!r}")
    if len(name) > MAX_LENGTH:
        raise ValueError(f"{kind} name {name[:24]!r}... has {len(name)} characters; at most {MAX_LENGTH} "
                         "(it becomes part of file names)")
    for ch in name:
        if _CHAR.fullmatch(ch):
            continue
        category = unicodedata.category(ch)
        if category in ("Cf", "Cc", "Zl", "Zp") or (category == "Zs" and ch != " "):
            raise ValueError(f"{kind} name {name!r} contains the invisible or control character {_describe(ch)}; "
                             "retype the name")
        if ord(ch) > 127:
            raise ValueError(f"{kind} name {name!r} may contain only ASCII {ALLOWED}, found {_describe(ch)}: "
                             "non-ASCII names can look like other names and change under Unicode normalisation")
        raise ValueError(f"{kind} name {name!r} may contain only {ALLOWED}, found {ch!r}")
    if not _PLAIN.fullmatch(name):
        raise ValueError(f"{kind} name {name!r} must start with a letter or a digit")
    for bad, why in (("..", "it would read as a parent folder"), ("__", "it separates the parts of a trial id")):
        if bad in name:
            raise ValueError(f"{kind} name {name!r} must not contain {bad!r}: {why}")
    if name.endswith("."):
        raise ValueError(f"{kind} name {name!r} must not end with '.': Windows drops it from file names")
    if name.split(".", 1)[0].lower() in _DEVICES:
        raise ValueError(f"{kind} name {name!r} is a device name on Windows and cannot name a file there; "
                         "pick another name")
    return name


def collision_key(name: str) -> str:
    """What two names must not share to be told apart on every file system and screen: the name in
    Unicode NFKC, case-folded, without invisible (format) characters."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")


def check_new_name(name, kind: str, registered: Iterable[str]) -> str:
    """:func:`check_name`, and that ``name`` does not collide with another of the ``registered``
    names of its kind (the same name is the caller's business: a duplicate or an idempotent
    re-registration)."""
    check_name(name, kind)
    key = collision_key(name)
    for other in registered:
        if other != name and collision_key(other) == key:
            where = ("on case-insensitive file systems" if other.casefold() == name.casefold()
                     else "after Unicode normalisation")
            raise ValueError(f"{kind} {name!r} collides with the registered {other!r} {where}; pick another name")
    return name
