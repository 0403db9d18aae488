"""A worker holding a lifeline ends when the process it works for does: at once through the parent-death
signal on Linux, within the polling interval otherwise, and at once if that process was gone (or its
pid taken by another) before the worker started."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ganbench
from ganbench.utils.lifeline import ORPHANED_EXIT, Process, process, this_process

psutil = pytest.importorskip("psutil")

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(ganbench.__file__).parents[1]),
                                                    os.environ.get("PYTHONPATH", "")])}
# a worker: holds on to the process named by argv (pid, start time or "-", death signal 0/1, poll seconds)
WORKER = """import sys, time
from ganbench.utils.lifeline import Process, hold
time.sleep(float(sys.argv[5]))
hold(Process(int(sys.argv[1]), None if sys.argv[2] == "-" else int(sys.argv[2])), death_signal=sys.argv[3] == "1",
     poll_s=float(sys.argv[4]))
print("held", flush=True)
time.sleep(60)
"""
# its parent: starts the worker (argv: seconds to live, then the worker's death signal, poll seconds and
# delay) holding on to itself, says the worker's pid, and lives on for the seconds given
PARENT = """import subprocess, sys, time
from ganbench.utils.lifeline import this_process
me = this_process()
w = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(me.pid), str(me.started), *sys.argv[3:]])
print(w.pid, flush=True)
time.sleep(float(sys.argv[2]))
"""


def _worker(ref: Process, death_signal=True, poll_s=0.5, delay=0.0, **kw):
    return subprocess.Popen([sys.executable, "-c", WORKER, str(ref.pid), str(ref.started or "-"),
                             str(int(death_signal)), str(poll_s), str(delay)], env=ENV, text=True, **kw)


def _gone_within(proc, seconds: float) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.01)
    else:
        proc.kill()
        pytest.fail(f"the worker {proc.pid} outlived its parent by {seconds} s")
    return time.perf_counter() - t0


def test_a_process_is_told_from_a_later_one_with_its_pid():
    me = this_process()
    assert me.pid == os.getpid() and me.alive()
    if me.started is not None:  # Linux: the start time tells a reused pid apart
        assert not Process(me.pid, me.started - 1).alive()
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    ref = Process(p.pid, None)
    p.wait()
    assert not ref.alive()


@pytest.mark.parametrize("how", ["dead", "pid reused"])
def test_a_worker_whose_process_is_already_gone_stops_at_once(how):
    me = this_process()
    if how == "pid reused":
        if me.started is None:
            pytest.skip("no process start times on this system")
        ref = Process(me.pid, me.started - 1)  # this pid, but an earlier process
    else:
        p = subprocess.Popen([sys.executable, "-c", "pass"])
        p.wait()
        ref = Process(p.pid, None)
    w = _worker(ref, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = w.communicate(timeout=30)
    assert w.returncode == ORPHANED_EXIT and out == "" and "gone before it started" in err


@pytest.mark.parametrize("death_signal", [True, False], ids=["death-signal", "polling"])
def test_a_worker_stops_when_its_parent_is_killed(death_signal):
    if death_signal and not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux's")
    # with the death signal, polling every 60 s: only the signal can stop the worker in time
    poll_s = 60.0 if death_signal else 0.2
    parent = subprocess.Popen([sys.executable, "-c", PARENT, WORKER, "60", str(int(death_signal)), str(poll_s), "0"],
                              env=ENV, stdout=subprocess.PIPE, text=True)
    try:
        worker = psutil.Process(int(parent.stdout.readline()))
        assert parent.stdout.readline().strip() == "held"
        parent.kill()
        stopped = _gone_within(worker, 1.0 if death_signal else poll_s + 2.0)
    finally:
        parent.kill()
        parent.wait()
    print(f"worker stopped {stopped:.3f} s after its parent was killed")


def test_a_worker_whose_parent_died_while_it_started_stops():
    # the parent exits before the worker holds on to it: neither the signal nor getppid() can tell,
    # the parent's identity can
    parent = subprocess.Popen([sys.executable, "-c", PARENT, WORKER, "0", "1", "0.2", "1.0"], env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = parent.communicate(timeout=30)  # EOF: the worker, which shares the pipes, has ended too
    assert parent.returncode == 0 and "held" not in out and "gone before it started" in err


def test_a_worker_stops_when_the_process_it_works_for_further_up_dies():
    # submitit's local jobs: the driver is the worker's grandparent; here a sibling, killed and left
    # unreaped (a zombie has stopped too)
    driver = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    worker = _worker(process(driver.pid), poll_s=0.2, stdout=subprocess.PIPE)
    try:
        assert worker.stdout.readline().strip() == "held"
        driver.kill()
        t0 = time.perf_counter()
        assert worker.wait(timeout=5) == ORPHANED_EXIT
        print(f"worker stopped {time.perf_counter() - t0:.3f} s after the process it works for was killed")
    finally:
        worker.kill()
        driver.kill()
        driver.wait()

