"""Real images that ship with scikit-learn: the 8x8 handwritten digits (UCI optdigits test set,
1797 images, 10 classes), and stacked digits built from them.

- Pixels 0..16 are scaled to [-1, 1] as ``x / 8 - 1``; shape (1, 8, 8).
- Fixed split (``ganbench.features.digits.load_digits_split``, the split the shipped classifier
  was trained on): image ``i`` is in the test split when ``i % 5 == 4`` (359 images), otherwise in
  the train split (1438 images). GANs train on the train split only.
- ``stacked-digits`` (the Stacked-MNIST protocol of Metz et al. 2017 and Lin et al. 2018, PacGAN,
  on 8x8 digits): three train digits drawn independently become the R, G, B channels, so there are
  1000 modes (label ``100 r + 10 g + b``). 26,000 generated samples are classified channel by
  channel; the metrics are the modes covered out of 1000 and KL(p_gen || uniform) of the mode
  histogram (PacGAN, Table 2).
- ``digits32``: the same digits upsampled to 32x32 (bilinear, ``ganbench.features.digit_domains``),
  the size of the progressive and style-based generators' smallest useful pyramid (4 -> 32), judged
  with the shipped 32x32 classifier (``digits32`` extractor) by the protocol of ``digits``, plus the
  perceptual path length of the generator in that classifier's features (``ppl``);
  ``stacked-digits32`` stacks three of them as ``stacked-digits`` does.
"""
from __future__ import annotations

import dataclasses

import torch

from ganbench.features.digits import load_digits_split
from ganbench.tasks.task import EvalProtocol, Task, register_task

CONFIDENT = 0.99  # a channel is recognisable when the classifier gives its digit at least this probability
PATH_LENGTH = "ppl"  # the pseudo-metric the harness computes from the generator itself (ganbench.harness.latent_paths)


class _DigitsBase(Task):
    paper = ""

    def __init__(self):
        x, y = self._split("train")
        self.images, self.labels = x, y
        self.test_images, self.test_labels = self._split("test")

    @staticmethod
    def _split(split: str) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = load_digits_split(split)
        return torch.from_numpy(x), torch.from_numpy(y)

    def heldout(self, n, generator):
        """Held-out real samples: the same construction from the test split's 359 digits."""
        idx = torch.randint(len(self.test_images), (n, self.shape[0]), generator=generator)
        return self.test_images[idx].reshape(n, *self.shape)

    def mode_stats(self, fake, features) -> dict:
        """A sample's mode is its channels' predicted digits read as one number (``100 r + 10 g + b``
        for three channels), so C channels have 10^C modes.

        ``modes`` counts only *recognisable* samples, the image analogue of the mixtures' 3-std rule:
        every channel classified with probability >= ``CONFIDENT`` (0.99). Measured with the shipped
        classifier: 77% of held-out real digits pass, 2% of uniform-noise images and none of an
        untrained DCGAN's samples; for three channels 0.77^3 = 46% of real stacked digits pass, which
        still covers all 1000 modes at 26,000 samples, while noise covers (close to) none. The plain
        argmax count of the papers (PacGAN, Unrolled GAN), which noise inflates, is ``modes_argmax``;
        ``kl_modes`` is KL(p || uniform) of that argmax histogram (PacGAN, Table 2) and
        ``confident_fraction`` the share of recognisable samples."""
        from ganbench.metrics.mode_coverage import label_coverage

        lab = torch.as_tensor(features.labels)
        place = 10 ** torch.arange(lab.shape[1] - 1, -1, -1)
        mode = (lab * place).sum(1)
        n_modes = 10 ** lab.shape[1]
        confident = torch.as_tensor(features.confidence).min(1).values >= CONFIDENT
        everything = label_coverage(mode, n_modes)
        gated = label_coverage(mode[confident], n_modes)["modes_covered"] if bool(confident.any()) else 0
        return {"modes": gated, "modes_argmax": everything["modes_covered"], "kl_modes": everything["kl_modes"],
                "confident_fraction": float(confident.double().mean())}


@register_task("digits")
class Digits(_DigitsBase):
    """scikit-learn's 8x8 digits, train split (1438 images), judged with the built-in digits classifier."""

    name = "digits"
    shape = (1, 8, 8)
    n_modes = 10
    paper = "Alpaydin & Kaynak 1998 (UCI optdigits), via scikit-learn"
    description = "8x8 handwritten digits in [-1, 1]"
    protocol = EvalProtocol(n_real=1438, n_fake=2000, metrics=("fid", "kid", "pr", "is", "modes"), extractor="digits",
                            options={"kid_subsets": 10, "kid_subset_size": 1000, "pr_k": 3, "is_splits": 10},
                            headline="fid")

    def sample(self, n, generator):
        dev = generator.device
        return self._on("images", self.images, dev)[torch.randint(len(self.images), (n,), generator=generator, device=dev)]

    def eval_real(self, generator):
        return self.images  # the whole train split: the reference set does not depend on a seed

    def labelled_split(self, split: str) -> tuple[torch.Tensor, torch.Tensor]:
        """The whole ``"train"`` or ``"test"`` split with its digit classes (int64): what an encoder's
        linear probe is fitted on and judged with (``ganbench.harness.encoders``)."""
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        return (self.images, self.labels.long()) if split == "train" else (self.test_images, self.test_labels.long())

    def judge(self, samples, features) -> torch.Tensor:
        """(N,) the digit the classifier recognises in each sample (probability >= ``CONFIDENT``, the
        gate of ``modes``), else -1; ``features``: the task's extractor's, with labels and confidence."""
        label = torch.as_tensor(features.labels)[:, 0].long()
        confident = torch.as_tensor(features.confidence)[:, 0] >= CONFIDENT
        return torch.where(confident, label, -1)


@register_task("digits32")
class Digits32(Digits):
    """The digits upsampled to 32x32, train split (1438 images), judged with the 32x32 digits classifier."""

    name = "digits32"
    shape = (1, 32, 32)
    description = "8x8 handwritten digits upsampled to 32x32 (bilinear), in [-1, 1]"
    protocol = dataclasses.replace(Digits.protocol, extractor="digits32", metrics=(*Digits.protocol.metrics, PATH_LENGTH))

    @staticmethod
    def _split(split: str) -> tuple[torch.Tensor, torch.Tensor]:
        from ganbench.features.digit_domains import load_domain_split

        return load_domain_split("digits32", split)


@register_task("stacked-digits")
class StackedDigits(_DigitsBase):
    """Three independent train digits as R, G, B channels: 1000 modes."""

    name = "stacked-digits"
    shape = (3, 8, 8)
    n_modes = 1000
    paper = "Metz et al. 2017 (Unrolled GAN); Lin et al. 2018 (PacGAN), on 8x8 digits"
    description = "three stacked 8x8 digits, 1000 modes"
    protocol = EvalProtocol(n_real=26000, n_fake=26000, metrics=("modes", "fid"), extractor="digits",
                            options={}, headline="modes")

    def sample(self, n, generator):
        dev = generator.device
        idx = torch.randint(len(self.images), (n, 3), generator=generator, device=dev)
        return self._on("images", self.images, dev)[idx].reshape(n, *self.shape)

    def sample_labelled(self, n, generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Samples and their true mode labels (``100 r + 10 g + b``), for tests of mode counting."""
        idx = torch.randint(len(self.images), (n, 3), generator=generator)
        y = self.labels[idx]
        return self.images[idx].reshape(n, *self.shape), y[:, 0] * 100 + y[:, 1] * 10 + y[:, 2]


@register_task("stacked-digits32")
class StackedDigits32(StackedDigits):
    """Three independent 32x32 train digits as R, G, B channels: 1000 modes, judged channel by channel
    with the 32x32 digits classifier."""

    name = "stacked-digits32"
    shape = (3, 32, 32)
    description = "three stacked 32x32 (upsampled) digits, 1000 modes"
    protocol = dataclasses.replace(StackedDigits.protocol, extractor="digits32")
    _split = staticmethod(Digits32._split)
