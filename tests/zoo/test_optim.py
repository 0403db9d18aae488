"""Seed-batched optimisers follow torch.optim per seed, with each seed's own hyper-parameters."""
import pytest
import torch

from ganbench.zoo.optim import SeedAdam, SeedRMSprop


def _problem(s=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(s, 5, 4, generator=g)
    b = torch.randn(s, 1, 4, generator=g)
    x = torch.randn(s, 16, 5, generator=g)
    return w, b, x


def _loss(w, b, x):
    return (torch.baddbmm(b, x, w).tanh() ** 2).sum()


def _run(make_ours, make_torch, steps=25):
    w, b, x = _problem()
    ours = [w.clone().requires_grad_(), b.clone().requires_grad_()]
    opt = make_ours(ours)
    refs = [[w[s].clone().requires_grad_(), b[s].clone().requires_grad_()] for s in range(3)]
    ref_opts = [make_torch(p, s) for s, p in enumerate(refs)]
    for _ in range(steps):
        opt.zero_grad()
        _loss(*ours, x).backward()
        opt.step()
        for s, (p, o) in enumerate(zip(refs, ref_opts)):
            o.zero_grad()
            _loss(p[0][None], p[1][None], x[s:s + 1]).backward()
            o.step()
    for s in range(3):
        torch.testing.assert_close(ours[0][s], refs[s][0], rtol=1e-6, atol=1e-7)
        torch.testing.assert_close(ours[1][s], refs[s][1], rtol=1e-6, atol=1e-7)


def test_adam_per_seed_matches_torch():
    lrs, betas = [1e-3, 2e-4, 5e-2], [(0.5, 0.999), (0.0, 0.9), (0.9, 0.99)]
    _run(lambda p: SeedAdam(p, lr=lrs, betas=betas),
         lambda p, s: torch.optim.Adam(p, lr=lrs[s], betas=betas[s]))


def test_rmsprop_per_seed_matches_torch():
    lrs = [5e-5, 1e-3, 1e-2]
    _run(lambda p: SeedRMSprop(p, lr=lrs), lambda p, s: torch.optim.RMSprop(p, lr=lrs[s]))


def test_a_seed_does_not_depend_on_its_neighbours_hyperparameters():
    w, b, x = _problem()
    finals = []
    for other_lr in (1e-3, 1.0):
        p = [w.clone().requires_grad_(), b.clone().requires_grad_()]
        opt = SeedAdam(p, lr=[other_lr, 2e-3, other_lr], betas=[(0.5, 0.9), (0.5, 0.999), (0.5, 0.9)])
        for _ in range(10):
            opt.zero_grad()
            _loss(*p, x).backward()
            opt.step()
        finals.append(p[0][1].detach().clone())
    assert torch.equal(finals[0], finals[1])


def test_lookahead_is_the_step_and_differentiable():
    w, b, x = _problem()
    p = [w.clone().requires_grad_(), b.clone().requires_grad_()]
    opt = SeedAdam(p, lr=[1e-2, 1e-3, 1e-1], betas=(0.5, 0.999))
    for _ in range(3):
        opt.zero_grad()
        _loss(*p, x).backward()
        opt.step()
    grads = torch.autograd.grad(_loss(*p, x), p, create_graph=True)
    new, state = opt.lookahead(p, list(grads), list(zip(opt.exp_avg, opt.exp_avg_sq)), opt.steps + 1)
    assert all(t.requires_grad for t in new)
    before = [t.detach().clone() for t in opt.exp_avg]
    opt.zero_grad()
    _loss(*p, x).backward()
    opt.step()
    assert not torch.equal(before[0], opt.exp_avg[0])  # the real step moved the state; lookahead did not
    for a, b_ in zip(new, p):
        torch.testing.assert_close(a.detach(), b_.detach(), rtol=1e-5, atol=1e-7)
    for (m, v), m2, v2 in zip(state, opt.exp_avg, opt.exp_avg_sq):
        torch.testing.assert_close(m.detach(), m2, rtol=1e-5, atol=1e-8)
        torch.testing.assert_close(v.detach(), v2, rtol=1e-5, atol=1e-10)


def test_state_dict_round_trip_continues_identically():
    w, b, x = _problem()

    def run(steps, restore_at=None):
        p = [w.clone().requires_grad_(), b.clone().requires_grad_()]
        opt = SeedAdam(p, lr=1e-2, betas=(0.5, 0.999))
        for i in range(steps):
            if i == restore_at:
                state = opt.state_dict()
                values = [t.detach().clone() for t in p]
                p = [t.clone().requires_grad_() for t in values]
                opt = SeedAdam(p, lr=1e-2, betas=(0.5, 0.999))
                opt.load_state_dict(state)
            opt.zero_grad()
            _loss(*p, x).backward()
            opt.step()
        return p[0].detach()

    assert torch.equal(run(8), run(8, restore_at=4))


def test_bad_hyperparameters():
    w, b, _ = _problem()
    with pytest.raises(ValueError, match="3 seeds"):
        SeedAdam([w, b], lr=[1e-3, 1e-3])
    with pytest.raises(ValueError, match="leading seed axis"):
        SeedAdam([w, torch.zeros(2, 4)], lr=1e-3)
