"""The GAN zoo: seed-batched networks, losses, regularisers, training steps and named variants."""
from ganbench.zoo.losses import LOSSES, get_loss, register_loss
from ganbench.zoo.networks import Arch, build_networks, pack
from ganbench.zoo.plugins import load_plugin
from ganbench.zoo.steps import STEPS, StepContext, register_step
from ganbench.zoo.variants import (
    RESERVED_NAMES,
    VARIANTS,
    Variant,
    get_variant,
    register_variant,
    sample_configurations,
)
from ganbench.zoo.catalogue import BUILTIN_VARIANTS  # noqa: E402  (registers the reference variants)

__all__ = ["LOSSES", "get_loss", "register_loss", "Arch", "build_networks", "pack", "load_plugin", "STEPS",
           "StepContext", "register_step", "VARIANTS", "BUILTIN_VARIANTS", "RESERVED_NAMES", "Variant", "get_variant",
           "register_variant", "sample_configurations"]
