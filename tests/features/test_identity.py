import numpy as np
import pytest

from ganbench.features import EXTRACTORS, get_extractor


def test_identity_flattens():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    out = get_extractor("identity")(x)
    assert out.features.shape == (2, 12) and out.logits is None


def test_registry_lists_and_rejects():
    assert {"identity", "inception"} <= set(EXTRACTORS)
    with pytest.raises(ValueError, match="unknown feature extractor"):
        get_extractor("resnet9000")
    with pytest.raises(ValueError, match="no options"):
        get_extractor("identity", weights="x")
