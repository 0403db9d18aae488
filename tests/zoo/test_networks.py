"""The architecture registry's DCGAN layout (Radford et al. 2016): the paper's 4x4 start, and that it
trains on 32x32 digits where the earlier 2x2 start collapsed."""
import pytest
import torch

from ganbench.zoo.networks import DCDiscriminator, DCGenerator, dcgan_stages


@pytest.mark.parametrize("side, stages, start", [(4, 1, 2), (8, 2, 2), (16, 2, 4), (32, 3, 4), (64, 4, 4)])
def test_dcgan_starts_at_4x4_and_keeps_two_stages_on_small_images(side, stages, start):
    assert dcgan_stages(side) == stages
    gens = [torch.Generator().manual_seed(0)]
    g, d = DCGenerator(gens, 8, (1, side, side), 4), DCDiscriminator(gens, (1, side, side), 4)
    assert (g.stages, g.r0) == (stages, start) and len(d.convs) == stages
    x = g(torch.randn(1, 3, 8))
    assert x.shape == (1, 3, 1, side, side)
    logits, feats = d(x)
    assert logits.shape == (1, 3) and feats.shape == (1, 3, d.feat_dim) and d.feat_dim == 4 * 2 ** (stages - 1) * start ** 2


def test_dcgan32_keeps_several_digits_where_the_2x2_start_collapsed():
    # The 2x2 start (four stages) put every sample on one digit within 50 steps at the paper's
    # settings; the 4x4 start keeps the classes apart from the first hundreds of steps on.
    from ganbench.features.digits32 import Digits32Extractor
    from ganbench.harness.program import Group, build_program
    from ganbench.tasks import get_task
    from ganbench.zoo.variants import get_variant

    torch.manual_seed(0)
    p = build_program(get_task("digits32"), [Group(get_variant("dcgan32"), (0,))], "test", torch.device("cpu"))
    for _ in range(300):
        p.step_fn(p.ctx)
    g = p.ctx.g.eval()
    with torch.no_grad():
        x = g(torch.randn(1, 500, p.ctx.z_dim, generator=torch.Generator().manual_seed(1)))[0]
    f = Digits32Extractor("digits32")(x.numpy())
    confident = f.labels.reshape(-1)[f.confidence.reshape(-1) > 0.9]
    assert len(set(confident.tolist())) >= 6
    assert float(x.std(0).mean()) > 0.2  # per-pixel spread over samples: ~0.02 when collapsed, 0.38 in the data
