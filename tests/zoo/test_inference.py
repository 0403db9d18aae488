import pytest
import torch

from ganbench.zoo import Arch, get_variant, register_variant
from ganbench.zoo.inference import build_inference_networks


def _nets(kind, shape=(2,)):
    gens = [torch.Generator().manual_seed(i) for i in range(2)]
    return build_inference_networks(shape, Arch(hidden=16, depth=2, z_dim=3), gens, kind)


def test_bigan_discriminator_judges_joint_pairs_and_the_aae_discriminator_codes():
    g, d, e, z = _nets("bigan")
    x = torch.randn(2, 5, 2)
    assert e(x).shape == (2, 5, 3) and g(e(x)).shape == (2, 5, 2)
    assert d(torch.cat([x, e(x)], -1))[0].shape == (2, 5)  # D's input: x ⊕ z
    _, d_aae, e_aae, _ = _nets("aae")
    assert d_aae(e_aae(x))[0].shape == (2, 5) and d_aae.hidden[0].weight.shape[1] == 3  # D's input: a code


def test_inference_variants_cite_their_papers_and_refuse_what_their_steps_cannot_do():
    assert get_variant("bigan").inference == "bigan" and "Donahue" in get_variant("bigan").paper
    assert get_variant("aae").inference == "aae" and "Makhzani" in get_variant("aae").paper
    with pytest.raises(ValueError, match="does not implement pack"):
        register_variant("t-bigan-pack", base="bigan", pack=2)
    with pytest.raises(ValueError, match="needs inference='aae'"):
        register_variant("t-aae-step", base="gan-ns", step="aae")
    with pytest.raises(ValueError, match="vector tasks"):
        _nets("bigan", shape=(1, 8, 8))
    assert get_variant("bigan").program_key() != get_variant("aae").program_key() != get_variant("gan-ns").program_key()
