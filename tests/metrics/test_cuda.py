"""The CUDA path gives the CPU path's numbers. Skipped where no GPU is present (CI has none)."""
import pytest
import torch

from ganbench.metrics import FeatureStats, density_coverage, fid, kid, precision_recall

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


def test_metrics_agree_between_cpu_and_cuda(feature_pair):
    a, b = feature_pair
    assert fid(a, b, device="cuda") == pytest.approx(fid(a, b, device="cpu"), rel=1e-9)
    assert kid(a, b, subsets=4, subset_size=500, device="cuda")[0] == pytest.approx(
        kid(a, b, subsets=4, subset_size=500, device="cpu")[0], rel=1e-9)
    assert precision_recall(a, b, device="cuda") == precision_recall(a, b, device="cpu")
    assert density_coverage(a, b, device="cuda") == density_coverage(a, b, device="cpu")


def test_feature_stats_from_cuda_batches(feature_pair):
    a, _ = feature_pair
    gpu = FeatureStats(a.shape[1]).update(torch.from_numpy(a).cuda())
    cpu = FeatureStats(a.shape[1]).update(a)
    assert abs(gpu.cov - cpu.cov).max() < 1e-10


def test_tf32_is_restored_on_cuda(feature_pair):
    a, b = feature_pair
    old = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = True
    try:
        fid(a, b, device="cuda")
        assert torch.backends.cuda.matmul.allow_tf32 is True
    finally:
        torch.backends.cuda.matmul.allow_tf32 = old
