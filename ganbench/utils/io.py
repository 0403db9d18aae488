"""Reading samples and features from disk: ``.npy``, ``.npz`` and folders of images."""
from __future__ import annotations

from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}
NPZ_KEYS = ("samples", "features", "arr_0")


def load_array(path: str | Path) -> np.ndarray:
    """Load samples or features: ``.npy``, ``.npz`` (key ``samples``, ``features``, ``arr_0`` or its
    only array) or a folder of images (returned as uint8 (N, 3, H, W), files in sorted order)."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path} does not exist; give a .npy/.npz file or a folder of images")
    if path.is_dir():
        return load_image_folder(path)
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            keys = list(z.keys())
            for key in NPZ_KEYS:
                if key in z:
                    return z[key]
            if len(keys) == 1:
                return z[keys[0]]
        raise ValueError(f"{path} holds arrays {keys}; name the one to use 'samples' or 'features'")
    raise ValueError(f"{path}: unsupported file type {path.suffix!r}; use .npy, .npz or a folder of images")


def load_image_folder(folder: Path) -> np.ndarray:
    from PIL import Image

    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"{folder} contains no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    images = []
    for f in files:
        with Image.open(f) as im:
            images.append(np.asarray(im.convert("RGB")))
    shapes = {im.shape for im in images}
    if len(shapes) > 1:
        raise ValueError(f"images in {folder} differ in size ({sorted(shapes)[:3]}...); resize them to one size first")
    return np.stack(images).transpose(0, 3, 1, 2).copy()
