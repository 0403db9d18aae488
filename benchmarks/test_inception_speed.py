"""Inception feature extraction: ganbench's extractor against torch-fidelity's own
FeatureExtractorInceptionV3 on the same uint8 images, weights and threads, in one run.

Speed does not depend on the weights' values, so both load one random state dict of the right
architecture (no download). Sizes: ``GANBENCH_BENCH_N_INCEPTION`` images (default 64) of 32x32 (CIFAR-
sized, resized to 299 inside the network, as FID on CIFAR-10 does). On CUDA a second pair runs there.
"""
import os
import time
from unittest import mock

import numpy as np
import pytest
import torch


N_IMAGES = int(os.environ.get("GANBENCH_BENCH_N_INCEPTION", 64))
BATCH = 32
ROUNDS = int(os.environ.get("GANBENCH_BENCH_ROUNDS_INCEPTION", 4))
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from torch_fidelity import feature_extractor_inceptionv3 as fe

    torch.manual_seed(0)
    with mock.patch.object(fe.FeatureExtractorInceptionV3, "load_state_dict", lambda self, sd: None), \
            mock.patch.object(fe, "load_state_dict_from_url", lambda *a, **k: {}):
        net = fe.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    path = tmp_path_factory.mktemp("w") / "inception.pth"
    torch.save(net.state_dict(), path)
    images = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (N_IMAGES, 3, 32, 32), dtype=np.uint8))
    return path, images


def _torch_fidelity(path, device):
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    net = FeatureExtractorInceptionV3("inception-v3-compat", ["2048"], feature_extractor_weights_path=str(path)).to(device)

    @torch.no_grad()
    def run(images):  # torch-fidelity's own loop (get_featuresdict): batches to the device, features back
        return np.concatenate([net(b.to(device))[0].cpu().numpy() for b in images.split(BATCH)])

    return run


def _ganbench(path, device):
    from ganbench.features import get_extractor

    ext = get_extractor("inception", weights=path, device=device, batch_size=BATCH)
    return lambda images: ext(images).features


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.benchmark(group="inception")
def test_inception_ganbench_vs_torch_fidelity(benchmark, setup, device):
    """Rounds alternate between the two (order swapped each round), so that a neighbour's load on a
    shared machine hits both alike; the ratio is the median of the per-round ratios."""
    path, images = setup
    runs = {"torch-fidelity": _torch_fidelity(path, device), "ganbench": _ganbench(path, device)}
    outputs = {who: run(images[:BATCH]) for who, run in runs.items()}  # warm-up: oneDNN / cuDNN set-up
    times = {who: [] for who in runs}
    for r in range(ROUNDS):
        for who in (list(runs) if r % 2 == 0 else list(runs)[::-1]):
            if device == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            outputs[who] = runs[who](images)
            if device == "cuda":
                torch.cuda.synchronize()
            times[who].append(time.perf_counter() - t0)
    np.testing.assert_array_equal(outputs["ganbench"], outputs["torch-fidelity"])  # the same work, not a shortcut
    ratio = float(np.median(np.array(times["torch-fidelity"]) / np.array(times["ganbench"])))
    benchmark.pedantic(lambda: None, rounds=1)  # the timings above are the measurement; keep the JSON's shape
    for who, ts in times.items():
        rate = N_IMAGES / float(np.median(ts))
        benchmark.extra_info[f"{who}_images_per_s"] = rate
        print(f"\n[inception-{device}] {who}: {rate:.1f} img/s (median of {ROUNDS} rounds, {N_IMAGES} images, "
              f"{torch.get_num_threads()} threads)")
    benchmark.extra_info["speedup_vs_torch-fidelity"] = ratio
    print(f"[inception-{device}] ganbench / torch-fidelity speed: {ratio:.3f}x (per-round ratios "
          f"{', '.join(f'{a / b:.3f}' for a, b in zip(times['torch-fidelity'], times['ganbench']))})")
