"""The user's translation data (``paired:DIR_A,DIR_B``, ``unpaired:DIR_A,DIR_B``): pairing by file
name, the fixed split, the errors, and a few training steps of pix2pix and CycleGAN on them judged
end to end (with a small stand-in for InceptionV3)."""
import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image

from ganbench.features import Features
from ganbench.features.base import EXTRACTORS, register_extractor
from ganbench.harness.trainer import train_trial
from ganbench.tasks import get_task
from ganbench.zoo import get_variant

STAND_IN = "t-colour-stats"


class ColourStats:
    """A stand-in for inception: per-channel mean and std of uint8 or [-1, 1] images as features."""

    name = STAND_IN

    def spec(self):
        return {"extractor": STAND_IN}

    def __call__(self, x):
        x = np.asarray(x, dtype=np.float64)
        return Features(np.concatenate([x.mean((2, 3)), x.std((2, 3))], 1))


if STAND_IN not in EXTRACTORS:
    register_extractor(STAND_IN)(lambda device=None, **_: ColourStats())


def _images(n, size=32, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def _folder(path, images, names, suffix=".png"):
    path.mkdir(parents=True, exist_ok=True)
    for im, name in zip(images, names):
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(im).save(path / f"{name}{suffix}")
    return path


def _paired(tmp_path, n=10, size=32):
    names = [f"sub/{i:02d}" if i % 3 == 0 else f"{i:02d}" for i in range(n)]
    a, b = _images(n, size, 0), _images(n, size, 1)
    # B in another format and written in reverse order: pairing goes by name, not by order or suffix
    _folder(tmp_path / "A", a, names)
    _folder(tmp_path / "B", b[::-1], names[::-1], suffix=".bmp")
    return tmp_path / "A", tmp_path / "B", a, b, names


def test_paired_folders_pair_by_name_and_hold_out_every_fifth_pair(tmp_path):
    dir_a, dir_b, a, b, names = _paired(tmp_path)
    task = get_task(f"paired:{dir_a},{dir_b}")
    order = np.argsort(names)  # sorted by relative name
    test_pos = np.arange(len(names)) % 5 == 4
    train, test = task.train(), task.test()
    to_float = lambda x: torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).float() / 127.5 - 1  # noqa: E731
    assert torch.equal(test["a"], to_float(a[order][test_pos])) and torch.equal(test["b"], to_float(b[order][test_pos]))
    assert torch.equal(train["a"], to_float(a[order][~test_pos])) and torch.equal(train["b"], to_float(b[order][~test_pos]))
    assert task.paired and task.judged_on_pairs and task.shape == task.shape_a == (3, 32, 32)
    assert task.protocol.extractor == "inception" and task.protocol.headline == "fid"
    assert task.reference_kinds == ("real", "identity", "init") and task.init_recipe == "pix2pix"
    draw = task.sample(64, torch.Generator().manual_seed(0))
    assert draw.shape == (64, 6, 32, 32)
    pairs = {tuple(x[:3].flatten()[:8].tolist()): tuple(x[3:].flatten()[:8].tolist()) for x in draw}
    truth = {tuple(x.flatten()[:8].tolist()): tuple(y.flatten()[:8].tolist()) for x, y in zip(train["a"], train["b"])}
    assert all(truth[k] == v for k, v in pairs.items())  # every draw is a training pair


def test_paired_folders_must_match_by_name(tmp_path):
    dir_a, dir_b, *_ = _paired(tmp_path)
    (dir_b / "04.bmp").unlink()
    Image.fromarray(_images(1)[0]).save(dir_b / "extra.png")
    with pytest.raises(ValueError, match=r"1 A images without a B partner \(e.g. \['04'\]\).*1 B images without an A "
                                         r"partner \(e.g. \['extra'\]\).*unpaired:DIR_A,DIR_B"):
        get_task(f"paired:{dir_a},{dir_b}")


def test_user_translation_errors_say_what_is_wrong(tmp_path):
    dir_a, dir_b, *_ = _paired(tmp_path)
    with pytest.raises(ValueError, match="two comma-separated paths"):
        get_task(f"paired:{dir_a}")
    with pytest.raises(ValueError, match="domain B's .* does not exist"):
        get_task(f"unpaired:{dir_a},{tmp_path / 'nope'}")
    arr = tmp_path / "a.npy"
    np.save(arr, np.zeros((8, 3, 32, 32), np.uint8))
    with pytest.raises(ValueError, match="is not a folder; paired data are two folders"):
        get_task(f"paired:{arr},{dir_b}")
    small = _folder(tmp_path / "few", _images(4), [str(i) for i in range(4)])
    with pytest.raises(ValueError, match="domain A has 4 images; .* at least 5"):
        get_task(f"unpaired:{small},{dir_b}")
    wide = tmp_path / "wide.npy"
    np.save(wide, np.zeros((8, 3, 32, 64), np.uint8))
    with pytest.raises(ValueError, match="square images"):
        get_task(f"unpaired:{wide},{wide}")
    other = tmp_path / "other.npy"
    np.save(other, np.zeros((8, 3, 64, 64), np.uint8))
    with pytest.raises(ValueError, match="one height and width"):
        get_task(f"unpaired:{dir_a},{other}")
    dup = _folder(tmp_path / "dupA", _images(6), [str(i) for i in range(6)])
    Image.fromarray(_images(1)[0]).save(dup / "0.jpg")
    with pytest.raises(ValueError, match="several files named '0'"):
        get_task(f"paired:{dup},{dir_b}")


def test_unpaired_arrays_of_other_sizes_and_channels(tmp_path):
    a = np.random.default_rng(0).uniform(-1, 1, (12, 1, 32, 32)).astype(np.float32)
    np.save(tmp_path / "a.npy", a)
    dir_b = _folder(tmp_path / "B", _images(7), [str(i) for i in range(7)])
    task = get_task(f"unpaired:{tmp_path / 'a.npy'},{dir_b}")
    assert not task.paired and not task.judged_on_pairs and task.init_recipe == "cyclegan"
    assert task.shape_a == (1, 32, 32) and task.shape == (3, 32, 32) and task.pair_shape == (4, 32, 32)
    assert len(task.test()["a"]) == 2 and len(task.test()["b"]) == 1 and len(task.train()["a"]) == 10
    assert task.protocol.metrics == ("fid",)
    assert task.reference_kinds == ("real", "init")  # no identity row: the domains differ in channels
    assert task.reference_outputs("real").shape == (2, 3, 32, 32)
    with pytest.raises(ValueError, match="identity mapping needs domains of one shape"):
        task.reference_outputs("identity")


def _judged_by_stand_in(task):
    task.protocol = dataclasses.replace(task.protocol, extractor=STAND_IN)
    return task


def test_pix2pix_and_cyclegan_train_and_are_judged_on_user_data(tmp_path):
    dir_a, dir_b, *_ = _paired(tmp_path)
    paired = _judged_by_stand_in(get_task(f"paired:{dir_a},{dir_b}"))
    pix = get_variant("pix2pix").replace(batch_size=2)
    rec = train_trial(paired, pix, 0, {"g_steps": 2})
    assert rec.status == "ok" and {"fid", "l1", "psnr", "ssim"} <= set(rec.metrics)
    assert "label_kept" not in rec.metrics  # user data have no labels
    unpaired = _judged_by_stand_in(get_task(f"unpaired:{dir_a},{dir_b}"))
    cyc = get_variant("cyclegan").replace(batch_size=2)
    rec = train_trial(unpaired, cyc, 0, {"g_steps": 2})
    assert rec.status == "ok" and {"fid", "cycle_error"} <= set(rec.metrics) and "ssim" not in rec.metrics
