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


def test_digits_task_real_data_scores_well():
    t = get_task("digits")
    v = evaluate_task(t, t.sample(2000, torch.Generator().manual_seed(0)), device="cpu").values
    assert v["modes"] == 10 and v["precision"] > 0.95 and v["is"] > 8.0


def test_digits32_is_the_upsampled_split_and_real_digits_score_as_digits():
    from ganbench.features.digit_domains import upsample

    t = get_task("digits32")
    x, y = load_digits_split("train")
    assert t.shape == (1, 32, 32) and t.protocol.extractor == "digits32" and len(t.images) == 1438
    assert torch.equal(t.images, upsample(torch.from_numpy(x))) and torch.equal(t.labels, torch.from_numpy(y))
    assert torch.equal(t.test_images, upsample(torch.from_numpy(load_digits_split("test")[0])))
    real = evaluate_task(t, t.sample(2000, torch.Generator().manual_seed(0)), device="cpu").values
    assert real["modes"] == 10 and real["precision"] > 0.95 and real["is"] > 8.0
    noise = evaluate_task(t, torch.rand(2000, 1, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1,
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
