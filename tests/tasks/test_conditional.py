import pytest
import torch

from ganbench.evaluation import evaluate_task
from ganbench.metrics import nearest_modes
from ganbench.tasks import get_task


@pytest.mark.parametrize("name,base", [("ring8-cond", "ring8"), ("grid25-cond", "grid25")])
def test_mixture_labels_are_the_components_the_samples_come_from(name, base):
    task, plain = get_task(name), get_task(base)
    x, y = task.sample_labelled(3000, torch.Generator().manual_seed(3))
    # The same draws as the unconditional task: an unconditional variant trains on the same points.
    assert torch.equal(x, plain.sample(3000, torch.Generator().manual_seed(3)))
    nearest, hq = nearest_modes(x, task.centers, task.std)
    assert torch.equal(nearest[hq], y[hq]) and hq.double().mean() > 0.98
    assert task.n_classes == plain.n_modes and y.dtype == torch.int64


def test_reference_and_heldout_samples_are_ordered_by_class():
    task = get_task("ring8-cond")
    x = task.heldout(800, torch.Generator().manual_seed(0))
    judged, want = task.judge(x, None), torch.arange(800) % 8
    recognised = judged >= 0  # within 3 std of a center: ~99% of real samples
    assert torch.equal(judged[recognised], want[recognised]) and recognised.double().mean() > 0.97
    assert torch.equal(task.reference_labels(), torch.arange(task.protocol.n_real) % 8)


def test_the_real_row_obeys_its_labels_and_a_label_blind_sampler_does_not():
    task = get_task("ring8-cond")
    real = evaluate_task(task, task.heldout(2500, torch.Generator().manual_seed(1)), device="cpu").values
    blind = evaluate_task(task, task.sample(2500, torch.Generator().manual_seed(1)), device="cpu").values
    assert real["cond_accuracy"] > 0.98 and real["class_coverage"] == 1.0 and real["intra_fid"] < 1e-3
    # the same distribution unconditionally (modes, FID), but the labels are ignored: ~1/8 correct
    assert blind["modes"] == 8 and blind["fid"] < 1e-2 and blind["hq_fraction"] > 0.98
    assert blind["cond_accuracy"] == pytest.approx(blind["hq_fraction"] / 8, abs=0.02)
    assert blind["intra_fid"] > 1.0


def test_digits_cond_is_judged_by_the_confident_classifier():
    task = get_task("digits-cond")
    x = task.heldout(500, torch.Generator().manual_seed(0))
    v = evaluate_task(task, x, device="cpu").values
    # test-split digits of the requested classes: correct exactly when recognisable (confident)
    assert v["cond_accuracy"] == pytest.approx(v["confident_fraction"])
    assert v["class_coverage"] == 1.0
    x, y = task.sample_labelled(64, torch.Generator().manual_seed(0))
    assert x.shape == (64, 1, 8, 8) and y.dtype == torch.int64 and set(y.tolist()) <= set(range(10))


def test_conditional_tasks_are_listed_with_their_metric():
    # the mixtures, whose real conditional distribution is known, rank by the proper cond_tv
    for name, headline in (("ring8-cond", "cond_tv"), ("grid25-cond", "cond_tv"), ("digits-cond", "cond_accuracy")):
        task = get_task(name)
        assert "conditional" in task.protocol.metrics and task.protocol.headline == headline
