import numpy as np
import pytest
import torch

from ganbench.evaluation import evaluate_task
from ganbench.features.digits import load_digits_split
from ganbench.tasks import get_task


def test_fixed_split_is_disjoint_and_complete():
    xtr, ytr = load_digits_split("train")
    xte, yte = load_digits_split("test")
    assert xtr.shape == (1438, 1, 8, 8) and xte.shape == (359, 1, 8, 8)
    assert xtr.min() == -1.0 and xtr.max() == 1.0 and xtr.dtype == np.float32
    assert set(np.unique(ytr)) == set(range(10)) == set(np.unique(yte))
    from sklearn.datasets import load_digits

    d = load_digits()
    np.testing.assert_array_equal(xte[:, 0], d.images[4::5] / 8.0 - 1.0)  # every fifth image, from index 4


def test_bad_split_name():
    with pytest.raises(ValueError, match="'train' or 'test'"):
        load_digits_split("val")


def test_real_stacked_digits_cover_almost_all_1000_modes():
    t = get_task("stacked-digits")
    fake, true_labels = t.sample_labelled(26000, torch.Generator().manual_seed(0))
    assert len(torch.unique(true_labels)) == 1000  # the sampler itself is complete
    v = evaluate_task(t, fake, device="cpu").values
    assert v["modes"] >= 990
    assert v["kl_modes"] < 0.1


def test_single_digit_sampler_has_one_mode_on_stacked_digits():
    t = get_task("stacked-digits")
    x, y = load_digits_split("train")
    sevens = torch.from_numpy(x[y == 7][:1]).repeat(500, 3, 1, 1)
    v = evaluate_task(t, sevens, device="cpu").values
    assert v["modes"] == 1 and abs(v["kl_modes"] - np.log(1000)) < 1e-9


def test_the_three_splits_are_disjoint_complete_and_judge_on_held_out_data():
    t = get_task("digits")
    from sklearn.datasets import load_digits

    everything = load_digits().images / 8.0 - 1.0
    i = np.arange(len(everything))
    for images, rest in ((t.images, i % 5 <= 2), (t.ceiling_images, i % 5 == 3), (t.test_images, i % 5 == 4)):
        np.testing.assert_array_equal(images[:, 0].numpy(), everything[rest])
    assert (len(t.images), len(t.ceiling_images), len(t.test_images)) == (1079, 359, 359)
    assert torch.equal(t.eval_real(torch.Generator()), t.test_images)  # the reference set: held out
    assert torch.equal(t.copying_reference(), t.images)  # C_T's training set: what generators train on
    # the real row: every ceiling image once (duplicates would empty recall's k-NN balls)
    real = t.heldout(t.protocol.n_fake, torch.Generator().manual_seed(0))
    assert t.protocol.n_fake == len(t.ceiling_images) == len(torch.unique(real.reshape(len(real), -1), dim=0))


def test_digits_task_real_data_scores_well_and_a_copier_is_caught_by_c_t():
    t = get_task("digits")
    real = evaluate_task(t, t.heldout(t.protocol.n_fake, torch.Generator().manual_seed(0)), device="cpu").values
    assert real["modes"] == 10 and real["precision"] > 0.85 and real["recall"] > 0.85 and real["is"] > 7.5
    assert abs(real["c_t"]) < 3  # held-out data neither copies nor underfits
    copier = t.images[torch.randperm(len(t.images), generator=torch.Generator().manual_seed(0))[: t.protocol.n_fake]]
    copied = evaluate_task(t, copier, device="cpu").values
    assert copied["c_t"] < -3  # the training images themselves: data copying (Meehan et al. 2020 flag < -3)


def test_digits32_is_the_upsampled_split_and_real_digits_score_as_digits():
    from ganbench.features.digit_domains import upsample

    t, small = get_task("digits32"), get_task("digits")
    assert t.shape == (1, 32, 32) and t.protocol.extractor == "digits32" and len(t.images) == 1079
    for split in ("images", "ceiling_images", "test_images"):
        assert torch.equal(getattr(t, split), upsample(getattr(small, split)))
    assert torch.equal(t.labels, small.labels)
    real = evaluate_task(t, t.heldout(t.protocol.n_fake, torch.Generator().manual_seed(0)), device="cpu").values
    assert real["modes"] == 10 and real["precision"] > 0.85 and real["is"] > 7.5
    noise = evaluate_task(t, torch.rand(359, 1, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1,
                          device="cpu").values
    assert noise["modes"] == 0 and noise["fid"] > 10 * real["fid"]


def test_real_stacked_digits32_cover_almost_all_1000_modes_and_noise_none():
    t = get_task("stacked-digits32")
    x, labels = t.sample_labelled(26000, torch.Generator().manual_seed(0))
    assert x.shape == (26000, 3, 32, 32) and t.protocol.extractor == "digits32"
    from ganbench.features import get_extractor

    ext = get_extractor("digits32")  # mode statistics alone: one pass of the classifier, no FID
    real = t.heldout(26000, torch.Generator().manual_seed(1))
    stats = t.mode_stats(real, ext(real))
    assert stats["modes"] >= 990 and stats["modes_argmax"] == 1000
    noise = torch.rand(2000, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert t.mode_stats(noise, ext(noise))["modes"] <= 5


def test_the_selection_reference_is_the_ceiling_split_disjoint_from_the_test_split():
    import torch

    from ganbench.tasks import get_task

    for name in ("digits", "digits-cond", "stacked-digits", "digits32"):
        task = get_task(name)
        select, what = task.selection_reference()
        assert "ceiling" in what and select.cache_key() != task.cache_key()
        assert "reference_split" not in task.cache_key()  # the task itself keeps its identity
        real = select.eval_real(torch.Generator().manual_seed(0))
        test = task.eval_real(torch.Generator().manual_seed(0))
        ceiling = {tuple(x.flatten().tolist()) for x in task.ceiling_images}
        if task.shape[0] == 1:  # the ceiling images themselves, none of the test split's
            assert torch.equal(real, task.ceiling_images)
            assert not ceiling & {tuple(x.flatten().tolist()) for x in test}
        else:  # triples of ceiling digits
            assert all(tuple(c.flatten().tolist()) in ceiling for c in real[:50].reshape(-1, 1, *task.shape[1:]))
    assert torch.equal(get_task("digits-cond").selection_reference()[0].reference_labels(),
                       get_task("digits-cond").ceiling_labels.long())
    assert get_task("ring8").selection_reference()[0] is get_task("ring8")  # fresh draws of the mixture
    assert get_task("digits-edges").selection_reference()[0] is None  # no held-out set besides the test split
