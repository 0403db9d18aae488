"""The recorded inference run (baselines/inference) is the shipped suite, trained: floor and ceiling,
both encoder families better than the untrained generator, and the trade-off between the two
families that the records show with large effects: the adversarial autoencoder, trained to
reconstruct, inverts far better than BiGAN, whose encoder only learns to invert G through D
(Donahue et al. 2017, Sec. 3: exact inversion only at the optimum); BiGAN's samples are far better,
because the AAE's codes do not match the prior it is sampled from (its prior KID)."""
from ganbench.records import load_records
from ganbench.report.leaderboard import aggregate, load_results
from ganbench.report.stats import holm, welch_p_one_sided
from tests.runner.baselines import assert_is_shipped_suite, baseline_dir
from tests.runner.baselines import values as _values

BASELINE = baseline_dir("inference")
MODES = "modes[identity]"


def test_baseline_is_the_shipped_inference_suite():
    records = assert_is_shipped_suite("inference", BASELINE)
    trained = [r for r in records if r["kind"] == "trial"]
    assert all({"recon_error", "recon_kept", "probe_accuracy", "prior_kid"} <= r["metrics"].keys() for r in trained)


def test_floor_ceiling_and_both_families_learned():
    results, table = load_results(BASELINE), aggregate(load_records(BASELINE))["ring8"]
    assert _values(results, "ring8", "real", MODES).min() == 8 and _values(results, "ring8", "init", MODES).max() == 0
    for v in ("bigan", "aae"):
        assert bool(table.loc[v, "learned"]), v
        # an untrained G puts every reconstruction near the origin, ~1 (the ring's radius) from its input
        assert _values(results, "ring8", v, "recon_error[identity]").max() < 0.5, v


def test_the_autoencoder_inverts_better_and_bigan_samples_better():
    results = load_results(BASELINE)

    def v(variant, column):
        return _values(results, "ring8", variant, f"{column}[identity]")

    pvalues = [welch_p_one_sided(v("bigan", "recon_error"), v("aae", "recon_error")),
               welch_p_one_sided(v("aae", "recon_kept"), v("bigan", "recon_kept")),
               welch_p_one_sided(v("bigan", "hq_fraction"), v("aae", "hq_fraction"))]
    assert max(holm(pvalues)) < 0.05, pvalues  # each direction, Holm over the three
    assert v("aae", "prior_kid").min() > 0.1  # the AAE's codes are far from N(0, I): why its samples are poor
