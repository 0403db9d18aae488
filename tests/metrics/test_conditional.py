import numpy as np
import pytest
import torch

from ganbench.metrics import conditional_accuracy, intra_fid


def test_conditional_accuracy_counts_only_samples_of_the_requested_class():
    judged = [0, 1, -1, 2, 0, 2]  # -1: the judge recognises nothing
    requested = [0, 1, 1, 0, 2, 2]
    out = conditional_accuracy(judged, requested, 4)
    assert out["cond_accuracy"] == pytest.approx(3 / 6)  # samples 0, 1 and 5
    assert out["class_coverage"] == pytest.approx(3 / 4)  # classes 0, 1, 2 have a correct sample; 3 none


def test_conditional_accuracy_of_a_label_blind_sampler_is_one_over_k():
    rng = np.random.default_rng(0)
    requested = np.arange(40000) % 8
    judged = rng.integers(0, 8, len(requested))  # recognisable, but independent of the request
    assert conditional_accuracy(judged, requested, 8)["cond_accuracy"] == pytest.approx(1 / 8, abs=0.01)


@pytest.mark.parametrize("judged,requested,k,match", [
    ([0, 1], [0, 3], 3, r"\[0, 3\)"),
    ([0.0, 1.0], [0, 1], 2, "integer"),
    ([0], [0, 1], 2, "one label per sample"),
    ([], [], 2, "at least one"),
])
def test_conditional_accuracy_rejects_bad_labels(judged, requested, k, match):
    with pytest.raises(ValueError, match=match):
        conditional_accuracy(np.asarray(judged, dtype=float if match == "integer" else int),
                             np.asarray(requested, dtype=int), k)


def test_intra_fid_is_the_mean_of_per_class_fids():
    # A fake class that is the real class shifted by δ has FID |δ|² (same covariance); an exact copy 0.
    rng = np.random.default_rng(1)
    real = rng.normal(size=(400, 3))
    labels = np.arange(400) % 2
    delta = np.array([0.3, -0.4, 0.0])  # |δ|² = 0.25
    fake = real + np.where(labels[:, None] == 0, delta, 0.0)
    assert intra_fid(real, labels, fake, labels, 2, device="cpu", precision="float64") == pytest.approx(0.125, abs=1e-9)
    assert intra_fid(real, labels, real, labels, 2, device="cpu") == pytest.approx(0.0, abs=1e-9)


def test_intra_fid_needs_samples_of_every_class():
    x = np.zeros((6, 2))
    with pytest.raises(ValueError, match="class 2 has 0 real"):
        intra_fid(x + np.arange(6)[:, None], np.array([0, 0, 1, 1, 0, 1]), x, np.array([0, 0, 1, 1, 0, 1]), 3, device="cpu")


def test_conditional_tv_is_zero_for_the_real_distribution_and_punishes_what_accuracy_rewards():
    from ganbench.metrics.conditional import conditional_tv

    requested = torch.arange(4000) % 4
    in_mode = 0.99
    real = requested.clone()
    real[(torch.arange(4000) // 4) % 100 == 0] = -1  # 1% of each class off every mode, as real data
    assert conditional_tv(real, requested, 4, in_mode) == pytest.approx(0.0, abs=1e-12)
    # every sample exactly at its mode: perfect accuracy, yet not the real distribution
    assert conditional_tv(requested, requested, 4, in_mode) == pytest.approx(0.01)
    # a label-blind sampler: sample i at mode (i + 1) mod 4 or so, never the requested one
    assert conditional_tv((requested + 1) % 4, requested, 4, in_mode) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no sample was generated for class 3"):
        conditional_tv(requested[requested < 3], requested[requested < 3], 4, in_mode)
