"""How well an encoder inverts a generator (BiGAN/ALI, adversarial autoencoders).

- ``reconstruction_error``: mean L2 distance ||x - G(E(x))||₂ over held-out real samples, in the
  units of the data (Dumoulin et al. 2017, ALI, Sec. 4, report reconstructions the same way).
- ``label_preservation``: the fraction of reconstructions that keep their input's class (for digits:
  by the shipped classifier), the image analogue of the mixtures' reconstruction error.
- ``linear_probe_accuracy``: held-out accuracy of a logistic regression from codes E(x) to labels,
  fitted on a train split (Donahue et al. 2017, BiGAN, Sec. 4.2, probe features the same way); the
  fit is scikit-learn's, deterministic (lbfgs).
- The match of E(x) to the prior p(z) (adversarial autoencoders, Makhzani et al. 2016) is KID between
  codes and prior samples: :func:`ganbench.metrics.kid` on the codes as features.
"""
from __future__ import annotations

import numpy as np
import torch

from ganbench.metrics._inputs import as_features


def reconstruction_error(x, x_rec) -> float:
    """Mean over samples of ||x - x_rec||₂; ``x``, ``x_rec``: (N, ...) of equal shape."""
    a = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x, dtype=torch.float64)
    b = torch.as_tensor(np.asarray(x_rec) if not isinstance(x_rec, torch.Tensor) else x_rec, dtype=torch.float64)
    if a.shape != b.shape or a.ndim < 2 or len(a) == 0:
        raise ValueError(f"x and its reconstruction must have the same shape (N, ...), got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")
    if not (torch.isfinite(a).all() and torch.isfinite(b).all()):
        raise ValueError("x or its reconstruction contains NaN or Inf")
    return float((a - b).flatten(1).norm(dim=1).mean())


def label_preservation(labels, labels_rec) -> float:
    """Fraction of samples whose reconstruction has the input's label."""
    a, b = np.asarray(labels).reshape(-1), np.asarray(labels_rec).reshape(-1)
    if len(a) != len(b) or len(a) == 0:
        raise ValueError(f"need one reconstruction label per input label, got {len(a)} and {len(b)}")
    return float(np.mean(a == b))


def label_preservation_per_class(labels, labels_out) -> float:
    """Mean over the classes present in ``labels`` of the fraction of that class's samples whose output
    has the input's label: the per-class accuracy of pix2pix's FCN-score (Isola et al. 2017, Table 1).
    Unlike the plain fraction, an output that ignores its input (one class for everything) scores
    exactly 1 / (number of classes) whatever the class frequencies."""
    a, b = np.asarray(labels).reshape(-1), np.asarray(labels_out).reshape(-1)
    if len(a) != len(b) or len(a) == 0:
        raise ValueError(f"need one output label per input label, got {len(a)} and {len(b)}")
    return float(np.mean([np.mean(b[a == c] == c) for c in np.unique(a)]))


def linear_probe_accuracy(codes_train, y_train, codes_test, y_test, max_iter: int = 2000) -> float:
    """Accuracy on (codes_test, y_test) of a multinomial logistic regression fitted on the train pair.
    Codes are standardised with the train split's mean and std first (as a probe's input should be)."""
    from sklearn.linear_model import LogisticRegression

    tr = as_features(codes_train, "codes_train", min_samples=2, dtype=torch.float64, device=torch.device("cpu")).numpy()
    te = as_features(codes_test, "codes_test", min_samples=1, dim=tr.shape[1], dtype=torch.float64,
                     device=torch.device("cpu")).numpy()
    ytr, yte = np.asarray(y_train).reshape(-1), np.asarray(y_test).reshape(-1)
    if len(ytr) != len(tr) or len(yte) != len(te):
        raise ValueError(f"need one label per code: {len(tr)} train codes, {len(ytr)} labels; "
                         f"{len(te)} test codes, {len(yte)} labels")
    if len(np.unique(ytr)) < 2:
        raise ValueError("the train labels hold one class; a probe needs at least two")
    mean, std = tr.mean(0), tr.std(0)
    std[std == 0] = 1.0
    probe = LogisticRegression(max_iter=max_iter)
    probe.fit((tr - mean) / std, ytr)
    return float(np.mean(probe.predict((te - mean) / std) == yte))
