"""GANs with an encoder E: x -> z, seed-batched like the rest of the zoo (vector tasks, the mlp family).

- ``bigan`` (BiGAN, Donahue et al. 2017; ALI, Dumoulin et al. 2017): D judges joint pairs, real
  (x, E(x)) against fake (G(z), z); G and E together minimise what D maximises, so at the optimum
  E inverts G. The training step is ``ganbench.zoo.steps.bigan_step``.
- ``aae`` (adversarial autoencoder, Makhzani et al. 2016, Sec. 2): E and G form an autoencoder
  trained on the reconstruction error, and D on codes judges prior samples z ~ p(z) against E(x);
  E alone is then updated to fool D. The step is ``ganbench.zoo.steps.aae_step``.

E has G's shape mirrored (Linear-ReLU x depth, then a linear code of dimension z_dim), drawn from
the seed's init stream after G and D. The code's default dimension is the data's (at most 8):
2 on ring8 and grid25. Returns of D are ``(logits (S, B), features (S, B, F))``.
"""
from __future__ import annotations

from ganbench.zoo.networks import Arch, MLPDiscriminator, MLPGenerator, family_of

INFERENCE_FAMILIES = ("bigan", "aae")


def build_inference_networks(shape: tuple[int, ...], arch: Arch, gens, kind: str, sn=False):
    """(G, D, E, z_dim) for ``kind`` in :data:`INFERENCE_FAMILIES`; BiGAN's D takes x ⊕ z (the joint
    pair), the AAE's D takes a code z."""
    if kind not in INFERENCE_FAMILIES:
        raise ValueError(f"unknown inference family {kind!r}; choose from {', '.join(INFERENCE_FAMILIES)}")
    family = family_of(shape, arch)
    if family != "mlp" or len(shape) != 1:
        raise ValueError(f"the {kind} variants are implemented for vector tasks (the mlp family: ring8, grid25, "
                         f"hd-mixture), got samples of shape {shape}")
    # A deterministic E maps the data onto a sheet of the data's dimension, so codes of more
    # dimensions can never match p(z) (the AAE) and (x, E(x)) never (G(z), z) (BiGAN: the optimum
    # needs E = G⁻¹): by default the code has the data's dimension, at most the zoo's 8.
    z = arch.z_dim or min(8, shape[0])
    g = MLPGenerator(gens, z, shape[0], arch.hidden, arch.depth)
    d_in = shape[0] + z if kind == "bigan" else z
    d = MLPDiscriminator(gens, d_in, arch.hidden, arch.depth, sn=sn)
    e = MLPGenerator(gens, shape[0], z, arch.hidden, arch.depth)  # the same layer stack, x -> z
    return g, d, e, z
