"""run_compare's sequential mode spends seeds only where a comparison is undecided: each round trains
the next look's seeds of the candidate and the reference on the open tasks, nothing else, and stops
a task when it is decided or at --max-seeds. The stopping rule's error rates are simulated in
tests/report/test_sequential.py; here the verdicts are scripted so the orchestration is what is
tested, on real (tiny) trials."""
import dataclasses

import pytest

import ganbench.api as api
from ganbench.records import load_records

SUITE = """name = "tiny"
description = "two tasks, 30 steps"
seeds = 2
variants = ["gan-ns", "pacgan", "lsgan"]

[tasks.ring8]
budget = { g_steps = 30 }
n_fake = 200
n_real = 200
metrics = ["modes"]

[tasks.grid25]
budget = { g_steps = 30 }
n_fake = 200
n_real = 200
metrics = ["modes"]
variants = ["gan-ns", "pacgan"]
"""


def test_until_decided_trains_only_the_undecided_tasks_up_to_max_seeds(tmp_path, monkeypatch):
    suite = tmp_path / "tiny.toml"
    suite.write_text(SUITE)
    real = api.compare_records
    looks = []

    def scripted(*args, **kw):  # ring8 is decided at its second look; grid25 never is
        out = real(*args, **kw)
        looks.append({c.task: c.n for c in out})
        return [dataclasses.replace(c, learned=True, stop=(c.task == "ring8" and c.n >= 4) or c.n >= 6,
                                    verdict="better" if c.task == "ring8" and c.n >= 4 else "undecided")
                for c in out]

    monkeypatch.setattr(api, "compare_records", scripted)
    comps, run_dir = api.run_compare("pacgan", str(suite), against=tmp_path / "none", out=tmp_path / "run",
                                     until_decided=True, max_seeds=6, log=lambda *_: None)
    seeds = {}
    for r in load_records(run_dir):
        if r.get("kind", "trial") == "trial":
            seeds.setdefault((r["task"], r["variant"]), set()).add(r["seed_index"])
    assert seeds[("ring8", "pacgan")] == seeds[("ring8", "gan-ns")] == {0, 1, 2, 3}
    assert seeds[("grid25", "pacgan")] == seeds[("grid25", "gan-ns")] == set(range(6))
    assert seeds[("ring8", "lsgan")] == {0, 1}  # another baseline keeps the suite's seeds
    assert looks[-1] == {"ring8": 4, "grid25": 6}
    assert {c.task: c.verdict for c in comps} == {"ring8": "better", "grid25": "undecided"}


def test_until_decided_needs_max_seeds_and_leading_seeds(tmp_path):
    suite = tmp_path / "tiny.toml"
    suite.write_text(SUITE)
    with pytest.raises(ValueError, match="--max-seeds"):
        api._until_decided(api.load_suite(str(suite)), None, "pacgan", "gan-ns", None, None, None, None, (), None, print)
    with pytest.raises(ValueError, match="--seeds 2"):
        api._until_decided(api.load_suite(str(suite)).with_seeds([3, 4]), None, "pacgan", "gan-ns", 6, None, None,
                           None, (), None, print)
