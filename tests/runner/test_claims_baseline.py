"""The recorded claims run (baselines/claims) is the shipped suite, run by its sequential design: every
verdict recomputes from the committed records to the committed claims table, every claim compares
variants that learned (better than the untrained generator), and seeds went only where a claim was
still undecided."""
import json
from pathlib import Path

import pytest

from ganbench.claims import get_claim
from ganbench.records import load_records
from ganbench.report.claims import claim_verdicts, suite_claims
from ganbench.report.tables import aggregate
from ganbench.runner import load_suite
from tests.runner.baselines import assert_is_shipped_suite, baseline_dir, recorded_by_older_code, trained_seeds

CLAIMS = baseline_dir("claims")
pytestmark = recorded_by_older_code("claims")
COMMITTED = Path(__file__).resolve().parents[2] / "leaderboards" / "claims_verdicts.json"


@pytest.fixture(scope="module")
def records():
    return assert_is_shipped_suite("claims", CLAIMS)


@pytest.fixture(scope="module")
def verdicts(records):
    ids, design = suite_claims(CLAIMS)
    assert ids == list(load_suite("claims").claims)
    return claim_verdicts(records, ids, design), design


def test_every_verdict_recomputes_to_the_committed_table(verdicts):
    got, _ = verdicts
    committed = json.loads(COMMITTED.read_text())
    assert [v.claim for v in got] == [c["claim"] for c in committed]
    for v, c in zip(got, committed):
        assert (v.verdict, v.n, v.decision) == (c["verdict"], c["n"], c["decision"]), v.claim
        for key in ("better_mean", "worse_mean", "diff", "diff_ci_lo", "diff_ci_hi", "p", "threshold"):
            assert getattr(v, key) == pytest.approx(c[key], rel=1e-9, abs=1e-12), (v.claim, key)


def test_every_claim_compares_variants_that_learned(records, verdicts):
    tables = aggregate(records)
    for v in verdicts[0]:
        table = tables[v.task]
        for variant in (v.better, v.worse):
            assert table.loc[variant, "learned"], (v.claim, variant, table.loc[variant, "p_vs_init"])
        assert not v.verdict.startswith("untestable")


def test_seeds_went_only_where_a_claim_was_undecided(records, verdicts):
    """Each variant has exactly the seeds of the longest-running claim it is in; a claim ran to the
    last look only if it was undecided before it, and every reported claim sits at a look."""
    got, design = verdicts
    seeds = trained_seeds(records)
    needed = {}
    for v in got:
        assert v.n in design.looks, v.claim
        assert v.stop, v.claim  # decided, or at the last look: the run is complete
        for variant in (v.better, v.worse):
            needed[(v.task, variant)] = max(needed.get((v.task, variant), 0), v.n)
    start = design.looks[0]
    for key, have in seeds.items():
        assert have == set(range(needed.get(key, start))), key
    for v in got:
        if v.decision == "undecided":
            assert v.n == design.looks[-1], v.claim


def test_the_claims_are_the_registrys(verdicts):
    for v in verdicts[0]:
        c = get_claim(v.claim)
        assert (v.task, v.better, v.worse) == (c.task, c.better, c.worse)
        assert v.published_better == c.published[c.better] and v.published_worse == c.published[c.worse]
