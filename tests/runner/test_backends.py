"""Backends (local, dask, slurm through submitit) give the local backend's records, survive a worker
killed mid-job, load plugins in every worker, resume each other's run directories, bind loopback only,
stop everything they start, and leave no worker running when their driver is killed."""
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import ganbench
from ganbench.cli import main
from ganbench.records import load_records
from ganbench.runner import run_suite
from ganbench.runner.backends import get_backend
from ganbench.runner.suite import REFERENCE_DRAWS

pytest.importorskip("distributed")
pytest.importorskip("submitit")
psutil = pytest.importorskip("psutil")

# a plugin variant (it packs with gan-ns): a worker that did not load the plugin fails its job
PLUGIN = """import torch.nn.functional as F
from ganbench.zoo import register_loss, register_variant

@register_loss("t-cluster-ragan")
def ragan(d_real, d_fake):
    real_rel, fake_rel = d_real - d_fake.mean(1, keepdim=True), d_fake - d_real.mean(1, keepdim=True)
    return (F.softplus(-real_rel).mean(1) + F.softplus(fake_rel).mean(1),
            F.softplus(-fake_rel).mean(1) + F.softplus(real_rel).mean(1))

register_variant("t-cluster-ragan", base="gan-ns", loss="t-cluster-ragan")
"""
# the smoke suite's tasks and variants (and the plugin's) with tiny budgets; [slurm] sends the slurm
# backend to submitit's local executor, the same pickled-task path as on a cluster
SUITE = """name = "cluster"
seeds = 2
variants = ["gan-ns", "pacgan", "wgan-gp", "t-cluster-ragan"]
[tasks.ring8]
budget = { g_steps = 40 }
[tasks.grid25]
budget = { g_steps = 40 }
[slurm]
executor = "local"
time_min = 10
"""
SAME = ("status", "config_hash", "seed", "fake_seed", "metrics", "metrics_raw", "history", "protocol")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cluster")
    (d / "plugin.py").write_text(PLUGIN)
    (d / "cluster.toml").write_text(SUITE)
    return d


@pytest.fixture(scope="module")
def reference(files):
    """The local backend's records, in this process."""
    with _one_thread():
        out = run_suite(files / "cluster.toml", files / "local", plugins=[str(files / "plugin.py")], workers=1,
                        progress=False)
    records = _records(out)
    assert len(records) == 2 * (4 * 2 + 2 * REFERENCE_DRAWS)  # 2 tasks x (4 variants x 2 seeds + real/init draws)
    assert all(r["status"] == "ok" for r in records.values())
    return records


@contextlib.contextmanager
def _one_thread():
    """Like the backends' workers: two torch threads on two busy cores spend most of their time waiting
    for each other (records do not depend on the thread count)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _records(run_dir) -> dict:
    return {r["trial_id"]: r for r in load_records(run_dir)}


def _assert_same_records(run_dir, reference):
    got = _records(run_dir)
    assert sorted(got) == sorted(reference)
    for tid, ref in reference.items():
        assert {k: got[tid][k] for k in SAME} == {k: ref[k] for k in SAME}, tid


class Killer(threading.Thread):
    """SIGKILLs the process running the first training job, as soon as that job's log says it started."""

    def __init__(self, logs: Path):
        super().__init__(daemon=True)
        self.logs, self.killed, self.stop = logs, None, threading.Event()

    def run(self):
        while not self.stop.is_set() and self.killed is None:
            for log in sorted(self.logs.glob("*.log")) if self.logs.is_dir() else ():
                m = re.search(r" start (\S+) host=\S+ pid=(\d+)", log.read_text())
                if m and "real[" not in m.group(1) and int(m.group(2)) != os.getpid():
                    os.kill(int(m.group(2)), signal.SIGKILL)
                    self.killed = log
                    return
            self.stop.wait(0.02)


def _children() -> set:
    """Live child processes of this one (multiprocessing's resource tracker lives as long as we do)."""
    out = set()
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(p.cmdline()):
                out.add(p.pid)
        except psutil.NoSuchProcess:
            pass
    return out


def _assert_nothing_left_running(before: set):
    deadline = time.time() + 30
    while _children() - before and time.time() < deadline:
        time.sleep(0.2)
    assert not _children() - before, "a backend left processes running"


def _with_a_killed_worker(run_dir: Path, start):
    """Run ``start()`` while a worker is killed mid-job; check that only that job ran twice."""
    before = _children()
    killer = Killer(run_dir / "logs")
    killer.start()
    try:
        start()
    finally:
        killer.stop.set()
        killer.join()
    _assert_nothing_left_running(before)
    assert killer.killed is not None, "no training job started"
    logs = {p.name: p.read_text() for p in (run_dir / "logs").glob("*.log")}
    killed = logs[killer.killed.name]
    assert killed.count(" start ") == 2 and killed.count(" done in ") == 1, f"the kill missed the job:\n{killed}"
    assert killed.index(" start ", killed.index(" start ") + 1) < killed.index(" done in ")
    assert all(text.count(" done in ") == 1 for text in logs.values()), "a job ran to its end twice"
    return logs, killer.killed.name


@pytest.fixture(scope="module")
def dask_run(files):
    out = files / "dask"
    logs, killed = _with_a_killed_worker(out, lambda: run_suite(
        files / "cluster.toml", out, plugins=[str(files / "plugin.py")], backend="dask", workers=2, progress=False))
    return out, logs, killed


def test_dask_local_cluster_gives_the_local_records_with_a_worker_killed_mid_job(dask_run, reference):
    out, logs, killed = dask_run
    _assert_same_records(out, reference)
    # the lost worker cost only its own job: the others started once
    assert all(text.count(" start ") == 1 for name, text in logs.items() if name != killed)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["backend"] == "dask" and manifest["workers"] == 2
    assert not any((out / "checkpoints").iterdir())


def test_slurm_through_submitit_gives_the_local_records_with_a_task_killed_mid_job(files, reference, capsys):
    out = files / "slurm"
    argv = ["run", "--suite", str(files / "cluster.toml"), "--out", str(out), "--plugin", str(files / "plugin.py"),
            "--backend", "slurm", "--workers", "2", "--partition", "debug", "--time-min", "5", "--mem-gb", "2",
            "--cpus-per-job", "1"]
    codes = []
    logs, killed = _with_a_killed_worker(out, lambda: codes.append(main(argv)))
    assert codes == [0], capsys.readouterr().err
    _assert_same_records(out, reference)
    assert all(text.count(" start ") == 1 for name, text in logs.items() if name != killed)
    assert list((out / "logs" / "submitit").glob("*_result.pkl")), "submitit's tasks did not run from the run directory"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["backend"] == "slurm"
    assert manifest["backend_options"] == {"executor": "local", "time_min": 5, "partition": "debug", "mem_gb": 2.0,
                                           "cpus_per_job": 1, "workers": 2}


def test_local_pool_gives_the_same_records_with_a_worker_killed_mid_job(files, reference):
    out = files / "pool"
    shutil.copytree(files / "local", out, ignore=shutil.ignore_patterns("logs"))
    for p in (out / "records").glob("grid25__*.json"):  # grid25 is left to do
        p.unlink()
    _with_a_killed_worker(out, lambda: run_suite(files / "cluster.toml", out, plugins=[str(files / "plugin.py")],
                                                 workers=2, progress=False))
    _assert_same_records(out, reference)


def test_a_run_resumes_whichever_backend_wrote_it(files, dask_run, reference, tmp_path):
    out = tmp_path / "resumed"
    shutil.copytree(dask_run[0], out)
    for p in (out / "records").glob("ring8__*__s1.json"):  # the trials of seed 1 on ring8 are lost
        p.unlink()
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "records").glob("*.json")}
    assert len(kept) == len(reference) - 6  # 4 variants, real and init of seed 1
    with _one_thread():
        run_suite(out / "suite.toml", out, plugins=[str(files / "plugin.py")], workers=1, progress=False)
    assert {n: t for n, t in ((p.name, p.stat().st_mtime_ns) for p in (out / "records").glob("*.json"))
            if n in kept} == kept
    _assert_same_records(out, reference)
    assert sorted(json.loads((out / "manifest.json").read_text())["programs"]) == [  # only what was lost
        "ring8/gan-ns[1]+t-cluster-ragan[1]", "ring8/pacgan[1]", "ring8/real[1]+init[1]", "ring8/wgan-gp[1]"]


def test_local_dask_cluster_listens_on_loopback_only_and_gives_each_worker_its_gpu(tmp_path):
    from distributed import Client

    from ganbench.runner.backends.dask_cluster import local_cluster

    me = psutil.Process()
    before = _children()
    with local_cluster(2, gpus=["3", "5"], scratch=str(tmp_path)) as cluster, \
            Client(cluster, set_as_default=False) as client:
        envs = client.run(lambda: __import__("os").environ.get("CUDA_VISIBLE_DEVICES"))
        assert sorted(envs.values()) == ["3", "5"]
        pids = {me.pid} | {p.pid for p in me.children(recursive=True)}
        listening = [c for c in psutil.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN and c.pid in pids]
        assert len(listening) >= 3  # the scheduler, and each worker and its nanny
        assert {c.laddr.ip for c in listening} == {"127.0.0.1"}
    _assert_nothing_left_running(before)


def test_slurm_settings_from_the_suite_and_the_flags_reach_the_sbatch_script(tmp_path, monkeypatch):
    from ganbench.runner import parse_suite

    fake = tmp_path / "bin"  # a login node's sbatch and srun, enough for submitit to write and submit a script
    fake.mkdir()
    for tool in ("sbatch", "srun"):
        (fake / tool).write_text('#!/bin/sh\necho "Submitted batch job 4242"\n')
        (fake / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    suite = parse_suite({"name": "s", "seeds": 1, "variants": ["gan-ns"],
                         "tasks": {"ring8": {"budget": {"g_steps": 5}}},
                         "slurm": {"partition": "gpu", "time_min": 90, "mem_gb": 16, "sbatch": {"account": "proj"},
                                   "setup": ["module load cuda"]}})
    flags = {"time_min": 30, "gpus_per_job": 1}  # flags win over the suite file
    backend = get_backend("slurm", **{**suite.backend_settings("slurm"), **flags}, workers=2)
    jobs = backend.submitit_executor(tmp_path / "submitit").map_array(len, ["a", "bb", "ccc"])
    assert [j.job_id for j in jobs] == ["4242_0", "4242_1", "4242_2"]  # one array, a task per job
    script = (tmp_path / "submitit" / "4242_submission.sh").read_text()
    for option in ("array=0-2%2", "partition=gpu", "time=30", "gpus-per-node=1", "mem=16GB", "cpus-per-task=1",
                   "account=proj"):
        assert f"#SBATCH --{option}\n" in script
    assert "\nmodule load cuda\n" in script


@pytest.mark.parametrize("backend,module,extra", [("dask", "distributed", "dask"), ("slurm", "submitit", "slurm")])
def test_a_missing_extra_says_what_to_install(monkeypatch, backend, module, extra):
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ImportError
    with pytest.raises(ValueError, match=rf"pip install 'ganbench\[{extra}\]'"):
        get_backend(backend)


def test_backend_options_are_checked_before_anything_runs(tmp_path, capsys):
    from ganbench.runner import parse_suite

    with pytest.raises(ValueError, match="unknown backend 'ray'"):
        get_backend("ray")
    with pytest.raises(ValueError, match=r"takes no option scheduler \(--scheduler\)"):
        get_backend("local", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="drop one of them"):
        get_backend("dask", scheduler="tcp://127.0.0.1:8786", workers=2)
    with pytest.raises(ValueError, match="time_min must be a time limit"):
        get_backend("slurm", executor="local", time_min=0)
    if shutil.which("sbatch") is None:
        with pytest.raises(ValueError, match="sbatch, which is not on PATH"):
            get_backend("slurm")
    base = {"name": "s", "seeds": 1, "variants": ["gan-ns"], "tasks": {"ring8": {"budget": {"g_steps": 5}}}}
    with pytest.raises(ValueError, match=r"\[slurm\]: unknown setting\(s\) \['partitoin'\]"):
        parse_suite({**base, "slurm": {"partitoin": "gpu"}})
    with pytest.raises(ValueError, match="mem_gb must be a positive number"):
        parse_suite({**base, "slurm": {"mem_gb": "16G"}})
    assert parse_suite({**base, "slurm": {"partition": "gpu", "sbatch": {"account": "p"}}}).backend_settings(
        "slurm") == {"partition": "gpu", "sbatch": {"account": "p"}}
    out = tmp_path / "never"
    assert main(["run", "--suite", "smoke", "--out", str(out), "--partition", "gpu"]) == 2
    err = capsys.readouterr().err
    assert "takes no option partition (--partition)" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


# -- kill -9 of the driver: no worker outlives it ---------------------------------------------------

# two programs that would train for hours; [slurm] sends the slurm backend to submitit's local executor
ENDLESS = """name = "orphans"
seeds = 1
variants = ["gan-ns", "wgan-gp"]
[tasks.ring8]
budget = { g_steps = 10000000 }
[slurm]
executor = "local"
time_min = 10
"""
STOP_BOUND_S = {"local": 5.0, "dask": 5.0, "slurm": 5.0}  # documented in docs/tutorials/cluster.md


def _alive(p) -> bool:
    try:
        return p.status() != psutil.STATUS_ZOMBIE  # a zombie has stopped; only its exit status is left
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("backend", ["local", "dask", "slurm"])
def test_no_worker_outlives_a_killed_driver(backend, tmp_path, capsys):
    (tmp_path / "orphans.toml").write_text(ENDLESS)
    out = tmp_path / "run"
    code = (f"from ganbench.runner import run_suite; run_suite({str(tmp_path / 'orphans.toml')!r}, {str(out)!r}, "
            f"backend={backend!r}, workers=2, progress=False)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(ganbench.__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    driver = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    tree = []
    try:
        deadline, workers = time.time() + 90, set()
        while len(workers) < 2:  # both training programs have started, each in its own worker
            assert driver.poll() is None, f"the driver stopped early: {driver.stderr.read()}"
            assert time.time() < deadline, "the training programs did not start within 90 s"
            time.sleep(0.1)
            for log in (out / "logs").glob("*.log") if (out / "logs").is_dir() else ():
                workers |= {int(pid) for label, pid in re.findall(r" start (\S+) host=\S+ pid=(\d+)", log.read_text())
                            if "real[" not in label}
        tree = psutil.Process(driver.pid).children(recursive=True)
        assert workers <= {p.pid for p in tree}
        resident = sum(p.memory_info().rss for p in tree if p.pid in workers) / len(workers) / 2**20
        driver.kill()
        t0 = time.perf_counter()
        driver.wait()
        while any(_alive(p) for p in tree) and time.perf_counter() - t0 < 30:
            time.sleep(0.02)
        stopped = time.perf_counter() - t0
        survivors = [f"{p.pid} {' '.join(p.cmdline())[:100]}" for p in tree if _alive(p)]
    finally:  # whatever happened, leave nothing behind for the next test
        driver.kill()
        driver.wait()
        for p in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
    with capsys.disabled():
        print(f"\n{backend}: {len(tree)} processes under the killed driver ({len(workers)} training, "
              f"{resident:.0f} MiB resident each), all stopped {stopped:.2f} s after the kill")
    assert not survivors, f"still running 30 s after the driver was killed: {survivors}"
    assert stopped < STOP_BOUND_S[backend]
