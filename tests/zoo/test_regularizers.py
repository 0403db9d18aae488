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
    import ganbench.harness.program as tr

    captured = {}
    original = tr.build_networks

    def spy(*a, **k):
        g, d, z = original(*a, **k)
        captured["d"] = d
        return g, d, z

    monkeypatch.setattr(tr, "build_networks", spy)
    train_seeds("ring8", variant, [0, 1], {"g_steps": steps}, evaluate=False)
    return captured["d"]


def test_wgan_critic_respects_its_clip(monkeypatch):
    d = _trained_discriminator(monkeypatch, "wgan", 3)
    params = torch.cat([p.detach().flatten() for p in d.parameters()])
    assert params.abs().max() <= 0.01 + 1e-12
    assert params.abs().max() == pytest.approx(0.01)  # the clip is active, not vacuous


def test_spectral_norm_holds_sigma_near_one(monkeypatch):
    d = _trained_discriminator(monkeypatch, "sngan", 30).eval()
    for layer in list(d.hidden) + [d.out]:
        w = layer.effective_weight().detach()  # (S, in, out)
        sigma = torch.linalg.matrix_norm(w, ord=2)
        assert torch.allclose(sigma, torch.ones_like(sigma), atol=0.05), sigma
