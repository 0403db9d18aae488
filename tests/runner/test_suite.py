import pytest

from ganbench.runner.suite import REFERENCE_DRAWS, available_suites, load_suite, parse_suite

GOOD = {"name": "t", "seeds": 2, "variants": ["gan-ns"], "tasks": {"ring8": {"budget": {"g_steps": 10}}}}


def test_shipped_suites_load():
    assert {"smoke", "core", "full"} <= set(available_suites())
    smoke = load_suite("smoke")
    assert len(smoke.tasks) == 2 and len(smoke.variants) == 3 and smoke.seeds == (0, 1)
    core = load_suite("core")
    assert {t.name for t in core.tasks} == {"ring8", "grid25"}
    assert {"gan-ns", "lsgan", "hinge", "sngan", "wgan-gp-toy", "unrolled-gan", "pacgan"} == set(core.variants)
    assert len(core.seeds) >= 5
    for plan in core.tasks:  # equal generator steps for every variant of a task, EMA evaluated
        assert plan.budget.rule[0] == "g_steps" and plan.train["ema"] > 0
    full = load_suite("full")
    assert len(full.variants) == 20 and {t.name for t in full.tasks} >= {"hd-mixture", "stacked-digits", "digits"}
    assert {t.name for t in full.tasks} >= {"ring8-cond", "grid25-cond", "digits-cond"}  # the other suites' tasks
    conditional = load_suite("conditional")
    assert {t.name for t in conditional.tasks} == {"ring8-cond", "digits-cond"}
    inference = load_suite("inference")
    assert {"bigan", "aae"} <= set(inference.variants) and {t.name for t in inference.tasks} == {"ring8", "digits"}
    assert {"bigan", "aae"} <= set(full.variants_of(next(t for t in full.tasks if t.name == "digits")))
    for suite in (conditional, inference):  # floors and ceilings as in core: equal steps, EMA evaluated
        for plan in suite.tasks:
            assert plan.budget.rule[0] == "g_steps" and plan.train["ema"] > 0


@pytest.mark.parametrize("patch, message", [
    ({"colour": 1}, r"unknown key\(s\) \['colour'\]"),
    ({"variants": ["gan-ns", "nope"]}, "unknown variant 'nope'"),
    ({"tasks": {"ring9": {"budget": {"g_steps": 1}}}}, "unknown task 'ring9'"),
    ({"tasks": {"ring8": {"budget": {"g_steps": 1}, "lr": 1}}}, r"\[tasks.ring8\] unknown key\(s\) \['lr'\]"),
    ({"tasks": {"ring8": {}}}, "needs a budget"),
    ({"tasks": {"ring8": {"budget": {"epochs": 3}}}}, "unknown budget kind"),
    ({"seeds": 0}, "seeds must be >= 1"),
    ({"seeds": [0, 0]}, "repeat a seed"),
    ({"tasks": {"ring8": {"budget": {"g_steps": 1}, "train": {"lr": 1}}}}, r"train has unknown key\(s\) \['lr'\]"),
    ({"tasks": {"ring8": {"budget": {"g_steps": 1}, "variants": ["gan-ns", "gan-ns"]}}}, "repeat a name"),
    ({"name": "a/b"}, "suite name 'a/b' may contain only letters, digits"),
    ({"variants": []}, "non-empty list"),
    ({"variants": ["gan-ns", "cgan"]}, "'cgan' is conditional and this task has no labels"),
    ({"tasks": {"stacked-digits": {"budget": {"g_steps": 1}, "variants": ["aae"]}}},
     "'aae' has an encoder, and this task has no labels.*digits, digits-cond"),
])
def test_validation_errors_name_the_problem(patch, message):
    with pytest.raises(ValueError, match=message):
        parse_suite({**GOOD, **patch})


def test_missing_required_key():
    data = dict(GOOD)
    del data["variants"]
    with pytest.raises(ValueError, match="missing required key 'variants'"):
        parse_suite(data)


def test_user_file_and_overrides(tmp_path):
    p = tmp_path / "mine.toml"
    p.write_text('name = "mine"\nseeds = [3, 7]\nvariants = ["pacgan"]\n[tasks.grid25]\nbudget = { kimg = 2 }\nn_fake = 1000\n')
    s = load_suite(p)
    assert s.seeds == (3, 7) and s.tasks[0].task().protocol.n_fake == 1000
    from ganbench.tasks import get_task

    assert get_task("grid25").protocol.n_fake == 2500  # the registry's task is untouched
    assert s.with_seeds(4).seeds == (0, 1, 2, 3) and s.n_trials == 2 + 2 * REFERENCE_DRAWS  # trials + real/init rows, drawn at least 10 times
    with pytest.raises(ValueError, match="unknown suite 'nope'"):
        load_suite("nope")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(ValueError, match="invalid TOML"):
        load_suite(bad)


CLAIMS = {**GOOD, "variants": ["gan-ns", "pacgan"], "claims": ["pacgan-ring8-modes"]}


def test_the_claims_suite_lists_claims_on_its_tasks_with_a_sequential_design():
    s = load_suite("claims")
    assert len(s.claims) >= 5 and s.sequential["max_seeds"] > len(s.seeds) >= 5
    from ganbench.claims import get_claim

    for cid in s.claims:
        c = get_claim(cid)
        assert {c.better, c.worse} <= set(s.variants_of(s.plan_of(c.task)))
    assert s.to_dict()["claims"] == list(s.claims) and s.to_dict()["sequential"] == s.sequential
    assert parse_suite(CLAIMS).claims == ("pacgan-ring8-modes",)


@pytest.mark.parametrize("patch, message", [
    ({"claims": ["nope"]}, "unknown claim 'nope'"),
    ({"claims": "pacgan-ring8-modes"}, "non-empty list of claim ids"),
    ({"claims": ["pacgan-ring8-modes", "pacgan-ring8-modes"]}, "repeat an id"),
    ({"claims": ["pacgan-grid25-modes"]}, "about task 'grid25', which the suite does not train"),
    ({"variants": ["gan-ns"]}, "does not train pacgan"),
    ({"tasks": {"ring8": {"budget": {"g_steps": 1}, "metrics": ["fid"], "headline": "fid"}}},
     "add 'modes' to its metrics"),
    ({"sequential": {"max_seeds": 10, "steps": 2}}, r"unknown key\(s\) \['steps'\]"),
    ({"sequential": {"step": 2}}, "needs max_seeds"),
    ({"sequential": {"max_seeds": 1}}, "below the suite's 2 seeds"),
    ({"sequential": {"max_seeds": 4, "step": 0}}, "positive integer"),
    ({"sequential": {"max_seeds": 4}, "seeds": [0, 2]}, "needs seeds = N"),
    ({"sequential": {"max_seeds": 4}, "claims": None}, "needs claims"),
])
def test_claims_and_sequential_errors_name_the_problem(patch, message):
    data = {**CLAIMS, **patch}
    if data.get("claims") is None:
        data.pop("claims")
    with pytest.raises(ValueError, match=message):
        parse_suite(data)


TUNED = {**GOOD, "variants": ["gan-ns", "pacgan"], "tune": {"configs": 4}}


def test_the_tuned_suite_tunes_cores_ring8_variants_with_cores_settings():
    s, core = load_suite("tuned"), load_suite("core")
    assert s.tune == {"configs": 20, "sampler_seed": 0, "rerun_seeds": 5, "select_at": "final",
                      "variants": ("gan-ns", "lsgan", "hinge", "wgan-gp-toy", "pacgan")}
    assert {"gan-ns", "lsgan", "hinge", "wgan-gp-toy", "pacgan"} <= set(s.tune["variants"])
    ring, core_ring = s.plan_of("ring8"), core.plan_of("ring8")
    assert (ring.budget, ring.train) == (core_ring.budget, core_ring.train)  # tuned orders read against core's
    assert getattr(ring, "eval_at", None) == getattr(core_ring, "eval_at", None)  # the same budget grid
    assert s.to_dict()["tune"]["variants"] == list(s.tune["variants"]) and s.n_trials == 5 * 30 + 2 * REFERENCE_DRAWS
    parsed = parse_suite(TUNED)
    assert parsed.tune["variants"] == ("gan-ns", "pacgan") and parsed.tune["rerun_seeds"] == 5


@pytest.mark.parametrize("patch, message", [
    ({"configs": 4, "rounds": 2}, r"\[tune\] unknown key\(s\) \['rounds'\]"),
    ({"rerun_seeds": 5}, "needs configs"),
    ({"configs": 1}, "configs must be an integer >= 2"),
    ({"configs": 4, "rerun_seeds": 3}, "rerun_seeds must be an integer >= 5"),
    ({"configs": 4, "sampler_seed": -1}, "sampler_seed must be an integer >= 0"),
    ({"configs": 4, "variants": ["lsgan"]}, r"variants \['lsgan'\] are not in the suite"),
    ({"configs": 4, "variants": ["nope"]}, "unknown variant 'nope'"),
    ({"configs": 4, "select_at": "best"}, "select_at must be \"final\" or a budget point"),
    ({"configs": 4, "select_at": 7}, r"select_at 7 is not a point of \[tasks.ring8\]'s budget grid"),
    ("not a table", "must be a table"),
])
def test_tune_errors_name_the_problem(patch, message):
    with pytest.raises(ValueError, match=message):
        parse_suite({**TUNED, "tune": patch})


def test_a_tuned_suite_draws_every_configuration_with_the_tasks_settings_before_training():
    bad = {**TUNED, "tasks": {"ring8": {"budget": {"g_steps": 10}, "train": {"batch_size": 6}}}}  # pack 4 ∤ 6
    with pytest.raises(ValueError, match=r"\[tune\] \[tasks.ring8\] variant 'pacgan': .*pack = 4 gives an invalid"):
        parse_suite(bad)
    with pytest.raises(ValueError, match="a tuned suite does not judge claims"):
        parse_suite({**CLAIMS, "tune": {"configs": 4}})
    assert parse_suite({**TUNED, "tune": {"configs": 4, "select_at": 10}}).tune["select_at"] == 10


@pytest.mark.parametrize("spec, message", [
    ({"metrics": ["fid"]}, r"the headline 'mode_tv' is computed by metric 'modes', which metrics = \['fid'\] leaves out"),
    ({"metrics": ["fid"], "headline": "modes"}, "computed by metric 'modes'"),
    ({"headline": "c_t"}, "headline must name a ranked value"),
    ({"headline": 3}, "headline must name a ranked value"),
])
def test_a_headline_the_metrics_do_not_compute_is_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_suite({**GOOD, "tasks": {"ring8": {"budget": {"g_steps": 10}, **spec}}})
    ok = parse_suite({**GOOD, "tasks": {"ring8": {"budget": {"g_steps": 10}, "metrics": ["fid"], "headline": "fid"}}})
    assert ok.tasks[0].task().protocol.headline == "fid" and ok.to_dict()["tasks"]["ring8"]["headline"] == "fid"


@pytest.mark.parametrize("eval_at, message", [
    ([500, 250], r"\[tasks.ring8\] eval_at: points must increase"),
    ([2000], r"\[tasks.ring8\] eval_at: point 2000 lies beyond the budget of 1000 g_steps"),
    ([0, 100], "finite positive number"),
    ([10.5], "g_steps points must be integers"),
    ([], "list of budget points"),
    ("sometimes", r"eval_at must be a list of budget points such as \[500, 1000, 2000\] or \"final\""),
    (500, "eval_at must be a list"),
])
def test_eval_at_errors_name_the_problem(eval_at, message):
    data = {**GOOD, "tasks": {"ring8": {"budget": {"g_steps": 1000}, "eval_at": eval_at}}}
    with pytest.raises(ValueError, match=message):
        parse_suite(data)


def test_eval_at_is_resolved_and_written_to_suite_json():
    def plan(spec):
        return parse_suite({**GOOD, "tasks": {"ring8": spec}}).tasks[0]

    assert plan({"budget": {"g_steps": 1000}, "eval_at": [250, 500]}).grid == (250, 500, 1000)
    assert plan({"budget": {"g_steps": 1000}, "eval_at": "final"}).grid == (1000,)
    default = plan({"budget": {"g_steps": 1000}})
    assert default.grid == (10, 20, 50, 100, 200, 500, 1000) and default.to_dict()["eval_at"] == list(default.grid)
    assert plan({"budget": {"kimg": 4.8}, "eval_at": [0.6, 1.2]}).grid == (0.6, 1.2, 4.8)
    assert plan({"budget": {"seconds": 30}}).grid == (30,)  # a seconds budget is not nested
    with pytest.raises(ValueError, match="seconds budget is not nested"):
        plan({"budget": {"seconds": 30}, "eval_at": [10]})
    for name in available_suites():  # every shipped grid is valid and ends at its budget
        for p in load_suite(name).tasks:
            assert p.grid[-1] == p.budget.rule[1]
