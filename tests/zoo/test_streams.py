"""Block-drawn per-seed streams: a seed's samples depend only on its generator, and a stream saved
mid-block continues exactly."""
import torch

from ganbench.zoo.streams import SeedStream, block_samples, normal_draw


def _stream(seeds, block=40):
    return SeedStream([torch.Generator().manual_seed(s) for s in seeds], normal_draw(3), block)


def test_a_seeds_samples_do_not_depend_on_its_neighbours():
    together, alone = _stream([5, 6, 7]), _stream([6])
    a = torch.cat([together.take(16) for _ in range(9)], 1)  # crosses several block refills
    b = torch.cat([alone.take(16) for _ in range(9)], 1)
    assert a.shape == (3, 144, 3) and torch.equal(a[1:2], b)
    assert not torch.equal(a[0], a[1])


def test_saved_state_continues_exactly(tmp_path):
    s = _stream([1, 2])
    s.take(30)
    state = s.state_dict()
    torch.save(state, tmp_path / "s.pt")
    expected = torch.cat([s.take(25) for _ in range(3)], 1)
    r = _stream([1, 2])
    r.load_state_dict(torch.load(tmp_path / "s.pt", weights_only=True))
    assert torch.equal(torch.cat([r.take(25) for _ in range(3)], 1), expected)


def test_block_size_is_bounded_by_memory_and_a_whole_number_of_draws():
    assert block_samples(256, 2) == 256 * 64
    assert block_samples(256, 1200) % 256 == 0 and block_samples(256, 1200) * 1200 * 4 <= 2 << 20
    assert block_samples(4096, 3 * 32 * 32) == 4096  # at least one draw
