"""A variant's training recipe, grouped by concern, and what each field means to the rest of the code.

:class:`Variant` holds the name, the loss, the step, the architecture and the batch size, and one
frozen group per concern (as configuration systems such as StudioGAN's section theirs: optimisation,
loss and regularisation, model, family-specific options):

========================  ==============================================================
``v.optim``               optimizer, lr, d_lr, betas, n_critic
``v.reg``                 gp, r1, clip, reg_every, drift (penalties and regularisers)
``v.tricks``              spectral_norm, pack, mbd, feature_matching, unroll, ema (D and G tricks)
``v.family``              conditioning, inference, translation (which kind of GAN)
``v.i2i``                 adv, l1, cycle, cycle_directions, identity (translation loss terms)
``v.style``               style_mixing, truncation_psi (style-based generators)
``v.progressive``         growth_kimg (ProGAN's growing)
========================  ==============================================================

Every field's name is unique across the groups (its *flat name*): ``register_variant(..., lr=2e-4)``,
suite ``train = { ema = 0.999 }`` and :meth:`Variant.replace` address fields by it, and
:meth:`Variant.to_dict` (a record's ``variant_config``) is flat.

What a field means elsewhere is declared once, beside it, as a :class:`Knob` in the field's
metadata, and everything else is derived from the knobs: :meth:`Variant.program_key` (``program``:
trials of different variants share a program when these agree), :meth:`Variant.additions` (``label``:
how a trick prints in listings), validation (``domain``, ``unsupported_by``: the built-in steps that
do not implement a non-default value, ``requires``), and the search space (``tune``: the range a
field is tuned in, with its source; ``ganbench.zoo.space``).
"""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from ganbench.zoo.losses import get_loss
from ganbench.zoo.networks import Arch
from ganbench.zoo.space import Choice, Distribution, LogUniform, Uniform, as_distribution, covers, format_space
from ganbench.zoo.steps import BUILTIN_STEPS, STEPS


@dataclass(frozen=True)
class Domain:
    """The values a field may take: a number (an integer with ``integer``) in ``[low, high]`` (``high``
    excluded with ``high_open``), None too with ``optional``, or a pair of such with ``pair``."""

    says: str
    low: float = -math.inf
    high: float = math.inf
    high_open: bool = False
    integer: bool = False
    optional: bool = False
    pair: bool = False

    def holds(self, x) -> bool:
        if x is None:
            return self.optional
        if self.pair:
            return isinstance(x, tuple) and len(x) == 2 and all(self._number(c) for c in x)
        return self._number(x)

    def _number(self, x) -> bool:
        if isinstance(x, bool) or not isinstance(x, int if self.integer else (int, float)) or not math.isfinite(x):
            return False
        return self.low <= x and (x < self.high if self.high_open else x <= self.high)

    def covers(self, dist: Distribution) -> bool:
        """Whether every value ``dist`` draws is in the domain (continuous draws stop short of ``high``)."""
        if isinstance(dist, Choice):
            return all(self._number(x) for x in dist.values)
        if self.integer:
            return False
        return self.low <= dist.low and dist.high <= self.high and (dist.low < self.high or not self.high_open)


@dataclass(frozen=True)
class Requires:
    """A field that only ``test(variant)`` recipes may set away from its default (``says`` whom it
    belongs to and how to get there)."""

    test: Callable[[Any], bool]
    says: str


@dataclass(frozen=True)
class Tunable:
    """A field's search range: ``dist`` (``ganbench.zoo.space``), cited to ``source``. ``name`` and
    ``component``: the hyper-parameter is one element of a tuple field (``beta1`` is ``betas[0]``),
    whose values lie in ``domain``. ``when(variant)``: whether a recipe's default space tunes it
    (default: the recipe sets the field away from its default, i.e. uses it)."""

    dist: Distribution
    source: str
    name: str = ""
    component: int | None = None
    domain: Domain | None = None
    when: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Knob:
    """What one recipe field means to the rest of the code (see the module docstring)."""

    program: str | None = None  # "same": value shared by a program; "on": whether > 0 shared; None: per trial
    label: Callable[[Any, Any], str] | None = None  # (value, variant) -> listing text when not at its default
    domain: Domain | None = None
    unsupported_by: tuple[str, ...] = ()  # built-in steps that do not implement a non-default value
    requires: Requires | None = None
    tune: Tunable | None = None


def knob(default=dataclasses.MISSING, *, factory=dataclasses.MISSING, **meaning) -> Any:
    """A dataclass field with its :class:`Knob` in the metadata."""
    return field(default=default, default_factory=factory, metadata={"knob": Knob(**meaning)})


def group(cls) -> Any:
    """A field holding a group of the recipe (marked so that flat names can be found)."""
    return field(default_factory=cls, metadata={"group": True})


# --- shared declarations --------------------------------------------------------------------------
# Steps that train a family of their own and implement none of the D tricks and penalties of the
# default step (packing, minibatch discrimination, feature matching, unrolling, gp, r1, clipping).
_FAMILY_STEPS = ("conditional", "bigan", "aae", "pix2pix", "cyclegan")
_TRANSLATION_STEPS = ("pix2pix", "cyclegan")  # one D step per G step, no generator average, no SN
_NONNEG = Domain("a number >= 0", low=0.0)
_POSITIVE_INT = Domain("a positive integer", low=1, integer=True)
_BETA = Domain("a number in [0, 1)", low=0.0, high=1.0, high_open=True)
_TRANSLATION = Requires(lambda v: bool(v.family.translation),
                        "image-to-image translation losses; set translation='pix2pix' or 'cyclegan'")
_STYLE = Requires(lambda v: (v.arch.family or "") in ("stylegan", "stylegan2"),
                  "style-based generators (arch family 'stylegan' or 'stylegan2')")
_PROGAN = Requires(lambda v: v.step == "progan", "ProGAN's step; set step='progan'")
_UNROLLED = Requires(lambda v: v.step == "unrolled" or v.step not in BUILTIN_STEPS,
                     "the unrolled step; set step='unrolled'")
# Search ranges (Lucic et al. 2018, "Are GANs Created Equal?": google/compare_gan v1,
# compare_gan/src/params.py, the wide ranges that phase 1 samples 100 configurations from).
_LUCIC = "Lucic et al. 2018 (compare_gan v1 params.py, wide range)"
_LR = Tunable(LogUniform(1e-5, 1e-2), f"{_LUCIC}: learning_rate 10^U[-5,-2]")
_PENALTY = LogUniform(0.1, 100.0)  # compare_gan v1: WGAN-GP's and DRAGAN's λ, 10^U[-1,2]


@dataclass(frozen=True)
class Optim:
    """The optimiser of both players (``d_lr``: D's own learning rate; None: ``lr``)."""

    optimizer: str = knob("adam", program="same")  # adam | rmsprop (ganbench.zoo.optim.OPTIMIZERS)
    lr: float = knob(1e-3, domain=_NONNEG, tune=dataclasses.replace(_LR, when=lambda v: True))
    d_lr: float | None = knob(None, domain=Domain("a number >= 0 or None", low=0.0, optional=True), tune=_LR)
    betas: tuple[float, float] = knob(
        (0.5, 0.999), domain=dataclasses.replace(_BETA, says="two numbers in [0, 1)", pair=True),
        tune=Tunable(Uniform(0.0, 1.0), f"{_LUCIC}: beta1 U[0,1]; β2 is not tuned there, the recipe's stays",
                     name="beta1", component=0, domain=_BETA, when=lambda v: v.optim.optimizer == "adam"))
    n_critic: int = knob(  # discriminator updates per generator update
        1, program="same", domain=_POSITIVE_INT, unsupported_by=("unrolled", *_TRANSLATION_STEPS),
        tune=Tunable(Choice((1, 5)), f"{_LUCIC}: disc_iters, a choice of 1 or 5", when=lambda v: True))


@dataclass(frozen=True)
class Regularizers:
    """Penalties and regularisers of the discriminator (``ganbench.zoo.regularizers``)."""

    gp: float = knob(  # WGAN-GP penalty weight λ (Gulrajani et al. 2017)
        0.0, program="on", label=lambda x, v: f"gp({x:g})", domain=_NONNEG, unsupported_by=("unrolled", *_FAMILY_STEPS),
        tune=Tunable(_PENALTY, f"{_LUCIC}: WGAN-GP λ 10^U[-1,2]"))
    r1: float = knob(  # R1 penalty weight γ (Mescheder et al. 2018)
        0.0, program="on", label=lambda x, v: f"r1({x:g})", domain=_NONNEG, unsupported_by=("unrolled", *_FAMILY_STEPS),
        tune=Tunable(_PENALTY, f"{_LUCIC}: the gradient penalty's λ 10^U[-1,2], for R1's γ"))
    clip: float = knob(  # WGAN weight-clipping bound c (Arjovsky et al. 2017)
        0.0, label=lambda x, v: f"clip({x:g})", domain=_NONNEG, unsupported_by=_FAMILY_STEPS,
        tune=Tunable(LogUniform(1e-3, 1.0), f"{_LUCIC}: WGAN weight_clipping 10^U[-3,0]"))
    reg_every: int = knob(  # lazy regularisation (Karras et al. 2020, Sec. 3.1): gp / r1 every k-th D step, weighted k
        1, program="same", label=lambda x, v: f"lazy-reg(every {x})", domain=_POSITIVE_INT,
        unsupported_by=("unrolled", *_FAMILY_STEPS))
    drift: float = knob(  # ProGAN: weight ε of the critic's drift penalty ε·E[D(x)²]
        0.0, program="same", label=lambda x, v: f"drift({x:g})", domain=_NONNEG, requires=_PROGAN)


@dataclass(frozen=True)
class Tricks:
    """What the discriminator or the generator does besides its loss."""

    spectral_norm: bool = knob(False, label=lambda x, v: "spectral-norm", unsupported_by=_TRANSLATION_STEPS)
    pack: int = knob(  # PacGAN packing degree m (Lin et al. 2018)
        1, program="same", label=lambda x, v: f"pack({x})", domain=_POSITIVE_INT, unsupported_by=_FAMILY_STEPS,
        tune=Tunable(Choice((2, 4)), "Lin et al. 2018 (PacGAN), Table 1: packing degrees 2, 3 and 4; 3 is left out, "
                     "it divides none of the zoo's batch sizes"))
    mbd: bool = knob(  # minibatch discrimination (Salimans et al. 2016)
        False, program="same", label=lambda x, v: "minibatch-discrimination", unsupported_by=_FAMILY_STEPS)
    feature_matching: bool = knob(  # Salimans et al. 2016, Sec. 3.1
        False, program="same", label=lambda x, v: "feature-matching", unsupported_by=_FAMILY_STEPS)
    unroll: int = knob(  # unrolling steps k (Metz et al. 2017)
        0, program="same", label=lambda x, v: f"unroll({x})", domain=Domain("an integer >= 0", low=0, integer=True),
        unsupported_by=_FAMILY_STEPS, requires=_UNROLLED,
        tune=Tunable(Choice((1, 5, 10)), "Metz et al. 2017: 1, 5 and 10 unrolling steps (0 is the plain GAN)"))
    # Decay of the generator's exponential moving average (Yazici et al. 2019); 0: none. Not tuned:
    # it chooses which generator is judged, as a suite's `train = { ema = ... }` sets it per task.
    ema: float = knob(0.0, program="on", label=lambda x, v: f"ema({x:g})",
                      domain=Domain("a decay in [0, 1)", low=0.0, high=1.0, high_open=True),
                      unsupported_by=_TRANSLATION_STEPS)


@dataclass(frozen=True)
class Family:
    """Which kind of GAN: "" for each, an unconditional generative GAN."""

    conditioning: str = knob(  # how D sees the class (ganbench.zoo.conditional.CONDITIONINGS)
        "", program="same", label=lambda x, v: f"conditional({x})")
    inference: str = knob(  # a GAN with an encoder (ganbench.zoo.inference.INFERENCE_FAMILIES)
        "", program="same", label=lambda x, v: f"encoder({x})")
    translation: str = knob("", program="same")  # image to image (ganbench.zoo.translation.TRANSLATION_FAMILIES)


@dataclass(frozen=True)
class Translation:
    """The loss terms of image-to-image translation (their weights may differ per trial of a program)."""

    adv: float = knob(  # weight of G's adversarial term (0: no discriminator is trained)
        1.0, program="on", label=lambda x, v: f"adv({x:g})", domain=_NONNEG, requires=_TRANSLATION)
    l1: float = knob(  # pix2pix: weight λ of the L1 term
        0.0, program="on", label=lambda x, v: f"l1({x:g})", domain=_NONNEG, unsupported_by=("cyclegan",),
        requires=_TRANSLATION)
    cycle: float = knob(  # CycleGAN: weight λ of the cycle-consistency terms
        0.0, program="on", label=lambda x, v: f"cycle({x:g}, {v.i2i.cycle_directions})", domain=_NONNEG,
        unsupported_by=("pix2pix",), requires=_TRANSLATION)
    cycle_directions: str = knob("both", program="same", requires=_TRANSLATION)  # "both", "forward" (A -> B -> A) or "backward"
    identity: float = knob(  # CycleGAN: identity-loss weight as a fraction of λ (the released code's λ_idt)
        0.0, program="on", label=lambda x, v: f"identity({x:g})" if v.i2i.cycle else "", domain=_NONNEG,
        unsupported_by=("pix2pix",), requires=_TRANSLATION)


@dataclass(frozen=True)
class Style:
    """Style-based generators (Karras et al. 2019, 2020)."""

    style_mixing: float = knob(  # probability of style-mixing regularisation per batch
        0.0, program="same", label=lambda x, v: f"style-mixing({x:g})",
        domain=Domain("a probability in [0, 1]", low=0.0, high=1.0), requires=_STYLE,
        tune=Tunable(Choice((0.0, 0.5, 0.9, 1.0)), "Karras et al. 2019 (StyleGAN), Table 2: mixing regularisation "
                     "on 0, 50, 90 and 100% of the training images"))
    truncation_psi: float = knob(  # truncation ψ at evaluation (1: none), part of the protocol
        1.0, program="same", label=lambda x, v: f"truncation({x:g})", requires=_STYLE)


@dataclass(frozen=True)
class Progressive:
    """ProGAN's growing (Karras et al. 2018)."""

    growth_kimg: float = knob(  # thousands of real images per growth phase (fade-in, then stable); 0: no growing
        0.0, program="same", label=lambda x, v: f"growing({x:g} kimg/phase)", domain=_NONNEG, requires=_PROGAN)


@dataclass(frozen=True)
class Variant:
    """A training recipe: a loss, a step, an architecture, a batch size and the groups of the module
    docstring. Learning rates and betas apply to both players unless ``optim.d_lr`` is set.

    A trial's config hash covers the full recipe (:meth:`config_hash`) and the code identity
    (``ganbench.harness.identity``) covers this class and its groups: editing them (a new field, a
    new default) re-plans every trial, as any change of the code that trains would. A new field is
    declared once, with its :class:`Knob`; listings, program keys, hashes, validation and search
    spaces follow from it."""

    name: str
    loss: str = "ns"  # a name in ganbench.zoo.LOSSES
    step: str = knob("default", program="same")  # a name in ganbench.zoo.steps.STEPS
    arch: Arch = knob(factory=Arch, program="same")
    batch_size: int = knob(256, program="same", domain=_POSITIVE_INT)
    optim: Optim = group(Optim)
    reg: Regularizers = group(Regularizers)
    tricks: Tricks = group(Tricks)
    family: Family = group(Family)
    i2i: Translation = group(Translation)
    style: Style = group(Style)
    progressive: Progressive = group(Progressive)
    paper: str = ""
    doc: str = ""
    # The budget of the paper's own runs, for the leaderboards' regime flags (prose, not training):
    # {"kimg" or "g_steps": total, "batch_size": ..., "data": what it trained on, "source": citation}.
    published_budget: dict = field(default_factory=dict, hash=False, compare=False)
    # A plugin's own search space: {hyper-parameter: range, or None to fix it} over the default one.
    space: dict = field(default_factory=dict, hash=False, compare=False)
    # Where a sampled configuration comes from: {"base", "seed", "index", "values"} (not training).
    origin: dict = field(default_factory=dict, hash=False, compare=False)

    def __getattr__(self, name: str):
        where = FLAT.get(name)
        if where is not None and where[0]:
            raise AttributeError(f"'Variant' object has no attribute {name!r}: the recipe is grouped by concern, "
                                 f"read variant.{where[0]}.{name}")
        raise AttributeError(f"'Variant' object has no attribute {name!r}")

    def get(self, name: str):
        """The value of the field with flat name ``name``."""
        group_name, _ = FLAT[name]
        return getattr(getattr(self, group_name), name) if group_name else getattr(self, name)

    def flat(self) -> dict:
        """``{flat name: value}`` of every field, in declaration order."""
        return {k: self.get(k) for k in FLAT}

    def replace(self, **overrides) -> "Variant":
        """A copy with ``overrides``: flat field names (``lr=2e-4``, ``ema=0.999``, ``arch={"ch": 16}``
        merged into the architecture) or whole groups (``optim={"lr": 2e-4}`` or an :class:`Optim`).
        Not validated (``validate_variant`` does that)."""
        unknown = sorted(k for k in overrides if k not in FLAT and k not in GROUPS)
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; valid: {sorted(set(FLAT) - {'name'})} "
                             f"or a group {sorted(GROUPS)} as a dict")
        top, nested = {}, {}
        for k, x in overrides.items():
            if k in GROUPS:
                if isinstance(x, GROUPS[k]):
                    top[k] = x
                    continue
                if not isinstance(x, dict):
                    raise ValueError(f"{k} must be a dict of its fields ({', '.join(_names(GROUPS[k]))}), got {x!r}")
                bad = sorted(set(x) - set(_names(GROUPS[k])))
                if bad:
                    raise ValueError(f"unknown {k} field(s) {bad}; valid: {_names(GROUPS[k])}")
                nested.setdefault(k, {}).update(x)
            elif FLAT[k][0]:
                nested.setdefault(FLAT[k][0], {})[k] = x
            else:
                top[k] = x
        if isinstance(top.get("arch"), dict):
            bad = sorted(set(top["arch"]) - set(_names(Arch)))
            if bad:
                raise ValueError(f"unknown arch field(s) {bad}; valid: {_names(Arch)}")
            top["arch"] = dataclasses.replace(self.arch, **top["arch"])
        if "betas" in nested.get("optim", {}):
            nested["optim"]["betas"] = tuple(nested["optim"]["betas"])
        for g, values in nested.items():
            top[g] = dataclasses.replace(top.get(g, getattr(self, g)), **values)
        return dataclasses.replace(self, **top)

    def additions(self) -> list[str]:
        """What the recipe adds to its loss (penalties, normalisation, packing, ...), for listings:
        every field with a ``label`` that is not at its default."""
        out = []
        for k, (_, f) in FLAT.items():
            kn = f.metadata.get("knob")
            value = self.get(k)
            if kn is not None and kn.label is not None and value != _default(f):
                out.append(kn.label(value, self))
        return [x for x in out if x]

    def to_dict(self) -> dict:
        """The recipe as JSON-ready flat ``{field: value}`` (a record's ``variant_config``)."""
        d = {k: (dataclasses.asdict(x) if dataclasses.is_dataclass(x) else list(x) if isinstance(x, tuple) else x)
             for k, x in self.flat().items()}
        d.update(published_budget=dict(self.published_budget), space={k: None if x is None else str(as_distribution(x))
                                                                     for k, x in self.space.items()},
                 origin=dict(self.origin))
        return d

    def program_key(self) -> tuple:
        """What trials must share to train in one program (every field whose knob says ``program``:
        the network shapes, the batch, the step and its schedule, the optimiser type, which
        penalties and loss terms run). Everything else (loss, learning rates, betas, penalty weights,
        clip bound, spectral normalisation, EMA decay) may differ per trial. A plugin's own step
        function may read any field, so its trials share a program only with the same variant's."""
        key = []
        for k, (_, f) in FLAT.items():
            kn = f.metadata.get("knob")
            if kn is not None and kn.program is not None:
                value = self.get(k)
                key.append((k, value if kn.program == "same" else value > 0))
        return (*key, self.name if self.step not in BUILTIN_STEPS else "")

    def translation_terms(self) -> tuple[str, ...]:
        """The loss terms a translation step computes (their weights may differ per trial of a program)."""
        t = self.i2i
        if not self.family.translation:
            return ()
        cyc = {"both": ("cycle_forward", "cycle_backward"), "forward": ("cycle_forward",),
               "backward": ("cycle_backward",)}.get(t.cycle_directions, ())
        return tuple(k for k, on in [("adv", t.adv > 0), ("l1", t.l1 > 0)] if on) + \
            (cyc if t.cycle > 0 else ()) + (("identity",) if t.cycle > 0 and t.identity > 0 else ())

    def translation_weights(self) -> dict:
        """Per term of :meth:`translation_terms`, its weight (the identity term's already times λ)."""
        t = self.i2i
        w = {"adv": t.adv, "l1": t.l1, "cycle_forward": t.cycle, "cycle_backward": t.cycle,
             "identity": t.identity * t.cycle}
        return {k: float(w[k]) for k in self.translation_terms()}

    def config_hash(self) -> str:
        """Hash of the full recipe (every field but the name and the prose: paper, doc, published
        budget, search space, origin). The code it trains with is in the trial's hash
        (``ganbench.harness.identity``); a plugin's loss or step is also known here by its source."""
        from ganbench.zoo.losses import BUILTIN_LOSSES, LOSSES

        d = {k: x for k, x in self.to_dict().items() if k not in _PROSE}
        # A plugin's loss or step is known by its code, not its name: editing the plugin file makes
        # its old records stale instead of silently reused.
        if self.loss not in BUILTIN_LOSSES and self.loss in LOSSES:
            d["loss_source"] = source_digest(LOSSES[self.loss])
        if self.step not in BUILTIN_STEPS and self.step in STEPS:
            d["step_source"] = source_digest(STEPS[self.step])
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    def search_space(self) -> dict[str, Distribution]:
        """``{hyper-parameter: range}`` this recipe is tuned in: every tunable field it uses (its
        knob's ``tune.when``; by default, a field set away from its default) that its step
        implements, with the declared range, then the recipe's own ``space`` (a range replaces the
        default one or adds a field, None fixes a field)."""
        out = {}
        for k, (_, f) in FLAT.items():
            kn = f.metadata.get("knob")
            t = kn.tune if kn is not None else None
            if t is None or self.step in kn.unsupported_by:
                continue
            if t.when(self) if t.when is not None else self.get(k) != _default(f):
                out[t.name or k] = t.dist
        for k, x in self.space.items():
            if x is None:
                out.pop(k, None)
            else:
                out[k] = as_distribution(x)
        return out

    def hyperparameter(self, name: str):
        """The recipe's value of hyper-parameter ``name`` (a key of :data:`TUNABLE`)."""
        flat, t = TUNABLE[name]
        value = self.get(flat)
        return value[t.component] if t.component is not None else value

    def with_hyperparameters(self, values: dict) -> "Variant":
        """A copy with hyper-parameters ``{name: value}`` (keys of :data:`TUNABLE`) set."""
        changes = {}
        for name, x in values.items():
            flat, t = TUNABLE[name]
            if t.component is not None:
                parts = list(changes.get(flat, self.get(flat)))
                parts[t.component] = x
                x = tuple(parts)
            changes[flat] = x
        return self.replace(**changes)


_PROSE = ("name", "paper", "doc", "published_budget", "space", "origin")


def _names(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _default(f: dataclasses.Field):
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def _flat_fields() -> dict[str, tuple[str, dataclasses.Field]]:
    out = {}
    for f in dataclasses.fields(Variant):
        if f.name in _PROSE[3:]:
            continue
        members = [(f.name, g) for g in dataclasses.fields(f.default_factory())] if f.metadata.get("group") else [("", f)]
        for group_name, g in members:
            assert g.name not in out, f"recipe field {g.name!r} is declared twice"  # flat names are unique
            out[g.name] = (group_name, g)
    return out


GROUPS: dict[str, type] = {f.name: f.default_factory for f in dataclasses.fields(Variant) if f.metadata.get("group")}
FLAT: dict[str, tuple[str, dataclasses.Field]] = _flat_fields()  # flat name -> (its group, "" at the top; field)
# hyper-parameter -> (the field it sets, its declaration); every tunable field's range, declared once
TUNABLE: dict[str, tuple[str, Tunable]] = {
    (f.metadata["knob"].tune.name or k): (k, f.metadata["knob"].tune)
    for k, (_, f) in FLAT.items() if "knob" in f.metadata and f.metadata["knob"].tune is not None}


def source_digest(obj) -> str:
    """SHA-256 of the source file that defines ``obj`` (a function, class or callable instance), so
    that helpers it calls are covered too; of its own source when the file cannot be read; a fresh
    random value (never equal, so never reused) when no source exists at all."""
    target = obj if inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismethod(obj) else type(obj)
    try:
        path = inspect.getsourcefile(target)
        if path:
            with open(path, "rb") as f:
                return hashlib.sha256(f.read()).hexdigest()[:16]
    except (OSError, TypeError):
        pass
    try:
        return hashlib.sha256(inspect.getsource(target).encode()).hexdigest()[:16]
    except (OSError, TypeError):
        return "unhashable-" + uuid.uuid4().hex[:12]


# --- validation -----------------------------------------------------------------------------------

def validate_variant(v: Variant) -> Variant:
    """Check a recipe's fields and the form of its own ``space`` (see :func:`check_space`); returns
    it unchanged. Whether the recipe lies in its space is checked where a space is declared
    (``register_variant(..., space=...)``) and where it is sampled, not here: a suite may train a
    recipe (``lr=0``, another batch size) that no search would draw."""
    _validate_fields(v)
    check_space(v, {k: x for k, x in v.space.items() if x is not None}, values=False)
    return v


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _validate_fields(v: Variant) -> None:
    from ganbench.zoo.optim import OPTIMIZERS

    get_loss(v.loss)
    if v.step not in STEPS:
        raise ValueError(f"variant {v.name!r}: unknown step {v.step!r}; choose from {', '.join(sorted(STEPS))}")
    if v.optim.optimizer not in OPTIMIZERS:
        raise ValueError(f"variant {v.name!r}: optimizer must be {' or '.join(map(repr, OPTIMIZERS))}, "
                         f"got {v.optim.optimizer!r}")
    for k, (_, f) in FLAT.items():
        kn = f.metadata.get("knob")
        if kn is not None and kn.domain is not None and not kn.domain.holds(v.get(k)):
            raise ValueError(f"variant {v.name!r}: {k} must be {kn.domain.says}, got {v.get(k)!r}")
    if v.batch_size % v.tricks.pack:
        raise ValueError(f"variant {v.name!r}: batch_size {v.batch_size} must be divisible by pack {v.tricks.pack}")
    _validate_family(v)
    unmet: dict[Requires, list[str]] = {}
    unsupported = []
    for k, (_, f) in FLAT.items():
        kn = f.metadata.get("knob")
        if kn is None or v.get(k) == _default(f):
            continue
        if kn.requires is not None and not kn.requires.test(v):
            unmet.setdefault(kn.requires, []).append(k)
        elif v.step in kn.unsupported_by:
            unsupported.append(k)
    for req, names in unmet.items():
        raise ValueError(f"variant {v.name!r}: {_and(names)} {'belongs' if len(names) == 1 else 'belong'} to "
                         f"{req.says}, or drop {'it' if len(names) == 1 else 'them'}")
    if unsupported:
        raise ValueError(f"variant {v.name!r}: the {v.step} step does not implement {', '.join(unsupported)}; "
                         "drop them or write a plugin step (register_variant(..., step=fn))")
    if v.family.translation and not v.translation_terms():
        raise ValueError(f"variant {v.name!r}: every loss weight is 0, so nothing would train")


def _validate_family(v: Variant) -> None:
    """Which kind of GAN the recipe is, and that its step trains that kind."""
    from ganbench.zoo.conditional import CONDITIONINGS
    from ganbench.zoo.inference import INFERENCE_FAMILIES
    from ganbench.zoo.translation import TRANSLATION_FAMILIES

    fam = v.family
    kinds = [("conditioning", fam.conditioning, CONDITIONINGS, ("conditional",)),
             ("inference", fam.inference, INFERENCE_FAMILIES, INFERENCE_FAMILIES),
             ("translation", fam.translation, TRANSLATION_FAMILIES, TRANSLATION_FAMILIES)]
    for key, value, known, steps in kinds:
        if not value:
            if v.step in steps:
                need = f"one of {', '.join(known)}" if key == "conditioning" else repr(v.step)
                raise ValueError(f"variant {v.name!r}: step {v.step!r} needs {key}={need}")
            continue
        if value not in known:
            raise ValueError(f"variant {v.name!r}: unknown {key} {value!r}; choose from {', '.join(known)}")
        step = "conditional" if key == "conditioning" else value
        if v.step != step:
            kind = {"conditioning": "a conditional", "inference": "an inference", "translation": "a translation"}[key]
            raise ValueError(f"variant {v.name!r}: {kind} variant trains with step={step!r}, got {v.step!r}")
    if fam.translation and (fam.conditioning or fam.inference):
        raise ValueError(f"variant {v.name!r}: translation variants are neither conditional nor inference GANs")
    if fam.inference and fam.conditioning:
        raise ValueError(f"variant {v.name!r}: conditional inference GANs are not implemented")
    if v.i2i.cycle_directions not in ("both", "forward", "backward"):
        raise ValueError(f"variant {v.name!r}: cycle_directions must be 'both', 'forward' or 'backward', "
                         f"got {v.i2i.cycle_directions!r}")
    if v.step == "progan" and (v.arch.family or "") != "progan":
        raise ValueError(f"variant {v.name!r}: step 'progan' grows the progan architecture; set arch={{'family': 'progan'}}")


def check_space(v: Variant, space: dict, values: bool = True) -> None:
    """Check ranges ``space`` (``{hyper-parameter: range}``) for recipe ``v``: each names a tunable
    field that ``v``'s step implements and that acts in ``v``, and stays in the values the field may
    take; with ``values``, also that ``v``'s own value lies in it (the recipe is configuration 0) and
    that every value of a choice gives a valid recipe (a packing degree that divides the batch)."""
    for k, x in space.items():
        if k not in TUNABLE:
            raise ValueError(f"variant {v.name!r}: space names {k!r}, which is not tunable; tunable: "
                             f"{', '.join(TUNABLE)}")
        dist = as_distribution(x)
        flat, t = TUNABLE[k]
        kn = FLAT[flat][1].metadata["knob"]
        where = f"variant {v.name!r}: space {format_space({k: dist})}"
        if v.step in kn.unsupported_by:
            raise ValueError(f"{where}: the {v.step} step does not implement {flat}")
        if t.when is not None and not t.when(v):
            raise ValueError(f"{where}: {k} does not act in this recipe")
        dom = t.domain or kn.domain
        if not dom.covers(dist):
            raise ValueError(f"{where} leaves the values {k} may take: {k} must be {dom.says}")
        if not values:
            continue
        if not covers(dist, Choice((v.hyperparameter(k),))):
            raise ValueError(f"{where} does not contain the recipe's {k} = {v.hyperparameter(k)!r}; the recipe is "
                             "configuration 0 of its space (declare a space that contains it: "
                             "register_variant(..., space=...))")
        for x in dist.values if isinstance(dist, Choice) else ():
            try:
                _validate_fields(v.with_hyperparameters({k: x}))
            except ValueError as exc:
                raise ValueError(f"{where}: {k} = {x!r} gives an invalid recipe ({exc})") from None
