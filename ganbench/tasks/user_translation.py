"""The user's own translation data: ``paired:DIR_A,DIR_B`` and ``unpaired:DIR_A,DIR_B``.

``paired``: two folders of images whose files are matched by name (the path relative to the folder,
without its suffix: ``A/cat/01.png`` pairs with ``B/cat/01.jpg``); every file must have its partner.
``unpaired``: two folders of images (or ``.npy``/``.npz`` arrays (N, C, H, W), uint8 or float in
[-1, 1]), of any sizes. The images of a domain share one size; A and B share height and width
(channels may differ), and the translation networks need square images whose side is a multiple of
32 (the U-Net's five halvings).

Split (fixed, as ``digits``'): in sorted order, every fifth image (position % 5 == 4) is held out
for testing, of each domain; for a paired task that is every fifth pair. Judged by the torch-fidelity
protocol (``inception`` features, user-given weights, as ``images:``): FID of the translations of
the test A images against the test B images (headline) and, for paired data, L1 / PSNR / SSIM
against each input's own target. There are no labels, hence no ``label_kept``.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import torch

from ganbench.tasks.task import EvalProtocol, register_task_family
from ganbench.tasks.translation import TRANSLATION, TranslationTask
from ganbench.tasks.user_images import check_images, fingerprint

TEST_EVERY = 5  # position % 5 == 4 is held out, as in the digits' split
MIN_IMAGES = TEST_EVERY  # at least one test image per domain


def _to_float(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x).float() / 127.5 - 1.0


def _split(x: np.ndarray) -> dict:
    test = np.arange(len(x)) % TEST_EVERY == TEST_EVERY - 1
    return {"train": _to_float(x[~test]), "test": _to_float(x[test])}


def _parse(prefix: str, arg: str) -> tuple[Path, Path]:
    parts = arg.split(",")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"{prefix}:{arg}: give two comma-separated paths, {prefix}:DIR_A,DIR_B")
    paths = tuple(Path(p).expanduser() for p in parts)
    for name, p in zip("AB", paths):
        if not p.exists():
            raise ValueError(f"{prefix}:{arg}: domain {name}'s {p} does not exist")
    return paths


class UserTranslationTask(TranslationTask):
    """Translation between two user-given image sets (uint8 (N, C, H, W) each), split as the module says."""

    def __init__(self, name: str, a: np.ndarray, b: np.ndarray, paired: bool, source: dict):
        self.source = source
        for dom, x in (("A", a), ("B", b)):
            if len(x) < MIN_IMAGES:
                raise ValueError(f"{name}: domain {dom} has {len(x)} images; the fixed split holds out every "
                                 f"{TEST_EVERY}th, so give at least {MIN_IMAGES}")
            if x.shape[2] != x.shape[3]:
                raise ValueError(f"{name}: domain {dom}'s images are {x.shape[2]}x{x.shape[3]}; the translation "
                                 "networks take square images (crop or resize them)")
        self._a, self._b = _split(a), _split(b)
        self.judged_on_pairs = paired
        n_test = len(self._a["test"])
        protocol = EvalProtocol(n_real=len(self._b["test"]), n_fake=n_test,
                                metrics=("fid", TRANSLATION) if paired else ("fid",),
                                extractor="inception", headline="fid")
        kind = "paired" if paired else "unpaired"
        super().__init__(name, a.shape[1:], b.shape[1:], paired,
                         f"{kind} user images: {len(a)} A {tuple(a.shape[1:])}, {len(b)} B {tuple(b.shape[1:])}",
                         protocol)

    def train(self) -> dict:
        return {"a": self._a["train"], "b": self._b["train"]}

    def test(self) -> dict:
        return {"a": self._a["test"], "b": self._b["test"]}

    def cache_key(self) -> dict:
        return {"task": self.name, "source": self.source, "paired": self.paired,
                "split": f"sorted order, test = position % {TEST_EVERY} == {TEST_EVERY - 1}"}


def _relative_keys(folder: Path, files: list[Path]) -> list[str]:
    return [str(f.relative_to(folder).with_suffix("")) for f in files]


@register_task_family("paired")
def paired_task(arg: str) -> UserTranslationTask:
    from ganbench.utils.io import image_files, load_image_files

    dir_a, dir_b = _parse("paired", arg)
    for name, p in zip("AB", (dir_a, dir_b)):
        if not p.is_dir():
            raise ValueError(f"paired:{arg}: domain {name}'s {p} is not a folder; paired data are two folders "
                             "of images matched by file name")
    files = {}
    for name, p in zip("AB", (dir_a, dir_b)):
        fs = image_files(p)
        keys = _relative_keys(p, fs)
        dup = sorted(k for k, n in Counter(keys).items() if n > 1)
        if dup:
            raise ValueError(f"paired:{arg}: domain {name} has several files named {dup[0]!r} (different "
                             "suffixes); keep one image per name")
        files[name] = dict(zip(keys, fs))
    only_a, only_b = sorted(files["A"].keys() - files["B"].keys()), sorted(files["B"].keys() - files["A"].keys())
    if only_a or only_b:
        missing = [f"{len(only_a)} A images without a B partner (e.g. {only_a[:3]})"] if only_a else []
        missing += [f"{len(only_b)} B images without an A partner (e.g. {only_b[:3]})"] if only_b else []
        raise ValueError(f"paired:{arg}: files are paired by name and {'; '.join(missing)}; remove them, or use "
                         "unpaired:DIR_A,DIR_B")
    keys = sorted(files["A"])
    a = load_image_files([files["A"][k] for k in keys], dir_a)
    b = load_image_files([files["B"][k] for k in keys], dir_b)
    return UserTranslationTask(f"paired:{arg}", a, b, True, {"a": fingerprint(dir_a), "b": fingerprint(dir_b)})


paired_task.listing = {"arg": "DIR_A,DIR_B", "metrics": "fid,translation", "n_real/n_fake": "test split"}


@register_task_family("unpaired")
def unpaired_task(arg: str) -> UserTranslationTask:
    from ganbench.utils.io import load_array

    dir_a, dir_b = _parse("unpaired", arg)
    a, b = (check_images(load_array(p), f"unpaired:{arg} (domain {n})") for n, p in zip("AB", (dir_a, dir_b)))
    return UserTranslationTask(f"unpaired:{arg}", a, b, False, {"a": fingerprint(dir_a), "b": fingerprint(dir_b)})


unpaired_task.listing = {"arg": "DIR_A,DIR_B", "metrics": "fid", "n_real/n_fake": "test split"}
