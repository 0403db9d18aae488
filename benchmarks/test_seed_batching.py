"""Seed-batched training against one seed at a time (the harness's throughput gain), in one run.

The same five seeds of gan-ns on ring8 train 200 generator steps either as five separate runs or as
one seed-batched run; the ratio (seed-steps per second) is printed and stored as ``extra_info``.
"""
import pytest

from ganbench.harness import train_seeds

SEEDS, STEPS = list(range(5)), 200
TIMES = {}


def _one_at_a_time():
    for s in SEEDS:
        train_seeds("ring8", "gan-ns", [s], {"g_steps": STEPS}, evaluate=False, progress=False)


def _batched():
    train_seeds("ring8", "gan-ns", SEEDS, {"g_steps": STEPS}, evaluate=False, progress=False)


@pytest.mark.parametrize("mode", ["one_at_a_time", "batched"])
def test_seed_batching_throughput(benchmark, mode):
    fn = _one_at_a_time if mode == "one_at_a_time" else _batched
    benchmark.group = "seed batching, ring8 gan-ns, 5 seeds x 200 steps"
    benchmark.pedantic(fn, rounds=2, iterations=1, warmup_rounds=0)
    TIMES[mode] = benchmark.stats.stats.mean
    if len(TIMES) == 2:
        gain = TIMES["one_at_a_time"] / TIMES["batched"]
        benchmark.extra_info["speedup_batched_vs_one_at_a_time"] = gain
        print(f"\n[seed batching] one at a time {TIMES['one_at_a_time']:.2f}s, batched {TIMES['batched']:.2f}s -> {gain:.2f}x")
