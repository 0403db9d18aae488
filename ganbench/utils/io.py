"""Reading samples and features from disk (``.npy``, ``.npz``, folders of images), and checking
where results may be written. Every failure is a ``ValueError`` that names the file and the fix."""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}
NPZ_KEYS = ("samples", "features", "arr_0")


def _numeric(arr: np.ndarray, origin) -> np.ndarray:
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{origin} holds an array of dtype {arr.dtype}; samples and features must be numbers "
                         "(integers or floats)")
    return arr


def load_array(path: str | Path) -> np.ndarray:
    """Load samples or features: ``.npy``, ``.npz`` (key ``samples``, ``features``, ``arr_0`` or its
    only array) or a folder of images (returned as uint8 (N, 3, H, W), files in sorted order)."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path} does not exist; give a .npy/.npz file or a folder of images")
    if path.is_dir():
        return load_image_folder(path)
    if path.suffix not in (".npy", ".npz"):
        raise ValueError(f"{path}: unsupported file type {path.suffix!r}; use .npy, .npz or a folder of images")
    try:
        loaded = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, OSError, zipfile.BadZipFile) as exc:
        size = path.stat().st_size
        what = "is empty (0 bytes)" if size == 0 else f"is not a readable NumPy file ({type(exc).__name__}: {exc})"
        raise ValueError(f"{path} {what}; save arrays with numpy.save / numpy.savez") from None
    if isinstance(loaded, np.ndarray):  # a .npz that is really .npy (or the other way round) loads by content
        return _numeric(loaded, path)
    with loaded as z:
        keys = list(z.keys())
        key = next((k for k in NPZ_KEYS if k in z), keys[0] if len(keys) == 1 else None)
        if key is None:
            raise ValueError(f"{path} holds arrays {keys}; name the one to use 'samples' or 'features'")
        try:
            arr = z[key]
        except (ValueError, zipfile.BadZipFile, OSError) as exc:
            raise ValueError(f"{path}[{key}] cannot be read ({type(exc).__name__}: {exc})") from None
    return _numeric(arr, f"{path}[{key}]")


def image_files(folder: Path) -> list[Path]:
    """The image files under ``folder`` (recursively), in sorted order; an error if there are none."""
    files = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"{folder} contains no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return files


def load_image_files(files: list[Path], origin) -> np.ndarray:
    """The images ``files`` as uint8 (N, 3, H, W), in the given order; all must have one size."""
    from PIL import Image, UnidentifiedImageError

    images = []
    for f in files:
        try:
            with Image.open(f) as im:
                images.append(np.asarray(im.convert("RGB")))
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:  # not an image, truncated, corrupt
            raise ValueError(f"{f} is not a readable image ({type(exc).__name__}: {exc}); remove or re-save it") from None
    shapes = {im.shape for im in images}
    if len(shapes) > 1:
        raise ValueError(f"images in {origin} differ in size ({sorted(shapes)[:3]}...); resize them to one size first")
    return np.stack(images).transpose(0, 3, 1, 2).copy()


def load_image_folder(folder: Path) -> np.ndarray:
    return load_image_files(image_files(folder), folder)


def check_writable_file(path, what: str = "output") -> Path:
    """Fail early, with the reason, when ``path`` cannot become a file: it is a directory, a parent is
    a file, or the folder is not writable (so nothing is computed only to be lost at the end)."""
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{what} {p} is a directory; give a file name")
    parent = p.parent
    for anc in [parent, *parent.parents]:
        if anc.exists():
            if not anc.is_dir():
                raise ValueError(f"{what} {p}: {anc} is a file, not a folder")
            if not os.access(anc, os.W_OK | os.X_OK):
                raise ValueError(f"{what} {p}: {anc} is not writable")
            break
    return p


def check_writable_dir(path, what: str = "output folder") -> Path:
    """As :func:`check_writable_file`, for a folder that will be created if needed."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ValueError(f"{what} {p} exists and is a file; give a folder")
    for anc in [p, *p.parents]:
        if anc.exists():
            if not anc.is_dir():
                raise ValueError(f"{what} {p}: {anc} is a file, not a folder")
            if not os.access(anc, os.W_OK | os.X_OK):
                raise ValueError(f"{what} {p}: {anc} is not writable")
            break
    return p
