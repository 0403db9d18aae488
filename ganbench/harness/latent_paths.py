"""The generator's own numbers on image tasks: perceptual path length (Karras et al. 2019, Sec. 4.2;
``ganbench.metrics.path_length``) in the task's feature space.

The paper embeds images with VGG16 (LPIPS); ganbench has no such weights offline, so the embedding is
the task's extractor (for ``digits32`` the 32x32 digit classifier's 128 penultimate features) and the
value is named for it (``ppl_z[digits32]``). Every generator gets ``ppl_z`` (slerp in Z, the paper's
path for generators without a mapping network); style-based ones also ``ppl_w`` (lerp in W, the
paper's headline), with each layer's fixed noise map (the official ``randomize_noise=False``).
``N_PAIRS`` pairs, "full" sampling, ε = 1e-4, each trial from its own evaluation stream's seed
(its ``ppl`` stream), the distances outside the 1st-99th percentiles dropped.
"""
from __future__ import annotations

import torch

from ganbench.metrics.path_length import path_length

N_PAIRS = 512
EPSILON = 1e-4


def protocol(extractor: str) -> dict:
    return {"n_pairs": N_PAIRS, "epsilon": EPSILON, "sampling": "full", "embedding": f"{extractor} features",
            "noise": "fixed maps (style-based G)", "seed": "the trial's 'ppl' stream"}


def _seed_fn(fn, s: int, n_seeds: int):
    """A callable on (M, D) rows for seed ``s`` of a seed-batched network ``fn`` on (S, M, D)."""
    return lambda x: fn(x[None].expand(n_seeds, *x.shape))[s]


@torch.no_grad()
def path_length_stats(g: torch.nn.Module, z_dim: int, specs, extractor) -> list[dict]:
    """Per trial of the program, ``ppl_z`` and (style-based G) ``ppl_w`` of generator ``g`` (seed-batched),
    embedded by ``extractor``; ``z_dim`` is the length of G's input vector."""
    from ganbench.zoo.style import LatentStyleGenerator

    dev = next(g.parameters()).device
    n = len(specs)
    was = g.training
    g.eval()
    style = g.g if isinstance(g, LatentStyleGenerator) else None
    embed = lambda x: torch.as_tensor(extractor(x.float().cpu()).features)  # noqa: E731
    out = []
    try:
        for s, spec in enumerate(specs):
            seed = spec.stream("ppl")
            if style is None:
                gen_z, mapping, z = _seed_fn(g, s, n), None, z_dim
            else:
                z = g.z_dim
                synth = _seed_fn(lambda w: style.synthesis(w), s, n)
                mapping = _seed_fn(style.mapping, s, n)
                gen_z = lambda e, synth=synth, mapping=mapping: synth(mapping(e))  # noqa: E731
            values = {"ppl_z": path_length(gen_z, embed, N_PAIRS, z, torch.Generator(dev).manual_seed(seed),
                                           epsilon=EPSILON)}
            if style is not None:
                values["ppl_w"] = path_length(synth, embed, N_PAIRS, z, torch.Generator(dev).manual_seed(seed),
                                              space="w", mapping=mapping, epsilon=EPSILON)
            out.append(values)
    finally:
        g.train(was)
    return out
