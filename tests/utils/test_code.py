"""Code digests: prose does not count, code does, and the walk follows what the code reads."""
import importlib
import sys
import textwrap

import pytest

from ganbench.utils.code import changed, code_digests, fingerprint, normalised_source

MODULE = '''
"""A module."""
import math

SCALE = 2.0
TABLE = {"a": lambda x: x + 1, "b": lambda x: x - 1}


def helper(x):
    return x * SCALE


def untouched(x):
    return -x


def loss(x):
    """Uses the helper."""
    from {pkg}.other import far
    return helper(x) + far(x)  # a comment


def via_table(x):
    return TABLE["a"](x)


class Base:
    def f(self):
        return 1


class Child(Base):
    def g(self):
        return math.sqrt(helper(1.0))
'''
OTHER = '''
def far(x):
    return x ** 3
'''


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A throwaway package ``pkgN`` with ``mod`` and ``other``; ``write(mod=..., other=...)`` edits it
    and returns the freshly imported ``mod``."""
    name = f"gb_code_pkg_{len(list(tmp_path.parent.iterdir()))}"
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(mod=MODULE, other=OTHER):
        (root / "mod.py").write_text(mod.replace("{pkg}", name))
        (root / "other.py").write_text(other)
        for m in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[m]
        importlib.invalidate_caches()
        return importlib.import_module(f"{name}.mod")

    yield write
    for m in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[m]


def test_prose_is_not_code():
    a = "def f(x):\n    '''doc'''\n    # why\n    return x + 1  # inline\n\n"
    b = "def f(x):\n    '''another doc,\n    two lines'''\n    return x + 1\n"
    assert normalised_source(a) == normalised_source(b) == "def f(x):\n    return x + 1"
    assert normalised_source("def f(x):\n    return x + 2\n") != normalised_source(b)


def test_the_walk_follows_names_imports_constants_bases_and_tables(package):
    mod = package()
    pkg = mod.__name__.rsplit(".", 1)[0]
    d = code_digests([mod.loss, mod.Child, mod.via_table])
    names = {k.split(".", 1)[1] for k in d}
    assert {"mod.loss", "mod.helper", "other.far", "mod.Child", "mod.Base", "mod.via_table"} <= names
    assert "mod.untouched" not in names  # nothing reads it
    assert any(n.startswith("mod.<lambda>#") for n in names)  # the table's functions are followed
    assert all(k.startswith(pkg) for k in d)  # math, a stdlib module, is not walked


def test_editing_one_function_changes_only_the_digests_that_depend_on_it(package):
    mod = package()
    before = {"loss": code_digests([mod.loss]), "untouched": code_digests([mod.untouched])}
    mod = package(MODULE.replace("return -x", "return -x + 0"))  # edit the other function
    assert code_digests([mod.loss]) == before["loss"]
    assert code_digests([mod.untouched]) != before["untouched"]
    mod = package(MODULE.replace("# a comment", "# another comment").replace('"""Uses the helper."""', '"""Doc."""'))
    assert code_digests([mod.loss]) == before["loss"]  # prose only
    mod = package(MODULE, other=OTHER.replace("x ** 3", "x ** 2"))  # a function it imports, in another module
    after = code_digests([mod.loss])
    assert fingerprint(after) != fingerprint(before["loss"])
    assert [k.split(".", 1)[1] for k in changed(before["loss"], after)] == ["other.far"]
    mod = package(MODULE.replace("SCALE = 2.0", "SCALE = 3.0"))  # a constant it reads
    assert fingerprint(code_digests([mod.loss])) != fingerprint(before["loss"])


def test_a_callable_instance_is_known_by_its_class_and_what_it_holds(package):
    mod = package(MODULE + textwrap.dedent('''
        class Scaled:
            def __init__(self, fn, k):
                self.fn, self.k = fn, k

            def __call__(self, x):
                return self.k * self.fn(x)

        A = Scaled(lambda x: x + 1, 2)
        B = Scaled(lambda x: x * 7, 2)
        C = Scaled(lambda x: x + 1, 3)
        '''))
    a, b, c = (code_digests([x]) for x in (mod.A, mod.B, mod.C))
    assert len({fingerprint(a), fingerprint(b), fingerprint(c)}) == 3


def test_a_process_cache_filling_up_does_not_change_the_identity(package):
    # a dict the code reads is digested; a cache that fills as the process runs would give one program
    # two identities (before and after its first value), so a ProcessCache's contents are left out
    mod = package(MODULE + textwrap.dedent('''
        from ganbench.utils.cache import ProcessCache

        PLAIN = {}
        CACHE = ProcessCache(kept=2)

        def cached(x):
            if x not in CACHE:
                CACHE.keep(x, object())
            return CACHE[x]

        def plain(x):
            return PLAIN.setdefault(x, object())
        '''))
    before = code_digests([mod.cached]), code_digests([mod.plain])
    for x in range(3):
        mod.cached(x), mod.plain(x)
    assert code_digests([mod.cached]) == before[0] and len(mod.CACHE) == 2  # the oldest went out
    assert code_digests([mod.plain]) != before[1]  # why caches must say what they are


def test_what_has_no_source_is_refused():
    with pytest.raises(ValueError, match="cannot fingerprint"):
        code_digests([42])


def test_a_set_constant_digests_the_same_in_every_process(tmp_path):
    """A set's iteration order follows the per-process salt of string hashing (PYTHONHASHSEED); its
    digest must not."""
    import os
    import subprocess
    import sys

    (tmp_path / "setmod.py").write_text("KINDS = {'alpha', 'beta', 'gamma', 'delta', 'eps'}\n\n\n"
                                        "def f(x):\n    return x in KINDS\n")
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import setmod; "
             "from ganbench.utils.code import code_digests; print(code_digests([setmod.f])['setmod.f'])")
    digests = {subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.strip() for seed in (1, 2, 3)}
    assert len(digests) == 1
