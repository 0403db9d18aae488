"""User image data: ``images:PATH`` (a folder of images, or an ``.npy``/``.npz`` array of shape
(N, C, H, W), uint8 or float in [-1, 1]) and ``cifar10:ROOT`` (torchvision's CIFAR-10 train split,
``download=False``). Judged with the ``inception`` extractor (torch-fidelity protocol).

Real features are computed once and cached on disk (``$GANBENCH_CACHE_DIR``, default
``~/.cache/ganbench``) as ``FeatureStats`` plus the feature matrix, under a key made of the data's
fingerprint (path, size, modification time), the split, the number of samples, the extractor and
its weights checksum, and the resize protocol. Any change of the key means a new cache entry.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import torch

from ganbench.tasks.task import EvalProtocol, Task, register_task_family

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
RESIZE_PROTOCOL = "torch-fidelity inception-v3-compat: uint8, TF1 bilinear resize to 299x299"
IMAGE_METRICS = ("fid", "kid", "pr")
IMAGE_OPTIONS = {"kid_subsets": 100, "kid_subset_size": 1000, "pr_k": 3}


def cache_dir() -> Path:
    return Path(os.environ.get("GANBENCH_CACHE_DIR", Path.home() / ".cache" / "ganbench"))


def fingerprint(path: Path) -> dict:
    """What identifies user data on disk: path, number of files, bytes, newest modification time."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    stats = [f.stat() for f in files]
    return {"path": str(path.resolve()), "files": len(files), "bytes": sum(s.st_size for s in stats),
            "mtime_ns": max((s.st_mtime_ns for s in stats), default=0)}


class ImageDataset(Task):
    """A fixed set of real images (uint8 (N, C, H, W) in memory)."""

    paper = "Heusel et al. 2017 (FID protocol via torch-fidelity)"

    def __init__(self, name: str, images: np.ndarray, source: dict, split: str):
        self.name = name
        self.images = torch.from_numpy(np.ascontiguousarray(images))
        self.shape = tuple(images.shape[1:])
        self.source, self.split = source, split
        self.description = f"{len(images)} real images of shape {self.shape}"
        self.protocol = EvalProtocol(n_real=len(images), n_fake=50000, metrics=IMAGE_METRICS,
                                     extractor="inception", options=dict(IMAGE_OPTIONS), headline="fid")

    def sample(self, n, generator):
        dev = generator.device
        x = self._on("images", self.images, dev)[torch.randint(len(self.images), (n,), generator=generator, device=dev)]
        return x.float() / 127.5 - 1.0

    def heldout(self, n, generator):
        """There is no held-out split: the ``real`` row resamples the reference images themselves
        (an optimistic ceiling; the leaderboard says so)."""
        return self.sample(n, generator)

    def eval_real(self, generator):
        return self.images  # the full dataset, uint8 (the "full" reference of fid50k_full)

    def cache_key(self) -> dict:
        return {"task": self.name, "source": self.source, "split": self.split, "n": len(self.images),
                "resize": RESIZE_PROTOCOL}

    def real_features(self, extractor) -> tuple[np.ndarray, "FeatureStats"]:  # noqa: F821
        """Real features and their ``FeatureStats``, from the cache when the key matches."""
        from ganbench.metrics.feature_stats import FeatureStats
        from ganbench.utils.atomic import atomic_save_npy, atomic_write_json

        key = {**self.cache_key(), "extractor": extractor.spec()}
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]
        base = cache_dir() / "stats" / digest
        stats_path, feats_path, key_path = (base.with_suffix(s) for s in (".npz", ".npy", ".json"))
        if stats_path.is_file() and feats_path.is_file() and key_path.is_file() \
                and json.loads(key_path.read_text()) == key:
            return np.load(feats_path), FeatureStats.load(stats_path)
        feats = extractor(self.images).features
        stats = FeatureStats.from_features(feats)
        atomic_save_npy(feats_path, feats)
        stats.save(stats_path)
        atomic_write_json(key_path, key)  # written last: an entry without its key is never read
        return feats, stats


def check_images(arr: np.ndarray, origin: str) -> np.ndarray:
    """``arr`` as uint8 (N, C, H, W), C = 1 or 3; float input must be finite and in [-1, 1]."""
    if arr.ndim != 4 or arr.shape[1] not in (1, 3):
        raise ValueError(f"{origin}: images must have shape (N, C, H, W) with C = 1 or 3, got {arr.shape}; "
                         "channels-last arrays need .transpose(0, 3, 1, 2)")
    if arr.dtype != np.uint8:
        if not np.isfinite(arr).all() or arr.min() < -1 - 1e-3 or arr.max() > 1 + 1e-3:
            raise ValueError(f"{origin}: float images must be finite and in [-1, 1]; pass uint8 for [0, 255] data")
        arr = np.round((np.clip(arr, -1, 1) + 1) * 127.5).astype(np.uint8)
    return arr


@register_task_family("images")
def images_task(path: str) -> ImageDataset:
    from ganbench.utils.io import load_array

    p = Path(path).expanduser()
    if not p.exists():
        raise ValueError(f"images:{path}: {p} does not exist; give a folder of images (.png/.jpg) or an "
                         ".npy/.npz array of shape (N, C, H, W)")
    return ImageDataset(f"images:{path}", check_images(load_array(p), f"images:{path}"), fingerprint(p), "all")


@register_task_family("cifar10")
def cifar10_task(root: str) -> ImageDataset:
    from torchvision.datasets import CIFAR10

    r = Path(root).expanduser()
    try:
        ds = CIFAR10(str(r), train=True, download=False)
    except RuntimeError:  # torchvision: "Dataset not found or corrupted"
        raise ValueError(
            f"cifar10:{root}: CIFAR-10 not found (or corrupted) under {r}. ganbench never downloads data: get "
            f"{CIFAR10_URL} and extract it so that {r / 'cifar-10-batches-py'} holds data_batch_1..5"
        ) from None
    images = np.asarray(ds.data).transpose(0, 3, 1, 2).copy()  # (50000, 3, 32, 32) uint8
    return ImageDataset(f"cifar10:{root}", images, fingerprint(r / "cifar-10-batches-py"), "train")
