"""Feature extractors: samples in, (N, D) features (and logits) out, through a registry."""
from ganbench.features import digits, digits32, identity, inception  # noqa: F401  (registration)
from ganbench.features.base import EXTRACTORS, Extractor, Features, get_extractor, register_extractor
from ganbench.features.images import to_uint8_images

__all__ = ["EXTRACTORS", "Extractor", "Features", "get_extractor", "register_extractor", "to_uint8_images"]
