"""A record's identity covers the code that trains and judges it (ganbench.harness.identity).

Two kinds of evidence: (1) real trials are traced and every ganbench function they execute must be
covered by the static fingerprint of their (task, variant); (2) a copy of the package with one line
of a built-in loss edited re-plans exactly the trials that train with that loss, and a comment-only
edit re-plans nothing."""
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ganbench
from ganbench.harness import train_program
from ganbench.harness.identity import NOT_JUDGING, reference_code, trial_code
from ganbench.harness.reference import init_recipe, reference_kinds, reference_records
from ganbench.tasks.task import TASKS
from ganbench.zoo import get_variant

PACKAGE = Path(ganbench.__file__).parent
CO_OPTIMIZED = 0x1  # set on function code objects, not on module or class bodies


def _executed(fn) -> set[tuple[str, str]]:
    """(module, qualified name) of every ganbench function ``fn`` runs."""
    seen = set()

    def profile(frame, event, arg):
        code = frame.f_code
        if event == "call" and code.co_flags & CO_OPTIMIZED and code.co_filename.startswith(str(PACKAGE)):
            seen.add((frame.f_globals.get("__name__"), code.co_qualname))

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return seen


def _uncovered(executed, digests) -> list[str]:
    out = []
    for module, qualname in executed:
        head = qualname.split(".", 1)[0]
        if module in NOT_JUDGING or (head.startswith("<") and head != "<lambda>"):
            continue
        if head == "<lambda>":
            covered = any(k.startswith(f"{module}.<lambda>#") for k in digests)
        else:
            covered = f"{module}.{head}" in digests
        if not covered:
            out.append(f"{module}.{qualname}")
    return sorted(out)


CASES = [("ring8", "gan-ns"), ("ring8", "unrolled-gan"), ("grid25", "pacgan"), ("ring8", "wgan-gp-toy"),
         ("ring8", "sngan"), ("ring8", "fgan-js"), ("ring8", "mbd-gan"), ("ring8", "fm-gan"), ("ring8", "aae"),
         ("ring8-cond", "cgan-projection"), ("digits-cond", "acgan"), ("digits", "bigan"),
         ("digits-edges", "pix2pix"), ("digits-edges-unpaired", "cyclegan"), ("digits32", "progan"),
         ("digits32", "stylegan2")]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tracing by qualified name needs code.co_qualname (3.11+)")
@pytest.mark.parametrize("task_name,variant", CASES, ids=[f"{t}-{v}" for t, v in CASES])
def test_every_function_a_trial_runs_is_in_its_fingerprint(task_name, variant):
    holder = {}

    def trial():
        holder["task"] = task = TASKS[task_name]()  # built inside the trace: the task's data code counts
        train_program(task, [(get_variant(variant), (0,))], "g_steps=2", device="cpu", progress=False)

    executed = _executed(trial)
    assert len(executed) > 20  # the trace saw the trial
    assert _uncovered(executed, trial_code(holder["task"], get_variant(variant))) == []


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tracing by qualified name needs code.co_qualname (3.11+)")
@pytest.mark.parametrize("task_name", ["ring8", "digits", "digits-edges"])
def test_every_function_a_reference_row_runs_is_in_its_fingerprint(task_name):
    task = TASKS[task_name]()
    init = get_variant(init_recipe(task))
    for kind in reference_kinds(task):
        executed = _executed(lambda: reference_records(task, kind, [0], device="cpu", init_variant=init))
        assert _uncovered(executed, reference_code(task, init if kind == "init" else None)) == [], kind


HASHES = textwrap.dedent('''
    import json, sys
    import ganbench
    from ganbench.harness import config_hash
    from ganbench.harness.budget import Budget
    from ganbench.harness.reference import reference_hash
    from ganbench.tasks import get_task
    from ganbench.zoo import get_variant
    assert ganbench.__file__.startswith(sys.argv[1]), ganbench.__file__  # the copy, not the checkout
    out, budget = {}, Budget.parse("g_steps=100")
    for t in ("ring8", "grid25"):
        task = get_task(t)
        for v in ("gan-ns", "pacgan", "lsgan", "hinge", "wgan-gp"):
            out[f"{t}/{v}"] = config_hash(task, get_variant(v), budget)
        for kind in ("real", "init"):
            out[f"{t}/{kind}"] = reference_hash(task, kind, get_variant("gan-ns"))
    print(json.dumps(out))
''')
NS_LOSS = "    return _m(F.softplus(-d_real)) + _m(F.softplus(d_fake)), _m(F.softplus(-d_fake))\n"


def _hashes_of_a_copy(tmp_path: Path, name: str, edit=None) -> dict:
    root = tmp_path / name
    shutil.copytree(PACKAGE, root / "ganbench", ignore=shutil.ignore_patterns("__pycache__"))
    if edit is not None:
        losses = root / "ganbench" / "zoo" / "losses.py"
        text = losses.read_text()
        assert text.count(NS_LOSS) == 1, "the non-saturating loss's line moved: update the test"
        assert edit(text) != text, "the edit did not apply: update the test"
        losses.write_text(edit(text))
    out = subprocess.run([sys.executable, "-c", HASHES, str(root)], cwd=root, env={"PYTHONPATH": str(root), "PATH": ""},
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_an_identity_does_not_depend_on_what_the_process_has_cached():
    # regression: the k-means cells of the data-copying test were kept in a plain dict the walk
    # digested, so a process that had judged a digits task gave every trial another identity than a
    # fresh one, and `compare` re-ran baselines whose code had not changed
    import torch

    from ganbench.harness import identity
    from ganbench.metrics import data_copying
    from ganbench.tasks import get_task

    def codes():
        identity._digests.cache_clear()
        return [f(get_task(t), get_variant("gan-ns")) for t in ("ring8", "digits") for f in (trial_code, reference_code)]

    before = codes()
    data_copying._cells_of(torch.randn(40, 3, generator=torch.Generator().manual_seed(0)), 3, 0)
    get_task("grid25")
    assert codes() == before
    # nor on a plugin's metric registered next to the built-in ones (a view of the registry was digested)
    from ganbench.metrics.registry import VALUES, MetricValue, register_value

    register_value(MetricValue("probe_value", "probe", higher_is_better=True, source="a plugin", needs=(), paper="",
                               description="a probe"))
    try:
        assert codes() == before
    finally:
        VALUES.pop("probe_value")
        from ganbench.metrics.registry import HIGHER_IS_BETTER

        HIGHER_IS_BETTER.pop("probe_value")


def test_editing_one_line_of_a_builtin_loss_replans_exactly_the_trials_that_use_it(tmp_path):
    original = _hashes_of_a_copy(tmp_path, "original")
    edited = _hashes_of_a_copy(tmp_path, "edited", lambda s: s.replace(NS_LOSS, NS_LOSS.replace(
        "_m(F.softplus(-d_fake))\n", "_m(F.softplus(-d_fake)) * 1.0\n")))
    prose = _hashes_of_a_copy(tmp_path, "prose", lambda s: s.replace(NS_LOSS, "    # why: Goodfellow et al.\n" + NS_LOSS)
                              .replace('"""Goodfellow et al. 2014, Sec. 3: G maximises log D(G(z)) instead."""',
                                       '"""The non-saturating loss (Goodfellow et al. 2014, Sec. 3)."""'))
    moved = sorted(k for k in original if original[k] != edited[k])
    # gan-ns and PacGAN train with the non-saturating loss; LSGAN, hinge and WGAN-GP do not, and the
    # reference rows (held-out data, the untrained generator) train with nothing.
    assert moved == ["grid25/gan-ns", "grid25/pacgan", "ring8/gan-ns", "ring8/pacgan"]
    assert prose == original
    # and a record's identity does not depend on where the package lives (the copies vs this checkout)
    here = subprocess.run([sys.executable, "-c", HASHES, str(PACKAGE.parent)], capture_output=True, text=True,
                          timeout=300, cwd=PACKAGE.parent)
    assert here.returncode == 0, here.stderr[-2000:]
    assert json.loads(here.stdout.strip().splitlines()[-1]) == original
