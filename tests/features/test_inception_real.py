"""ganbench's Inception features and FID/KID on the real 2015-12-05 weights (the features-only
NVIDIA-layout TorchScript of ``conftest.real_inception_weights``), against independent computations
on the same PNG folders: clean-fid's TorchScript feature path (``layers((x - 128) / 128)`` at
299x299, what ``cleanfid.inception_torchscript.InceptionV3W`` does), torch-fidelity's own loader and
``calculate_metrics`` on the converted state dict, and a plain numpy/scipy FID.

Measured on a 2-core AMD EPYC (torch 2.14.1, CPU), 20 + 20 images: features max |diff| against the
TorchScript 1.4e-6 (features up to ~6); FID and KID agree to <= 1e-6 relative (printed by the tests).
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
from PIL import Image

from ganbench.cli import main
from ganbench.features import get_extractor
from ganbench.features.inception_weights import load_weights
from ganbench.metrics import fid as ganbench_fid
from ganbench.metrics import kid as ganbench_kid
from ganbench.utils.io import load_array

# torch >= 2.10 deprecates TorchScript (still the format of these files); N < 2048 makes the
# covariances singular, which scipy's sqrtm warns about (the FID is still well defined).
pytestmark = [pytest.mark.filterwarnings(r"ignore:`torch\.jit:FutureWarning"),
              pytest.mark.filterwarnings("ignore:Matrix is singular")]

N = 20  # images per folder: enough for a non-trivial FID, few enough for ~20-50 img/s on 2 cores
FEATURE_TOL = 1e-5  # max abs difference of features computed by different code on the same weights
METRIC_RTOL = 1e-6


def _smooth_images(rng, n, grid, gamma):
    """Smooth colour fields (bilinear upsampling of a coarse random grid) as uint8 (n, 299, 299, 3)."""
    out = []
    for _ in range(n):
        coarse = (rng.random((grid, grid, 3)) ** gamma * 255).astype(np.uint8)
        out.append(np.asarray(Image.fromarray(coarse).resize((299, 299), Image.BILINEAR)))
    return np.stack(out)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    rng = np.random.default_rng(0)
    root = tmp_path_factory.mktemp("inception-real")
    for name, grid, gamma in (("real", 8, 1.0), ("fake", 5, 2.0)):
        (root / name).mkdir()
        for i, img in enumerate(_smooth_images(rng, N, grid, gamma)):
            Image.fromarray(img).save(root / name / f"{i:03d}.png")
    return root / "real", root / "fake"


@pytest.fixture(scope="module")
def converted_pth(real_inception_weights, tmp_path_factory):
    """The TorchScript's tensors as torch-fidelity's inception-v3-compat state dict file."""
    path = tmp_path_factory.mktemp("converted") / "inception-converted.pth"
    torch.save(load_weights(real_inception_weights).state_dict, path)
    return path


@pytest.fixture(scope="module")
def ours(real_inception_weights, folders):
    ext = get_extractor("inception", weights=real_inception_weights, device="cpu")
    return ext, [ext(load_array(f)).features for f in folders]


@pytest.fixture(scope="module")
def clean_fid_features(real_inception_weights, folders):
    """clean-fid's folder pipeline (PIL -> float 0..255) with the TorchScript, as InceptionV3W runs it."""
    from cleanfid.fid import get_folder_features

    net = torch.jit.load(str(real_inception_weights), map_location="cpu").eval()

    def model(x):  # InceptionV3W.forward with resize_inside=False: images already 299x299
        assert x.shape[2:] == (299, 299)
        return net.net.layers((x - 128) / 128).view(x.shape[0], 2048)

    return [get_folder_features(str(f), model, num_workers=0, batch_size=8, device=torch.device("cpu"),
                                mode="legacy_tensorflow", verbose=False) for f in folders]


def test_spec_names_the_format(ours):
    ext, _ = ours
    spec = ext.spec()
    assert spec["weights_format"] == "nvidia-features" and spec["weights_is_reference"] is True
    assert ext.has_logits is False


def test_features_equal_clean_fids_torchscript_path(ours, clean_fid_features):
    for a, b in zip(ours[1], clean_fid_features):
        assert a.shape == b.shape == (N, 2048)
        diff = np.abs(a - b).max()
        print(f"\nfeatures: max |ganbench - TorchScript| = {diff:.2e} (max |feature| {np.abs(b).max():.2f})")
        assert diff <= FEATURE_TOL
        assert np.abs(b).max() > 1.0  # real features, not a degenerate all-zero output


def test_features_equal_torch_fidelitys_loader_at_299_and_after_its_tf1_resize(converted_pth, ours, folders):
    """torch-fidelity itself, given the converted state dict as a file: bit-identical features, both
    on 299x299 images and on smaller ones that its TF1-exact bilinear resize brings to 299."""
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    net = FeatureExtractorInceptionV3("inception-v3-compat", ["2048"], feature_extractor_weights_path=str(converted_pth))
    at_299 = torch.from_numpy(load_array(folders[0])[:2])
    small = torch.from_numpy(np.random.default_rng(3).integers(0, 256, (2, 3, 32, 40), dtype=np.uint8))
    with torch.no_grad():
        (theirs_299,), (theirs_small,) = net(at_299), net(small)
    np.testing.assert_array_equal(ours[1][0][:2], theirs_299.numpy())
    np.testing.assert_array_equal(ours[0](small).features, theirs_small.numpy())


def _scipy_fid(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def _rel(a, b):
    return abs(a - b) / abs(b)


def test_fid_kid_equal_clean_fid_torch_fidelity_and_scipy(ours, clean_fid_features):
    from cleanfid.fid import fid_from_feats, kernel_distance
    from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric
    from torch_fidelity.metric_kid import kid_features_to_metric

    # ganbench's metrics on ganbench's features of the folders (the `ours` fixture: load_array + extractor).
    # subset_size = N: every KID subset is the whole set, so KID does not depend on whose RNG draws it.
    real, fake = ours[1]
    fid = ganbench_fid(real, fake, device="cpu")
    kid = ganbench_kid(real, fake, subsets=3, subset_size=N, device="cpu")[0]
    t_real, t_fake = torch.from_numpy(real), torch.from_numpy(fake)
    tf_fid = fid_statistics_to_metric(fid_features_to_statistics(t_real), fid_features_to_statistics(t_fake), False)
    tf_kid = kid_features_to_metric(t_real, t_fake, kid_subsets=3, kid_subset_size=N, verbose=False)
    # clean-fid's kernel_distance sums in the features' dtype: float64 keeps float32 rounding out of it.
    c_real, c_fake = (f.astype(np.float64) for f in clean_fid_features)
    refs = {
        "scipy on ganbench's features": (_scipy_fid(real, fake), None),
        "clean-fid on its own TorchScript features": (fid_from_feats(c_real, c_fake),
                                                      kernel_distance(c_real, c_fake, num_subsets=3)),
        "torch-fidelity on ganbench's features": (tf_fid["frechet_inception_distance"],
                                                  tf_kid["kernel_inception_distance_mean"]),
    }
    assert fid > 1.0  # the two folders differ: a real distance, not float noise around 0
    for who, (ref_fid, ref_kid) in refs.items():
        print(f"\nFID ganbench {fid:.10g} vs {who} {ref_fid:.10g}: {_rel(fid, ref_fid):.1e} rel"
              + (f"; KID {kid:.10g} vs {ref_kid:.10g}: {_rel(kid, ref_kid):.1e} rel" if ref_kid is not None else ""))
        assert _rel(fid, ref_fid) <= METRIC_RTOL, who
        if ref_kid is not None:
            assert _rel(kid, ref_kid) <= METRIC_RTOL, who


def test_inception_score_on_features_only_weights_fails_in_one_line(real_inception_weights, tmp_path, capsys):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        for i in range(2):
            Image.fromarray(np.full((8, 8, 3), 40 * i + 20, np.uint8)).save(tmp_path / name / f"{i}.png")
    rc = main(["eval", str(tmp_path / "a"), str(tmp_path / "b"), "--features", "inception", "--inception-weights",
               str(real_inception_weights), "--metrics", "fid,is", "--device", "cpu"])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert len(err.splitlines()) == 1 and "features-only" in err and str(real_inception_weights) in err, err
    assert "ganbench weights fetch inception" in err


@pytest.fixture(scope="module")
def nvidia_with_logits(real_inception_weights, tmp_path_factory):
    """An NVIDIA-layout TorchScript *with* a logits layer (``layers`` + ``output``, like
    inception-2015-12-05.pt): the real conv layers and a random 2048 -> 1008 classifier."""
    base = torch.jit.load(str(real_inception_weights), map_location="cpu")

    class Nvidia(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = base.net.layers
            self.output = torch.nn.Linear(2048, 1008)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.output(self.layers(x).reshape(-1, 2048))

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("nvidia") / "inception-2015-12-05.pt"
    torch.jit.save(torch.jit.script(Nvidia().eval()), str(path))
    return path


def test_nvidia_file_with_logits_gives_unbiased_logits(nvidia_with_logits, ours, folders):
    ext = get_extractor("inception", weights=nvidia_with_logits, device="cpu")
    assert ext.spec()["weights_format"] == "nvidia" and ext.has_logits
    out = ext(load_array(folders[0])[:2])
    w = torch.jit.load(str(nvidia_with_logits), map_location="cpu").output.weight.detach().numpy()
    np.testing.assert_array_equal(out.features, ours[1][0][:2])  # same conv weights, same features
    # torch-fidelity's logits_unbiased: features @ W^T without the bias (what IS uses)
    np.testing.assert_allclose(out.logits, out.features @ w.T, rtol=1e-5, atol=1e-4)
