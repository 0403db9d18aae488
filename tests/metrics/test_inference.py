import numpy as np
import pytest

from ganbench.metrics.inference import (
    label_preservation,
    label_preservation_per_class,
    linear_probe_accuracy,
    reconstruction_error,
)


def test_identity_encoder_decoder_reconstructs_exactly_and_a_shift_costs_its_length():
    x = np.random.default_rng(0).normal(size=(50, 1, 4, 4))
    assert reconstruction_error(x, x) == 0.0
    shift = np.zeros_like(x)
    shift[:, 0, 0, :2] = [3.0, 4.0]  # ||δ|| = 5 for every sample
    assert reconstruction_error(x, x + shift) == pytest.approx(5.0, rel=1e-12)


def test_reconstruction_error_rejects_mismatched_or_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        reconstruction_error(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        reconstruction_error(np.full((3, 2), np.nan), np.zeros((3, 2)))


def test_per_class_label_preservation_scores_an_input_blind_output_at_one_over_k():
    labels = np.array([0] * 6 + [1] * 3 + [2])  # unbalanced: 60 / 30 / 10 %
    assert label_preservation_per_class(labels, labels) == 1.0
    for c in (0, 1, 2):  # one class for everything: the plain fraction is that class's share, per class 1/3
        const = np.full(10, c)
        assert label_preservation(labels, const) == np.mean(labels == c)
        assert label_preservation_per_class(labels, const) == pytest.approx(1 / 3)
    out = labels.copy()
    out[:3] = 1  # half of class 0 lost
    assert label_preservation_per_class(labels, out) == pytest.approx((0.5 + 1 + 1) / 3)
    with pytest.raises(ValueError, match="one output label per input label"):
        label_preservation_per_class([0, 1], [0])


def test_label_preservation():
    assert label_preservation([0, 1, 2, 3], [0, 1, 0, 3]) == 0.75
    with pytest.raises(ValueError, match="one reconstruction label"):
        label_preservation([0, 1], [0])


def test_linear_probe_reads_labels_from_informative_codes_only():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 800)
    centers = rng.normal(scale=5.0, size=(4, 3))
    codes = centers[y] + rng.normal(size=(800, 3))  # linearly separable classes
    assert linear_probe_accuracy(codes[:600], y[:600], codes[600:], y[600:]) > 0.95
    noise = rng.normal(size=(800, 3))  # codes that carry no label
    assert linear_probe_accuracy(noise[:600], y[:600], noise[600:], y[600:]) < 0.4
    with pytest.raises(ValueError, match="one class"):
        linear_probe_accuracy(codes[:10], np.zeros(10), codes[10:20], y[10:20])
