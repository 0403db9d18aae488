import hashlib

import numpy as np
import pytest
import torch

from ganbench.features import EXTRACTORS, get_extractor
from ganbench.features.digit_domains import DOMAINS, load_domain_split
from ganbench.features.digits32 import FEATURE_DIM, extractor_name, load_domain_classifier, weights_path
from ganbench.features.digits32_training import accuracy, train_domain_classifier

# measured test accuracies of the shipped weights (359 images): digits32 0.9972, edges 0.9777,
# thick 0.9972, inverted 0.9944; the bound leaves a little room below the weakest (edges)
MIN_ACCURACY = 0.95


@pytest.mark.parametrize("domain", list(DOMAINS))
def test_shipped_classifiers_are_small_and_accurate(domain):
    assert weights_path(domain).stat().st_size < 1 << 20
    net, sha = load_domain_classifier(domain)
    assert accuracy(net, domain, "test") >= MIN_ACCURACY
    assert sha == hashlib.sha256(weights_path(domain).read_bytes()).hexdigest()


def test_every_domain_has_a_registered_extractor():
    names = {extractor_name(d) for d in DOMAINS}
    assert names == {"digits32", "digits32-edges", "digits32-thick", "digits32-inverted", "digits32-rotated"}
    assert names <= set(EXTRACTORS)


@pytest.mark.parametrize("domain", list(DOMAINS))
def test_extractor_outputs_features_logits_and_labels(domain):
    ext = get_extractor(extractor_name(domain))
    x, y = load_domain_split(domain, "test")
    out = ext(x[:64])
    assert out.features.shape == (64, FEATURE_DIM) and out.features.dtype == np.float32
    assert out.logits.shape == (64, 10) and out.logits.dtype == np.float32
    assert out.labels.shape == (64, 1) and out.confidence.shape == (64, 1)
    assert out.confidence.dtype == np.float32
    assert ((out.confidence > 0) & (out.confidence <= 1)).all()
    np.testing.assert_array_equal(out.labels[:, 0], out.logits.argmax(1))
    assert ext.spec() == {"extractor": extractor_name(domain),
                          "weights_sha256": hashlib.sha256(weights_path(domain).read_bytes()).hexdigest()}
    np.testing.assert_array_equal(ext(x[:64].numpy()).labels, out.labels)  # array or tensor


def test_uint8_images_give_the_labels_of_their_float_version():
    ext = get_extractor("digits32")
    x, _ = load_domain_split("digits32", "test")
    u8 = np.round((x[:50].numpy() + 1) * 127.5).astype(np.uint8)
    as_float = ext(u8.astype(np.float32) / 127.5 - 1)
    np.testing.assert_array_equal(ext(u8).labels, as_float.labels)
    np.testing.assert_allclose(ext(u8).features, as_float.features, rtol=1e-5, atol=1e-5)


def test_bad_inputs():
    ext = get_extractor("digits32-edges")
    with pytest.raises(ValueError, match=r"\(N, C, 32, 32\)"):
        ext(np.zeros((3, 1, 8, 8), np.float32))
    with pytest.raises(ValueError, match=r"\(N, C, 32, 32\)"):
        ext(np.zeros((1, 32, 32), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        ext(torch.full((2, 1, 32, 32), float("nan")))
    with pytest.raises(ValueError, match="NaN"):
        ext(torch.full((2, 1, 32, 32), float("inf")))
    with pytest.raises(ValueError, match="only weights"):
        get_extractor("digits32", resize=True)


def test_missing_weights_and_unknown_domain(tmp_path):
    missing = tmp_path / "missing.pt"
    with pytest.raises(ValueError, match=r"python -m ganbench\.features\.digits32_training --domain thick"):
        load_domain_classifier("thick", str(missing))
    with pytest.raises(ValueError, match="digits32_training"):
        get_extractor("digits32-thick", weights=missing)
    with pytest.raises(ValueError, match="unknown digit domain"):
        load_domain_classifier("nope")


def test_custom_weights_path_is_used_and_hashed(tmp_path):
    path = tmp_path / "w.pt"
    path.write_bytes(weights_path("inverted").read_bytes())
    ext = get_extractor("digits32-inverted", weights=path)
    assert ext.spec()["weights_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_training_is_deterministic():
    a = train_domain_classifier("edges", epochs=1, n_train=256).state_dict()
    b = train_domain_classifier("edges", epochs=1, n_train=256).state_dict()
    c = train_domain_classifier("edges", seed=1, epochs=1, n_train=256).state_dict()
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert any(not torch.equal(a[k], c[k]) for k in a)


def test_stacked_channels_are_classified_one_by_one():
    from ganbench.features.digit_domains import load_domain_split

    x, y = load_domain_split("digits32", "test")
    ext = get_extractor("digits32")
    one = ext(x[:30])
    stacked = ext(torch.cat([x[:30], x[30:60], x[60:90]], 1))  # (30, 3, 32, 32): three digits per image
    assert stacked.features.shape == (30, 384) and stacked.logits.shape == (30, 1000)
    assert np.array_equal(stacked.labels[:, 0], one.labels[:, 0]) and np.allclose(stacked.features[:, :128], one.features)
    assert np.array_equal(stacked.labels[:, 1], ext(x[30:60]).labels[:, 0])
    joint = stacked.logits.argmax(1)  # the joint label is 100 r + 10 g + b
    assert np.array_equal(joint, stacked.labels[:, 0] * 100 + stacked.labels[:, 1] * 10 + stacked.labels[:, 2])
