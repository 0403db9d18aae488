"""Training steps: the unrolled lookahead leaves no trace in D, and G's update does not touch D."""

import torch

from ganbench.harness.program import Group, build_program
from ganbench.tasks import get_task
from ganbench.zoo import get_variant


def _program(name, **kw):
    # One trial name for every recipe, so that the seeds (derived from it) are the same.
    v = get_variant(name).replace(name="t-same-seeds", batch_size=32, **kw)
    return build_program(get_task("ring8"), [Group(v, (0, 1))], "t", torch.device("cpu"))


def _d_state(p):
    return {**{k: v.clone() for k, v in p.ctx.d.state_dict().items()},
            **{f"opt.{k}.{i}": t.clone() for k, ts in p.ctx.opt_d.state_dict().items() if k != "steps"
               for i, t in enumerate(ts)}}


def test_unrolled_lookahead_leaves_no_trace_in_d():
    # Same seeds: after one unrolled step, D (weights, spectral-norm vectors) and its optimiser state
    # are exactly what D's own update left; the five lookahead updates and G's loss against them ran
    # on copies. Only G differs from a program that made the D update alone.
    from ganbench.zoo.steps import _d_update

    plain = _program("unrolled-gan", spectral_norm=True)
    unrolled = _program("unrolled-gan", spectral_norm=True)
    _d_update(plain.ctx)
    unrolled.step_fn(unrolled.ctx)
    a, b = _d_state(plain), _d_state(unrolled)
    assert a.keys() == b.keys() and any("u" in k for k in a)
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert unrolled.ctx.opt_d.steps == plain.ctx.opt_d.steps == 1
    g_plain = torch.cat([p.flatten() for p in plain.ctx.g.parameters()])
    g_unrolled = torch.cat([p.flatten() for p in unrolled.ctx.g.parameters()])
    assert not torch.equal(g_plain, g_unrolled)


def test_generator_update_leaves_d_and_its_gradients_alone():
    p = _program("gan-ns")
    p.step_fn(p.ctx)
    before = {k: v.clone() for k, v in p.ctx.d.state_dict().items()}
    fake = p.ctx.g(p.ctx.noise())
    from ganbench.zoo.steps import frozen, generator_loss

    with frozen(p.ctx.d):
        loss = generator_loss(p.ctx, torch.zeros(2, 32), p.ctx.real(), fake)
        p.ctx.opt_d.zero_grad()
        loss.sum().backward()
    assert all(q.grad is None for q in p.ctx.d.parameters())  # no weight gradient was even computed
    assert all(q.requires_grad for q in p.ctx.d.parameters())  # and D is trainable again
    assert all(torch.equal(before[k], v) for k, v in p.ctx.d.state_dict().items())


def test_lazy_regularisation_runs_every_kth_d_step_weighted_k():
    # Karras et al. 2020, Sec. 3.1: the penalty on D steps 0, k, 2k, ... times k, none on the others;
    # the interpolation weights are drawn on every step, so both programs see the same ones
    from ganbench.zoo.steps import discriminator_loss

    base, lazy, none = _program("wgan-gp"), _program("wgan-gp", reg_every=4), _program("wgan-gp", gp=0.0)
    for step in range(6):
        reals = [p.ctx.real() for p in (base, lazy, none)]
        assert all(torch.equal(reals[0], r) for r in reals)
        fake = base.ctx.g(base.ctx.noise()).detach()
        loss_b, loss_l, loss_0 = (discriminator_loss(p.ctx, reals[0], fake)[0] for p in (base, lazy, none))
        penalty = loss_b - loss_0
        assert bool((penalty > 0).all())
        torch.testing.assert_close(loss_l - loss_0, 4 * penalty if step % 4 == 0 else torch.zeros_like(penalty))
