import numpy as np
import pytest
import torch

from ganbench.features import get_extractor
from ganbench.features.digits import WEIGHTS, load_classifier, load_digits_split
from ganbench.features.digits_training import accuracy, train_digits_classifier


def test_shipped_classifier_is_small_and_accurate():
    assert WEIGHTS.stat().st_size < 1 << 20
    net, sha = load_classifier()
    assert accuracy(net, "test") >= 0.97
    assert len(sha) == 64


def test_retraining_reproduces_the_shipped_accuracy():
    shipped = accuracy(load_classifier()[0], "test")
    retrained = accuracy(train_digits_classifier(), "test")
    assert retrained >= 0.97
    assert abs(retrained - shipped) <= 0.01


def test_extractor_outputs_features_logits_and_channel_labels():
    ext = get_extractor("digits")
    x, y = load_digits_split("test")
    one = ext(x[:50])
    assert one.features.shape == (50, 128) and one.logits.shape == (50, 10) and one.labels.shape == (50, 1)
    assert (one.labels[:, 0] == one.logits.argmax(1)).all()
    stacked = np.concatenate([x[:50], x[50:100], x[100:150]], 1)
    three = ext(stacked)
    assert three.features.shape == (50, 384) and three.labels.shape == (50, 3) and three.logits.shape == (50, 1000)
    np.testing.assert_array_equal(three.labels[:, 1], ext(x[50:100]).labels[:, 0])
    joint = three.labels[:, 0] * 100 + three.labels[:, 1] * 10 + three.labels[:, 2]
    np.testing.assert_array_equal(three.logits.argmax(1), joint)  # argmax of the joint = per-channel argmaxes
    np.testing.assert_allclose(np.exp(three.logits.astype(np.float64)).sum(1), 1.0, rtol=1e-5)


def test_uint8_images_equal_their_float_version():
    ext = get_extractor("digits")
    x, _ = load_digits_split("test")
    u8 = np.round((x[:20] + 1) * 127.5).astype(np.uint8)
    np.testing.assert_allclose(ext(u8).features, ext(u8.astype(np.float32) / 127.5 - 1).features)


def test_bad_inputs():
    ext = get_extractor("digits")
    with pytest.raises(ValueError, match=r"\(N, C, 8, 8\)"):
        ext(np.zeros((3, 1, 28, 28), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        ext(torch.full((2, 1, 8, 8), float("nan")))
    with pytest.raises(ValueError, match="only weights"):
        get_extractor("digits", resize=True)
