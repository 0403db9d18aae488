"""Does a conditional generator obey its label? Statistics of samples generated for requested classes.

- ``cond_accuracy``: the fraction of samples that the task's judge assigns to the class they were
  generated for: the classification-accuracy check of Odena et al. 2017 (AC-GAN, Sec. 4.1), with the
  judge of the task (mixtures: a high-quality sample of the requested mode; digits: the shipped
  classifier, confident). A generator that ignores its label scores about (judged fraction) / K.
- ``class_coverage``: the fraction of classes with at least one correct sample (per-class mode coverage).
- ``intra_fid`` (Miyato & Koyama 2018, Sec. 5): the FID between the generated and the real samples of
  each class, averaged over the classes.
- ``cond_tv`` (mixtures, where the real distribution given a class is known): the mean over requested
  classes c of the total variation distance between the categories {mode 1..K, off every mode} of
  the samples generated for c and of the real samples of c (``ganbench.metrics.mode_coverage.mode_tv``
  given the class): 0 only for the real conditional distribution. ``cond_accuracy`` alone rewards a
  generator that puts every sample at its mode's center (more "accurate" than real data, whose
  1.1% off-mode samples it misses); ``cond_tv`` does not.
"""
from __future__ import annotations

import numpy as np
import torch

from ganbench.metrics._inputs import check_positive_int
from ganbench.metrics.fid import fid


def _labels(y, name: str, n: int | None = None) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(y) if not isinstance(y, torch.Tensor) else y).reshape(-1)
    if t.dtype.is_floating_point or t.dtype == torch.bool:
        raise ValueError(f"{name} must be integer class labels, got dtype {t.dtype}")
    if n is not None and len(t) != n:
        raise ValueError(f"{name} has {len(t)} labels for {n} samples; pass one label per sample")
    return t.long()


def conditional_accuracy(judged, requested, n_classes: int) -> dict:
    """``judged``: (N,) the class the task's judge recognises in each sample, -1 for none;
    ``requested``: (N,) the class each sample was generated for, in [0, n_classes).
    Returns ``cond_accuracy`` and ``class_coverage`` (floats in [0, 1])."""
    n_classes = check_positive_int(n_classes, "n_classes")
    req = _labels(requested, "requested")
    got = _labels(judged, "judged", len(req))
    if len(req) == 0:
        raise ValueError("no samples: pass at least one generated sample and its requested label")
    if int(req.min()) < 0 or int(req.max()) >= n_classes:
        raise ValueError(f"requested labels must lie in [0, {n_classes}), got [{int(req.min())}, {int(req.max())}]")
    correct = got == req
    hit = torch.bincount(req[correct], minlength=n_classes) > 0
    return {"cond_accuracy": float(correct.double().mean()), "class_coverage": float(hit.double().mean())}


def conditional_tv(judged, requested, n_classes: int, in_mode: float) -> float:
    """``judged``: (N,) the mode each sample is a high-quality sample of, -1 for none; ``requested``:
    (N,) the class (= mode) it was generated for; ``in_mode``: the real probability that a sample of a
    class lies within the rule of its own mode (its other modes get none). Mean over the requested
    classes of TV(generated categories | c, real categories | c)."""
    n_classes = check_positive_int(n_classes, "n_classes")
    req = _labels(requested, "requested")
    got = _labels(judged, "judged", len(req))
    if not 0 <= in_mode <= 1:
        raise ValueError(f"in_mode must be a probability, got {in_mode}")
    tvs = []
    for c in range(n_classes):
        mine = got[req == c]
        if len(mine) == 0:
            raise ValueError(f"no sample was generated for class {c}; request every class")
        share = torch.bincount(mine + 1, minlength=n_classes + 1).double() / len(mine)  # [off, mode 0..K-1]
        real = torch.zeros(n_classes + 1, dtype=torch.float64)
        real[0], real[c + 1] = 1.0 - in_mode, in_mode
        tvs.append(0.5 * float((share - real).abs().sum()))
    return float(np.mean(tvs))


def intra_fid(real_features, real_labels, fake_features, fake_labels, n_classes: int, device="auto",
              precision: str = "mixed") -> float:
    """Mean over classes of FID(real features of class c, fake features generated for class c);
    every class needs at least two samples on each side."""
    n_classes = check_positive_int(n_classes, "n_classes")
    rf, ff = torch.as_tensor(np.asarray(real_features)), torch.as_tensor(np.asarray(fake_features))
    ry, fy = _labels(real_labels, "real_labels", len(rf)), _labels(fake_labels, "fake_labels", len(ff))
    scores = []
    for c in range(n_classes):
        r, f = rf[ry == c], ff[fy == c]
        if len(r) < 2 or len(f) < 2:
            raise ValueError(f"class {c} has {len(r)} real and {len(f)} generated samples; intra-FID needs "
                             "at least 2 of each per class (generate more samples)")
        scores.append(fid(r, f, device=device, precision=precision))
    return float(np.mean(scores))
