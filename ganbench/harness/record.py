"""TrialRecord: one JSON object per (suite, task, variant, seed), written atomically."""
from __future__ import annotations

import functools
import json
import platform
import subprocess
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch

STATUSES = ("ok", "failed", "diverged")


@dataclass
class TrialRecord:
    trial_id: str
    suite: str
    task: str
    variant: str
    seed_index: int
    seed: int
    eval_seed: int
    status: str = "ok"
    error: str = ""
    failed_step: int | None = None
    budget: dict = field(default_factory=dict)  # asked: {"g_steps": 2000}
    spent: dict = field(default_factory=dict)  # g_steps, d_steps, kimg, wall_s, gflops
    metrics: dict = field(default_factory=dict)  # value name -> float
    protocol: dict = field(default_factory=dict)  # extractor, n_real, n_fake, eval seed, options
    env: dict = field(default_factory=dict)
    config_hash: str = ""
    variant_config: dict = field(default_factory=dict)
    seeds_in_batch: int = 1
    history: dict = field(default_factory=dict)  # {"step": [...], "d_loss": [...], "g_loss": [...]}
    eval_wall_s: float = 0.0
    created: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrialRecord":
        names = {f.name for f in fields(cls)}
        missing = {"trial_id", "task", "variant", "seed_index"} - set(d)
        if missing:
            raise ValueError(f"not a TrialRecord: missing {sorted(missing)}")
        return cls(**{k: v for k, v in d.items() if k in names})

    def save(self, path) -> None:
        from ganbench.utils.atomic import atomic_write_json

        atomic_write_json(Path(path), self.to_dict())

    @classmethod
    def load(cls, path) -> "TrialRecord":
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from None


@functools.lru_cache(maxsize=1)
def git_sha() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(device: torch.device) -> dict:
    from ganbench import __version__

    return {
        "ganbench": __version__,
        "git_sha": git_sha(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": str(device),
        "device_name": device_name(device),
        "threads": torch.get_num_threads(),
        "tf32_matmul": bool(torch.backends.cuda.matmul.allow_tf32),
        "tf32_cudnn": bool(torch.backends.cudnn.allow_tf32),
        "deterministic": bool(torch.are_deterministic_algorithms_enabled()),
    }


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
