import pytest
import torch

from ganbench.zoo import Arch, get_variant, register_variant
from ganbench.zoo.inference import JointDCDiscriminator, build_inference_networks, joint


def _nets(kind, shape=(2,), arch=Arch(hidden=16, depth=2, z_dim=3)):
    gens = [torch.Generator().manual_seed(i) for i in range(2)]
    return build_inference_networks(shape, arch, gens, kind)


def test_bigan_discriminator_judges_joint_pairs_and_the_aae_discriminator_codes():
    g, d, e, z = _nets("bigan")
    x = torch.randn(2, 5, 2)
    assert e(x).shape == (2, 5, 3) and g(e(x)).shape == (2, 5, 2)
    assert d(torch.cat([x, e(x)], -1))[0].shape == (2, 5)  # D's input: x ⊕ z
    _, d_aae, e_aae, _ = _nets("aae")
    assert d_aae(e_aae(x))[0].shape == (2, 5) and d_aae.hidden[0].weight.shape[1] == 3  # D's input: a code


def test_inference_variants_cite_their_papers_and_refuse_what_their_steps_cannot_do():
    assert get_variant("bigan").family.inference == "bigan" and "Donahue" in get_variant("bigan").paper
    assert get_variant("aae").family.inference == "aae" and "Makhzani" in get_variant("aae").paper
    with pytest.raises(ValueError, match="does not implement pack"):
        register_variant("t-bigan-pack", base="bigan", pack=2)
    with pytest.raises(ValueError, match="needs inference='aae'"):
        register_variant("t-aae-step", base="gan-ns", step="aae")
    with pytest.raises(ValueError, match="vector tasks .* and images"):
        _nets("bigan", shape=(1, 8, 8), arch=Arch(family="progan"))
    assert get_variant("bigan").program_key() != get_variant("aae").program_key() != get_variant("gan-ns").program_key()


def test_image_encoders_are_convolutional_and_bigan_judges_the_flattened_pair():
    g, d, e, z = _nets("bigan", shape=(1, 8, 8), arch=Arch(hidden=16, ch=8))
    assert z == 8  # the default code: the data's dimension, at most 8 (Makhzani et al. 2016's MNIST code)
    x = torch.rand(2, 5, 1, 8, 8) * 2 - 1
    code = e(x)
    assert code.shape == (2, 5, 8) and g(code).shape == (2, 5, 1, 8, 8)
    pair = joint(x, code)
    assert pair.shape == (2, 5, 64 + 8) and torch.equal(pair[..., :64], x.flatten(2))
    assert isinstance(d, JointDCDiscriminator) and d(pair)[0].shape == (2, 5)
    # D reads z: the same x with another code gets another logit
    other = joint(x, code + 1.0)
    assert not torch.allclose(d(pair)[0], d(other)[0])
    # and each seed's networks are its own: seed 1's logits do not depend on seed 0's inputs
    moved = pair.clone()
    moved[0] += 1.0
    assert torch.equal(d(pair)[0][1], d(moved)[0][1])
    _, d_aae, e_aae, _ = _nets("aae", shape=(1, 8, 8), arch=Arch(hidden=16, ch=8))
    assert d_aae(e_aae(x))[0].shape == (2, 5) and d_aae.hidden[0].weight.shape[1] == 8


def test_joint_on_vectors_is_the_plain_concatenation():
    x, z = torch.randn(2, 5, 2), torch.randn(2, 5, 3)
    assert torch.equal(joint(x, z), torch.cat([x, z], -1))  # the ring8 records' pairs, bit for bit
