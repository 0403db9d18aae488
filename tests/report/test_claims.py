"""Claim verdicts from hand-made records: the sequential decision maps to reproduced / contradicted /
undecided / untestable, claims are judged together (Holm), and only complete looks count."""
import json

import numpy as np
import pytest

from ganbench.claims import Claim, get_claim
from ganbench.report.claims import (claim_verdicts, claims_markdown, claims_table, design_of, suite_claims,
                                    verdicts_json)
from ganbench.report.sequential import Design, decide_all, plan
from tests.report.records import make, write

MODES = "modes[identity]"
RING = "pacgan-ring8-modes"  # pacgan better than gan-ns by modes on ring8 (PacGAN Table 1)
HQ = "gan-ring8-hq"  # gan-ns better than unrolled-gan by the high-quality fraction (VEEGAN Table 1)


def _records(values: dict, floor=0.0, task="ring8"):
    """Trials of ``values`` = {variant: [per-seed modes]} plus init rows at ``floor``; hq = modes / 8."""
    out = []
    n = max(len(v) for v in values.values())
    for variant, xs in values.items():
        out += [make(task, variant, i, {"modes": x, "hq_fraction": x / 8}) for i, x in enumerate(xs)]
    out += [make(task, "init", i, {"modes": floor, "hq_fraction": floor / 8}, kind="init") for i in range(n)]
    return out


def test_a_clear_gap_in_the_published_direction_is_reproduced_and_reversed_is_contradicted():
    rng = np.random.default_rng(0)
    good, bad = 7 + 0.1 * rng.standard_normal(10), 5 + 0.1 * rng.standard_normal(10)
    design = Design((10,))
    [v] = claim_verdicts(_records({"pacgan": good, "gan-ns": bad}), [RING], design)
    assert v.verdict == "reproduced" and v.decision == "better" and v.n == 10
    assert v.diff == pytest.approx(good.mean() - bad.mean()) and v.diff_ci_lo > 1.5
    assert v.prob_improvement == 1.0 and v.published_better == 7.9 and v.published_worse == 6.3
    assert 0 < v.power_published <= 1 and v.mde < 0.5
    [v] = claim_verdicts(_records({"pacgan": bad, "gan-ns": good}), [RING], design)
    assert v.verdict == "contradicted (reversed)" and v.diff < 0


def test_identical_distributions_end_equivalent_or_undecided_naming_the_seeds():
    rng = np.random.default_rng(1)
    a, b = 7 + 0.05 * rng.standard_normal(10), 7 + 0.05 * rng.standard_normal(10)
    [v] = claim_verdicts(_records({"pacgan": a, "gan-ns": b}), [RING], Design((10,)))
    assert v.verdict.startswith("contradicted (no difference beyond ±1")  # the registry's modes margin
    c, d = 7 + 2 * rng.standard_normal(4), 7 + 2 * rng.standard_normal(4)
    [v] = claim_verdicts(_records({"pacgan": c, "gan-ns": d}), [RING], Design((4,)))
    assert v.verdict.startswith("undecided at 4 seeds") and v.decision == "undecided"
    assert "seeds per side would detect" in v.verdict and v.seeds_needed > 4


def test_a_variant_no_better_than_the_untrained_generator_makes_the_claim_untestable():
    good, flat = [7.0, 7.2, 6.9, 7.1], [0.0, 0.0, 0.0, 0.0]
    [v] = claim_verdicts(_records({"pacgan": good, "gan-ns": flat}), [RING], Design((4,)))
    assert v.verdict == "untestable: gan-ns not better than the untrained generator"


def test_verdicts_are_decide_all_of_every_claim_together():
    rng = np.random.default_rng(2)
    pac, gan, unrolled = (m + 0.6 * rng.standard_normal(15) for m in (7.4, 6.8, 7.0))
    records = _records({"pacgan": pac, "gan-ns": gan, "unrolled-gan": unrolled})
    design = plan(5, 15, 5)
    verdicts = claim_verdicts(records, [RING, HQ], design)
    expected = decide_all([(pac, gan, True, 1.0), (gan / 8, unrolled / 8, True, 0.05)], design)
    assert [(v.decision, v.n, v.threshold) for v in verdicts] == [(d.verdict, d.n, d.threshold) for d in expected]
    assert [v.claim for v in verdicts] == [RING, HQ] and verdicts[1].metric == "hq_fraction[identity]"


def test_only_complete_looks_count():
    """A claim is judged at the largest look whose seeds 0..n-1 all have values on both sides."""
    rng = np.random.default_rng(3)
    records = _records({"pacgan": 7 + rng.standard_normal(12), "gan-ns": 6 + rng.standard_normal(10)})
    [v] = claim_verdicts(records, [RING], plan(5, 15, 5))
    assert v.n == 10
    records = [r for r in records if not (r["variant"] == "gan-ns" and r["seed_index"] == 3)]
    [v] = claim_verdicts(records, [RING], plan(5, 15, 5))
    assert v.n == 0 and v.verdict.startswith("undecided: no complete look")


def test_a_diverged_seed_counts_against_its_variant_instead_of_freezing_the_claim():
    """Diverged seeds score the metric's worst value (0 modes); the claim goes on to its next look (it
    used to stop at the first non-finite seed for good). A failed seed has no value until retried."""
    rng = np.random.default_rng(7)
    records = _records({"pacgan": 7 + 0.3 * rng.standard_normal(10), "gan-ns": 6 + 0.3 * rng.standard_normal(10)})
    diverged = [make("ring8", "gan-ns", 3, {}, status="diverged") if r["variant"] == "gan-ns" and r["seed_index"] == 3
                else r for r in records]
    [v] = claim_verdicts(diverged, [RING], plan(5, 15, 5))
    assert v.n == 10 and v.worse_mean == pytest.approx(
        (sum(r["metrics"]["modes"] for r in records if r["variant"] == "gan-ns") - records[13]["metrics"]["modes"]) / 10)
    failed = [make("ring8", "gan-ns", 3, {}, status="failed") if r["variant"] == "gan-ns" and r["seed_index"] == 3
              else r for r in records]
    assert claim_verdicts(failed, [RING], plan(5, 15, 5))[0].n == 0


def test_design_of_a_suite_and_of_a_round():
    assert design_of({"seeds": [0, 1, 2, 3, 4]}).looks == (5,)
    seq = {"seeds": list(range(5)), "sequential": {"max_seeds": 20, "step": 5}}
    assert design_of(seq).looks == (5, 10, 15, 20)
    # suite.json during a round holds that round's seeds; the recorded start keeps the design
    assert design_of({"seeds": list(range(10)), "sequential": {"max_seeds": 20, "step": 5, "start": 5}}).looks == (5, 10, 15, 20)


def test_outputs_and_suite_claims(tmp_path):
    rng = np.random.default_rng(4)
    folder = write(tmp_path / "run", _records({"pacgan": 7 + 0.1 * rng.standard_normal(5),
                                               "gan-ns": 5 + 0.1 * rng.standard_normal(5)}))
    assert suite_claims(folder) == ([], None)
    (folder / "suite.json").write_text(json.dumps({"seeds": list(range(5)), "claims": [RING]}))
    ids, design = suite_claims(folder)
    assert ids == [RING] and design.looks == (5,)
    verdicts = claim_verdicts([json.loads(p.read_text()) for p in (folder / "records").glob("*.json")], ids, design)
    table = claims_table(verdicts)
    assert list(table.claim) == [RING] and table.verdict.iloc[0] == "reproduced"
    assert "PacGAN" in table["published (source)"].iloc[0] and "pacgan 7.9 vs gan-ns 6.3" in table["published (source)"].iloc[0]
    md = claims_markdown(verdicts, design)
    assert "one look at 5 seeds per side" in md and "| reproduced |" in md
    assert json.loads(verdicts_json(verdicts))[0]["verdict"] == "reproduced"


def test_the_registry_refuses_claims_that_cannot_be_judged():
    from ganbench.claims import register_claim

    with pytest.raises(ValueError, match="no direction"):
        register_claim(Claim("x", "ring8", "pacgan", "gan-ns", "kid_std", "nowhere"))
    with pytest.raises(ValueError, match="same variant"):
        register_claim(Claim("y", "ring8", "pacgan", "pacgan", "modes", "nowhere"))
    with pytest.raises(ValueError, match="already registered"):
        register_claim(get_claim(RING))


def test_a_claim_decided_early_is_reported_at_the_look_it_stopped():
    """Seeds trained later for another claim on the same variants do not change a decided verdict."""
    rng = np.random.default_rng(5)
    pac = 7.5 + 0.05 * rng.standard_normal(15)
    gan = 5.0 + 0.05 * rng.standard_normal(15)
    unrolled = 5.0 + 2.0 * rng.standard_normal(15)
    records = _records({"pacgan": pac, "gan-ns": gan, "unrolled-gan": unrolled})
    # the first look (5 seeds) cannot decide anything: its floor 2/252 is above its boundary 1.5e-5
    ring, hq = claim_verdicts(records, [RING, HQ], plan(5, 20, 5))
    assert ring.verdict == "reproduced" and ring.n == 10 and ring.better_mean == pytest.approx(pac[:10].mean())
    assert hq.n == 15 and not hq.stop


def test_the_published_gap_is_placed_against_the_ci_in_the_claims_direction():
    rng = np.random.default_rng(6)
    small = _records({"pacgan": 7.0 + 0.1 * rng.standard_normal(10), "gan-ns": 6.8 + 0.1 * rng.standard_normal(10)})
    [v] = claim_verdicts(small, [RING], Design((10,)))  # published 7.9 vs 6.3: a gap of 1.6 modes
    assert v.published_gap == "larger" and claims_table([v])["published gap vs CI"].iloc[0] == \
        "1.6: larger than the CI allows"
    close = _records({"pacgan": 7.9 + 0.5 * rng.standard_normal(10), "gan-ns": 6.3 + 0.5 * rng.standard_normal(10)})
    assert claim_verdicts(close, [RING], Design((10,)))[0].published_gap == "inside"
    # lower is better (reverse KL, published 0.13 vs 0.70): a measured gap beyond the published one
    rkl = [make("grid25", v, i, {"modes": 20.0 + i % 3, "reverse_kl": x + 0.01 * i})
           for v, x in (("pacgan", 0.1), ("gan-ns", 2.0)) for i in range(6)]
    rkl += [make("grid25", "init", i, {"modes": 1.0, "reverse_kl": 3.2}, kind="init") for i in range(6)]
    [v] = claim_verdicts(rkl, ["pacgan-grid25-rkl"], Design((6,)))
    assert v.diff < 0 and v.published_gap == "smaller" and v.verdict == "reproduced"


# --- every budget of the grid (issue 41) -----------------------------------------------------------

STEPS = (250, 500, 1000)


def _curves(values: dict, floor=0.0, ceiling=8.0, task="ring8"):
    """Trials judged at 250, 500 and 1,000 G steps: ``values`` = {variant: (seeds, budgets) modes}, plus init
    rows at ``floor`` and real rows at ``ceiling`` (hq = modes / 8)."""
    out = []
    for variant, xs in values.items():
        for i, row in enumerate(np.asarray(xs, float)):
            r = make(task, variant, i, {"modes": row[-1], "hq_fraction": row[-1] / 8}, budget={"g_steps": STEPS[-1]})
            r["curve"] = [{"budget": {"g_steps": b}, "status": "ok", "metrics": {"modes": x, "hq_fraction": x / 8}}
                          for b, x in zip(STEPS, row)]
            out.append(r)
    n = max(len(v) for v in values.values())
    out += [make(task, kind, i, {"modes": v, "hq_fraction": v / 8}, kind=kind)
            for kind, v in (("init", floor), ("real", ceiling)) for i in range(n)]
    return out


def _early_only(rng, n=10):
    """PacGAN ahead by 3 modes at 250 and 500 G steps, level at 1,000 (sd 0.3)."""
    gan = np.array([3.0, 4.0, 7.0]) + 0.3 * rng.standard_normal((n, 3))
    pac = np.array([6.0, 7.0, 7.0]) + 0.3 * rng.standard_normal((n, 3))
    return pac, gan


def test_a_claim_is_judged_at_every_budget_and_says_where_it_holds():
    pac, gan = _early_only(np.random.default_rng(10))
    [v] = claim_verdicts(_curves({"pacgan": pac, "gan-ns": gan}), [RING], Design((10,)))
    assert [b.budget for b in v.by_budget] == list(STEPS)
    assert [b.label for b in v.by_budget[:2]] == ["reproduced", "reproduced"]
    assert v.verdict_map.startswith("reproduced at ≤ 500 G steps (pacgan better); ")
    assert v.by_budget[-1].verdict == v.verdict and v.by_budget[-1].p == v.p and v.by_budget[-1].n == v.n == 10
    # the claim's three budgets are one question of the graph
    expected = decide_all([(pac[:, j], gan[:, j], True, 1.0) for j in range(3)], Design((10,)), questions=[0, 0, 0])
    assert [(b.decision, b.threshold) for b in v.by_budget] == [(d.verdict, d.threshold) for d in expected]
    assert v.by_budget[0].threshold == pytest.approx(0.05 / 3) and v.threshold == expected[-1].threshold
    assert v.by_budget[0].diff == pytest.approx(pac[:, 0].mean() - gan[:, 0].mean())
    # the regime: each side's headline (modes) as a fraction of the way from 0 (init) to 8 (real)
    assert v.by_budget[0].better_progress == pytest.approx(pac[:, 0].mean() / 8)
    assert v.regime.startswith(f"pacgan {pac[:, -1].mean() / 8:.0%}, gan-ns ")
    table = claims_table([v])
    assert table["verdict by budget"].iloc[0] == v.verdict_map and table["floor → ceiling"].iloc[0] == v.regime
    assert "(claim, budget) hypotheses" in claims_markdown([v], Design((10,)))
    assert json.loads(verdicts_json([v]))[0]["by_budget"][0]["label"] == "reproduced"


def test_a_claim_reversed_late_names_both_ranges_and_weak_generators_are_flagged():
    rng = np.random.default_rng(11)
    pac = np.array([2.0, 1.5, 1.0]) + 0.1 * rng.standard_normal((10, 3))
    gan = np.array([1.0, 1.5, 2.0]) + 0.1 * rng.standard_normal((10, 3))
    floor = [make("ring8", "init", i, {"modes": 0.5 + 0.01 * i, "hq_fraction": 0.0}, kind="init") for i in range(10)]
    records = [r for r in _curves({"pacgan": pac, "gan-ns": gan}) if r.get("kind") != "init"] + floor
    [v] = claim_verdicts(records, [RING], Design((10,)))
    assert [b.label for b in v.by_budget] == ["reproduced", "contradicted (no difference)", "contradicted (reversed)"]
    assert v.verdict_map == ("reproduced at ≤ 250 G steps (pacgan better); contradicted (no difference) at 500; "
                             "contradicted (reversed) from 1,000 (gan-ns better); both sides < 25% of the way from "
                             "floor to ceiling at every budget (250–1,000 G steps)")
    assert v.regime.endswith("both far from the data (< 25%)")


def test_a_side_not_learned_at_a_budget_makes_the_claim_untestable_there():
    pac, gan = _early_only(np.random.default_rng(12))
    gan[:, 0] = 0.0  # gan-ns at 250 steps is the untrained generator's 0 modes
    [v] = claim_verdicts(_curves({"pacgan": pac, "gan-ns": gan}), [RING], Design((10,)))
    assert v.by_budget[0].label == "untestable" and v.by_budget[0].stop
    assert v.by_budget[0].verdict == "untestable: gan-ns not better than the untrained generator"
    assert v.verdict_map.startswith("untestable at ≤ 250 G steps; reproduced at 500 (pacgan better)")


def test_a_claim_stays_open_while_any_budget_is_undecided():
    """Decided at 250 and 500 G steps at the second look, undecided at 1,000: more seeds, for that budget."""
    rng = np.random.default_rng(13)
    pac, gan = _early_only(rng, n=10)
    pac[:, 2] += 1.5 * rng.standard_normal(10)  # too noisy at 1,000 steps to call equivalent within 1 mode at 10 seeds
    [v] = claim_verdicts(_curves({"pacgan": pac, "gan-ns": gan}), [RING], plan(5, 20, 5))
    assert v.n == 10 and [b.stop for b in v.by_budget] == [True, True, False] and not v.stop
    [v] = claim_verdicts(_curves({"pacgan": pac, "gan-ns": gan}), [RING], plan(5, 10, 5))
    assert v.stop  # the last look
