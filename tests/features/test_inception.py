from unittest import mock

import numpy as np
import pytest
import torch
from torch_fidelity import feature_extractor_inceptionv3 as fe

from ganbench.features import get_extractor
from ganbench.features.inception import ENV_VAR
from ganbench.features.inception_weights import is_torchscript


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory):
    """A weights file of the right architecture with random values: never the network."""
    torch.manual_seed(0)
    with mock.patch.object(fe.FeatureExtractorInceptionV3, "load_state_dict", lambda self, sd: None), \
            mock.patch.object(fe, "load_state_dict_from_url", lambda *a, **k: {}):
        net = fe.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    path = tmp_path_factory.mktemp("w") / "inception.pth"
    torch.save(net.state_dict(), path)
    return path


def test_features_equal_torch_fidelity(random_weights):
    images = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (3, 3, 40, 48), dtype=np.uint8))
    ours = get_extractor("inception", weights=random_weights, device="cpu")(images)
    theirs = fe.FeatureExtractorInceptionV3("inception-v3-compat", ["2048", "logits_unbiased"],
                                            feature_extractor_weights_path=str(random_weights))
    with torch.no_grad():
        f, lg = theirs(images)
    assert ours.features.shape == (3, 2048) and ours.logits.shape == (3, 1008)
    np.testing.assert_array_equal(ours.features, f.numpy())
    np.testing.assert_array_equal(ours.logits, lg.numpy())


def test_float_images_in_minus_one_one_equal_their_uint8(random_weights):
    ext = get_extractor("inception", weights=random_weights, device="cpu")
    u8 = np.random.default_rng(1).integers(0, 256, (2, 1, 16, 16), dtype=np.uint8)
    as_float = u8.astype(np.float32) / 127.5 - 1.0
    np.testing.assert_array_equal(ext(u8).features, ext(as_float).features)
    assert ext.spec()["weights_is_reference"] is False


def test_weights_from_environment(random_weights, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(random_weights))
    assert get_extractor("inception", device="cpu").weights == random_weights


def test_missing_weights_explain_how_to_provide_them(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("GANBENCH_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(ValueError, match="weights-inception-2015-12-05-6726825d.pth") as info:
        get_extractor("inception")
    message = str(info.value)
    assert "never downloads" in message and ENV_VAR in message and "ganbench weights fetch inception" in message


@pytest.mark.filterwarnings(r"ignore:`torch\.jit:FutureWarning")
def test_state_dicts_and_torchscript_are_told_apart_by_content(random_weights, tmp_path):
    script = tmp_path / "looks-like-a.pth"  # the name says state dict; the content says TorchScript
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(script))
    assert is_torchscript(script) and not is_torchscript(random_weights)
    with pytest.raises(ValueError, match="not an NVIDIA-layout InceptionV3"):
        get_extractor("inception", weights=script)
    assert get_extractor("inception", weights=random_weights, device="cpu").spec()["weights_format"] == "torch-fidelity"


def test_a_pickle_is_refused_with_the_alternative(tmp_path):
    pkl = tmp_path / "inception-2015-12-05.pkl"
    pkl.write_bytes(b"\x80\x04not a state dict")
    with pytest.raises(ValueError, match="ganbench weights fetch inception --format nvidia"):
        get_extractor("inception", weights=pkl)


def test_corrupt_weights(tmp_path):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="could not load"):
        get_extractor("inception", weights=bad)


def test_bad_images(random_weights):
    ext = get_extractor("inception", weights=random_weights, device="cpu")
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        ext(np.full((1, 3, 8, 8), 3.0, dtype=np.float32))
    with pytest.raises(ValueError, match="channels-last"):
        ext(np.zeros((1, 8, 8, 3), dtype=np.uint8))
