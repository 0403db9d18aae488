"""Training throughput: the core's ring8 trials as today's runner ran them (each variant's seeds one
program after another, in one process using every core) against packed programs (variants whose
networks and schedules agree in one program) on one single-threaded worker process per core. Both
in one run, trial-steps per second, at the core's networks with batch 256 (the zoo's default) and at
the core's batch. GPU cases: one eager seed against packed seeds on the device (skipped without CUDA).
"""
import os
import time
from concurrent.futures import ProcessPoolExecutor

import pytest
import torch

STEPS = int(os.environ.get("GANBENCH_BENCH_STEPS", 150))
SEEDS = (0, 1, 2, 3, 4)
RESULTS = {}


def _core_variants(batch):
    from ganbench.runner import load_suite

    plan = next(p for p in load_suite("core").tasks if p.name == "ring8")
    names = load_suite("core").variants_of(plan)
    return [plan.variant(n).replace(batch_size=batch) for n in names]


def _train(args):
    """One program (a list of (variant, seeds) groups) in this process with ``threads`` threads."""
    groups, steps, threads, device = args
    from ganbench.harness import train_program

    torch.set_num_threads(threads)
    train_program("ring8", groups, {"g_steps": steps}, evaluate=False, device=device, progress=False)


def _one_program_per_variant(variants, steps):
    threads = os.cpu_count() or 1
    for v in variants:
        _train(([(v, SEEDS)], steps, threads, "cpu"))


def _packed_on_workers(variants, steps):
    programs = {}
    for v in variants:
        programs.setdefault(v.program_key(), []).append((v, SEEDS))
    jobs = sorted(programs.values(), key=lambda g: -len(g))
    workers = min(len(jobs), os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, mp_context=torch.multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_train, [(g, steps, 1, "cpu") for g in jobs]))


@pytest.mark.parametrize("batch", [256, 64])
@pytest.mark.parametrize("mode", ["one_program_per_variant", "packed_on_workers"])
def test_core_ring8_throughput(benchmark, mode, batch):
    variants = _core_variants(batch)
    fn = _one_program_per_variant if mode == "one_program_per_variant" else _packed_on_workers
    benchmark.group = f"core ring8 trials, batch {batch}, {len(variants)} variants x {len(SEEDS)} seeds x {STEPS} steps"
    t0 = time.perf_counter()
    benchmark.pedantic(fn, args=(variants, STEPS), rounds=1, iterations=1, warmup_rounds=0)
    rate = len(variants) * len(SEEDS) * STEPS / (time.perf_counter() - t0)
    RESULTS[(mode, batch)] = rate
    benchmark.extra_info["trial_steps_per_s"] = rate
    other = ("one_program_per_variant", batch)
    if mode == "packed_on_workers" and other in RESULTS:
        gain = rate / RESULTS[other]
        benchmark.extra_info["speedup_packed_vs_one_program_per_variant"] = gain
        print(f"\n[throughput, batch {batch}] one program per variant {RESULTS[other]:.0f} trial-steps/s, "
              f"packed on workers {rate:.0f} trial-steps/s -> {gain:.2f}x")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("seeds", [1, 64])
def test_gpu_steps_per_second(benchmark, seeds):
    from ganbench.harness import train_program
    from ganbench.zoo import get_variant

    v = get_variant("gan-ns")
    benchmark.group = "one GPU, gan-ns on ring8 (batch 256)"
    t0 = time.perf_counter()
    benchmark.pedantic(lambda: train_program("ring8", [(v, tuple(range(seeds)))], {"g_steps": STEPS}, evaluate=False,
                                             device="cuda", progress=False), rounds=1, iterations=1)
    rate = seeds * STEPS / (time.perf_counter() - t0)
    RESULTS[("gpu", seeds)] = rate
    benchmark.extra_info["trial_steps_per_s"] = rate
    if ("gpu", 1) in RESULTS and seeds > 1:
        print(f"\n[GPU] 1 seed {RESULTS[('gpu', 1)]:.0f} steps/s, {seeds} seeds {rate:.0f} trial-steps/s "
              f"-> {rate / RESULTS[('gpu', 1)]:.1f}x")


@pytest.mark.parametrize("engine", ["eager", "compiled"])
def test_torch_compile_on_cpu(benchmark, engine):
    """One program of five gan-ns seeds on ring8 (batch 256), eager against G and D wrapped in
    ``torch.compile`` (inductor), on every core; the compile time (the first 20 steps) is left out
    and reported apart. The losses after the timed steps are kept: compiled kernels round
    differently, so a compiled program does not give the eager program's records."""
    from ganbench.harness.program import Group, build_program
    from ganbench.tasks import get_task
    from ganbench.zoo import get_variant

    torch.set_num_threads(os.cpu_count() or 1)
    p = build_program(get_task("ring8"), [Group(get_variant("gan-ns"), SEEDS)], "bench", torch.device("cpu"))
    if engine == "compiled":
        p.ctx.g, p.ctx.d = torch.compile(p.ctx.g, dynamic=False), torch.compile(p.ctx.d, dynamic=False)
    t0 = time.perf_counter()
    for _ in range(20):
        p.step_fn(p.ctx)
    warm = time.perf_counter() - t0
    benchmark.group = f"torch.compile on CPU: gan-ns ring8, {len(SEEDS)} seeds, batch 256, {STEPS} steps"
    out = benchmark.pedantic(lambda: [p.step_fn(p.ctx) for _ in range(STEPS)][-1], rounds=1, iterations=1)
    ms = 1000 * benchmark.stats.stats.mean / STEPS
    RESULTS[("compile", engine)] = ms
    benchmark.extra_info.update(ms_per_step=ms, warm_up_s=warm, g_loss=out["g_loss"].tolist())
    eager = RESULTS.get(("compile", "eager"))
    if engine == "compiled" and eager is not None:
        print(f"\n[torch.compile, CPU] eager {eager:.1f} ms/step, compiled {ms:.1f} ms/step "
              f"(compile {warm:.0f} s) -> {eager / ms:.2f}x")
