"""A kill between an atomic write and its rename leaves a temporary file, never a half-written target;
the next run that takes the directory's lock sweeps such leftovers."""
import os
import signal
import subprocess
import sys

from ganbench.records import RunDir

WRITE = ("import sys; from pathlib import Path; from ganbench.utils.atomic import atomic_write_text; "
         "atomic_write_text(Path(sys.argv[1]), 'new')")


def test_a_kill_before_the_rename_keeps_the_old_file_and_leaves_a_temporary(tmp_path):
    target = tmp_path / "records" / "t.json"
    target.parent.mkdir()
    target.write_text("old")
    env = {**os.environ, "GANBENCH_FAULT": "rename:1"}
    proc = subprocess.run([sys.executable, "-c", WRITE, str(target)], env=env, start_new_session=True)
    assert proc.returncode == -signal.SIGKILL
    assert target.read_text() == "old"
    left = list(target.parent.glob(".t.json.*.tmp"))
    assert len(left) == 1 and left[0].read_text() == "new"

    (tmp_path / "keep.tmp").write_text("not ours: no leading dot")
    with RunDir(tmp_path).lock():
        assert not list(tmp_path.rglob(".*.tmp"))
    assert (tmp_path / "keep.tmp").is_file() and target.read_text() == "old"


def test_without_the_fault_the_write_lands(tmp_path):
    target = tmp_path / "t.json"
    subprocess.run([sys.executable, "-c", WRITE, str(target)], check=True)
    assert target.read_text() == "new" and not list(tmp_path.glob(".*.tmp"))
