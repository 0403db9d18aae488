"""Training steps and the context they run in.

A step function runs one generator update (and the discriminator updates before it) for all seeds
of a batch and returns per-seed losses ``{"d_loss": (S,), "g_loss": (S,)}``. It sees a
:class:`StepContext`, which the harness builds: the networks and optimisers, the variant and its
loss, and each seed's own random streams for real data and noise.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch.func import functional_call

from ganbench.utils.registry import registrar
from ganbench.zoo.networks import pack
from ganbench.zoo.regularizers import clip_weights, gradient_penalty, r1_penalty

STEPS: dict[str, Callable] = {}


@dataclass
class StepContext:
    """What a step function sees. ``real()``: a real batch (S, B, ...) from each seed's data stream;
    ``noise()``: latents (S, B, z) from each seed's noise stream; ``uniform(shape)``: per-seed uniform
    numbers (S, *shape). ``sample_real(n, generator)`` is the task's sampler."""

    g: torch.nn.Module
    d: torch.nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    variant: object  # ganbench.zoo.variants.Variant
    loss: Callable
    sample_real: Callable[[int, torch.Generator], torch.Tensor]
    z_dim: int
    device: torch.device
    data_gens: list
    noise_gens: list
    real_shown: int = 0  # real samples drawn per seed

    def real(self) -> torch.Tensor:
        b = self.variant.batch_size
        self.real_shown += b
        return torch.stack([self.sample_real(b, g) for g in self.data_gens]).to(self.device)

    def noise(self) -> torch.Tensor:
        b = self.variant.batch_size
        return torch.stack([torch.randn(b, self.z_dim, generator=g) for g in self.noise_gens]).to(self.device)

    def uniform(self, shape) -> torch.Tensor:
        return torch.stack([torch.rand(shape, generator=g) for g in self.noise_gens]).to(self.device)


register_step = registrar(STEPS, "step")


def discriminator_loss(ctx, real: torch.Tensor, fake: torch.Tensor):
    """Loss of D on packed batches, with the variant's regularisers; returns (total (S,), d_real)."""
    v, d = ctx.variant, ctx.d
    pr, pf = pack(real, v.pack), pack(fake, v.pack)
    d_real, _ = d(pr)
    d_fake, _ = d(pf)
    loss, _ = ctx.loss(d_real, d_fake)
    if v.gp:
        loss = loss + v.gp * gradient_penalty(d, pr, pf, ctx.uniform((pr.shape[1],)))
    if v.r1:
        loss = loss + 0.5 * v.r1 * r1_penalty(d, pr)
    return loss, d_real


def generator_loss(ctx, d_real: torch.Tensor, real: torch.Tensor, fake: torch.Tensor, d_params=None):
    """Loss of G (per seed); ``d_params`` evaluates D with other (e.g. unrolled) parameters."""
    v = ctx.variant
    d = ctx.d if d_params is None else (lambda x: functional_call(ctx.d, d_params, (x,)))
    out, f_fake = d(pack(fake, v.pack))
    if v.feature_matching:  # Salimans et al. 2016, Sec. 3.1: match E f(x) on D's last hidden layer
        with torch.no_grad():
            _, f_real = d(pack(real, v.pack))
        return (f_real.mean(1) - f_fake.mean(1)).pow(2).sum(1)
    return ctx.loss(d_real.detach(), out)[1]


def _d_update(ctx):
    real = ctx.real()
    with torch.no_grad():
        fake = ctx.g(ctx.noise())
    loss, d_real = discriminator_loss(ctx, real, fake)
    ctx.opt_d.zero_grad(set_to_none=True)
    loss.sum().backward()  # the sum over seeds gives each seed its own gradient
    ctx.opt_d.step()
    if ctx.variant.clip:
        clip_weights(ctx.d, ctx.variant.clip)
    return loss.detach(), d_real.detach(), real


@register_step("default")
def default_step(ctx) -> dict:
    """``n_critic`` discriminator updates, then one generator update (Goodfellow et al. 2014, Alg. 1)."""
    for _ in range(ctx.variant.n_critic):
        d_loss, d_real, real = _d_update(ctx)
    fake = ctx.g(ctx.noise())
    g_loss = generator_loss(ctx, d_real, real, fake)
    ctx.opt_g.zero_grad(set_to_none=True)
    g_loss.sum().backward()
    ctx.opt_g.step()
    return {"d_loss": d_loss, "g_loss": g_loss.detach()}


def _adam_update(p, g, state, group, step):
    """One Adam update as a differentiable function of the gradient (Kingma & Ba 2015, Alg. 1)."""
    b1, b2 = group["betas"]
    m = b1 * state["exp_avg"] + (1 - b1) * g
    v = b2 * state["exp_avg_sq"] + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1**step), v / (1 - b2**step)
    return p - group["lr"] * m_hat / (v_hat.sqrt() + group["eps"]), {"exp_avg": m, "exp_avg_sq": v}


@register_step("unrolled")
def unrolled_step(ctx) -> dict:
    """Unrolled GAN (Metz et al. 2017, Eq. 11-12): G's loss is taken against D after ``unroll``
    further Adam steps of D, differentiated *through* those steps (create_graph), so G's gradient
    sees how D would react. The unrolled copies are discarded; D itself takes its normal step."""
    d_loss, d_real, real = _d_update(ctx)
    names = [n for n, _ in ctx.d.named_parameters()]
    params = dict(ctx.d.named_parameters())
    group = ctx.opt_d.param_groups[0]
    if not isinstance(ctx.opt_d, torch.optim.Adam):
        raise ValueError("unrolled-gan unrolls Adam; set optimizer='adam'")
    state = {n: {"exp_avg": ctx.opt_d.state[p]["exp_avg"], "exp_avg_sq": ctx.opt_d.state[p]["exp_avg_sq"]}
             for n, p in params.items()}
    step0 = int(ctx.opt_d.state[params[names[0]]]["step"])
    theta = {n: p for n, p in params.items()}
    buffers = dict(ctx.d.named_buffers())
    for k in range(ctx.variant.unroll):
        r = ctx.real()
        fake = ctx.g(ctx.noise())  # not detached: D's unrolled update depends on G
        dr, _ = functional_call(ctx.d, {**theta, **buffers}, (pack(r, ctx.variant.pack),))
        df, _ = functional_call(ctx.d, {**theta, **buffers}, (pack(fake, ctx.variant.pack),))
        loss, _ = ctx.loss(dr, df)
        grads = torch.autograd.grad(loss.sum(), [theta[n] for n in names], create_graph=True)
        new = {}
        for n, gr in zip(names, grads):
            new[n], state[n] = _adam_update(theta[n], gr, state[n], group, step0 + k + 1)
        theta = new
    fake = ctx.g(ctx.noise())
    g_loss = generator_loss(ctx, d_real, real, fake, d_params={**theta, **buffers})
    ctx.opt_g.zero_grad(set_to_none=True)
    ctx.opt_d.zero_grad(set_to_none=True)
    g_loss.sum().backward()
    ctx.opt_g.step()
    ctx.opt_d.zero_grad(set_to_none=True)  # D's gradient from the unrolled graph is not used
    return {"d_loss": d_loss, "g_loss": g_loss.detach()}
