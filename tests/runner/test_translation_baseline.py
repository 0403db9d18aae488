"""The recorded translation run (baselines/translation) is the shipped suite, trained: every variant
that should learn is above the untrained generator, the reference rows are where their definitions
put them, and the papers' ablation directions that reproduce at this budget hold:

- pix2pix (Isola et al. 2017, Table 1): the cGAN alone is far worse per pixel than L1 + cGAN (its
  outputs are sharp but not the target's pixels); L1 + cGAN against L1 alone, the table's headline,
  does not separate on this local mapping (both reach the classifier's ceiling; the README says so).
- CycleGAN (Zhu et al. 2017, Table 4): without the cycle loss the generator ignores its input (one
  output for every input, a per-class label score of 1/10), with it the digit is kept."""
from ganbench.records import load_records
from ganbench.report.tables import aggregate, load_results
from ganbench.report.stats import welch_p
from tests.runner.baselines import assert_is_shipped_suite, baseline_dir, recorded_by_older_code
from tests.runner.baselines import values as _values

BASELINE = baseline_dir("translation")
pytestmark = recorded_by_older_code("translation")
PAIRED, UNPAIRED = "digits-edges", "digits-edges-unpaired"
HEAD = "label_kept_per_class[digits32-edges]"


def v(task, variant, column):
    return _values(load_results(BASELINE), task, variant, f"{column}[digits32-edges]")


def test_baseline_is_the_shipped_translation_suite():
    records = assert_is_shipped_suite("translation", BASELINE, kinds=("trial", "real", "identity", "init"))
    trained = [r for r in records if r["kind"] == "trial"]
    assert all({"label_kept", "label_kept_per_class", "l1", "psnr", "ssim", "fid"} <= r["metrics"].keys() for r in trained)
    assert all("cycle_error" in r["metrics"] for r in trained if r["task"] == UNPAIRED)


def test_reference_rows_bracket_the_trained_generators():
    for task in (PAIRED, UNPAIRED):
        real, init, ident = v(task, "real", "label_kept_per_class"), v(task, "init", "label_kept_per_class"), \
            v(task, "identity", "label_kept_per_class")
        assert real.min() > 0.95 and ident.max() < real.min() and init.max() < 0.2  # ceiling, inputs, floor
        assert v(task, "real", "ssim").min() == 1.0 and v(task, "init", "ssim").max() < 0.1


def test_pix2pix_family_learns_and_the_cgan_alone_is_worst_per_pixel():
    table = aggregate(load_records(BASELINE))[PAIRED]
    for name in ("pix2pix", "pix2pix-l1", "pix2pix-gan"):
        assert bool(table.loc[name, "learned"]), name
        assert v(PAIRED, name, "label_kept_per_class").min() > 0.9, name
    assert welch_p(v(PAIRED, "pix2pix", "ssim"), v(PAIRED, "pix2pix-gan", "ssim"), "greater") < 0.05
    assert welch_p(v(PAIRED, "pix2pix-gan", "l1"), v(PAIRED, "pix2pix", "l1"), "greater") < 0.05


def test_cyclegan_keeps_the_digit_and_its_gan_only_ablation_does_not():
    table = aggregate(load_records(BASELINE))[UNPAIRED]
    assert bool(table.loc["cyclegan", "learned"]) and not bool(table.loc["cyclegan-gan-only", "learned"])
    assert welch_p(v(UNPAIRED, "cyclegan", "label_kept_per_class"),
                             v(UNPAIRED, "cyclegan-gan-only", "label_kept_per_class"), "greater") < 0.05
    assert v(UNPAIRED, "cyclegan", "cycle_error").max() < v(UNPAIRED, "cyclegan-gan-only", "cycle_error").min()
