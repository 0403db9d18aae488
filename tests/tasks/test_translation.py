"""Translation tasks: shapes and ranges, each B image the mapping of its A image (paired), disjoint
halves (unpaired), the held-out split, and the mappings against closed forms."""
import pytest
import torch

from ganbench.tasks.translation import TRANSLATION_TASKS, edges, get_translation_task, invert, rotate, thicken, upsample


@pytest.mark.parametrize("name", sorted(TRANSLATION_TASKS))
def test_domains_are_32x32_images_in_range(name):
    task = get_translation_task(name)
    for part in (task.train(), task.test()):
        for key in ("a", "b"):
            x = part[key]
            assert x.shape[1:] == (1, 32, 32) and x.dtype == torch.float32
            assert x.min() >= -1 and x.max() <= 1
        assert len(part["a"]) == len(part["b"])


@pytest.mark.parametrize("base", ["digits-edges", "digits-thick", "digits-inverted", "digits-rotated"])
def test_paired_targets_are_the_mapping_and_unpaired_halves_are_disjoint(base):
    paired, unpaired = get_translation_task(base), get_translation_task(f"{base}-unpaired")
    p, u = paired.train(), unpaired.train()
    assert paired.paired and not unpaired.paired
    assert torch.equal(p["b"], paired.mapping(p["a"]))
    assert torch.equal(u["a"], p["a"][0::2]) and torch.equal(u["b"], p["b"][1::2])  # no A has its B in training
    assert len(u["a"]) + len(u["b"]) == len(p["a"]) == 1438
    t = paired.test()
    assert len(t["a"]) == 359 and torch.equal(t["b"], paired.mapping(t["a"]))
    assert torch.equal(unpaired.test()["b"], t["b"])  # both are judged on the same test pairs


def test_upsampling_keeps_constant_images_and_the_digit():
    x = torch.full((2, 1, 8, 8), 0.25)
    assert torch.equal(upsample(x), torch.full((2, 1, 32, 32), 0.25))
    from ganbench.features.digits import load_digits_split

    small = torch.from_numpy(load_digits_split("test")[0])
    big = get_translation_task("digits-edges").test()["a"]
    # 4x bilinear upsampling keeps each image's ink: block means stay close to the 8x8 pixels
    blocks = torch.nn.functional.avg_pool2d(big, 4)
    assert (blocks - small).abs().mean() < 0.15 and (big.mean((1, 2, 3)) - small.mean((1, 2, 3))).abs().max() < 0.1


def test_edges_of_a_flat_image_and_of_a_unit_step():
    flat = torch.full((1, 1, 8, 8), 0.3)
    assert torch.equal(edges(flat), torch.full_like(flat, -1.0))  # no gradient: background
    step = -torch.ones(1, 1, 8, 8)
    step[..., 4:] = 1.0  # 0 -> 1 in unit scale between columns 3 and 4
    e = edges(step)
    # Sobel |gx| across a unit step is 4; the magnitude is scaled by 4√2 and mapped to [-1, 1].
    expected = 2 * (4 / (4 * 2**0.5)) - 1
    assert torch.allclose(e[..., 2:6, 3], torch.tensor(expected)) and torch.allclose(e[..., 2:6, 4], torch.tensor(expected))
    assert torch.equal(e[..., 0], torch.full_like(e[..., 0], -1.0))


def test_thickening_only_adds_ink_and_inversion_is_an_involution():
    a = get_translation_task("digits-thick").test()["a"]
    b = thicken(a)
    assert (b >= a).all() and b.mean() > a.mean() + 0.1
    assert torch.equal(invert(invert(a)), a)


def test_rotation_is_a_quarter_turn_counter_clockwise():
    x = torch.arange(9.0).reshape(1, 1, 3, 3)
    # the top row read right to left becomes the left column read top to bottom
    assert torch.equal(rotate(x)[0, 0], torch.tensor([[2.0, 5, 8], [1, 4, 7], [0, 3, 6]]))
    a = get_translation_task("digits-rotated").test()["a"]
    assert torch.equal(rotate(rotate(rotate(rotate(a)))), a) and not torch.equal(rotate(a), a)


def test_an_unknown_task_names_the_known_ones():
    with pytest.raises(ValueError, match="digits-edges"):
        get_translation_task("digits-edge")
