"""Verdicts over the whole training run (issue 41): every (question, budget) pair is one hypothesis of the
graphical group-sequential procedure of ganbench.report.sequential. Proven by simulation on correlated
synthetic learning curves (no training): 10,000 seeded experiments per scenario, p-values by the one
small-sample rule vectorised (stats.welch_p_many), decisions by sequential.step_down, the code path of
decide_all (checked below on a subset); a harder design (2 questions x 8 budgets correlated 0.95, looks at
3, 6, 9, 12 seeds) on 20,000 experiments per scenario. Monte-Carlo standard errors are stated in every
assertion; the measured rates print with ``pytest -s``."""
import math

import numpy as np
import pytest

from ganbench.report.sequential import Design, decide_all, graph_levels, plan, step_down
from ganbench.report.stats import welch_p, welch_p_many

ALPHA = 0.05
DESIGN = plan(5, 20, 5, ALPHA)  # looks at 5, 10, 15, 20 seeds per side
N_EXP = 10_000
QUESTIONS, BUDGETS = 3, 5
QUESTION_OF = np.repeat(np.arange(QUESTIONS), BUDGETS)  # hypothesis h = q * BUDGETS + b
RHO, TAU = 0.8, 0.3  # correlation of neighbouring budgets; share of the variance that is the seed's own level
MC_SE = math.sqrt(ALPHA * (1 - ALPHA) / N_EXP)  # 0.0022


def _curves(rng, effect=None, n_exp=N_EXP, questions=QUESTIONS, budgets=BUDGETS, seeds=DESIGN.looks[-1],
            rho=RHO) -> np.ndarray:
    """(experiments, questions, 2 sides, budgets, seeds): per seed a curve over the budgets with unit
    variance at each, a seed-level term (variance TAU, shared by every budget) plus an AR(1) term with
    φ = (rho − TAU) / (1 − TAU), so neighbouring budgets correlate ``rho`` (0.8: the first and last of five
    0.48). ``effect``: (questions, budgets) true differences added to side 0 (the candidate)."""
    shape = (n_exp, questions, 2, budgets, seeds)
    phi = (rho - TAU) / (1 - TAU)
    noise = rng.standard_normal(shape)
    ar = np.empty(shape)
    ar[..., 0, :] = noise[..., 0, :]
    for b in range(1, budgets):
        ar[..., b, :] = phi * ar[..., b - 1, :] + math.sqrt(1 - phi**2) * noise[..., b, :]
    x = math.sqrt(TAU) * rng.standard_normal((*shape[:3], 1, shape[-1])) + math.sqrt(1 - TAU) * ar
    if effect is not None:
        x[:, :, 0] += np.asarray(effect, float)[None, :, :, None]
    return x


def _statistics(x: np.ndarray, looks=DESIGN.looks) -> tuple[np.ndarray, np.ndarray]:
    """p-values and directions (side 0 above side 1) of every (question, budget) at every look:
    arrays (experiments, hypotheses, looks)."""
    p = np.stack([welch_p_many(x[:, :, 0, :, :n], x[:, :, 1, :, :n]) for n in looks], -1)
    up = np.stack([x[:, :, 0, :, :n].mean(-1) > x[:, :, 1, :, :n].mean(-1) for n in looks], -1)
    m = x.shape[1] * x.shape[3]
    return p.reshape(len(x), m, -1), up.reshape(len(x), m, -1)


def _decide(p, up):
    """The procedure on every experiment (higher is better, no equivalence margin)."""
    return step_down(p, up, np.full(p.shape, np.nan), QUESTION_OF, DESIGN)


@pytest.fixture(scope="module")
def null():
    x = _curves(np.random.default_rng(41))
    return x, *_statistics(x)


def test_the_synthetic_curves_have_the_stated_correlation(null):
    x = null[0][:2000, 0, 0]  # (experiments, budgets, seeds)
    r = np.corrcoef(np.moveaxis(x, 1, 0).reshape(BUDGETS, -1))
    assert np.diag(r, 1) == pytest.approx(RHO, abs=0.01) and r[0, -1] == pytest.approx(0.48, abs=0.015)


def test_global_null_keeps_the_familywise_error_while_naive_per_budget_testing_exceeds_it(null):
    """3 questions x 5 budgets x 4 looks, no true difference anywhere: any "better" or "worse" is an error."""
    _, p, up = null
    out = _decide(p, up)
    fwer = float((out.code > 0).any(1).mean())
    # each (question, budget) at alpha, no spending and no graph: at every look, and at the last look only
    naive_looks = float((p < ALPHA).any((1, 2)).mean())
    naive_last = float((p[:, :, -1] < ALPHA).any(1).mean())
    print(f"\nglobal null, {N_EXP} experiments: familywise {fwer:.4f} (MC SE {MC_SE:.4f}); naive per budget at every "
          f"look {naive_looks:.3f}, at the last look only {naive_last:.3f}")
    assert fwer <= ALPHA + 3 * MC_SE, f"familywise error {fwer:.4f} > {ALPHA} + 3 MC SE ({MC_SE:.4f})"
    for naive in (naive_looks, naive_last):
        se = math.sqrt(naive * (1 - naive) / N_EXP)
        assert naive > ALPHA + 3 * max(se, MC_SE), f"naive per-budget testing {naive:.4f} does not exceed alpha"


def test_an_early_only_effect_keeps_false_and_wrong_sign_verdicts_within_alpha_and_is_found_early():
    """Questions 0 and 1: the candidate is better at the first two budgets only (by 1.5 and 1.0 sd on
    question 0, 1.0 and 0.6 on question 1), equal later; question 2: equal everywhere. Errors: any
    rejection at a null (question, budget), and any "worse" where the candidate is truly better (a
    directional error, Shaffer 1980). The levels freed by the early rejections move on to the null
    budgets; the error stays within alpha all the same."""
    effect = np.zeros((QUESTIONS, BUDGETS))
    effect[0, :2], effect[1, :2] = (1.5, 1.0), (1.0, 0.6)
    p, up = _statistics(_curves(np.random.default_rng(42), effect))
    out = _decide(p, up)
    code = out.code.reshape(N_EXP, QUESTIONS, BUDGETS)
    true = effect > 0
    false_rejection = ((code > 0) & ~true).any((1, 2))
    wrong_sign = ((code == 2) & true).any((1, 2))
    rate = float((false_rejection | wrong_sign).mean())
    power = (code == 1).mean(0)
    seeds = np.asarray(DESIGN.looks)[out.look.reshape(N_EXP, QUESTIONS, BUDGETS)]
    print(f"\nearly-only effect, {N_EXP} experiments: false or wrong-sign {rate:.4f} "
          f"(false {false_rejection.mean():.4f}, wrong sign {wrong_sign.mean():.4f}; MC SE {MC_SE:.4f}); power at budgets 1-2: question 0 "
          f"{power[0, 0]:.3f}, {power[0, 1]:.3f}; question 1 {power[1, 0]:.3f}, {power[1, 1]:.3f}; mean seeds per side "
          f"at the decision of question 0 budget 1: {seeds[:, 0, 0][code[:, 0, 0] == 1].mean():.1f}")
    assert rate <= ALPHA + 3 * MC_SE, f"false or wrong-sign rate {rate:.4f} > {ALPHA} + 3 MC SE ({MC_SE:.4f})"
    # Levels only grow, so a hypothesis is rejected at the latest where the last look's test at its
    # starting level (alpha / 3 / 5) rejects it: experiment by experiment, not only on average.
    final = DESIGN.boundaries(ALPHA / QUESTIONS / BUDGETS)[-1]
    found = (p[:, :, -1] < final).reshape(N_EXP, QUESTIONS, BUDGETS) & true
    assert ((code > 0) | ~found).all()
    assert (power >= found.mean(0)).all()


def test_the_simulations_run_decide_alls_procedure(null):
    """step_down on the vectorised p-values gives decide_all's decisions, experiment by experiment (300
    experiments; p-values agree to rounding)."""
    x = null[0][:300].copy()
    x[:150, 0, 0, :2] += 1.5  # some rejections, so that levels move
    p, up = _statistics(x)
    out = _decide(p, up)
    for e in range(300):
        pairs = [(x[e, q, 0, b], x[e, q, 1, b], True, None) for q in range(QUESTIONS) for b in range(BUDGETS)]
        ds = decide_all(pairs, DESIGN, questions=QUESTION_OF.tolist())
        assert [d.verdict for d in ds] == [("undecided", "better", "worse")[c] for c in out.code[e]]
        assert [d.look for d in ds] == out.look[e].tolist()
        assert [d.threshold for d in ds] == pytest.approx(out.threshold[e].tolist(), rel=1e-12)
        assert [d.p for d in ds] == pytest.approx(p[e, np.arange(15), out.look[e]].tolist(), rel=1e-12)


def test_welch_p_many_is_welch_p():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 7)), rng.normal(0.5, 2, size=(300, 9))
    a[3], b[3] = 1.0, 1.0  # both constant and equal: 1
    a[4], b[4] = 2.0, 1.0  # both constant, apart: the floor
    a[5, 2] = np.inf  # a diverged seed of an unbounded metric: ranks
    a[6] = np.round(a[6])  # ties
    many = welch_p_many(a, b)
    assert many == pytest.approx([welch_p(x, y) for x, y in zip(a, b)], rel=1e-12, abs=0)
    assert welch_p_many(a.reshape(3, 100, 7), b.reshape(3, 100, 9)).shape == (3, 100)
    assert math.isnan(welch_p_many(np.ones(1), np.ones(3)))
    with pytest.raises(ValueError, match="NaN"):
        welch_p_many(np.r_[np.nan, 1.0], np.ones(2))
    with pytest.raises(ValueError, match="leading shape"):
        welch_p_many(np.ones((2, 3)), np.ones((3, 3)))


# --- the graph --------------------------------------------------------------------------------------

def _bretz_levels(sizes, order, alpha, eps=1e-9):
    """Levels after rejecting ``order`` by Algorithm 1 of Bretz et al. (2009, Stat. Med. 28:586) on the
    graph of ganbench.report.sequential: weights 1/Q then 1/B_q; within a question equal edges (1 − ε in
    all), to the other questions ε-edges (Bretz et al. 2009, section 3.3), equal per question then per
    budget (all of it where a question has one budget)."""
    nodes = [(q, b) for q, n in enumerate(sizes) for b in range(n)]
    m, n_q = len(nodes), len(sizes)
    w = np.array([1 / n_q / sizes[q] for q, _ in nodes])
    g = np.zeros((m, m))
    for i, (q, _) in enumerate(nodes):
        inside = sizes[q] > 1
        cross = (eps if inside else 1.0) if n_q > 1 else 0.0
        for j, (q2, _) in enumerate(nodes):
            if i == j:
                continue
            if q2 == q:
                g[i, j] = (1 - cross) / (sizes[q] - 1)
            else:
                g[i, j] = cross / (n_q - 1) / sizes[q2]
    open_ = set(range(m))
    for j in order:
        open_.discard(j)
        w_new, g_new = w.copy(), g.copy()
        for l in open_:
            w_new[l] = w[l] + w[j] * g[j, l]
            for k in open_:
                if k != l:
                    den = 1 - g[l, j] * g[j, l]
                    g_new[l, k] = (g[l, k] + g[l, j] * g[j, k]) / den if den > 0 else 0.0
        w_new[j] = 0.0
        w, g = w_new, g_new
        g[j, :], g[:, j] = 0.0, 0.0
    return alpha * w, nodes


def test_the_levels_are_those_of_the_graph_of_bretz_et_al():
    rng = np.random.default_rng(7)
    for _ in range(150):
        sizes = [int(n) for n in rng.integers(1, 5, rng.integers(1, 5))]
        m = sum(sizes)
        order = [int(i) for i in rng.permutation(m)[: rng.integers(0, m + 1)]]
        expected, nodes = _bretz_levels(sizes, order, ALPHA)
        rejected = np.zeros(m, bool)
        rejected[order] = True
        got = graph_levels(rejected, [q for q, _ in nodes], ALPHA)
        assert got == pytest.approx(expected, rel=1e-6, abs=1e-12), (sizes, order)
        assert got.sum() == pytest.approx(ALPHA if not rejected.all() else 0.0)


def test_a_rejected_budget_passes_its_level_to_its_question_first_then_to_the_other_questions():
    q = [0, 0, 0, 1]  # question 0 judged at three budgets, question 1 at one
    levels = lambda *r: graph_levels(np.isin(np.arange(4), r), q, ALPHA).tolist()  # noqa: E731
    assert levels() == pytest.approx([ALPHA / 6] * 3 + [ALPHA / 2])
    assert levels(0) == pytest.approx([0, ALPHA / 4, ALPHA / 4, ALPHA / 2])
    assert levels(0, 1, 2) == pytest.approx([0, 0, 0, ALPHA])
    assert levels(3) == pytest.approx([ALPHA / 3] * 3 + [0])


def test_questions_share_alpha_first_then_their_budgets_in_decide_all():
    """Two questions of two budgets each: every budget starts at alpha / 4; a clear effect at both budgets
    of one question hands the whole of its alpha / 2 to the other's two budgets."""
    rng = np.random.default_rng(3)
    strong = [(rng.normal(9, 1, 20), rng.normal(0, 1, 20), True, None) for _ in range(2)]
    weak = [(rng.normal(0, 1, 20), rng.normal(0, 1, 20), True, None) for _ in range(2)]
    ds = decide_all(strong + weak, DESIGN, questions=["a", "a", "b", "b"])
    assert [d.verdict for d in ds[:2]] == ["better", "better"] and all(d.n == 10 for d in ds[:2])
    assert ds[2].threshold == pytest.approx(DESIGN.boundaries(ALPHA / 2)[-1])
    alone = decide_all(weak, DESIGN, questions=["b", "b"])  # the same question without the other
    assert [d.threshold for d in alone] == pytest.approx([d.threshold for d in ds[2:]])
    before = decide_all([(a, b, h, m) for a, b, h, m in strong[:1]] + weak, Design((20,)), questions=["a", "b", "b"])
    assert before[1].threshold <= ALPHA / 2  # one look: a budget of b is held to its share at most


def test_a_question_stays_open_until_each_budget_is_decided_and_rounds_agree_with_one_call():
    """The adaptive loop: each round gives a question the next look's seeds while any of its budgets is
    undecided; one call on all the seeds gives the same decisions (decisions replay prefixes)."""
    rng = np.random.default_rng(5)
    for _ in range(60):
        x = rng.normal(size=(2, 2, 3, 20))  # 2 questions x 2 sides x 3 budgets x 20 seeds
        x[0, 0, :2] += rng.choice([0.0, 1.5, 3.0])
        x[1, 0] += rng.choice([0.0, 1.0, -2.0])
        n = [5, 5]
        while True:
            pairs = [(x[q, 0, b, : n[q]], x[q, 1, b, : n[q]], True, 0.5) for q in range(2) for b in range(3)]
            ds = decide_all(pairs, DESIGN, questions=[0, 0, 0, 1, 1, 1])
            stop = [all(d.stop for d in ds[3 * q: 3 * q + 3]) for q in range(2)]
            if all(stop):
                break
            n = [n[q] if stop[q] else DESIGN.looks[DESIGN.look_of(n[q]) + 1] for q in range(2)]
        full = decide_all([(x[q, 0, b], x[q, 1, b], True, 0.5) for q in range(2) for b in range(3)], DESIGN,
                          questions=[0, 0, 0, 1, 1, 1])
        key = lambda d: (d.verdict, d.n, d.look, d.threshold, d.stop)  # noqa: E731
        assert [key(d) for d in ds] == [key(d) for d in full]


def test_a_harder_design_keeps_the_error_rates_too():
    """Two scenarios of 20,000 experiments of 2 questions x 8 budgets with neighbouring budgets
    correlated 0.95 and few seeds per look (3, 6, 9, 12), where Welch's statistics are furthest from the
    normal ones the boundaries assume: the global null, and an effect at the first three budgets only."""
    design, n_exp, questions, budgets = plan(3, 12, 3, ALPHA), 20_000, 2, 8
    question_of = np.repeat(np.arange(questions), budgets)
    se = math.sqrt(ALPHA * (1 - ALPHA) / n_exp)
    effect = np.zeros((questions, budgets))
    effect[0, :3] = (2.0, 1.5, 1.0)
    for seed, eff in ((43, None), (44, effect)):
        x = _curves(np.random.default_rng(seed), eff, n_exp, questions, budgets, design.looks[-1], rho=0.95)
        p, up = _statistics(x, design.looks)
        code = step_down(p, up, np.full(p.shape, np.nan), question_of, design).code.reshape(n_exp, questions, budgets)
        true = effect > 0 if eff is not None else np.zeros_like(effect, bool)
        rate = float((((code > 0) & ~true) | ((code == 2) & true)).any((1, 2)).mean())
        power = f"; power at the effect budgets {(code == 1).mean(0)[0, :3].round(3)}" if eff is not None else ""
        print(f"\nharder design, {'early-only effect' if eff is not None else 'global null'}: false or wrong-sign "
              f"{rate:.4f} (MC SE {se:.4f}){power}")
        assert rate <= ALPHA + 3 * se
