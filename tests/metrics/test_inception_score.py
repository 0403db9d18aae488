import numpy as np
import pytest
import torch
from torch_fidelity.metric_isc import isc_features_to_metric

from ganbench.metrics import inception_score


def test_equals_torch_fidelity_without_shuffle(rng):
    logits = rng.standard_normal((1003, 10)) * 3
    ref = isc_features_to_metric(torch.from_numpy(logits), splits=10, shuffle=False)
    mean, std = inception_score(logits, splits=10)
    assert mean == pytest.approx(ref["inception_score_mean"], rel=1e-12)
    assert std == pytest.approx(ref["inception_score_std"], rel=1e-9)


def test_closed_forms():
    # Confident and uniform over C classes -> C; identical predictions -> 1.
    c = 7
    confident = np.eye(c)[np.arange(700) % c] * 60.0
    assert inception_score(confident, splits=1)[0] == pytest.approx(c, rel=1e-9)
    assert inception_score(np.zeros((50, c)), splits=1)[0] == pytest.approx(1.0, abs=1e-12)


def test_too_many_splits():
    with pytest.raises(ValueError, match="splits"):
        inception_score(np.zeros((3, 4)), splits=10)
