"""A training program: the trials of one task that train as one seed-batched network.

A program holds one or more *groups* (a variant and its seed indices). Trials of different variants
share a program when their ``Variant.program_key()`` agree (same shapes, batch, step schedule,
optimiser type and penalties that run); their losses, learning rates, betas, penalty weights, clip
bounds and spectral normalisation stay per trial. Every seed's parameters, optimiser state and random
streams are its own, and every op is per seed (``ganbench.zoo.layers``), so a trial's record is the
same bit for bit whatever shares its program; the tests check that.
"""
from __future__ import annotations

import copy
import hashlib
import math
from dataclasses import dataclass

import torch

from ganbench.records import TrialSpec
from ganbench.tasks import Task
from ganbench.zoo import STEPS, StepContext, Variant, build_networks, get_loss
from ganbench.zoo.conditional import build_conditional_networks
from ganbench.zoo.inference import build_inference_networks
from ganbench.zoo.losses import GroupedLoss
from ganbench.zoo.optim import OPTIMIZERS
from ganbench.zoo.steps import growth_stage_now, set_growth_stage
from ganbench.zoo.streams import (
    SeedStream,
    block_samples,
    label_draw,
    labelled_draw,
    normal_draw,
    sample_numel,
    uniform_draw,
)
from ganbench.zoo.translation import build_translation_networks


@dataclass(frozen=True)
class Group:
    """Seeds ``seed_indices`` of ``variant`` inside a program."""

    variant: Variant
    seed_indices: tuple[int, ...]


def check_groups(groups: list[Group]) -> None:
    if not groups:
        raise ValueError("a program needs at least one group of trials")
    keys = {g.variant.program_key() for g in groups}
    if len(keys) > 1:
        names = ", ".join(g.variant.name for g in groups)
        raise ValueError(f"variants {names} cannot share a program: they differ in shapes or schedule "
                         "(Variant.program_key)")
    names = [g.variant.name for g in groups]
    if len(set(names)) != len(names):
        raise ValueError(f"a variant appears twice in one program: {names}")
    for g in groups:
        if not g.seed_indices or len(set(g.seed_indices)) != len(g.seed_indices):
            raise ValueError(f"seed_indices must be distinct integers, got {list(g.seed_indices)}")


def program_id(task: Task, groups: list[Group], suite: str) -> str:
    text = repr((suite, task.name, [(g.variant.name, g.variant.config_hash(), g.seed_indices) for g in groups]))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class Program:
    """What the trainer runs: the step context, the step function, the trials in seed order and, when
    the trials average their generator, its exponential moving average (``g_ema``)."""

    ctx: StepContext
    step_fn: object
    specs: list[TrialSpec]
    variants: list[Variant]  # per trial
    g_ema: torch.nn.Module | None = None
    ema_weights: list | None = None  # per G parameter: (1 - decay) per seed, shaped to broadcast

    @torch.no_grad()
    def update_ema(self) -> None:
        """g_ema <- decay g_ema + (1 - decay) g, per seed; buffers (BatchNorm statistics) are copied,
        as in Karras et al.'s implementations."""
        if self.g_ema is None:
            return
        for pe, p, w in zip(self.g_ema.parameters(), self.ctx.g.parameters(), self.ema_weights):
            pe.lerp_(p, w)
        for be, b in zip(self.g_ema.buffers(), self.ctx.g.buffers()):
            be.copy_(b)
        if hasattr(self.ctx.g, "set_stage"):  # a growing G (ProGAN): the average is at G's stage
            self.g_ema.set_stage(self.ctx.g.level, self.ctx.g.alpha)


def _per_trial(variants: list[Variant], field: str, default=0.0) -> list[float]:
    """Each trial's value of recipe field ``field`` (a flat name) as a float."""
    return [float(v.get(field) or default) for v in variants]


def build_program(task: Task, groups: list[Group], suite: str, dev: torch.device) -> Program:
    """Networks (each seed's parameters from its own init stream), optimisers with per-trial
    hyper-parameters, per-trial losses and penalties, and each seed's block-drawn random streams."""
    check_groups(groups)
    specs = [TrialSpec(suite, task.name, g.variant.name, i) for g in groups for i in g.seed_indices]
    variants = [g.variant for g in groups for _ in g.seed_indices]
    lead = groups[0].variant  # the shared schedule (equal across the program by program_key)
    init_gens = [torch.Generator().manual_seed(s.stream("init")) for s in specs]
    sn = [v.tricks.spectral_norm for v in variants]
    n_classes = getattr(task, "n_classes", 0) if lead.family.conditioning else 0
    e = None  # the encoder of an inference program
    translating = getattr(task, "kind", "") == "translation"
    fam = lead.family
    if translating != bool(fam.translation):
        raise ValueError(f"variant {lead.name!r} trains on translation tasks ({', '.join(_translation_tasks())})"
                         if fam.translation else
                         f"task {task.name!r} is an image-to-image translation task; train a translation variant "
                         "on it (pix2pix on paired tasks, cyclegan on unpaired ones: `ganbench list variants`)")
    if fam.translation:
        g, d = build_translation_networks(task.shape_a, task.shape, lead.arch.ch, init_gens, fam.translation)
        z_dim = 0  # a translation G maps images to images
    elif fam.conditioning:
        if not n_classes:
            from ganbench.tasks.conditional import labelled_tasks

            raise ValueError(f"variant {lead.name!r} is conditional and task {task.name!r} has no labels; "
                             f"train it on a labelled task ({', '.join(labelled_tasks())})")
        g, d, z_dim = build_conditional_networks(task.shape, lead.arch, init_gens, n_classes, fam.conditioning, sn)
    elif fam.inference:
        g, d, e, z_dim = build_inference_networks(task.shape, lead.arch, init_gens, fam.inference, sn)
    else:
        g, d, z_dim = build_networks(task.shape, lead.arch, init_gens, lead.tricks.pack, sn, lead.tricks.mbd,
                                     style_mixing=lead.style.style_mixing, truncation_psi=lead.style.truncation_psi)
    g, d = g.to(dev).train(), d.to(dev).train()
    e = e.to(dev).train() if e is not None else None
    opt = OPTIMIZERS[lead.optim.optimizer]
    extra = {"betas": [list(v.optim.betas) for v in variants]} if lead.optim.optimizer == "adam" else {}
    # An encoder learns with G (BiGAN's joint player, the AAE's reconstruction phase); the AAE's
    # regularisation phase updates E alone with its own optimiser state.
    opt_g = opt(list(g.parameters()) + (list(e.parameters()) if e is not None else []), lr=_per_trial(variants, "lr"),
                **extra)
    opt_e = opt(list(e.parameters()), lr=_per_trial(variants, "lr"), **extra) if fam.inference == "aae" else None
    opt_d = opt(list(d.parameters()), lr=[v.optim.d_lr if v.optim.d_lr is not None else v.optim.lr for v in variants],
                **extra)

    def on_device(values):
        return torch.tensor(values, dtype=torch.float32, device=dev)

    def gens(stream):
        return [torch.Generator(device=dev).manual_seed(s.stream(stream)) for s in specs]

    b = lead.batch_size
    numel = sample_numel(task.pair_shape if translating else task.shape)
    if n_classes:
        real_stream = SeedStream(gens("data"), labelled_draw(task.sample_labelled), block_samples(b, numel + 1))
    else:
        real_stream = SeedStream(gens("data"), task.sample, block_samples(b, numel))
    ctx = StepContext(
        g, d, opt_g, opt_d, lead, GroupedLoss([get_loss(gr.variant.loss) for gr in groups],
                                              [len(gr.seed_indices) for gr in groups]),
        z_dim, dev,
        real_stream=real_stream,
        noise_stream=SeedStream(gens("noise"), normal_draw(z_dim), block_samples(b, z_dim)),
        aux_stream=SeedStream(gens("aux"), uniform_draw, block_samples(b // lead.tricks.pack, 1)),
        gp=on_device(_per_trial(variants, "gp")) if lead.reg.gp > 0 else None,
        r1=on_device(_per_trial(variants, "r1")) if lead.reg.r1 > 0 else None,
        clip=on_device([v.reg.clip if v.reg.clip > 0 else math.inf for v in variants])
        if any(v.reg.clip > 0 for v in variants) else None,
        label_stream=SeedStream(gens("labels"), label_draw(n_classes), block_samples(b, 1)) if n_classes else None,
        sample_shape=tuple(task.shape),
        e=e,
        opt_e=opt_e,
        weights={t: on_device([v.translation_weights()[t] for v in variants]) for t in lead.translation_terms()},
    )
    prog = Program(ctx, STEPS[lead.step], specs, variants)
    if lead.tricks.ema > 0:
        prog.g_ema = copy.deepcopy(g).requires_grad_(False)
        decay = torch.tensor([v.tricks.ema for v in variants], dtype=torch.float64)
        prog.ema_weights = [(1 - decay).to(device=dev, dtype=p.dtype).reshape(-1, *([1] * (p.ndim - 1)))
                            for p in g.parameters()]
    return prog


def _translation_tasks() -> list[str]:
    from ganbench.tasks.translation import TRANSLATION_TASKS

    return sorted(TRANSLATION_TASKS)


def _streams(c: StepContext) -> list[SeedStream]:
    return [c.real_stream, c.noise_stream, c.aux_stream] + ([c.label_stream] if c.label_stream is not None else [])


def program_state(p: Program) -> dict:
    """Everything to continue the program bit-identically (tensors only: loads with weights_only)."""
    c = p.ctx
    return {"g": c.g.state_dict(), "d": c.d.state_dict(), "opt_g": c.opt_g.state_dict(), "opt_d": c.opt_d.state_dict(),
            "streams": [s.state_dict() for s in _streams(c)],
            "real_shown": c.real_shown, **({"g_ema": p.g_ema.state_dict()} if p.g_ema is not None else {}),
            **({"e": c.e.state_dict()} if c.e is not None else {}),
            **({"opt_e": c.opt_e.state_dict()} if c.opt_e is not None else {})}


def load_program_state(p: Program, state: dict) -> None:
    c = p.ctx
    c.g.load_state_dict(state["g"])
    c.d.load_state_dict(state["d"])
    c.opt_g.load_state_dict(state["opt_g"])
    c.opt_d.load_state_dict(state["opt_d"])
    for s, st in zip(_streams(c), state["streams"], strict=True):
        s.load_state_dict(st)
    c.real_shown = int(state["real_shown"])
    if c.e is not None:
        c.e.load_state_dict(state["e"])
    if c.opt_e is not None:
        c.opt_e.load_state_dict(state["opt_e"])
    if p.g_ema is not None:
        p.g_ema.load_state_dict(state["g_ema"])
    if growth_stage_now(c) is not None:  # the stage is not a tensor: it follows from the images shown
        set_growth_stage(c, *([p.g_ema] if p.g_ema is not None else []))
