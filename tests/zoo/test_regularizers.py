import pytest
import torch

from ganbench.harness import train_seeds
from ganbench.zoo.regularizers import gradient_penalty, r1_penalty


def quadratic_d(x):
    """D(x) = sum(x^2) per sample: gradient 2x, known in closed form."""
    return (x**2).flatten(2).sum(2), None


def test_gradient_penalty_equals_hand_computed_value():
    real = torch.tensor([[[1.0, 0.0], [0.0, 2.0]]], dtype=torch.float64)  # (S=1, B=2, 2)
    fake = torch.tensor([[[0.0, 0.0], [0.0, 0.0]]], dtype=torch.float64)
    eps = torch.tensor([[0.5, 0.25]], dtype=torch.float64)
    # x̂ = (0.5, 0) and (0, 0.5); |∇D| = |2x̂| = 1 and 1 -> penalty 0; then scale real by 3
    assert float(gradient_penalty(quadratic_d, real, fake, eps).detach()) == pytest.approx(0.0, abs=1e-12)
    gp = gradient_penalty(quadratic_d, 3 * real, fake, eps)  # x̂ = (1.5, 0), (0, 1.5): |∇D| = 3
    assert float(gp.detach()) == pytest.approx(4.0, rel=1e-12)


def test_r1_equals_hand_computed_value():
    real = torch.tensor([[[1.0, 2.0], [3.0, 0.0]]], dtype=torch.float64)
    # |∇D|^2 = |2x|^2 = 4 * (5, 9) -> mean 28
    assert float(r1_penalty(quadratic_d, real).detach()) == pytest.approx(28.0, rel=1e-12)


def _trained_discriminator(monkeypatch, variant, steps):
    """Train ``variant`` briefly and return its discriminator (captured from the harness)."""
    import ganbench.harness.identity as identity
    import ganbench.harness.program as tr

    captured = {}
    original = tr.build_networks

    def spy(*a, **k):
        g, d, z = original(*a, **k)
        captured["d"] = d
        return g, d, z

    monkeypatch.setattr(tr, "build_networks", spy)
    train_seeds("ring8", variant, [0, 1], {"g_steps": steps}, evaluate=False)
    # the code identity cached while the spy stood in for build_networks would lack it in later tests
    identity._digests.cache_clear()
    return captured["d"]


def test_wgan_critic_respects_its_clip(monkeypatch):
    d = _trained_discriminator(monkeypatch, "wgan", 3)
    params = torch.cat([p.detach().flatten() for p in d.parameters()])
    assert params.abs().max() <= 0.01 + 1e-12
    assert params.abs().max() == pytest.approx(0.01)  # the clip is active, not vacuous


def test_spectral_norm_divides_by_the_tracked_top_singular_value(monkeypatch):
    # Miyato et al. 2018, Alg. 1: one power iteration per D update. Its estimate u^T W v never exceeds
    # σ(W), so the normalised layer has σ >= 1, and it lags while W moves (five D steps per G step at
    # Adam 2e-4 leave ~1.1 after 30 G steps); on a fixed W the iterations converge to σ = 1 exactly.
    d = _trained_discriminator(monkeypatch, "sngan", 30)
    raw = torch.stack([torch.linalg.matrix_norm(layer.weight.detach(), ord=2) for layer in list(d.hidden) + [d.out]])
    assert (raw - 1).abs().max() > 0.3, raw  # the normalisation is not vacuous: some raw layer is far from 1
    for layer in list(d.hidden) + [d.out]:
        d.eval()
        sigma = torch.linalg.matrix_norm(layer.effective_weight().detach(), ord=2)
        assert (sigma >= 1 - 1e-5).all() and (sigma < 1.5).all(), sigma
        d.train()
        with torch.no_grad():
            for _ in range(3000):  # more power iterations on the same weights (cheap: 128 x 128)
                layer.effective_weight()
        d.eval()
        sigma = torch.linalg.matrix_norm(layer.effective_weight().detach(), ord=2)
        assert torch.allclose(sigma, torch.ones_like(sigma), atol=1e-3), sigma
