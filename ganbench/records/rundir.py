"""The run directory: where a run's records, samples and checkpoints live, and how they are read.

::

    manifest.json          versions, device, suite, start and end times (earlier invocations kept)
    suite.toml, suite.json the suite as given and as resolved (seeds, budgets, overrides)
    records/<trial>.json   one TrialRecord per trial, written atomically when its job ends
    samples/<trial>.npy    seed 0's first samples, for the leaderboard's plots
    checkpoints/<job>/     in-flight jobs only (removed once their records are written)
    logs/<job>.log         each attempt at a job: where it ran, its trials' status, or its traceback
    logs/submitit/         the slurm backend's pickled tasks, results and SLURM logs
    leaderboard/           tables and plots rendered from the records

Every path below the run directory is built from a trial id or a job key, both safe file names
(see :func:`ganbench.records.trial.safe_name`).
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ganbench.records.record import TrialRecord
from ganbench.records.trial import safe_name


class RunDir:
    """The layout of one run directory (nothing is created until something is written)."""

    def __init__(self, root):
        self.root = Path(root)

    @property
    def records(self) -> Path:
        return self.root / "records"

    @property
    def samples(self) -> Path:
        return self.root / "samples"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def leaderboard(self) -> Path:
        return self.root / "leaderboard"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def suite_toml(self) -> Path:
        return self.root / "suite.toml"

    @property
    def suite_json(self) -> Path:
        return self.root / "suite.json"

    @contextlib.contextmanager
    def lock(self):
        """Hold the run directory for one process: a second ``run`` on the same directory stops with a
        clear error instead of training the same trials and racing on their checkpoints."""
        try:
            import fcntl
        except ImportError:  # not POSIX: no advisory locks; runs proceed unguarded
            yield
            return
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / ".lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
                raise ValueError(f"another ganbench process (pid {holder}) is running on {self.root}; wait for it "
                                 "to finish or give another --out") from None
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            self.remove_temporaries()
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def remove_temporaries(self) -> list[Path]:
        """Delete the temporary files of atomic writes that a killed process left behind
        (``.<name>.<random>.tmp``, ``ganbench.utils.atomic``); called with the lock held, when no other
        ganbench process writes here. Returns what it removed."""
        gone = []
        for path in self.root.rglob(".*.tmp"):
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                gone.append(path)
        return gone

    def record_path(self, trial_id: str) -> Path:
        return self.records / f"{trial_id}.json"

    def sample_path(self, trial_id: str) -> Path:
        return self.samples / f"{trial_id}.npy"

    def checkpoint_dir(self, job_key: str) -> Path:
        return self.checkpoints / safe_name(job_key)

    def job_log(self, job_label: str) -> Path:
        return self.logs / f"{safe_name(job_label)}.log"

    def write_record(self, record: TrialRecord) -> Path:
        path = self.record_path(record.trial_id)
        record.save(path)
        return path

    def read_record(self, trial_id: str) -> TrialRecord | None:
        """The record of ``trial_id``, or None when it is missing or unreadable (then it is redone)."""
        path = self.record_path(trial_id)
        if not path.is_file():
            return None
        try:
            return TrialRecord.load(path)
        except ValueError:
            return None


def load_records(path) -> list[dict]:
    """All TrialRecords (as dicts) under ``path/records`` (a run directory) or ``path`` itself."""
    path = Path(path)
    folder = path / "records" if (path / "records").is_dir() else path
    if not folder.is_dir():
        raise ValueError(f"{path} is not a run directory (no records/ folder); run `ganbench run` first")
    recs = [TrialRecord.load(f).to_dict() for f in sorted(folder.glob("*.json"))]
    if not recs:
        raise ValueError(f"{folder} holds no trial records")
    return recs
