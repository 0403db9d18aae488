"""Training steps and the context they run in.

A step function runs one generator update (and the discriminator updates before it) for every
trial of a program and returns per-seed losses ``{"d_loss": (S,), "g_loss": (S,)}``. It sees a
:class:`StepContext`, built by the harness: the seed-batched networks and optimisers, the shared
schedule (``variant``: batch size, critic steps, packing, unrolling are equal across a program),
each trial's own loss (``loss`` dispatches to it), per-seed penalty weights, and each seed's random
streams for real data, latents and auxiliary numbers (the WGAN-GP interpolation weights).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch.func import functional_call

from ganbench.utils.registry import registrar
from ganbench.zoo.inference import joint
from ganbench.zoo.losses import class_nll
from ganbench.zoo.networks import pack
from ganbench.zoo.regularizers import clip_weights, gradient_penalty, r1_penalty
from ganbench.zoo.streams import SeedStream

STEPS: dict[str, Callable] = {}
register_step = registrar(STEPS, "step")


@dataclass
class StepContext:
    """What a step function sees. ``real()``: a real batch (S, B, ...) from each seed's data stream;
    ``noise()``: latents (S, B, z) from each seed's noise stream; ``uniform(shape)``: per-seed uniform
    numbers (S, *shape) from each seed's auxiliary stream. ``gp``, ``r1``, ``clip``: per-seed penalty
    weights and clip bounds, (S,) tensors on the device (0 / inf where a trial has none), or None when
    no trial of the program uses them."""

    g: torch.nn.Module
    d: torch.nn.Module
    opt_g: object  # ganbench.zoo.optim.SeedOptimizer
    opt_d: object
    variant: object  # ganbench.zoo.recipe.Variant: the program's shared schedule
    loss: Callable  # (d_real (S, B), d_fake (S, B)) -> per-seed (d_loss (S,), g_loss (S,))
    z_dim: int
    device: torch.device
    real_stream: SeedStream
    noise_stream: SeedStream
    aux_stream: SeedStream
    gp: torch.Tensor | None = None
    r1: torch.Tensor | None = None
    clip: torch.Tensor | None = None
    real_shown: int = 0  # real samples drawn per seed
    extra: dict = field(default_factory=dict)  # room for a plugin step's own state
    e: torch.nn.Module | None = None  # inference programs (BiGAN, AAE): the encoder x -> z
    opt_e: object | None = None  # the AAE's optimiser of E alone (its regularisation phase)
    label_stream: SeedStream | None = None  # conditional programs: the classes fakes are generated for
    sample_shape: tuple = ()  # one real sample's shape (conditional programs unpack labelled draws)
    weights: dict = field(default_factory=dict)  # translation programs: per-seed loss weights (S,) by term

    def real(self) -> torch.Tensor:
        b = self.variant.batch_size
        self.real_shown += b
        return self.real_stream.take(b)

    def real_labelled(self) -> tuple[torch.Tensor, torch.Tensor]:
        """A labelled real batch: samples (S, B, ...) and their classes (S, B) int64."""
        from ganbench.zoo.streams import unpack_labelled

        b = self.variant.batch_size
        self.real_shown += b
        return unpack_labelled(self.real_stream.take(b), self.sample_shape)

    def labels(self) -> torch.Tensor:
        """Classes (S, B) int64 for a batch of fakes, uniform, from each seed's label stream."""
        return self.label_stream.take(self.variant.batch_size)

    def noise(self) -> torch.Tensor:
        return self.noise_stream.take(self.variant.batch_size)

    def uniform(self, shape) -> torch.Tensor:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        n = 1
        for k in shape:
            n *= k
        return self.aux_stream.take(n).reshape(-1, *shape)


@contextlib.contextmanager
def frozen(module: torch.nn.Module):
    """Parameters of ``module`` need no gradient for the duration: G's update back-propagates
    through D without computing D's (unused) weight gradients."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


def _judge(d, real_packed: torch.Tensor, fake_packed: torch.Tensor, batch_coupled: bool):
    """D's outputs on real and fake batches: one forward over both (fewer, larger ops) unless D
    couples the samples of a batch (minibatch discrimination), which must see them apart."""
    if batch_coupled:
        return d(real_packed)[0], d(fake_packed)[0]
    out, _ = d(torch.cat([real_packed, fake_packed], 1))
    return out[:, : real_packed.shape[1]], out[:, real_packed.shape[1]:]


def discriminator_loss(ctx, real: torch.Tensor, fake: torch.Tensor):
    """Loss of D on packed batches, with the trials' penalties; returns (total (S,), d_real)."""
    v, d = ctx.variant, ctx.d
    pr, pf = pack(real, v.tricks.pack), pack(fake, v.tricks.pack)
    d_real, d_fake = _judge(d, pr, pf, v.tricks.mbd or getattr(d, "batch_coupled", False))
    loss, _ = ctx.loss(d_real, d_fake)
    k = v.reg.reg_every
    if ctx.gp is not None:
        eps = ctx.uniform((pr.shape[1],))  # drawn every step: the stream does not depend on reg_every's phase
        if _regularise_now(ctx):
            loss = loss + k * ctx.gp * gradient_penalty(d, pr, pf, eps)
    if ctx.r1 is not None and _regularise_now(ctx):
        loss = loss + k * 0.5 * ctx.r1 * r1_penalty(d, pr)
    return loss, d_real


def _regularise_now(ctx) -> bool:
    """Lazy regularisation (Karras et al. 2020, Sec. 3.1): the penalties run on every ``reg_every``-th D
    step (counted from the real batches drawn, so the phase resumes with a checkpoint), weighted by
    ``reg_every`` so that their expected strength is unchanged."""
    k = ctx.variant.reg.reg_every
    return k == 1 or (ctx.real_shown // ctx.variant.batch_size - 1) % k == 0


def generator_loss(ctx, d_real: torch.Tensor, real: torch.Tensor, fake: torch.Tensor, d_params=None):
    """Loss of G (per seed); ``d_params`` evaluates D with other (e.g. unrolled) parameters."""
    v = ctx.variant
    d = ctx.d if d_params is None else (lambda x: functional_call(ctx.d, d_params, (x,)))
    out, f_fake = d(pack(fake, v.tricks.pack))
    if v.tricks.feature_matching:  # Salimans et al. 2016, Sec. 3.1: match E f(x) on D's last hidden layer
        with torch.no_grad():
            _, f_real = d(pack(real, v.tricks.pack))
        return (f_real.mean(1) - f_fake.mean(1)).pow(2).sum(1)
    return ctx.loss(d_real.detach(), out)[1]


def _d_update(ctx):
    real = ctx.real()
    with torch.no_grad():
        fake = ctx.g(ctx.noise())
    loss, d_real = discriminator_loss(ctx, real, fake)
    _update(ctx.opt_d, loss)
    if ctx.clip is not None:
        clip_weights(ctx.d, ctx.clip)
    return loss.detach(), d_real.detach(), real


def _update(opt, loss: torch.Tensor) -> None:
    """One step of ``opt`` on per-seed ``loss`` (S,): the sum over seeds gives each seed its own gradient."""
    opt.zero_grad(set_to_none=True)
    loss.sum().backward()
    opt.step()


def _g_update(ctx, g_loss: torch.Tensor) -> None:
    _update(ctx.opt_g, g_loss)


@register_step("default")
def default_step(ctx) -> dict:
    """``n_critic`` discriminator updates, then one generator update (Goodfellow et al. 2014, Alg. 1)."""
    for _ in range(ctx.variant.optim.n_critic):
        d_loss, d_real, real = _d_update(ctx)
    with frozen(ctx.d):
        g_loss = generator_loss(ctx, d_real, real, ctx.g(ctx.noise()))
        _g_update(ctx, g_loss)
    return {"d_loss": d_loss, "g_loss": g_loss.detach()}


def _flat(tensors, s: int) -> torch.Tensor:
    """Tensors shaped (S, ...) as one (S, P) tensor, in order."""
    return torch.cat([t.reshape(s, -1) for t in tensors], 1)


@register_step("unrolled")
def unrolled_step(ctx) -> dict:
    """Unrolled GAN (Metz et al. 2017, Eq. 11-12): G's loss is taken against D after ``unroll`` Adam
    steps of D, differentiated *through* those steps (create_graph), so G's gradient sees how D
    would react. As in the authors' reference code (poolio/unrolled_gan: ``graph_replace`` of D's
    one update, applied ``unrolling_steps`` times), every unrolled step and G's loss use the step's
    one batch of real data and of latents, and the first unrolled step *is* D's own update: its
    gradient, computed once with the graph kept, both updates D and starts the lookahead. The
    lookahead works on copies: D's parameters, optimiser state and buffers (spectral-norm vectors)
    are exactly what D's own update left. It holds D's parameters as one flat (S, P) tensor, so an
    unrolled Adam step is a dozen large elementwise ops instead of a dozen per parameter."""
    from ganbench.zoo.optim import SeedAdam

    if not isinstance(ctx.opt_d, SeedAdam):
        raise ValueError("unrolled-gan unrolls Adam; set optimizer='adam'")
    if ctx.gp is not None or ctx.r1 is not None:
        raise ValueError("the unrolled step does not unroll gradient penalties; set gp=0 and r1=0")
    v, d, opt = ctx.variant, ctx.d, ctx.opt_d
    named = list(d.named_parameters())
    s = named[0][1].shape[0]
    sizes = [p[0].numel() for _, p in named]

    def weights(flat: torch.Tensor) -> dict:
        return {n: w.reshape(p.shape) for (n, p), w in zip(named, flat.split(sizes, 1))}

    # theta_0: a copy of D's weights, so that D's in-place update leaves the lookahead's graph intact.
    theta = _flat([p.detach() for _, p in named], s).requires_grad_()
    state = (_flat(opt.exp_avg, s), _flat(opt.exp_avg_sq, s))
    step = opt.steps
    real_batch = ctx.real()
    real, fake = pack(real_batch, v.tricks.pack), ctx.g(ctx.noise())  # fake not detached: D's unrolled updates depend on G
    fake_packed = pack(fake, v.tricks.pack)
    buffers = {}
    for k in range(max(v.tricks.unroll, 1)):
        params = {**weights(theta), **buffers}  # k = 0: D's own buffers, advanced as its forward does
        dr, df = _judge(lambda x: functional_call(d, params, (x,)), real, fake_packed, v.tricks.mbd)
        loss, _ = ctx.loss(dr, df)
        (grad,) = torch.autograd.grad(loss.sum(), theta, create_graph=v.tricks.unroll > 0)
        if k == 0:
            d_loss, d_real = loss.detach(), dr.detach()
            buffers = {n: b.clone() for n, b in d.named_buffers()}
        if v.tricks.unroll:
            (theta,), (state,) = opt.lookahead([theta], [grad], [state], step + k + 1)
        if k == 0:  # D's update, as a plain step makes it (after the lookahead has read its state)
            for (_, p), g in zip(named, grad.detach().split(sizes, 1)):
                p.grad = g.reshape(p.shape)
            opt.step()
            opt.zero_grad(set_to_none=True)
            if ctx.clip is not None:
                clip_weights(d, ctx.clip)
    unrolled = {**weights(theta), **buffers} if v.tricks.unroll else None
    g_loss = generator_loss(ctx, d_real, real_batch, fake, d_params=unrolled)
    _g_update(ctx, g_loss)
    opt.zero_grad(set_to_none=True)  # D's gradient from the unrolled graph is not used
    return {"d_loss": d_loss, "g_loss": g_loss.detach()}


@register_step("conditional")
def conditional_step(ctx) -> dict:
    """Conditional GANs (``ganbench.zoo.conditional``): ``n_critic`` D updates on labelled real
    batches and on fakes generated for classes drawn uniformly from each seed's label stream, then
    one G update. With a class head (AC-GAN, Odena et al. 2017, Eq. 1-2) D maximises L_S + L_C on
    real and fake samples and G maximises L_C - L_S; L_S is each trial's own adversarial loss."""
    g, d = ctx.g, ctx.d
    for _ in range(ctx.variant.optim.n_critic):
        real, y_real = ctx.real_labelled()
        y_fake = ctx.labels()
        with torch.no_grad():
            fake = g(ctx.noise(), y_fake)
        n = real.shape[1]
        out, _, cls = d(torch.cat([real, fake], 1), torch.cat([y_real, y_fake], 1))
        d_real = out[:, :n]
        d_loss, _ = ctx.loss(d_real, out[:, n:])
        if cls is not None:
            d_loss = d_loss + class_nll(cls[:, :n], y_real) + class_nll(cls[:, n:], y_fake)
        _update(ctx.opt_d, d_loss)
    with frozen(d):
        y_fake = ctx.labels()
        out, _, cls = d(g(ctx.noise(), y_fake), y_fake)
        g_loss = ctx.loss(d_real.detach(), out)[1]
        if cls is not None:
            g_loss = g_loss + class_nll(cls, y_fake)
        _g_update(ctx, g_loss)
    return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}


@register_step("bigan")
def bigan_step(ctx) -> dict:
    """BiGAN / ALI (Donahue et al. 2017, Eq. 3; Dumoulin et al. 2017, Alg. 1): D separates (x, E(x))
    from (G(z), z); then G and E (one optimiser) take the same loss with the labels swapped, the
    non-saturating form of minimising D's objective that both papers' code uses."""
    g, d, e = ctx.g, ctx.d, ctx.e
    for _ in range(ctx.variant.optim.n_critic):
        x, z = ctx.real(), ctx.noise()
        with torch.no_grad():
            real_pair, fake_pair = joint(x, e(x)), joint(g(z), z)
        d_real, d_fake = _judge(d, real_pair, fake_pair, False)
        d_loss, _ = ctx.loss(d_real, d_fake)
        _update(ctx.opt_d, d_loss)
    with frozen(d):
        z = ctx.noise()
        d_real, d_fake = _judge(d, joint(x, e(x)), joint(g(z), z), False)
        ge_loss, _ = ctx.loss(d_fake, d_real)  # swapped: fakes should look real and reals fake
        _g_update(ctx, ge_loss)
    return {"d_loss": d_loss.detach(), "g_loss": ge_loss.detach()}


@register_step("aae")
def aae_step(ctx) -> dict:
    """Adversarial autoencoder (Makhzani et al. 2016, Sec. 2), per mini-batch: the reconstruction
    phase updates E and G on ||x - G(E(x))||² (``opt_g``); the regularisation phase updates D to tell
    prior samples z ~ N(0, I) from codes E(x), then E alone (``opt_e``) to fool it. ``g_loss`` reports
    the reconstruction error, ``d_loss`` the code discriminator's loss."""
    g, d, e = ctx.g, ctx.d, ctx.e
    x = ctx.real()
    recon = (g(e(x)) - x).pow(2).flatten(2).sum(2).mean(1)  # (S,): mean squared L2 per seed
    _g_update(ctx, recon)
    for _ in range(ctx.variant.optim.n_critic):
        with torch.no_grad():
            code = e(x)
        d_prior, d_code = _judge(d, ctx.noise(), code, False)
        d_loss, _ = ctx.loss(d_prior, d_code)
        _update(ctx.opt_d, d_loss)
    with frozen(d):
        out, _ = d(e(x))
        e_loss = ctx.loss(d_prior.detach(), out)[1]
        _update(ctx.opt_e, e_loss)
    return {"d_loss": d_loss.detach(), "g_loss": recon.detach()}


def _l1(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-seed mean absolute difference of (S, B, ...) tensors: (S,), summed in float64 (see
    :func:`_patch_loss`)."""
    return (x - y).abs().flatten(1).double().mean(1).float()


def _patch_loss(ctx, d_real: torch.Tensor, d_fake: torch.Tensor):
    """The trials' losses over every patch logit (S, N): in float64, because a mean over the hundreds
    of patches of a batch rounds differently for one seed than for several (one long reduction
    against one per row), and a trial's record must not depend on what shares its program."""
    d_loss, g_loss = ctx.loss(d_real.double(), d_fake.double())
    return d_loss.float(), g_loss.float()


def _pair(ctx) -> tuple[torch.Tensor, torch.Tensor]:
    """A translation batch: each real draw holds an A image and a B image stacked along channels."""
    x = ctx.real()
    ca = ctx.g.in_channels
    return x[:, :, :ca], x[:, :, ca:]


@register_step("pix2pix")
def pix2pix_step(ctx) -> dict:
    """pix2pix (Isola et al. 2017, Eq. 4 and Sec. 3.3): D learns to tell real pairs (a, b) from
    (a, G(a)), its objective halved; then G minimises its adversarial loss plus λ·‖b - G(a)‖₁.
    Per-seed weights ``ctx.weights["adv"]`` and ``["l1"]`` give the ablations (L1 only: adv 0, D not
    trained; cGAN only: l1 0). Every patch logit counts as one of D's decisions."""
    g, d, w = ctx.g, ctx.d, ctx.weights
    a, b = _pair(ctx)
    fake = g(a)
    adversarial = "adv" in w
    d_loss = torch.zeros(a.shape[0], device=a.device)
    if adversarial:
        out, _ = d(torch.cat([torch.cat([a, b], 2), torch.cat([a, fake.detach()], 2)], 1))
        n = a.shape[1]
        d_real, d_fake = out[:, :n].flatten(1), out[:, n:].flatten(1)
        d_loss = 0.5 * _patch_loss(ctx, d_real, d_fake)[0]
        _update(ctx.opt_d, d_loss)
        d_loss = d_loss.detach()
    g_loss = torch.zeros_like(d_loss)
    if adversarial:
        with frozen(d):
            out, _ = d(torch.cat([a, fake], 2))
            g_loss = g_loss + w["adv"] * _patch_loss(ctx, d_real.detach(), out.flatten(1))[1]
    if "l1" in w:
        g_loss = g_loss + w["l1"] * _l1(fake, b)
    _g_update(ctx, g_loss)
    return {"d_loss": d_loss, "g_loss": g_loss.detach()}


@register_step("cyclegan")
def cyclegan_step(ctx) -> dict:
    """CycleGAN (Zhu et al. 2017, Eq. 3 and Sec. 4; the released training loop): G: A -> B and
    F: B -> A first, against both discriminators, with the cycle losses λ‖F(G(a)) - a‖₁ (forward)
    and λ‖G(F(b)) - b‖₁ (backward) and the identity loss λ·λ_idt(‖G(b) - b‖₁ + ‖F(a) - a‖₁); then
    D_B and D_A, each on real images against fakes from its image history. Per-seed weights:
    ``adv``, ``cycle_forward``, ``cycle_backward``, ``identity`` (already multiplied by λ);
    a term absent from ``ctx.weights`` is off for the whole program."""
    g, d, w = ctx.g, ctx.d, ctx.weights
    a, b = _pair(ctx)
    s = a.shape[0]
    fake_b, fake_a = g.ab(a), g.ba(b)
    adversarial = "adv" in w
    g_loss = torch.zeros(s, device=a.device)
    if adversarial:  # G's update comes first, so D's outputs on reals are not at hand: G's term takes the fakes'
        unused = a.new_zeros(s, 1)
        with frozen(d):
            g_loss = g_loss + w["adv"] * (_patch_loss(ctx, unused, d.b(fake_b)[0].flatten(1))[1]
                                          + _patch_loss(ctx, unused, d.a(fake_a)[0].flatten(1))[1])
    if "cycle_forward" in w:
        g_loss = g_loss + w["cycle_forward"] * _l1(g.ba(fake_b), a)
    if "cycle_backward" in w:
        g_loss = g_loss + w["cycle_backward"] * _l1(g.ab(fake_a), b)
    if "identity" in w:
        g_loss = g_loss + w["identity"] * (_l1(g.ab(b), b) + _l1(g.ba(a), a))
    _g_update(ctx, g_loss)
    d_loss = torch.zeros(s, device=a.device)
    if adversarial:
        u = ctx.uniform((a.shape[1], 4))
        pooled_b = d.pool_b.query(fake_b.detach(), u[..., :2])
        pooled_a = d.pool_a.query(fake_a.detach(), u[..., 2:])
        n = a.shape[1]
        out_b, _ = d.b(torch.cat([b, pooled_b], 1))
        out_a, _ = d.a(torch.cat([a, pooled_a], 1))
        d_loss = (_patch_loss(ctx, out_b[:, :n].flatten(1), out_b[:, n:].flatten(1))[0]
                  + _patch_loss(ctx, out_a[:, :n].flatten(1), out_a[:, n:].flatten(1))[0])
        _update(ctx.opt_d, d_loss)
    return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}


def growth_stage_now(ctx) -> tuple[int, float] | None:
    """The growth stage (level, α) of the images shown so far (``ctx.real_shown`` per seed, hence
    resumed with a checkpoint) for a growing program: ProGAN's schedule,
    ``ganbench.zoo.progressive.growth_stage`` with the recipe's ``growth_kimg`` per phase; None for
    programs that do not grow."""
    if ctx.variant.step != "progan":
        return None
    from ganbench.zoo.progressive import growth_stage

    return growth_stage(ctx.real_shown / 1000.0, ctx.g.levels, ctx.variant.progressive.growth_kimg)


def set_growth_stage(ctx, *networks) -> tuple[int, float]:
    """Put G, D (and ``networks``, e.g. G's average) at :func:`growth_stage_now`."""
    level, alpha = growth_stage_now(ctx)
    for net in (ctx.g, ctx.d, *networks):
        net.set_stage(level, alpha)
    return level, alpha


@register_step("progan")
def progan_step(ctx) -> dict:
    """ProGAN (Karras et al. 2018): grow G and D by the schedule, show D the reals at the stage's level
    of detail (downsampled to the stage's resolution, faded with the previous one as the official
    ``process_reals``), then ``n_critic`` D updates and one G update of the trials' losses (WGAN-GP in
    the paper) with the drift penalty ε·E[D(x)²] on reals (Sec. A.1, ε = 0.001)."""
    from ganbench.zoo.progressive import fade_reals

    level, alpha = set_growth_stage(ctx)
    v = ctx.variant
    for _ in range(v.optim.n_critic):
        real = fade_reals(ctx.real(), level, alpha, ctx.g.levels)
        with torch.no_grad():
            fake = ctx.g(ctx.noise())
        d_loss, d_real = discriminator_loss(ctx, real, fake)
        if v.reg.drift:
            d_loss = d_loss + v.reg.drift * d_real.pow(2).mean(1)
        _update(ctx.opt_d, d_loss)
    with frozen(ctx.d):
        g_loss = generator_loss(ctx, d_real, real, ctx.g(ctx.noise()))
        _g_update(ctx, g_loss)
    return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}


BUILTIN_STEPS = tuple(STEPS)  # the steps above; plugins add more
