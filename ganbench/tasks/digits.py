"""Real images that ship with scikit-learn: the 8x8 handwritten digits (UCI optdigits test set,
1797 images, 10 classes), and stacked digits built from them.

- Pixels 0..16 are scaled to [-1, 1] as ``x / 8 - 1``; shape (1, 8, 8).
- Three fixed, disjoint splits of image index ``i`` (protocol revision 1):

  ========  ==============  ======  ====================================================================
  split     images          count   role
  ========  ==============  ======  ====================================================================
  train     i % 5 in 0..2   1079    what generators train on
  ceiling   i % 5 == 3      359     the ``real`` row's held-out samples: what a perfect generator scores
  test      i % 5 == 4      359     the reference set every sample is judged against (FID, KID, P/R)
  ========  ==============  ======  ====================================================================

  Every set judged has 359 samples (``n_fake`` = the ceiling split's size), so the ``real`` row
  judges each ceiling image once: drawn with replacement from so small a pool, duplicates would
  shrink the k-NN balls of recall to nothing (revision 0's real row had recall 0.17).

  No generator trains on the reference set or the ceiling images, so a generator that reproduces
  its training set gains nothing over one that generalises, and the data-copying test ``c_t``
  (Meehan et al. 2020: training split as T, the test split as held-out) says which it does. The
  shipped classifiers trained on train + ceiling (``ganbench.features.digits``' split, the test split
  held out), so the ceiling images are as familiar to the judge as the generators' training images:
  a generator that copies its training set cannot pass the ceiling on the judge's confidence alone
  (before revision 1 the reference set was the training split itself and the ceiling the test split,
  and trained conditional GANs scored above the ceiling).
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

import copy
import dataclasses

import torch

from ganbench.features.digits import TEST_EVERY, TEST_OFFSET, load_digits_split
from ganbench.tasks.task import EvalProtocol, Task, register_task

CONFIDENT = 0.99  # a channel is recognisable when the classifier gives its digit at least this probability
PATH_LENGTH = "ppl"  # the pseudo-metric the harness computes from the generator itself (ganbench.harness.latent_paths)
COPYING = "copying"  # the pseudo-metric of the data-copying test (training split against the held-out test split)
CEILING_EVERY, CEILING_OFFSET = 5, 3  # i % 5 == 3: the ceiling row's images, out of the classifiers' train split
COPYING_CELLS = 10  # k-means cells of C_T on the 1079 training images (each holds ~36 test images; the paper: > 20)


def task_splits(load) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """The train, ceiling and test splits (images, labels int64) from ``load(split)``, the classifiers'
    ``"train"`` (i % 5 != 4, in index order) and ``"test"`` split of the same images."""
    x, y = (torch.as_tensor(a) for a in load("train"))
    tx, ty = (torch.as_tensor(a) for a in load("test"))
    index = torch.arange(len(x) + len(tx))
    index = index[index % TEST_EVERY != TEST_OFFSET]  # the image index of each classifier-train image
    ceiling = index % CEILING_EVERY == CEILING_OFFSET
    return {"train": (x[~ceiling], y[~ceiling]), "ceiling": (x[ceiling], y[ceiling]), "test": (tx, ty)}


class _DigitsBase(Task):
    paper = ""

    def __init__(self):
        splits = task_splits(self._split)
        self.images, self.labels = splits["train"]
        self.ceiling_images, self.ceiling_labels = splits["ceiling"]
        self.test_images, self.test_labels = splits["test"]

    @staticmethod
    def _split(split: str) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = load_digits_split(split)
        return torch.from_numpy(x), torch.from_numpy(y)

    def heldout(self, n, generator):
        """Held-out real samples for the ``real`` row: the task's construction from the ceiling split
        (359 digits no generator trained on, outside the reference set); each image once while the
        split lasts (one channel), with replacement beyond it (stacked digits' triples)."""
        pool = len(self.ceiling_images)
        if self.shape[0] == 1 and n <= pool:
            idx = torch.randperm(pool, generator=generator)[:n]
        else:
            idx = torch.randint(pool, (n, self.shape[0]), generator=generator)
        return self.ceiling_images[idx].reshape(n, *self.shape)

    def cache_key(self) -> dict:
        return {"task": self.name, "splits": "train i%5<=2, ceiling i%5==3, test (reference) i%5==4",
                **self._selection_key()}

    reference_split = "test"  # the split real samples are judged against: "test", or "ceiling" (selection)

    def _reference(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The images and labels of the reference split."""
        if self.reference_split == "ceiling":
            return self.ceiling_images, self.ceiling_labels
        return self.test_images, self.test_labels

    def _selection_key(self) -> dict:
        return {"reference_split": "ceiling"} if self.reference_split == "ceiling" else {}

    def selection_reference(self):
        """This task judged against the ceiling split (i % 5 == 3: held out of training and disjoint
        from the test split every metric uses; the ``real`` row's images)."""
        task = copy.copy(self)
        task.reference_split = "ceiling"
        return task, "the ceiling split (i % 5 == 3), disjoint from the test split the metrics use"

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
    protocol = EvalProtocol(n_real=359, n_fake=359, metrics=("fid", "kid", "pr", "is", "modes", COPYING),
                            extractor="digits", options={"kid_subsets": 10, "kid_subset_size": 1000, "pr_k": 3,
                                                         "is_splits": 10}, headline="fid", revision=1)

    def sample(self, n, generator):
        dev = generator.device
        return self._on("images", self.images, dev)[torch.randint(len(self.images), (n,), generator=generator, device=dev)]

    def eval_real(self, generator):
        return self._reference()[0]  # the whole held-out test split: the reference set does not depend on a seed

    def copying_reference(self) -> torch.Tensor:
        """The training set the data-copying test measures closeness to (C_T's T): the train split."""
        return self.images

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
    # No data-copying test: the training distribution is 1079^3 digit triples drawn afresh, no fixed set.
    protocol = EvalProtocol(n_real=26000, n_fake=26000, metrics=("modes", "fid"), extractor="digits",
                            options={}, headline="modes", revision=1)

    def sample(self, n, generator):
        dev = generator.device
        idx = torch.randint(len(self.images), (n, 3), generator=generator, device=dev)
        return self._on("images", self.images, dev)[idx].reshape(n, *self.shape)

    def eval_real(self, generator):
        """The reference set: ``n_real`` triples of held-out test digits."""
        images = self._reference()[0]
        idx = torch.randint(len(images), (self.protocol.n_real, 3), generator=generator)
        return images[idx].reshape(-1, *self.shape)

    def sample_labelled(self, n, generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Samples and their true mode labels (``100 r + 10 g + b``), for tests of mode counting."""
        idx = torch.randint(len(self.images), (n, 3), generator=generator)
        y = self.labels[idx]
        return self.images[idx].reshape(n, *self.shape), y[:, 0] * 100 + y[:, 1] * 10 + y[:, 2]

    def cache_key(self) -> dict:
        return {"task": self.name, "splits": "train i%5<=2, ceiling i%5==3, test (reference) i%5==4",
                "reference": "triples of test digits", **self._selection_key()}


@register_task("stacked-digits32")
class StackedDigits32(StackedDigits):
    """Three independent 32x32 train digits as R, G, B channels: 1000 modes, judged channel by channel
    with the 32x32 digits classifier."""

    name = "stacked-digits32"
    shape = (3, 32, 32)
    description = "three stacked 32x32 (upsampled) digits, 1000 modes"
    protocol = dataclasses.replace(StackedDigits.protocol, extractor="digits32")
    _split = staticmethod(Digits32._split)
