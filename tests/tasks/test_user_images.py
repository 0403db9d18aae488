import numpy as np
import pytest
from PIL import Image

from ganbench.features import Features
from ganbench.tasks import get_task


class CountingExtractor:
    """A stand-in for inception: mean colour per channel as features, counting its calls."""

    name = "counting"

    def __init__(self, version="1"):
        self.calls, self.version = 0, version

    def spec(self):
        return {"extractor": "counting", "version": self.version}

    def __call__(self, x):
        self.calls += 1
        x = np.asarray(x, dtype=np.float64)
        return Features(np.concatenate([x.mean((2, 3)), x.std((2, 3))], 1))


def _folder(tmp_path, n=12):
    rng = np.random.default_rng(0)
    d = tmp_path / "imgs"
    d.mkdir()
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(d / f"{i:03d}.png")
    return d


def test_images_folder_task_samples_in_minus_one_one(tmp_path):
    import torch

    t = get_task(f"images:{_folder(tmp_path)}")
    assert t.shape == (3, 16, 16) and t.protocol.extractor == "inception" and t.protocol.n_real == 12
    x = t.sample(5, torch.Generator().manual_seed(0))
    assert x.shape == (5, 3, 16, 16) and x.min() >= -1 and x.max() <= 1


def test_real_statistics_are_cached_under_a_key(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE_DIR", str(tmp_path / "cache"))
    folder = _folder(tmp_path)
    t = get_task(f"images:{folder}")
    ext = CountingExtractor()
    f1, s1 = t.real_features(ext)
    f2, s2 = t.real_features(ext)
    assert ext.calls == 1  # second time from the cache
    np.testing.assert_array_equal(f1, f2)
    np.testing.assert_array_equal(s1.cov, s2.cov)
    assert s1.n == 12
    other = CountingExtractor(version="2")  # another extractor protocol: a new key, never the stale entry
    t.real_features(other)
    assert other.calls == 1
    assert len(list((tmp_path / "cache" / "stats").glob("*.npz"))) == 2


def test_changed_data_changes_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE_DIR", str(tmp_path / "cache"))
    folder = _folder(tmp_path)
    key1 = get_task(f"images:{folder}").cache_key()
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(folder / "999.png")
    from ganbench.tasks.user_images import images_task

    key2 = images_task(str(folder)).cache_key()
    assert key1 != key2 and key2["n"] == 13


def test_npy_array_task(tmp_path):
    arr = np.random.default_rng(0).uniform(-1, 1, (10, 3, 8, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", arr)
    t = get_task(f"images:{tmp_path / 'x.npy'}")
    assert t.images.dtype.is_floating_point is False and t.shape == (3, 8, 8)


def test_missing_user_data_errors_say_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="does not exist; give a folder of images"):
        get_task(f"images:{tmp_path / 'missing'}")
    with pytest.raises(ValueError, match=r"never downloads.*cifar-10-python\.tar\.gz.*cifar-10-batches-py"):
        get_task(f"cifar10:{tmp_path}")
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((4, 8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="transpose"):
        get_task(f"images:{bad}")
