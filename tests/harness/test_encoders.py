"""The encoder's numbers on hand-made encoders with known answers."""
import pytest
import torch

from ganbench.harness.encoders import encoder_stats, protocol
from ganbench.tasks import get_task


class Identity(torch.nn.Module):
    def forward(self, x):
        return x


class Flat(torch.nn.Module):
    """An image's pixels as its code: the exact inverse of ``Image``."""

    def forward(self, x):
        return x.flatten(2)


class Image(torch.nn.Module):
    def forward(self, z):
        return z.reshape(*z.shape[:2], 1, 8, 8)


class Black(torch.nn.Module):
    def forward(self, z):
        return torch.full((*z.shape[:2], 1, 8, 8), -1.0)


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


def test_digits_are_judged_on_their_test_split_by_the_classifier():
    from ganbench.features import get_extractor

    task = get_task("digits")
    (st,) = encoder_stats(task, Flat(), Image(), 64, 1, "cpu", get_extractor("digits"))
    assert st["recon_error"] == 0.0
    # an exact reconstruction keeps its class whenever the classifier recognises the input: the
    # confident fraction of held-out digits (0.77, README), never more
    x, y = task.labelled_split("test")
    feats = get_extractor("digits")(x)
    recognised = float(((torch.as_tensor(feats.labels)[:, 0] == y) & (torch.as_tensor(feats.confidence)[:, 0] >= 0.99))
                       .double().mean())
    assert st["recon_kept"] == pytest.approx(recognised) and 0.7 < recognised < 0.85
    assert st["probe_accuracy"] > 0.9  # a linear probe on the pixels themselves
    assert protocol(task)["n_train"] == 1079 and protocol(task)["n_test"] == 359  # train (3 of 5) and test (1 of 5) splits
    (blank,) = encoder_stats(task, Flat(), Black(), 64, 1, "cpu", get_extractor("digits"))
    assert blank["recon_kept"] < 0.15  # a blank image is no digit (or one class of ten)


def test_a_task_without_labels_is_refused():
    with pytest.raises(ValueError, match="no labels"):
        encoder_stats(get_task("stacked-digits"), Identity(), Identity(), 2, 1, "cpu")
