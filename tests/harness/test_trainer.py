
import numpy as np
import pytest
import torch

from ganbench.harness import Budget, TrialRecord, train_seeds, train_trial
from ganbench.records.trial import derive_seed
from ganbench.tasks import get_task
from ganbench.zoo import register_loss, register_variant


def test_seed_batched_equals_per_seed():
    together = train_seeds("ring8", "gan-ns", [0, 1, 2], {"g_steps": 6}, evaluate=False)
    alone = train_seeds("ring8", "gan-ns", [1], {"g_steps": 6}, evaluate=False)[0]
    assert together[1].seed == alone.seed
    np.testing.assert_allclose(together[1].history["d_loss"], alone.history["d_loss"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(together[1].history["g_loss"], alone.history["g_loss"], rtol=1e-5, atol=1e-6)
    assert together[0].history["d_loss"] != together[1].history["d_loss"]  # seeds really differ


def test_seed_batched_equals_per_seed_for_convolutional_nets():
    together = train_seeds("digits", "gan-ns", [0, 1], {"g_steps": 3}, evaluate=False)
    alone = train_seeds("digits", "gan-ns", [1], {"g_steps": 3}, evaluate=False)[0]
    np.testing.assert_allclose(together[1].history["g_loss"], alone.history["g_loss"], rtol=1e-5, atol=1e-6)


def test_same_seed_gives_bit_identical_metrics():
    a = train_trial("ring8", "gan-ns", 0, {"g_steps": 5})
    b = train_trial("ring8", "gan-ns", 0, {"g_steps": 5})
    assert a.metrics == b.metrics and a.history == b.history


def test_resume_equals_uninterrupted(tmp_path):
    straight = train_seeds("ring8", "wgan-gp", [0, 1], {"g_steps": 8})
    with pytest.raises(KeyboardInterrupt):
        train_seeds("ring8", "wgan-gp", [0, 1], {"g_steps": 8}, checkpoint_dir=tmp_path, stop_after_steps=3)
    assert len(list(tmp_path.glob("*.ckpt"))) == 1
    resumed = train_seeds("ring8", "wgan-gp", [0, 1], {"g_steps": 8}, checkpoint_dir=tmp_path)
    for s, r in zip(straight, resumed):
        assert r.metrics == s.metrics
        assert r.history == s.history
        assert r.spent["g_steps"] == 8 and r.spent["gflops"] == pytest.approx(s.spent["gflops"])


def test_nan_plugin_yields_a_diverged_record():
    @register_loss("t-nan-after-2")
    class NanLater:
        def __init__(self):
            self.calls = 0

        def __call__(self, d_real, d_fake):
            self.calls += 1
            scale = float("nan") if self.calls > 4 else 1.0  # two calls per step: NaN from step 3 on
            return scale * d_fake.mean(1) - d_real.mean(1), -scale * d_fake.mean(1)

    register_variant("t-nan-gan", loss="t-nan-after-2")
    (rec,) = train_seeds("ring8", "t-nan-gan", [0], {"g_steps": 10})
    assert rec.status == "diverged" and rec.failed_step == 3
    assert "non-finite loss" in rec.error and rec.metrics == {}
    assert rec.spent["g_steps"] == 3  # a batch whose seeds all diverged stops


def test_budget_kinds_are_spent_and_recorded():
    (rec,) = train_seeds("ring8", "gan-ns", [0], {"kimg": 1.0}, evaluate=False)
    assert rec.spent["kimg"] >= 1.0 and rec.spent["g_steps"] == 4  # 256 reals per step
    (w,) = train_seeds("ring8", "wgan", [0], {"kimg": 1.0}, evaluate=False)
    assert w.spent["g_steps"] == 1  # five critic steps show 1,280 reals per generator step
    from ganbench.zoo import get_variant
    small = get_variant("gan-ns").replace(batch_size=16)  # 0.016 kimg a step: not exact in binary
    (k,) = train_seeds("ring8", small, [0], {"kimg": 4.8}, evaluate=False)
    assert k.spent["g_steps"] == 300  # the float sum 299.999... steps' worth does not run a 301st step
    per_step = rec.spent["gflops"] / rec.spent["g_steps"]
    (f,) = train_seeds("ring8", "gan-ns", [0], {"gflops": 3.5 * per_step}, evaluate=False)
    assert f.spent["g_steps"] == 4
    (t,) = train_seeds("ring8", "gan-ns", [0], {"seconds": 0.05}, evaluate=False)
    assert t.spent["wall_s"] >= 0.05 and t.budget == {"seconds": 0.05}


def test_budget_validation():
    with pytest.raises(ValueError, match="exactly one"):
        Budget(g_steps=10, kimg=1.0)
    with pytest.raises(ValueError, match="exactly one"):
        Budget()
    with pytest.raises(ValueError, match="unknown budget kind"):
        Budget.parse({"steps": 10})
    assert Budget.parse("g_steps=20") == Budget(g_steps=20)
    with pytest.raises(ValueError, match="positive"):
        Budget(g_steps=0)


def test_record_has_everything_design_asks_for(tmp_path):
    rec = train_trial("ring8", "pacgan", 2, {"g_steps": 3}, suite="mysuite")
    assert rec.seed == derive_seed("mysuite", "ring8", "pacgan", 2) and rec.fake_seed != rec.seed
    assert rec.protocol["extractor"] == "identity" and rec.protocol["n_fake"] == 2500
    assert rec.protocol["task"] == "ring8" and rec.config_hash
    for key in ("ganbench", "torch", "device_name", "tf32_matmul", "deterministic"):
        assert key in rec.env
    assert set(rec.spent) >= {"g_steps", "d_steps", "kimg", "wall_s", "gflops"}
    rec.save(tmp_path / "r.json")
    assert TrialRecord.load(tmp_path / "r.json") == rec


def test_samples_are_kept_for_plots(tmp_path):
    train_seeds("ring8", "gan-ns", [0, 1], {"g_steps": 2}, samples_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ring8__gan-ns__s0.npy", "ring8__gan-ns__s1.npy"]
    assert np.load(tmp_path / "ring8__gan-ns__s0.npy").shape == (2500, 2)


def test_bad_arguments():
    with pytest.raises(ValueError, match="distinct"):
        train_seeds("ring8", "gan-ns", [0, 0], {"g_steps": 1})
    with pytest.raises(ValueError, match="unknown variant"):
        train_seeds("ring8", "nope", [0], {"g_steps": 1})
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="asks for CUDA but none is available"):
            train_seeds("ring8", "gan-ns", [0], {"g_steps": 1}, device="cuda")


@pytest.mark.parametrize("task,variant", [("ring8-cond", "acgan"), ("ring8", "aae"), ("ring8", "bigan")])
def test_conditional_and_inference_resume_equals_uninterrupted(tmp_path, task, variant):
    # the label stream, the encoder and the AAE's second optimiser are checkpointed with the rest
    straight = train_seeds(task, variant, [0, 1], {"g_steps": 8})
    with pytest.raises(KeyboardInterrupt):
        train_seeds(task, variant, [0, 1], {"g_steps": 8}, checkpoint_dir=tmp_path, stop_after_steps=3)
    resumed = train_seeds(task, variant, [0, 1], {"g_steps": 8}, checkpoint_dir=tmp_path)
    for s, r in zip(straight, resumed):
        assert r.metrics == s.metrics and r.history == s.history


def _small_progan(**kw):
    from ganbench.zoo import get_variant
    from ganbench.zoo.networks import Arch

    # 32 images per phase at batch 8: four steps per phase, so 10 steps reach the 8x8 level's stable phase
    return get_variant("progan").replace(batch_size=8, growth_kimg=0.032, arch=Arch(family="progan", ch=4), **kw)


def test_progan_grows_by_images_shown_and_its_average_follows():
    from ganbench.harness.program import Group, build_program

    prog = build_program(get_task("digits32"), [Group(_small_progan(ema=0.9), (0, 1))], "t", torch.device("cpu"))
    c = prog.ctx
    stages = []
    for _ in range(10):
        prog.step_fn(c)
        prog.update_ema()
        stages.append((c.g.level, c.g.alpha, c.d.level, c.d.alpha, prog.g_ema.level, prog.g_ema.alpha))
    # before step k, 8k images were shown: phase k / 4
    assert [s[:2] for s in stages] == [(0, 1.0)] * 4 + [(1, 0.0), (1, 0.25), (1, 0.5), (1, 0.75), (1, 1.0), (1, 1.0)]
    assert all(s[:2] == s[2:4] == s[4:] for s in stages)


def test_progan_resumes_in_the_middle_of_a_fade_in(tmp_path):
    v = _small_progan()
    straight = train_seeds("digits32", v, [0, 1], {"g_steps": 10})
    with pytest.raises(KeyboardInterrupt):  # stopped after 6 steps: level 1, α = 0.5
        train_seeds("digits32", v, [0, 1], {"g_steps": 10}, checkpoint_dir=tmp_path, stop_after_steps=6)
    resumed = train_seeds("digits32", v, [0, 1], {"g_steps": 10}, checkpoint_dir=tmp_path)
    for s, r in zip(straight, resumed):
        assert r.metrics == s.metrics and r.history == s.history


def test_a_growing_program_counts_each_stages_flops():
    # the 4x4 stage costs less than the fade-in to 8x8, which runs both branches: GFLOPs are measured per stage
    v = _small_progan()
    grown = train_seeds("digits32", v, [0], {"g_steps": 10}, evaluate=False)[0]
    still = train_seeds("digits32", v, [0], {"g_steps": 4}, evaluate=False)[0]  # the 4x4 stage only
    per_step_4x4 = still.spent["gflops"] / 4
    assert grown.spent["gflops"] > 10 * per_step_4x4 * 1.5
