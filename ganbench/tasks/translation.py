"""Image-to-image translation tasks derived from the 8x8 digits, for pix2pix-style (paired) and
CycleGAN-style (unpaired) training (Isola et al. 2017; Zhu et al. 2017).

Domain A is the digit upsampled to 32x32 (bilinear, as PyTorch's ``interpolate`` computes it: the
size the papers' U-Nets and PatchGANs can be scaled down to), values in [-1, 1]. Domain B is a
deterministic function of A, so every A image has exactly one ground-truth target:

- ``digits-edges``: the Sobel gradient magnitude of A (a local mapping, like pix2pix's edges ↔ photos);
- ``digits-thick``: grey dilation of A with a 5x5 square (stroke width changes everywhere: the
  appearance changes, the digit does not);
- ``digits-inverted``: -A (every pixel changes; the simplest global appearance change);
- ``digits-rotated``: A rotated by 90 degrees (a geometric change, which CycleGAN is known to
  handle badly: Zhu et al. 2017, "Limitations and Discussion").

Splits follow ``digits``' fixed split (the test split is held out from all training). A *paired*
task trains on the train split's (A, B) pairs; its *unpaired* version (``<name>-unpaired``) trains on
the A images of one half of the train split and the B images of the other half, so no training pair
is ever seen, and is judged on the same test pairs. ``labels`` are the digit classes, for label
preservation (the analogue of the papers' FCN-score).
"""
from __future__ import annotations

import torch

from ganbench.features.digit_domains import SIZE, edges, invert, load_domain_split, rotate, thicken, upsample
from ganbench.tasks.task import EvalProtocol, Task, register_task
from ganbench.utils.registry import registrar

__all__ = ["SIZE", "TRANSLATION", "TRANSLATION_TASKS", "DigitTranslationTask", "TranslationTask", "edges", "get_translation_task", "invert",
           "rotate", "thicken", "upsample"]


TRANSLATION = "translation"  # the pseudo-metric a translation task computes itself (paired scores, label kept)


class TranslationTask(Task):
    """A translation task from domain A (``shape_a``) to domain B (``shape``); ``paired`` says whether
    training sees the pairs. Subclasses provide the data: :meth:`train` and :meth:`test`.

    As a :class:`Task`, a real draw (``sample``) is one training pair stacked along channels,
    (n, C_A + C_B, H, W): for a paired task A and B of one training pair, for an unpaired one an A
    image and a B image drawn independently. What is judged is a trial's translations of the test
    split's A images, in test order: FID in the protocol's feature space against the test split's B
    images and, when the test split has targets (``judged_on_pairs``), the task's own
    ``translation`` values ``l1``, ``psnr``, ``ssim`` (``ganbench.metrics.translation``) and, when it
    has labels, ``label_kept``: the fraction of translations the protocol's classifier gives their
    source's class (the analogue of the papers' FCN-score; its ceiling is the classifier's test
    accuracy on the domain), and ``label_kept_per_class``, its mean over source classes (the
    FCN-score's per-class accuracy). The digit tasks rank by the per-class score: a generator that
    ignores its input and draws one image (CycleGAN without its cycle loss does) keeps the label of
    that image's class only, which the plain fraction scores by the class's frequency in the test
    split (7-15 %, above or below an untrained generator by chance) and the per-class score as
    exactly 1/10. Reference rows: ``real`` (the test split's B images), ``identity`` (the
    inputs unchanged, when A and B have one shape) and ``init`` (an untrained generator of
    ``init_recipe``'s architecture)."""

    kind = "translation"
    judged_on_pairs = True

    def __init__(self, name: str, shape_a: tuple[int, ...], shape_b: tuple[int, ...], paired: bool,
                 description: str, protocol: EvalProtocol):
        if len(shape_a) != 3 or len(shape_b) != 3 or tuple(shape_a[1:]) != tuple(shape_b[1:]):
            raise ValueError(f"task {name!r}: domains A and B must be images of one height and width (channels "
                             f"may differ), got {tuple(shape_a)} and {tuple(shape_b)}; resize one of them")
        self.name, self.paired, self.description, self.protocol = name, paired, description, protocol
        self.shape_a, self.shape = tuple(shape_a), tuple(shape_b)  # what is judged: a B image
        self.pair_shape = (self.shape_a[0] + self.shape[0], *self.shape[1:])
        self.init_recipe = "pix2pix" if paired else "cyclegan"
        self.paper = "pix2pix (Isola et al. 2017)" if paired else "CycleGAN (Zhu et al. 2017)"

    @property
    def reference_kinds(self) -> tuple[str, ...]:
        return ("real", "identity", "init") if self.shape_a == self.shape else ("real", "init")

    def train(self) -> dict:
        """Training data ``{"a", "b"}`` (N_A, *shape_a) and (N_B, *shape), float32 in [-1, 1]; for a
        paired task a[i] and b[i] are a pair."""
        raise NotImplementedError

    def test(self) -> dict:
        """The held-out test split ``{"a", "b"}`` and, where known, ``"labels"`` of the A images; with
        ``judged_on_pairs`` b[i] is a[i]'s target."""
        raise NotImplementedError

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` training draws (n, C_A + C_B, H, W) on ``generator.device``: A and B along channels."""
        if "_train" not in self.__dict__:
            self.__dict__["_train"] = self.train()
        t, dev = self.__dict__["_train"], generator.device
        a, b = self._on("train_a", t["a"], dev), self._on("train_b", t["b"], dev)
        i = torch.randint(len(a), (n,), generator=generator, device=dev)
        j = i if self.paired else torch.randint(len(b), (n,), generator=generator, device=dev)
        return torch.cat([a[i], b[j]], 1)

    def inputs(self) -> torch.Tensor:
        """The test split's A images (N, C_A, H, W): what a trial translates to be judged."""
        return self.test()["a"]

    def eval_real(self, generator: torch.Generator) -> torch.Tensor:
        return self.test()["b"]

    def heldout(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """The test split's B images (the ``real`` row: the ceiling)."""
        return self.test()["b"][:n]

    def reference_outputs(self, kind: str) -> torch.Tensor:
        """The outputs a data-only reference row is judged on: ``real`` the test B images (as many as
        there are inputs), ``identity`` the inputs."""
        if kind == "identity":
            if self.shape_a != self.shape:
                raise ValueError(f"task {self.name!r}: an identity mapping needs domains of one shape")
            return self.inputs()
        b = self.test()["b"]
        n = len(self.inputs())
        return b[torch.arange(n) % len(b)]  # unpaired test sets may differ in size: cycle through B

    def selection_reference(self):
        return None, ("no held-out set besides the test split: the translation tasks train on every other "
                      "image, and a trial's outputs are its translations of the test inputs")

    def translation_stats(self, out: torch.Tensor, features) -> dict:
        """Paired scores of translations ``out`` (N, C_B, H, W) of the test inputs against their
        targets, and ``label_kept`` from the protocol classifier's ``features.labels``."""
        from ganbench.metrics.inference import label_preservation, label_preservation_per_class
        from ganbench.metrics.translation import paired_scores

        t = self.test()
        want = (len(t["a"]), *self.shape)
        if tuple(out.shape) != want:
            raise ValueError(f"task {self.name!r} judges translations of its {len(t['a'])} test inputs, shape "
                             f"{want}; got {tuple(out.shape)}")
        scores = paired_scores(out, t["b"]) if self.judged_on_pairs else {}
        if t.get("labels") is not None:
            kept = torch.as_tensor(features.labels)[:, 0]
            scores["label_kept"] = label_preservation(t["labels"], kept)
            scores["label_kept_per_class"] = label_preservation_per_class(t["labels"], kept)
        return scores

    def info(self) -> dict:
        return {**super().info(), "kind": "paired" if self.paired else "unpaired", "description": self.description}


class DigitTranslationTask(TranslationTask):
    """Digits upsampled to 32x32 (A) -> ``mapping`` of them (B, the domain ``domain_b`` of
    ``ganbench.features.digit_domains``), judged by that domain's shipped classifier."""

    def __init__(self, name: str, mapping, domain_b: str, paired: bool, description: str):
        self.mapping, self.domain_b = mapping, domain_b
        n_test = len(load_domain_split("digits32", "test")[1])
        protocol = EvalProtocol(n_real=n_test, n_fake=n_test, metrics=("fid", TRANSLATION),
                                extractor=f"digits32-{domain_b}", headline="label_kept_per_class")
        super().__init__(name, (1, SIZE, SIZE), (1, SIZE, SIZE), paired, description, protocol)

    def _split(self, split: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        a, y = load_domain_split("digits32", split)
        return a, self.mapping(a), y

    def train(self) -> dict:
        """Training data: ``{"a", "b", "labels_a", "labels_b"}``, each (N, ...). Paired: a[i] and
        b[i] are a pair. Unpaired: A from the train split's even positions, B from its odd ones."""
        a, b, y = self._split("train")
        if self.paired:
            return {"a": a, "b": b, "labels_a": y, "labels_b": y}
        return {"a": a[0::2], "b": b[1::2], "labels_a": y[0::2], "labels_b": y[1::2]}

    def test(self) -> dict:
        """The held-out test pairs ``{"a", "b", "labels"}`` (both kinds of task are judged on them)."""
        if "_test" not in self.__dict__:
            a, b, y = self._split("test")
            self.__dict__["_test"] = {"a": a, "b": b, "labels": y}
        return self.__dict__["_test"]

    def cache_key(self) -> dict:
        return {"task": self.name, "a": "digits32", "b": self.domain_b, "paired": self.paired,
                "split": "digits: test = i % 5 == 4; unpaired: A even, B odd train positions"}


TRANSLATION_TASKS: dict[str, DigitTranslationTask] = {}
_register = registrar(TRANSLATION_TASKS, "translation task")


def _both(name: str, mapping, domain: str, description: str) -> None:
    for paired, full in ((True, name), (False, f"{name}-unpaired")):
        task = DigitTranslationTask(full, mapping, domain, paired, f"{description} ({'paired' if paired else 'unpaired'})")
        _register(full)(task)
        register_task(full)(lambda task=task: task)


_both("digits-edges", edges, "edges", "32x32 digits -> their Sobel edges: a local mapping")
_both("digits-thick", thicken, "thick",
      "32x32 digits -> strokes dilated by a 5x5 square: appearance changes, class does not")
_both("digits-inverted", invert, "inverted", "32x32 digits -> their negative: every pixel changes")
_both("digits-rotated", rotate, "rotated", "32x32 digits -> rotated by 90 degrees: a geometric change")


def get_translation_task(name: str) -> TranslationTask:
    try:
        return TRANSLATION_TASKS[name]
    except KeyError:
        raise ValueError(f"unknown translation task {name!r}; known: {', '.join(sorted(TRANSLATION_TASKS))}") from None
