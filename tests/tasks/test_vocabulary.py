"""One metric vocabulary: every value a shipped task's protocol emits is registered in
``ganbench.metrics.registry.VALUES``, and ``ganbench list metrics`` says truly which tasks emit it.

Each task is judged by its own protocol (``evaluate_task``) on its held-out samples, so a task that
starts emitting a value the registry does not know, or stops emitting one the listing promises,
fails here. The real reference set is capped (stacked digits: 26,000 samples) and the data-copying
test's k-means is stubbed (``evaluate_task`` names its value ``c_t`` itself) to keep this fast; the
value names depend on neither.
"""
import contextlib
import copy
import dataclasses
import glob
import io
import json
from pathlib import Path

import pytest
import torch

from ganbench.cli import main
from ganbench.evaluation import EvalContext, evaluate_task
from ganbench.metrics.registry import METRICS, VALUES
from ganbench.tasks import TASK_FAMILIES, TASKS, get_task
from ganbench.tasks.conditional import CONDITIONAL
from ganbench.tasks.digits import COPYING, PATH_LENGTH
from ganbench.tasks.mixtures import GaussianMixture
from ganbench.tasks.translation import TRANSLATION

ROOT = Path(__file__).resolve().parents[2]
CAP = 200  # real and fake samples judged per task
HARNESS = ("encoder", "path length", "truncation")  # values the harness adds beside a task's protocol
CONTEXT = EvalContext("cpu")  # one extractor and real-feature cache for the whole module


def unregistered(values) -> list[str]:
    """The value names (``fid[digits]`` -> ``fid``) that the registry does not describe."""
    return sorted({k.split("[", 1)[0] for k in values} - set(VALUES))


def emitted(task) -> set[str]:
    """The value names ``task``'s protocol produces, judged on its own held-out samples."""
    task = copy.copy(task)
    p = task.protocol
    task.protocol = dataclasses.replace(p, n_real=min(p.n_real, CAP), n_fake=min(p.n_fake, CAP))
    if hasattr(task, "reference_outputs"):  # a translation task judges translations of its test inputs
        fake = task.reference_outputs("real")
    else:
        fake = task.heldout(task.protocol.n_fake, torch.Generator().manual_seed(1))
    return set(evaluate_task(task, fake, context=CONTEXT).values)


@pytest.fixture(autouse=True)
def quick_copying():
    import ganbench.metrics.data_copying as dc
    from ganbench.harness import identity

    real = dc.data_copying
    dc.data_copying = lambda *a, **k: {"c_t": 0.0, "cells_used": 0, "fake_share_used": 0.0}
    try:
        yield
    finally:
        dc.data_copying = real
        identity._digests.cache_clear()  # identities computed meanwhile covered the stand-in


@pytest.fixture(scope="module")
def listed() -> dict[str, set[str]]:
    """``ganbench list metrics`` read back: value -> the shipped tasks its row names."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["list", "metrics"]) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["value", "label", "direction"]
    rows = {}
    for line in lines[1:]:
        tokens = {t for word in line.split() for t in word.split(",")}
        rows[line.split()[0].split("[", 1)[0]] = tokens & set(TASKS)
    return rows


@pytest.mark.parametrize("name", list(TASKS))
def test_every_value_a_task_emits_is_registered_and_listed(name, listed):
    task = get_task(name)
    values = emitted(task)
    assert values, f"{name} emitted nothing"
    assert unregistered(values) == [], f"{name} emits values the registry does not know"
    listed_here = {k for k, tasks in listed.items() if name in tasks and VALUES[k].source not in HARNESS
                   and k != "cycle_error"}  # cycle_error: the harness's, for CycleGAN variants
    assert {k.split("[", 1)[0] for k in values} == listed_here


def test_an_unregistered_value_is_caught(monkeypatch):
    own = GaussianMixture.mode_stats
    monkeypatch.setattr(GaussianMixture, "mode_stats", lambda self, fake, f: {**own(self, fake, f), "made_up": 1.0})
    assert unregistered(emitted(get_task("ring8"))) == ["made_up"]


def test_the_listing_names_every_registered_value(listed):
    assert set(listed) == set(VALUES)
    assert listed["hq_fraction"] == {n for n in TASKS if isinstance(get_task(n), GaussianMixture)}
    assert "ring8" not in listed["confident_fraction"] and "digits" in listed["confident_fraction"]
    assert listed["ppl_z"] == {n for n in TASKS if PATH_LENGTH in get_task(n).protocol.metrics}


def test_protocol_groups_are_metrics_or_task_groups():
    groups = set(METRICS) | {"modes", CONDITIONAL, TRANSLATION, COPYING, PATH_LENGTH}
    for name in TASKS:
        assert set(get_task(name).protocol.metrics) <= groups, name
    for prefix, factory in TASK_FAMILIES.items():
        listed = getattr(factory, "listing", {}).get("metrics", "fid,kid,pr").split(",")
        assert set(listed) <= groups, prefix


def test_committed_records_hold_registered_values_only():
    # covers what the harness adds (encoders, path length, truncation, cycle error) as recorded
    keys = set()
    for path in glob.glob(str(ROOT / "baselines" / "*" / "records" / "*.json")):
        record = json.loads(Path(path).read_text())
        keys |= set(record.get("metrics") or {}) | set(record.get("metrics_raw") or {})
    assert keys, "no committed baseline records found"
    assert unregistered(keys) == []
