"""The reference GAN variants as named recipes, and the plugin API to add more.

A variant is a frozen :class:`Variant`: a loss from the loss registry, penalties and tricks,
optimiser settings, an architecture and a step function. ``register_variant(name, base=..., **overrides)``
derives a new one from an existing recipe; that is all a user needs to benchmark a new loss.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Callable

from ganbench.zoo.losses import get_loss
from ganbench.zoo.networks import Arch
from ganbench.zoo.steps import STEPS, register_step


@dataclass(frozen=True)
class Variant:
    """A training recipe. Learning rates and betas apply to both players unless ``d_lr`` is set."""

    name: str
    loss: str = "ns"  # a name in ganbench.zoo.LOSSES
    paper: str = ""
    doc: str = ""
    n_critic: int = 1  # discriminator updates per generator update
    optimizer: str = "adam"  # adam | rmsprop
    lr: float = 1e-3
    d_lr: float | None = None
    betas: tuple[float, float] = (0.5, 0.999)
    batch_size: int = 256
    gp: float = 0.0  # WGAN-GP penalty weight λ
    r1: float = 0.0  # R1 penalty weight γ
    clip: float = 0.0  # WGAN weight-clipping bound c
    spectral_norm: bool = False
    pack: int = 1  # PacGAN packing degree m
    mbd: bool = False  # minibatch discrimination
    feature_matching: bool = False
    unroll: int = 0  # unrolling steps k
    ema: float = 0.0  # decay of the generator's exponential moving average (Yazici et al. 2019); 0: none
    conditioning: str = ""  # how D sees the class (ganbench.zoo.conditional.CONDITIONINGS); "": unconditional
    inference: str = ""  # a GAN with an encoder (ganbench.zoo.inference.INFERENCE_FAMILIES); "": none
    translation: str = ""  # image-to-image translation (ganbench.zoo.translation.TRANSLATION_FAMILIES); "": none
    adv: float = 1.0  # translation: weight of G's adversarial term (0: no discriminator is trained)
    l1: float = 0.0  # pix2pix: weight λ of the L1 term
    cycle: float = 0.0  # CycleGAN: weight λ of the cycle-consistency terms
    cycle_directions: str = "both"  # CycleGAN: "both", "forward" (A -> B -> A only) or "backward"
    identity: float = 0.0  # CycleGAN: identity-loss weight as a fraction of λ (the released code's λ_idt)
    reg_every: int = 1  # lazy regularisation (Karras et al. 2020, Sec. 3.1): gp / r1 every k-th D step, weighted k
    growth_kimg: float = 0.0  # ProGAN: thousands of real images per growth phase (fade-in, then stable); 0: no growing
    drift: float = 0.0  # ProGAN: weight ε of the critic's drift penalty ε·E[D(x)²]
    style_mixing: float = 0.0  # style-based G: probability of style-mixing regularisation per batch
    truncation_psi: float = 1.0  # style-based G: truncation ψ at evaluation (1: none), part of the protocol
    step: str = "default"  # a name in ganbench.zoo.steps.STEPS
    arch: Arch = field(default_factory=Arch)
    # The budget of the paper's own runs, for the leaderboards' regime flags (prose, not training):
    # {"kimg" or "g_steps": total, "batch_size": ..., "data": what it trained on, "source": citation}.
    published_budget: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def tricks(self) -> list[str]:
        """What the recipe adds to its loss (penalties, normalisation, packing, ...), for listings."""
        out = [f"gp({self.gp:g})" if self.gp else "", f"r1({self.r1:g})" if self.r1 else "",
               f"clip({self.clip:g})" if self.clip else "", "spectral-norm" if self.spectral_norm else "",
               f"pack({self.pack})" if self.pack > 1 else "", "minibatch-discrimination" if self.mbd else "",
               "feature-matching" if self.feature_matching else "", f"unroll({self.unroll})" if self.unroll else "",
               f"ema({self.ema:g})" if self.ema else "", f"conditional({self.conditioning})" if self.conditioning else "",
               f"encoder({self.inference})" if self.inference else "",
               f"adv({self.adv:g})" if self.translation and self.adv != 1 else "", f"l1({self.l1:g})" if self.l1 else "",
               f"cycle({self.cycle:g}, {self.cycle_directions})" if self.cycle else "",
               f"identity({self.identity:g})" if self.identity and self.cycle else "",
               f"lazy-reg(every {self.reg_every})" if self.reg_every > 1 else "",
               f"growing({self.growth_kimg:g} kimg/phase)" if self.growth_kimg else "",
               f"drift({self.drift:g})" if self.drift else "",
               f"style-mixing({self.style_mixing:g})" if self.style_mixing else "",
               f"truncation({self.truncation_psi:g})" if self.truncation_psi != 1 else ""]
        return [r for r in out if r]

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["betas"] = list(self.betas)
        return d

    def program_key(self) -> tuple:
        """What trials must share to train in one program: the network shapes, the batch, the step
        and its schedule, the optimiser type and which penalties run. Everything else (loss, learning
        rates, betas, penalty weights, clip bound, spectral normalisation) may differ per trial.
        A plugin's own step function may read any field, so its trials share a program only with
        trials of the same variant."""
        from ganbench.zoo.steps import BUILTIN_STEPS

        own = self.name if self.step not in BUILTIN_STEPS else ""
        return (self.arch, self.pack, self.mbd, self.batch_size, self.n_critic, self.step, self.unroll,
                self.optimizer, self.gp > 0, self.r1 > 0, self.feature_matching, self.ema > 0, self.conditioning, self.inference,
                self.translation, *self.translation_terms(), self.reg_every, self.growth_kimg, self.drift, self.style_mixing,
                self.truncation_psi, own)

    def translation_terms(self) -> tuple[str, ...]:
        """The loss terms a translation step computes (their weights may differ per trial of a program)."""
        if not self.translation:
            return ()
        cyc = {"both": ("cycle_forward", "cycle_backward"), "forward": ("cycle_forward",),
               "backward": ("cycle_backward",)}.get(self.cycle_directions, ())
        return tuple(t for t, on in [("adv", self.adv > 0), ("l1", self.l1 > 0)] if on) + \
            (cyc if self.cycle > 0 else ()) + (("identity",) if self.cycle > 0 and self.identity > 0 else ())

    def translation_weights(self) -> dict:
        """Per term of :meth:`translation_terms`, its weight (the identity term's already times λ)."""
        w = {"adv": self.adv, "l1": self.l1, "cycle_forward": self.cycle, "cycle_backward": self.cycle,
             "identity": self.identity * self.cycle}
        return {t: float(w[t]) for t in self.translation_terms()}

    def config_hash(self) -> str:
        """Hash of everything in the recipe that changes training except the name and the prose (a
        field at its default is left out, so adding a field to the recipe does not change existing
        hashes). The code it trains with is in the trial's hash (``ganbench.harness.identity``)."""
        from ganbench.zoo.losses import BUILTIN_LOSSES, LOSSES
        from ganbench.zoo.steps import BUILTIN_STEPS, STEPS

        d = {k: v for k, v in self.to_dict().items() if k not in ("name", "paper", "doc", "published_budget")}
        for late, default in _LATE_FIELDS.items():  # fields added after records existed: absent at their default
            if d.get(late) == default:
                d.pop(late, None)
        # A plugin's loss or step is known by its code, not its name: editing the plugin file makes
        # its old records stale instead of silently reused.
        if self.loss not in BUILTIN_LOSSES and self.loss in LOSSES:
            d["loss_source"] = source_digest(LOSSES[self.loss])
        if self.step not in BUILTIN_STEPS and self.step in STEPS:
            d["step_source"] = source_digest(STEPS[self.step])
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def source_digest(obj) -> str:
    """SHA-256 of the source file that defines ``obj`` (a function, class or callable instance), so
    that helpers it calls are covered too; of its own source when the file cannot be read; a fresh
    random value (never equal, so never reused) when no source exists at all."""
    import inspect
    import uuid

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


_LATE_FIELDS = {"ema": 0.0, "conditioning": "", "inference": "", "translation": "", "adv": 1.0, "l1": 0.0,
                "cycle": 0.0, "cycle_directions": "both", "identity": 0.0, "reg_every": 1, "growth_kimg": 0.0, "drift": 0.0,
                "style_mixing": 0.0, "truncation_psi": 1.0}
VARIANTS: dict[str, Variant] = {}
RESERVED_NAMES = ("real", "init", "identity")  # the reference rows of every leaderboard
_FIELDS = {f.name for f in dataclasses.fields(Variant)}
_ARCH_FIELDS = {f.name for f in dataclasses.fields(Arch)}


def validate_variant(v: Variant) -> Variant:
    """Check a recipe's fields; returns it unchanged."""
    get_loss(v.loss)
    if v.step not in STEPS:
        raise ValueError(f"variant {v.name!r}: unknown step {v.step!r}; choose from {', '.join(sorted(STEPS))}")
    if v.optimizer not in ("adam", "rmsprop"):
        raise ValueError(f"variant {v.name!r}: optimizer must be 'adam' or 'rmsprop', got {v.optimizer!r}")
    for key in ("n_critic", "batch_size", "pack", "reg_every"):
        if not isinstance(getattr(v, key), int) or getattr(v, key) < 1:
            raise ValueError(f"variant {v.name!r}: {key} must be a positive integer, got {getattr(v, key)!r}")
    if v.batch_size % v.pack:
        raise ValueError(f"variant {v.name!r}: batch_size {v.batch_size} must be divisible by pack {v.pack}")
    if v.lr < 0 or (v.d_lr is not None and v.d_lr < 0):
        raise ValueError(f"variant {v.name!r}: learning rates must be >= 0")
    if not (isinstance(v.ema, (int, float)) and 0 <= v.ema < 1):
        raise ValueError(f"variant {v.name!r}: ema must be a decay in [0, 1), got {v.ema!r}")
    _validate_conditioning(v)
    _validate_inference(v)
    _validate_translation(v)
    _validate_image_families(v)
    return v


def _validate_image_families(v: Variant) -> None:
    family = v.arch.family or ""
    if v.step == "progan" and family != "progan":
        raise ValueError(f"variant {v.name!r}: step 'progan' grows the progan architecture; set arch={{'family': 'progan'}}")
    if (v.growth_kimg or v.drift) and v.step != "progan":
        raise ValueError(f"variant {v.name!r}: growth_kimg and drift belong to ProGAN's step; set step='progan'")
    if v.growth_kimg < 0 or v.drift < 0:
        raise ValueError(f"variant {v.name!r}: growth_kimg and drift must be >= 0")
    if (v.style_mixing or v.truncation_psi != 1) and family not in ("stylegan", "stylegan2"):
        raise ValueError(f"variant {v.name!r}: style_mixing and truncation_psi need a style-based generator "
                         "(arch family 'stylegan' or 'stylegan2')")
    if not 0 <= v.style_mixing <= 1:
        raise ValueError(f"variant {v.name!r}: style_mixing is a probability in [0, 1], got {v.style_mixing!r}")


_OFF = {"pack": 1, "mbd": False, "feature_matching": False, "gp": 0, "r1": 0, "unroll": 0, "clip": 0}


def _unsupported(v: Variant, family: str) -> None:
    bad = [k for k, value in _OFF.items() if getattr(v, k) != value]
    if bad:
        raise ValueError(f"variant {v.name!r}: the {family} step does not implement {', '.join(bad)}; "
                         "drop them or write a plugin step (register_variant(..., step=fn))")


def _validate_inference(v: Variant) -> None:
    from ganbench.zoo.inference import INFERENCE_FAMILIES

    if not v.inference:
        if v.step in INFERENCE_FAMILIES:
            raise ValueError(f"variant {v.name!r}: step {v.step!r} needs inference={v.step!r}")
        return
    if v.inference not in INFERENCE_FAMILIES:
        raise ValueError(f"variant {v.name!r}: unknown inference family {v.inference!r}; choose from "
                         f"{', '.join(INFERENCE_FAMILIES)}")
    if v.step != v.inference:
        raise ValueError(f"variant {v.name!r}: an inference variant trains with step={v.inference!r}, got {v.step!r}")
    if v.conditioning:
        raise ValueError(f"variant {v.name!r}: conditional inference GANs are not implemented")
    _unsupported(v, v.inference)


def _validate_translation(v: Variant) -> None:
    from ganbench.zoo.translation import TRANSLATION_FAMILIES

    terms = {"l1": v.l1, "cycle": v.cycle, "identity": v.identity}
    if not v.translation:
        if v.step in TRANSLATION_FAMILIES:
            raise ValueError(f"variant {v.name!r}: step {v.step!r} needs translation={v.step!r}")
        set_ = [k for k, x in terms.items() if x] + (["adv"] if v.adv != 1 else [])
        if set_:
            raise ValueError(f"variant {v.name!r}: {', '.join(set_)} weight only image-to-image translation losses; "
                             "set translation='pix2pix' or 'cyclegan', or drop them")
        return
    if v.translation not in TRANSLATION_FAMILIES:
        raise ValueError(f"variant {v.name!r}: unknown translation family {v.translation!r}; choose from "
                         f"{', '.join(TRANSLATION_FAMILIES)}")
    if v.step != v.translation:
        raise ValueError(f"variant {v.name!r}: a translation variant trains with step={v.translation!r}, got {v.step!r}")
    if v.conditioning or v.inference:
        raise ValueError(f"variant {v.name!r}: translation variants are neither conditional nor inference GANs")
    if v.n_critic != 1 or v.ema:
        raise ValueError(f"variant {v.name!r}: the translation steps take one D step per G step and no generator "
                         "average (n_critic=1, ema=0)")
    _unsupported(v, v.translation)
    if any(x < 0 for x in (v.adv, *terms.values())):
        raise ValueError(f"variant {v.name!r}: loss weights adv, l1, cycle and identity must be >= 0")
    if v.cycle_directions not in ("both", "forward", "backward"):
        raise ValueError(f"variant {v.name!r}: cycle_directions must be 'both', 'forward' or 'backward', "
                         f"got {v.cycle_directions!r}")
    wrong = "cycle" if v.translation == "pix2pix" and (v.cycle or v.identity) else \
        "l1" if v.translation == "cyclegan" and v.l1 else ""
    if wrong:
        raise ValueError(f"variant {v.name!r}: {v.translation} has no {wrong} term")
    if not v.translation_terms():
        raise ValueError(f"variant {v.name!r}: every loss weight is 0, so nothing would train")


def _validate_conditioning(v: Variant) -> None:
    from ganbench.zoo.conditional import CONDITIONINGS

    if not v.conditioning:
        if v.step == "conditional":
            raise ValueError(f"variant {v.name!r}: step 'conditional' needs conditioning= one of {', '.join(CONDITIONINGS)}")
        return
    if v.conditioning not in CONDITIONINGS:
        raise ValueError(f"variant {v.name!r}: unknown conditioning {v.conditioning!r}; choose from "
                         f"{', '.join(CONDITIONINGS)}")
    if v.step != "conditional":
        raise ValueError(f"variant {v.name!r}: a conditional variant trains with step='conditional', got {v.step!r}")
    _unsupported(v, "conditional")


def register_variant(name: str, base: str | None = "gan-ns", *, step: str | Callable | None = None, **overrides) -> Variant:
    """Register a variant named ``name``: ``base``'s recipe with ``overrides`` (any :class:`Variant`
    field; ``arch`` may be a dict of :class:`Arch` fields). ``step`` may be a callable ``step(ctx)``
    for a variant whose training step differs; it is registered under the variant's name.

    Example::

        @register_loss("my-loss")
        def my_loss(d_real, d_fake): ...
        register_variant("my-gan", base="gan-ns", loss="my-loss", lr=2e-4)
    """
    if not name or not isinstance(name, str) or any(c.isspace() for c in name):
        raise ValueError(f"variant name must be a non-empty string without spaces, got {name!r}")
    if name in VARIANTS:
        raise ValueError(f"variant {name!r} is already registered; pick another name")
    if name in RESERVED_NAMES:
        raise ValueError(f"variant name {name!r} is reserved for a leaderboard's reference rows; pick another name")
    if "/" in name or "\\" in name or name.startswith(".") or ".." in name:
        raise ValueError(f"variant name {name!r} must not contain path separators or '..'")
    unknown = set(overrides) - _FIELDS
    if unknown:
        raise ValueError(f"register_variant({name!r}): unknown field(s) {sorted(unknown)}; valid: {sorted(_FIELDS - {'name'})}")
    if base is None:
        proto = Variant(name=name)
    elif base in VARIANTS:
        proto = VARIANTS[base]
    else:
        raise ValueError(f"register_variant({name!r}): unknown base variant {base!r}; see `ganbench list variants`")
    if isinstance(overrides.get("arch"), dict):
        bad = set(overrides["arch"]) - _ARCH_FIELDS
        if bad:
            raise ValueError(f"register_variant({name!r}): unknown arch field(s) {sorted(bad)}; valid: {sorted(_ARCH_FIELDS)}")
        overrides["arch"] = dataclasses.replace(proto.arch, **overrides["arch"])
    if "betas" in overrides:
        overrides["betas"] = tuple(overrides["betas"])
    if callable(step):
        register_step(name)(step)
        overrides["step"] = name
    elif step is not None:
        overrides["step"] = step
    if "paper" not in overrides and base is not None:
        overrides["paper"] = ""
    if "doc" not in overrides and base is not None:
        overrides["doc"] = f"{base} with {', '.join(f'{k}={v}' for k, v in overrides.items() if k not in ('paper', 'doc'))}"
    v = validate_variant(dataclasses.replace(proto, name=name, **overrides))
    VARIANTS[name] = v
    return v


def get_variant(name: str) -> Variant:
    if name not in VARIANTS:
        raise ValueError(f"unknown variant {name!r}; choose from {', '.join(sorted(VARIANTS))} "
                         "or load a plugin that registers it (--plugin FILE)")
    return VARIANTS[name]


def _builtin(name, paper, doc, base=None, **kw):
    register_variant(name, base=base, paper=paper, doc=doc, **kw)


_builtin("gan-ns", "Goodfellow et al. 2014", "non-saturating GAN: G maximises log D(G(z))", loss="ns")
_builtin("gan-minimax", "Goodfellow et al. 2014", "the original minimax GAN with the saturating G loss", "gan-ns",
         loss="minimax")
_builtin("lsgan", "Mao et al. 2017", "least-squares GAN, 0-1 coding", "gan-ns", loss="lsgan")
_builtin("wgan", "Arjovsky et al. 2017", "Wasserstein GAN: weight clipping 0.01, RMSprop 5e-5, 5 critic steps",
         "gan-ns", loss="wasserstein", clip=0.01, optimizer="rmsprop", lr=5e-5, n_critic=5)
_builtin("wgan-gp", "Gulrajani et al. 2017", "WGAN with gradient penalty λ = 10, Adam(1e-4, β = (0.5, 0.9)), 5 critic steps",
         "gan-ns", loss="wasserstein", gp=10.0, lr=1e-4, betas=(0.5, 0.9), n_critic=5)
_builtin("wgan-gp-toy", "Gulrajani et al. 2017 (released toy code, gan_toy.py)",
         "WGAN-GP with the authors' settings for 2-D toy data: λ = 0.1 instead of 10, otherwise as wgan-gp. "
         "Measured on ring8 (10k steps, batch 64): λ = 10 covers 4-5 of 8 modes with 0.3% high-quality samples, "
         "λ = 0.1 covers 8 with 74%; a critic held at gradient norm 1 cannot resolve modes 0.01 wide",
         "wgan-gp", gp=0.1)
_builtin("hinge", "Lim & Ye 2017", "hinge loss", "gan-ns", loss="hinge")
_builtin("sngan", "Miyato et al. 2018", "spectral normalisation of every D layer + hinge loss, five D steps per G "
         "step, Adam(2e-4, β = (0, 0.9)): the authors' released code (pfnet-research/sngan_projection). Measured on "
         "ring8 (batch 64, 10k steps, 2 seeds): with one D step (the zoo's shared Adam(1e-3, β = (0.5, 0.999)), or "
         "the paper's Table 1 B/C) it covers 0-2 of 8 modes; with five (Table 1 A, or these settings) all 8, "
         "high-quality fraction 0.69-0.74 (A) and 0.78-0.79 (these)", "gan-ns",
         loss="hinge", spectral_norm=True, n_critic=5, lr=2e-4, betas=(0.0, 0.9))
_builtin("r1", "Mescheder et al. 2018", "non-saturating GAN + R1 penalty γ = 1", "gan-ns", r1=1.0)
for _f, _title in [("kl", "KL"), ("rkl", "reverse KL"), ("pearson", "Pearson χ²"), ("hellinger", "squared Hellinger"),
                   ("js", "Jensen-Shannon")]:
    _builtin(f"fgan-{_f}", "Nowozin et al. 2016", f"f-GAN, {_title} divergence (Table 2 activation and conjugate)",
             "gan-ns", loss=f"fgan-{_f}", lr=2e-4)
_builtin("unrolled-gan", "Metz et al. 2017", "non-saturating GAN, G differentiates through 5 unrolled Adam steps of D "
         "(the first is D's own update), all on the step's one batch as in the authors' reference code; "
         "D learns 10x slower than G (Adam 1e-4 vs 1e-3, the paper's mixture setting): with D at 1e-3, G collapses "
         "onto one mode (measured on ring8)", "gan-ns", unroll=5, step="unrolled", d_lr=1e-4,
         published_budget={"g_steps": 25_000, "batch_size": 512, "data": "a ring of 8 Gaussians",
                           "source": "Metz et al. 2017, the authors' mixture notebook"})
_PACGAN_MIXTURES = {"g_steps": 400_000, "batch_size": 100, "data": "ring8 and grid25",
                    "source": "Lin et al. 2018 (PacGAN), the released configs (fjxmlzn/PacGAN)"}
_builtin("pacgan", "Lin et al. 2018", "non-saturating GAN, D judges packs of m = 2 samples", "gan-ns", pack=2,
         published_budget=_PACGAN_MIXTURES)
_builtin("pacgan4", "Lin et al. 2018", "non-saturating GAN, D judges packs of m = 4 samples", "gan-ns", pack=4,
         published_budget=_PACGAN_MIXTURES)
_builtin("mbd-gan", "Salimans et al. 2016", "non-saturating GAN + minibatch discrimination in D", "gan-ns", mbd=True)
_builtin("fm-gan", "Salimans et al. 2016", "feature matching: G matches D's mean last-layer features", "gan-ns",
         feature_matching=True)
_builtin("cgan", "Mirza & Osindero 2014", "conditional GAN: the one-hot label concatenated to z and to D's input "
         "(K constant channels for images); non-saturating loss, the zoo's shared Adam(1e-3, β = (0.5, 0.999))",
         "gan-ns", conditioning="concat", step="conditional")
_builtin("acgan", "Odena et al. 2017", "auxiliary-classifier GAN: D sees x alone and has a K-way class head; D adds "
         "the class log-likelihood of real and fake samples, G of its own (Eq. 1-2); non-saturating loss, G "
         "conditioned by concatenation, the zoo's shared Adam", "gan-ns", conditioning="auxiliary", step="conditional")
_builtin("cgan-projection", "Miyato & Koyama 2018", "projection discriminator D(x, y) = ψ(φ(x)) + e_yᵀVφ(x) (Eq. 3), "
         "hinge loss, spectral normalisation of D and V, five D steps at Adam(2e-4, β = (0, 0.9)) as sngan. On image "
         "tasks G has the paper's conditional BatchNorm (class-wise γ, β); the mixtures' MLP generator has no "
         "BatchNorm, so there G takes the one-hot label concatenated to z", "sngan", conditioning="projection", step="conditional")
_builtin("bigan", "Donahue et al. 2017 (BiGAN); Dumoulin et al. 2017 (ALI)", "encoder E: x -> z; D judges (x, E(x)) "
         "against (G(z), z), G and E minimise D's objective (labels swapped, non-saturating); the zoo's shared "
         "Adam(1e-3, β = (0.5, 0.999)) for D and for G with E", "gan-ns", inference="bigan", step="bigan")
_builtin("aae", "Makhzani et al. 2016", "adversarial autoencoder: E and G minimise ||x - G(E(x))||²; D on codes "
         "judges z ~ N(0, I) against E(x) and E alone learns to fool it (non-saturating); Adam(1e-3, β = "
         "(0.5, 0.999)) in place of the paper's SGD with momentum", "gan-ns", inference="aae", step="aae")
_builtin("ns-smooth", "Salimans et al. 2016", "non-saturating GAN, one-sided label smoothing (real target 0.9)",
         "gan-ns", loss="ns-smooth")
_builtin("pix2pix", "Isola et al. 2017", "U-Net G, PatchGAN D on (input, output) pairs; cGAN loss (BCE on logits, "
         "D's objective halved) + λ·L1 with λ = 100; Adam(2e-4, β = (0.5, 0.999)). Scaled for 32x32: base width "
         "16, PatchGAN receptive field 16x16, batch 16 (the paper: batch 1-10, base 64, 70x70 patches at 256x256)",
         "gan-ns", translation="pix2pix", step="pix2pix", loss="ns", l1=100.0, lr=2e-4, betas=(0.5, 0.999),
         batch_size=16, arch={"ch": 16})
_builtin("pix2pix-l1", "Isola et al. 2017 (Table 1, L1)", "pix2pix's ablation: L1 only (no discriminator)", "pix2pix",
         adv=0.0)
_builtin("pix2pix-gan", "Isola et al. 2017 (Table 1, cGAN)", "pix2pix's ablation: the cGAN loss only (λ = 0)",
         "pix2pix", l1=0.0)
_builtin("cyclegan", "Zhu et al. 2017", "two ResNet generators A -> B -> A, two PatchGANs with 50-image histories; "
         "least squares as the released code (lsgan-mse), cycle loss λ = 10 both ways, identity loss 0.5·λ; "
         "Adam(2e-4, β = (0.5, 0.999)), no learning-rate decay. Scaled for 32x32: base width 8, batch 8 "
         "(the paper: base 64, batch 1)", "gan-ns", translation="cyclegan", step="cyclegan", loss="lsgan-mse",
         cycle=10.0, identity=0.5, lr=2e-4, betas=(0.5, 0.999), batch_size=8, arch={"ch": 8})
_builtin("cyclegan-gan-only", "Zhu et al. 2017 (Table 4, GAN alone)", "CycleGAN's ablation: the adversarial "
         "losses only (λ = 0, so no identity loss either)", "cyclegan", cycle=0.0)
_builtin("cyclegan-forward", "Zhu et al. 2017 (Table 4, GAN + forward cycle)", "CycleGAN's ablation: only the "
         "forward cycle A -> B -> A", "cyclegan", cycle_directions="forward")
_builtin("cycle-only", "Zhu et al. 2017 (Table 4, Cycle alone)", "CycleGAN's ablation: cycle and identity losses, "
         "no adversarial loss", "cyclegan", adv=0.0)
_builtin("dcgan32", "Radford et al. 2016", "DCGAN at 32x32 with the paper's layout: G projects z (32) to 4x4 and "
         "doubles the resolution three times with stride-2 transposed convs, BatchNorm and ReLU, tanh output; D "
         "mirrors it with stride-2 convs and LeakyReLU(0.2) down to 4x4; non-saturating loss, Adam(2e-4, β = "
         "(0.5, 0.999)) as the paper. Scaled: base width 16 (the paper's 128 at 64x64), batch 16 (128). An "
         "earlier 2x2 start (four stages) collapsed to one image within 50 steps on digits32 at every setting "
         "probed (lr, batch, width, SN, LSGAN, N(0, 0.02) init, BatchNorm in D), with plain PyTorch modules too",
         "gan-ns", lr=2e-4, batch_size=16, arch={"family": "dcgan", "ch": 16})
_builtin("progan", "Karras et al. 2018", "progressive growing 4 -> 8 -> 16 -> 32 with linear fade-in, pixel norm, "
         "equalised learning rate, minibatch stddev (group 4), WGAN-GP (λ = 10, one critic step) with drift "
         "ε = 0.001, Adam(1e-3, β = (0, 0.99)) as the paper's Sec. A.1. Scaled: 8 channels at every resolution "
         "(the paper's 512 up to 32x32), z of 32 (512), batch 16 (the paper's at high resolution), phases of "
         "5k images (the paper's 600k per fade-in and per stable phase): full resolution after 35 kimg",
         "gan-ns", loss="wasserstein", gp=10.0, drift=0.001, lr=1e-3, betas=(0.0, 0.99), batch_size=16,
         step="progan", growth_kimg=5.0, arch={"family": "progan", "ch": 8},
         published_budget={"kimg_per_phase": 600, "data": "CelebA-HQ 1024x1024",
                           "source": "Karras et al. 2018, Sec. A.1 and the released config (600k images per fade-in and per stable phase)"})
_builtin("stylegan", "Karras et al. 2019", "style-based G: 8-layer mapping network (lr x 0.01) to w, learned 4x4 "
         "constant, AdaIN after every conv, per-pixel noise, style mixing with probability 0.9; ProGAN's D; "
         "non-saturating loss with R1 γ = 10 on every D step and Adam(1e-3, β = (0, 0.99)) as the paper (FFHQ "
         "settings); evaluated at truncation ψ = 1 (none), with FID at ψ = 0.5 and 0.7 recorded. Scaled: 8 "
         "channels, z and w of 32 (512), batch 16, no progressive growing and no blur filters", "gan-ns",
         r1=10.0, lr=1e-3, betas=(0.0, 0.99), batch_size=16, style_mixing=0.9,
         arch={"family": "stylegan", "ch": 8, "depth": 8},
         published_budget={"kimg": 25_000, "data": "FFHQ 1024x1024", "source": "Karras et al. 2019 (StyleGAN), FFHQ: 25M images shown"})
_builtin("stylegan2", "Karras et al. 2020", "StyleGAN2 G: weight modulation and demodulation in place of AdaIN, "
         "skip-connected toRGB outputs, per-layer noise strength; lazy R1 (every 16 D steps, weighted 16, Sec. "
         "3.1); otherwise as stylegan (γ = 10, mixing 0.9, ProGAN's D: the paper's residual D and path-length "
         "regularisation are not implemented)", "stylegan", reg_every=16, arch={"family": "stylegan2", "ch": 8, "depth": 8},
         published_budget={"kimg": 25_000, "data": "FFHQ 1024x1024", "source": "Karras et al. 2020 (StyleGAN2), FFHQ config F: 25M images shown"})
BUILTIN_VARIANTS = tuple(VARIANTS)  # the reference recipes above; plugins add more
