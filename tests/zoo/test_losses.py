import math

import pytest
import torch

from ganbench.zoo import get_loss, register_loss
from ganbench.zoo.losses import BUILTIN_LOSSES

R, Fk = 1.5, -0.5  # hand-made discriminator outputs (logits)


def sig(v):
    return 1 / (1 + math.exp(-v))


def run(name, r=R, f=Fk):
    d, g = get_loss(name)(torch.tensor([[r]], dtype=torch.float64), torch.tensor([[f]], dtype=torch.float64))
    assert d.shape == (1,) and g.shape == (1,)
    return float(d), float(g)


EXPECTED = {
    "minimax": (-math.log(sig(R)) - math.log(1 - sig(Fk)), math.log(1 - sig(Fk))),
    "ns": (-math.log(sig(R)) - math.log(1 - sig(Fk)), -math.log(sig(Fk))),
    "ns-smooth": (-(0.9 * math.log(sig(R)) + 0.1 * math.log(1 - sig(R))) - math.log(1 - sig(Fk)), -math.log(sig(Fk))),
    "lsgan": (0.5 * (R - 1) ** 2 + 0.5 * Fk**2, 0.5 * (Fk - 1) ** 2),
    "lsgan-mse": (0.5 * (R - 1) ** 2 + 0.5 * Fk**2, (Fk - 1) ** 2),  # CycleGAN's released code
    "wasserstein": (Fk - R, -Fk),
    "hinge": (max(0, 1 - R) + max(0, 1 + Fk), -Fk),
    # f-GAN, Nowozin et al. 2016 Table 2: D loss = -(g(v_r) - f*(g(v_f))), G loss = -g(v_f)
    "fgan-kl": (-(R - math.exp(Fk - 1)), -Fk),
    "fgan-rkl": (-(-math.exp(-R) - (-1 - math.log(math.exp(-Fk)))), math.exp(-Fk)),
    "fgan-pearson": (-(R - (Fk**2 / 4 + Fk)), -Fk),
    "fgan-hellinger": (-((1 - math.exp(-R)) - (1 - math.exp(-Fk)) / math.exp(-Fk)), -(1 - math.exp(-Fk))),
    "fgan-js": (-((math.log(2) - math.log(1 + math.exp(-R)))
                  + math.log(2 - math.exp(math.log(2) - math.log(1 + math.exp(-Fk))))),
                -(math.log(2) - math.log(1 + math.exp(-Fk)))),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_loss_matches_its_formula(name):
    d, g = run(name)
    assert d == pytest.approx(EXPECTED[name][0], rel=1e-12, abs=1e-12)
    assert g == pytest.approx(EXPECTED[name][1], rel=1e-12, abs=1e-12)


def test_every_builtin_loss_is_checked():
    assert set(EXPECTED) == set(BUILTIN_LOSSES)


def test_fgan_js_is_the_gan_objective_up_to_log4():
    # Nowozin et al. 2016: the JS f-GAN objective equals the GAN objective + log 4.
    d, _ = run("fgan-js")
    d_gan, _ = run("ns")
    assert -d == pytest.approx(-d_gan + math.log(4), rel=1e-12)


def test_losses_average_over_the_batch_per_seed():
    real = torch.tensor([[1.0, 3.0], [0.0, 0.0]])
    fake = torch.tensor([[0.0, 2.0], [1.0, 1.0]])
    d, g = get_loss("wasserstein")(real, fake)
    assert torch.allclose(d, torch.tensor([1.0 - 2.0, 1.0])) and torch.allclose(g, torch.tensor([-1.0, -1.0]))


def test_register_loss_refuses_duplicates_and_unknown_names():
    with pytest.raises(ValueError, match="already registered"):
        register_loss("ns")(lambda r, f: (r, f))
    with pytest.raises(ValueError, match="unknown loss 'nope'"):
        get_loss("nope")
