"""Conditional versions of the built-in tasks: every real sample carries its class, and a conditional
generator is asked for one.

- ``ring8-cond``, ``grid25-cond``: the mixtures with the mode index as the label. The answer is exact:
  a sample generated for class c is correct when it is a high-quality sample (within 3 std) of mode c.
- ``digits-cond``: the 8x8 digits with their digit class; a sample is correct when the shipped
  classifier gives the requested digit with probability >= 0.99 (the gate of the digit tasks' modes).

Protocol: generated sample i is asked for class ``i mod K`` (equal classes, no sampling noise in the
request); held-out real samples for the ``real`` row are drawn the same way, class by class. Besides
the unconditional metrics over all samples, ``conditional`` adds ``cond_accuracy``, ``class_coverage``
and ``intra_fid`` (see :mod:`ganbench.metrics.conditional`). An unconditional variant may train on a
conditional task (it ignores the labels): it is the control that scores ~1/K conditional accuracy.
"""
from __future__ import annotations

import dataclasses

import torch

from ganbench.metrics.conditional import conditional_accuracy, conditional_tv, intra_fid
from ganbench.tasks.digits import Digits
from ganbench.tasks.mixtures import GaussianMixture, grid25, ring8
from ganbench.tasks.task import register_task

CONDITIONAL = "conditional"  # the pseudo-metric of labelled tasks in a protocol, as "modes" is of mixtures


class ConditionalTask:
    """What a labelled task adds to :class:`~ganbench.tasks.task.Task`: ``n_classes``, the labels of
    generated and reference samples and the conditional statistics. The task class it is mixed into
    provides ``sample_labelled(n, generator) -> (samples, classes int64)`` for training and
    ``judge(samples, features) -> (N,)``, the class recognised in each sample or -1 for none."""

    n_classes: int = 0

    def eval_labels(self, n: int) -> torch.Tensor:
        """The class each of ``n`` generated samples is asked for: ``i mod K``."""
        return torch.arange(n) % self.n_classes

    def reference_labels(self) -> torch.Tensor:
        """The classes of the real reference set (:meth:`eval_real`), in its order."""
        return self.eval_labels(self.protocol.n_real)

    def conditional_stats(self, fake: torch.Tensor, features, real_features, options: dict) -> dict:
        requested = self.eval_labels(len(fake))
        out = conditional_accuracy(self.judge(fake, features), requested, self.n_classes)
        out["intra_fid"] = intra_fid(real_features, self.reference_labels(), features.features, requested,
                                     self.n_classes, device=options.get("device", "cpu"),
                                     precision=options.get("fid_precision", "mixed"))
        return out


class ConditionalMixture(ConditionalTask, GaussianMixture):
    """A Gaussian mixture whose label is the component index (``GaussianMixture.sample_labelled``
    and ``judge``: the same draws as the unconditional task, judged by the 3-std rule)."""

    def __init__(self, base: GaussianMixture):
        self.__dict__.update({k: v for k, v in base.__dict__.items() if not k.startswith("_device")})
        self.name = f"{base.name}-cond"
        self.n_classes = base.n_modes
        self.description = f"{base.description}; label: the mode index"
        self.protocol = dataclasses.replace(base.protocol, metrics=base.protocol.metrics + (CONDITIONAL,),
                                            headline="cond_tv")

    def conditional_stats(self, fake, features, real_features, options) -> dict:
        """The labelled tasks' statistics and ``cond_tv``, the proper score that ranks a mixture:
        the real distribution given class c is known (its mode with probability ``1 - off``)."""
        out = super().conditional_stats(fake, features, real_features, options)
        in_mode = float(self.real_categories()[:-1].sum())
        out["cond_tv"] = conditional_tv(self.judge(fake), self.eval_labels(len(fake)), self.n_classes, in_mode)
        return out

    def _by_class(self, n, generator):
        return self.around(self.eval_labels(n).to(generator.device), generator)

    def eval_real(self, generator):
        return self._by_class(self.protocol.n_real, generator)

    def heldout(self, n, generator):
        return self._by_class(n, generator)

    def cache_key(self) -> dict:
        return {**super().cache_key(), "labels": "mode index", "reference": "class-ordered"}


class ConditionalDigits(ConditionalTask, Digits):
    """The 8x8 digits with their class."""

    name = "digits-cond"
    n_classes = 10
    description = "8x8 handwritten digits in [-1, 1]; label: the digit"

    def __init__(self):
        super().__init__()
        self.protocol = dataclasses.replace(Digits.protocol, metrics=Digits.protocol.metrics + (CONDITIONAL,),
                                            headline="cond_accuracy")

    def sample_labelled(self, n, generator):
        dev = generator.device
        i = torch.randint(len(self.images), (n,), generator=generator, device=dev)
        return self._on("images", self.images, dev)[i], self._on("labels", self.labels.long(), dev)[i]

    def heldout(self, n, generator):
        """Ceiling-split digits (held out of training and of the reference set), sample i of class
        i mod 10: each image of the class once in a random order, with replacement only for requests
        beyond the class's images."""
        want = self.eval_labels(n)
        out = torch.empty(n, *self.shape)
        for c in range(self.n_classes):
            pool = (self.ceiling_labels == c).nonzero().flatten()
            slots = (want == c).nonzero().flatten()
            order = torch.randperm(len(pool), generator=generator)
            extra = torch.randint(len(pool), (max(0, len(slots) - len(pool)),), generator=generator)
            out[slots] = self.ceiling_images[pool[torch.cat([order, extra])[: len(slots)]]]
        return out

    def reference_labels(self):
        return self._reference()[1].long()  # eval_real is the whole held-out test split


register_task("ring8-cond")(lambda: ConditionalMixture(ring8()))
register_task("grid25-cond")(lambda: ConditionalMixture(grid25()))
register_task("digits-cond")(ConditionalDigits)


def labelled_tasks() -> list[str]:
    """The registered tasks with labels (for error messages that say where a conditional variant runs)."""
    from ganbench.tasks.task import TASKS, get_task

    return [n for n in sorted(TASKS) if getattr(get_task(n), "n_classes", 0)]
