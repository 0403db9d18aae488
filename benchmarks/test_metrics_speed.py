"""ganbench against torch-fidelity / clean-fid / prdc on identical features, in one run.

Run with ``make bench``. Each group times ganbench and the library people use today; the ratio
is printed and stored in the JSON (``--benchmark-json``) as ``extra_info``.
"""

import numpy as np
import pytest
import torch

from benchmarks.conftest import N_KNN, timed
from ganbench.metrics import density_coverage, fid, kid, precision_recall

RESULTS = {}
VALUES = {}


def _record(benchmark, group, who, value):
    RESULTS.setdefault(group, {})[who] = benchmark.stats.stats.mean if benchmark.stats else None
    VALUES[(group, who)] = value
    benchmark.extra_info["value"] = value
    times = RESULTS[group]
    if "ganbench" in times and len(times) > 1:
        for other, t in times.items():
            if other != "ganbench":
                ratio = t / times["ganbench"]
                benchmark.extra_info[f"speedup_vs_{other}"] = ratio
                print(f"\n[{group}] ganbench {times['ganbench']:.2f}s, {other} {t:.2f}s -> {ratio:.2f}x")


def _report_precision(benchmark, group, value):
    """How far the default (float32 Gram products) lands from ganbench's float64 products."""
    exact = VALUES.get((group, "ganbench-float64"))
    if exact is not None:
        rel = abs(value - exact) / abs(exact)
        benchmark.extra_info["rel_diff_vs_float64"] = rel
        print(f"\n[{group}] mixed vs float64 products: {rel:.1e} relative")


# References first, ganbench last in each group, so the ratio prints once all are in.
@pytest.mark.benchmark(group="fid")
def test_fid_torch_fidelity(benchmark, anchor_features):
    from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric

    a, b = (torch.from_numpy(x) for x in anchor_features)
    v = timed(benchmark, lambda: fid_statistics_to_metric(fid_features_to_statistics(a), fid_features_to_statistics(b), False))
    _record(benchmark, "fid", "torch-fidelity", v["frechet_inception_distance"])


@pytest.mark.benchmark(group="fid")
def test_fid_clean_fid(benchmark, anchor_features):
    from cleanfid.fid import frechet_distance

    a, b = anchor_features

    def run():
        return frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))

    _record(benchmark, "fid", "clean-fid", timed(benchmark, run))


@pytest.mark.benchmark(group="fid")
def test_fid_ganbench_float64(benchmark, anchor_features):
    # Float64 Gram products: what the default's float32 blocks save, and the value they must match.
    a, b = anchor_features
    _record(benchmark, "fid", "ganbench-float64", timed(benchmark, lambda: fid(a, b, precision="float64")))


@pytest.mark.benchmark(group="fid")
def test_fid_ganbench(benchmark, anchor_features):
    a, b = anchor_features
    v = timed(benchmark, lambda: fid(a, b))
    _record(benchmark, "fid", "ganbench", v)
    _report_precision(benchmark, "fid", v)


@pytest.mark.benchmark(group="kid")
def test_kid_torch_fidelity(benchmark, anchor_features):
    from torch_fidelity.metric_kid import kid_features_to_metric

    a, b = (torch.from_numpy(x) for x in anchor_features)
    v = timed(benchmark, lambda: kid_features_to_metric(
        a, b, kid_subsets=100, kid_subset_size=1000, kid_kernel="poly", kid_kernel_poly_degree=3,
        kid_kernel_poly_gamma=None, kid_kernel_poly_coef0=1, rng_seed=2020, verbose=False))
    _record(benchmark, "kid", "torch-fidelity", v["kernel_inception_distance_mean"])


@pytest.mark.benchmark(group="kid")
def test_kid_ganbench_float64(benchmark, anchor_features):
    a, b = anchor_features
    v = timed(benchmark, lambda: kid(a, b, subsets=100, subset_size=1000, seed=2020, precision="float64")[0])
    _record(benchmark, "kid", "ganbench-float64", v)


@pytest.mark.benchmark(group="kid")
def test_kid_ganbench(benchmark, anchor_features):
    a, b = anchor_features
    v = timed(benchmark, lambda: kid(a, b, subsets=100, subset_size=1000, seed=2020)[0])
    _record(benchmark, "kid", "ganbench", v)
    _report_precision(benchmark, "kid", v)


@pytest.mark.benchmark(group="pr")
def test_pr_torch_fidelity(benchmark, anchor_features):
    from torch_fidelity.metric_prc import prc_features_to_metric

    a, b = (torch.from_numpy(x[:N_KNN]) for x in anchor_features)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    v = timed(benchmark, lambda: prc_features_to_metric(b.to(dev), a.to(dev), prc_neighborhood=3, prc_batch_size=10000,
                                                        save_cpu_ram=False, verbose=False))
    _record(benchmark, "pr", "torch-fidelity", v["precision"])


@pytest.mark.benchmark(group="pr")
def test_pr_ganbench(benchmark, anchor_features):
    a, b = (x[:N_KNN] for x in anchor_features)
    _record(benchmark, "pr", "ganbench", timed(benchmark, lambda: precision_recall(a, b, k=3)[0]))


@pytest.mark.benchmark(group="pr-overlap")
def test_pr_overlap_torch_fidelity(benchmark, overlapping_features):
    from torch_fidelity.metric_prc import prc_features_to_metric

    dev = "cuda" if torch.cuda.is_available() else "cpu"
    a, b = (torch.from_numpy(x).to(dev) for x in overlapping_features)
    v = timed(benchmark, lambda: prc_features_to_metric(b, a, prc_neighborhood=3, prc_batch_size=10000,
                                                        save_cpu_ram=False, verbose=False))
    _record(benchmark, "pr-overlap", "torch-fidelity", v["precision"])


@pytest.mark.benchmark(group="pr-overlap")
def test_pr_overlap_ganbench(benchmark, overlapping_features):
    a, b = overlapping_features
    _record(benchmark, "pr-overlap", "ganbench", timed(benchmark, lambda: precision_recall(a, b, k=3)[0]))


@pytest.mark.benchmark(group="dc")
def test_dc_prdc(benchmark, anchor_features):
    from prdc import compute_prdc

    a, b = (x[:N_KNN] for x in anchor_features)
    _record(benchmark, "dc", "prdc", timed(benchmark, lambda: compute_prdc(a, b, nearest_k=5)["density"]))


@pytest.mark.benchmark(group="dc")
def test_dc_ganbench(benchmark, anchor_features):
    a, b = (x[:N_KNN] for x in anchor_features)
    _record(benchmark, "dc", "ganbench", timed(benchmark, lambda: density_coverage(a, b, k=5)[0]))
