"""Kill it anywhere: every long command, killed at a fault point and run again, ends with the records,
verdicts, leaderboard and reports of an uninterrupted run, and leaves no temporary file or process.

Each command runs in a process that has already imported ganbench and torch while the previous
command ran (tests/crash_worker.py), in its own session; ``GANBENCH_FAULT=POINT:K`` (ganbench/utils/faults.py)
SIGKILLs its process group at the K-th pass of a point: ``step`` (mid-training), ``evaluate`` (before
a curve point is judged), ``rename`` (between an atomic write's fsync and its rename), ``round``
(before an adaptive or tuning round). CI runs every point of ``run`` and ``tune`` and one kill of
``compare --until-decided`` and of a claims suite (:data:`CI_KILLS`); ``pytest -m crash_matrix``
runs their other points and a seeded matrix of K per point.
"""
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

# The uninterrupted runs of the four commands (~135 s alone) are built in the first test: beside other
# test files (make test runs them side by side) that setup alone can pass pytest-timeout's 600 s.
pytestmark = pytest.mark.timeout(1800)

WORKER = Path(__file__).with_name("crash_worker.py")
ROOT = Path(__file__).resolve().parents[1]

SUITE = """name = "crash"
description = "one task, two variants, 2 seeds, 200 steps judged at 50 and 100"
seeds = 2
variants = ["gan-ns", "pacgan"]

[tasks.ring8]
budget = { g_steps = 200 }
eval_at = [50, 100]
n_fake = 200
n_real = 200
metrics = ["modes"]
train = { batch_size = 32 }
"""

# compare and the claims loop need variants that learned (else nothing is open and no round runs):
# 120 steps of the 8x8 digits take FID[digits] from the untrained generator's ~1,000 to ~250-290,
# consistently across seeds, while ring8's mode TV needs thousands of steps to move.
LEARNED = """name = "crashdigits"
description = "8x8 digits, two variants, 2 seeds, 120 steps judged at 60, FID its headline"
seeds = 2
variants = ["gan-ns", "pacgan"]

[tasks.digits]
budget = { g_steps = 120 }
eval_at = [60]
n_fake = 200
n_real = 200
metrics = ["fid"]
headline = "fid"
"""

# A claim on the tiny suite's headline, registered by a plugin in the command's own process.
PLUGIN = """from ganbench.claims import Claim, register_claim

register_claim(Claim(id="crash-pacgan-digits-fid", task="digits", better="pacgan", worse="gan-ns", metric="fid",
                     source="the crash test (no paper)"))
"""

CLAIMS = LEARNED.replace('name = "crashdigits"', 'name = "crashclaims"').replace(
    'variants = ["gan-ns", "pacgan"]\n',
    'variants = ["gan-ns", "pacgan"]\nclaims = ["crash-pacgan-digits-fid"]\n\n[sequential]\nmax_seeds = 4\nstep = 2\n')

TUNED = SUITE.replace('name = "crash"', 'name = "crashtuned"').replace(
    'variants = ["gan-ns", "pacgan"]\n', 'variants = ["gan-ns"]\n') + """
[tune]
configs = 3
rerun_seeds = 5
"""

# Fields of a record that must not depend on where the command was killed (timings, packing and the
# creation time may: the runner packs what is left to train).
RESULT = ("trial_id", "config_hash", "seed_index", "seed", "status", "failed_step", "metrics", "metrics_raw",
          "history", "budget", "variant_config")


class Spares:
    """Runs each command in a warm single-use process, starting the next one while a command runs."""

    def __init__(self):
        self.next = self._start()

    @staticmethod
    def _start():
        proc = subprocess.Popen([sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True, cwd=ROOT, start_new_session=True)
        return proc

    def run(self, argv, cwd, log, fault=None) -> tuple[int, float]:
        proc, self.next = self.next, self._start()
        assert proc.stdout.readline().strip() == "ready"
        self.pid = proc.pid
        t0 = time.perf_counter()
        env = {"GANBENCH_FAULT": fault or ""}
        proc.stdin.write(json.dumps({"argv": [str(a) for a in argv], "env": env, "cwd": str(cwd), "log": str(log)}) + "\n")
        proc.stdin.flush()
        status = proc.wait()
        return status, time.perf_counter() - t0

    def survivors(self) -> list:
        """Processes of the last command's session still alive (its workers, had it any)."""
        import psutil

        return [p for p in psutil.process_iter(["pid"]) if _session(p.pid) == self.pid and p.pid != self.next.pid]

    def close(self):
        self.next.kill()
        self.next.wait()


def _session(pid: int):
    try:
        return os.getsid(pid)
    except OSError:
        return None


@pytest.fixture(scope="module")
def zygote():
    spares = Spares()
    yield spares
    spares.close()


def _commands(root: Path) -> dict:
    for name, text in (("crash", SUITE), ("crashdigits", LEARNED), ("crashclaims", CLAIMS), ("crashtuned", TUNED)):
        (root / f"{name}.toml").write_text(text)
    (root / "crash_claim.py").write_text(PLUGIN)
    return {
        "run": lambda out: ["run", "--suite", root / "crash.toml", "--out", out, "--workers", "1"],
        "compare": lambda out: ["compare", "--variant", "pacgan", "--suite", root / "crashdigits.toml", "--against",
                                root / "no-baselines", "--run-dir", out, "--until-decided", "--max-seeds", "4",
                                "--step", "2", "--workers", "1"],
        "claims": lambda out: ["run", "--suite", root / "crashclaims.toml", "--out", out, "--workers", "1",
                               "--plugin", root / "crash_claim.py"],
        "tune": lambda out: ["tune", "--suite", root / "crashtuned.toml", "--out", out, "--workers", "1"],
    }


def _results(run_dir: Path) -> dict:
    out = {}
    for path in sorted((run_dir / "records").glob("*.json")):
        rec = json.loads(path.read_text())
        kept = {k: rec.get(k) for k in RESULT}
        kept["curve"] = [{k: v for k, v in p.items() if k not in ("eval_wall_s", "spent")} for p in rec.get("curve", [])]
        out[path.name] = kept
    return out


def _reports(run_dir: Path) -> dict:
    """The verdicts and leaderboard tables, without the columns that time things."""
    board = run_dir / "leaderboard"
    out = {}
    for name in ("compare.json", "compare.md", "leaderboard/claims.json"):
        if (run_dir / name).is_file():
            out[name] = (run_dir / name).read_text()
    if (board / "leaderboard.csv").is_file():
        import pandas as pd

        table = pd.read_csv(board / "leaderboard.csv")
        out["leaderboard.csv"] = table.drop(columns=[c for c in table.columns if "train_s" in c or "wall" in c]).to_csv()
    if (board / "leaderboard.md").is_file():
        out["leaderboard.md"] = re.sub(r"\| *[0-9.,]+ *\|", "|", (board / "leaderboard.md").read_text())
    return out


def _leftovers(run_dir: Path) -> list[str]:
    temporaries = [str(p) for p in run_dir.rglob(".*.tmp")] + [str(p) for p in run_dir.rglob("*.part")]
    checkpoints = [str(p) for p in (run_dir / "checkpoints").rglob("*") if p.is_file()] \
        if (run_dir / "checkpoints").exists() else []
    return temporaries + checkpoints


@pytest.fixture(scope="module")
def uninterrupted(zygote, tmp_path_factory):
    root = tmp_path_factory.mktemp("crash")
    commands = _commands(root)
    out = {}
    for name, argv in commands.items():
        run = root / f"ref-{name}"
        status, seconds = zygote.run(argv(run), root, root / f"ref-{name}.log")
        assert status == 0, (root / f"ref-{name}.log").read_text()[-3000:]
        print(f"\n{name}: uninterrupted in {seconds:.1f} s")
        out[name] = (_results(run), _reports(run))
    return root, commands, out


# (command, point, K): one kill per point each command passes ("run" has no rounds).
KILLS = [("run", "step", 160), ("run", "evaluate", 3), ("run", "rename", 30),
         ("compare", "step", 400), ("compare", "evaluate", 5), ("compare", "rename", 45), ("compare", "round", 1),
         ("claims", "step", 400), ("claims", "evaluate", 5), ("claims", "rename", 45), ("claims", "round", 1),
         ("tune", "step", 200), ("tune", "evaluate", 4), ("tune", "rename", 40), ("tune", "round", 1)]
# The CI set: every point of the commands that run in seconds (run, tune) and one kill of each
# adaptive command (~55 s each: compare at its round, the claims loop between a write and its
# rename); the other kills of compare and claims run with -m crash_matrix.
CI_KILLS = [k for k in KILLS if k[0] in ("run", "tune")] + [("compare", "round", 1), ("claims", "rename", 45)]


def _kill_and_resume(zygote, uninterrupted, command, fault, tag):
    root, commands, reference = uninterrupted
    run = root / f"{command}-{tag}"
    log = root / f"{command}-{tag}.log"
    status, killed_after = zygote.run(commands[command](run), root, log, fault=fault)
    assert status == -9, f"{command} was not killed at {fault} (status {status}): the point is not passed there"
    assert not zygote.survivors(), "a process of the killed command survived it"
    status, resumed = zygote.run(commands[command](run), root, log)
    assert status == 0, log.read_text()[-3000:]
    print(f"\n{command} killed at {fault} after {killed_after:.1f} s, finished by the rerun in {resumed:.1f} s")
    results, reports = reference[command]
    assert _results(run) == results
    assert _reports(run) == reports
    assert _leftovers(run) == []
    assert not zygote.survivors()


@pytest.mark.slow
@pytest.mark.parametrize("command, point, k", CI_KILLS, ids=[f"{c}-{p}" for c, p, _ in CI_KILLS])
def test_a_killed_command_resumes_to_the_uninterrupted_answer(zygote, uninterrupted, command, point, k):
    _kill_and_resume(zygote, uninterrupted, command, f"{point}:{k}", f"{point}{k}")


@pytest.mark.crash_matrix
@pytest.mark.parametrize("command, point, k", [k for k in KILLS if k not in CI_KILLS],
                         ids=[f"{c}-{p}" for c, p, _ in KILLS if (c, p, _) not in CI_KILLS])
def test_every_other_point_of_the_adaptive_commands(zygote, uninterrupted, command, point, k):
    _kill_and_resume(zygote, uninterrupted, command, f"{point}:{k}", f"{point}{k}")


@pytest.mark.crash_matrix
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("command", ["run", "compare", "claims", "tune"])
def test_the_seeded_matrix_of_kills(zygote, uninterrupted, command, seed):
    """Opt in with ``pytest -m crash_matrix``: a random point and K per (command, seed). A K beyond the
    command's last pass of its point leaves it alive; that draw is skipped, said."""
    import random

    rng = random.Random(f"{command}-{seed}")
    point = rng.choice(["step", "evaluate", "rename"] + ([] if command == "run" else ["round"]))
    k = {"step": rng.randint(1, 600), "evaluate": rng.randint(1, 8), "rename": rng.randint(1, 80),
         "round": rng.randint(1, 2)}[point]
    root, commands, _ = uninterrupted
    run = root / f"{command}-m{seed}"
    status, _ = zygote.run(commands[command](run), root, root / f"{command}-m{seed}.log", fault=f"{point}:{k}")
    if status == 0:
        pytest.skip(f"{command} passes {point} fewer than {k} times: not killed")
    assert status == -9 and not zygote.survivors()
    status, _ = zygote.run(commands[command](run), root, root / f"{command}-m{seed}.log")
    assert status == 0
    results, reports = uninterrupted[2][command]
    assert _results(run) == results and _reports(run) == reports and _leftovers(run) == []
