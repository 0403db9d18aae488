"""The encoder's numbers on hand-made encoders with known answers."""
import pytest
import torch

from ganbench.harness.encoders import encoder_stats
from ganbench.tasks import get_task


class Identity(torch.nn.Module):
    def forward(self, x):
        return x


class Scaled(torch.nn.Module):
    """Per seed s: x -> (s + 1) x."""

    def forward(self, x):
        return x * torch.arange(1, x.shape[0] + 1, dtype=x.dtype)[:, None, None]


def test_identity_encoder_and_generator_reconstruct_exactly():
    task = get_task("ring8")
    (st,) = encoder_stats(task, Identity(), Identity(), 2, 1, "cpu")
    assert st["recon_error"] == 0.0
    assert st["recon_kept"] > 0.98  # every real sample within 3 std of its mode keeps it (~99%)
    assert st["probe_accuracy"] > 0.98  # 8 clusters on a circle are linearly separable in 2-D
    assert st["prior_kid"] > 0.1  # ring points are far from N(0, I)


def test_each_seed_is_judged_on_its_own_networks():
    task = get_task("ring8")
    a, b = encoder_stats(task, Scaled(), Identity(), 2, 2, "cpu")  # seed 1 reconstructs 2x
    assert a["recon_error"] == 0.0
    assert b["recon_error"] == pytest.approx(1.0, abs=0.02)  # |2x - x| = |x| ≈ 1 on the unit ring
    assert b["recon_kept"] == 0.0  # 2x lies on no mode


def test_a_task_without_labels_is_refused():
    with pytest.raises(ValueError, match="no labels"):
        encoder_stats(get_task("digits"), Identity(), Identity(), 2, 1, "cpu")
