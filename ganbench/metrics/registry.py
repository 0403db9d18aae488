"""The metric registry: every number ganbench computes, in one place.

Two tables, one vocabulary:

- :data:`VALUES`: every value a record can hold (``fid``, ``hq_fraction``, ``c_t``, ...), described
  once by a :class:`MetricValue`: its readable label, direction, the inputs it needs, its citation,
  what computes it and the default equivalence margin ``compare`` uses. Leaderboards, ``compare``,
  ``check``, ``ganbench list metrics`` and the docs all read it; a test fails when a task emits a
  value that is not described here.
- :data:`METRICS`: the feature-space metrics the evaluation layer computes by name in a protocol
  (``fid``, ``kid``, ``pr``, ``dc``, ``is``), each producing some of those values. The other values
  come from tasks (mode statistics, conditional, translation) or the harness (encoders, path length).

Directions are declared once (per value) and used by ranking, ``compare`` and ``check`` alike;
:data:`HIGHER_IS_BETTER` is the value -> direction view of :data:`VALUES`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from ganbench.metrics.defaults import resolve
from ganbench.metrics.density_coverage import density_coverage
from ganbench.metrics.fid import fid
from ganbench.metrics.inception_score import inception_score
from ganbench.metrics.kid import kid
from ganbench.metrics.precision_recall import precision_recall

# What a value may need besides generated samples, in the words ``ganbench list metrics`` prints.
INPUTS = {
    "real features": "features of the task's real reference set (its extractor)",
    "fake features": "features of the generated samples (the same extractor)",
    "logits": "classifier logits of the generated samples (inception, digits)",
    "mixture centres": "the components of a synthetic mixture (its 3-std rule)",
    "classifier": "a classifier that recognises the task's classes (digits) or the mixture's 3-std rule",
    "labels": "the class each generated sample was asked for (conditional tasks)",
    "training set": "the samples the generator trained on",
    "held-out set": "real samples no generator trained on",
    "paired targets": "the ground-truth output of each translated input",
    "generator": "the trained generator itself (its latent space or its inverse)",
    "encoder": "the trained encoder E: x -> z",
}


@dataclass(frozen=True)
class MetricValue:
    """One number a record can hold.

    ``key``: the stable name in records, CSV and JSON; ``label``: the human column header (may name
    ``{n_modes}``, filled from the task); ``higher_is_better``: True, False or None (not ranked:
    an error bar, a count); ``source``: the metric of :data:`METRICS` or the task/harness group that
    computes it; ``needs``: inputs from :data:`INPUTS`; ``per_extractor``: computed in a feature
    space, so a leaderboard column names the extractor (``fid[digits]``, "FID (digits)");
    ``percent``: a fraction shown as % in human tables; ``margin`` (``relative``: a fraction of the
    reference's mean): the default equivalence margin of ``compare`` (two one-sided tests), None where
    equivalence is not defined for the value; ``worst``: the worst value the metric can take on any
    task (a diverged seed scores it in every test), None where it is unbounded on that side (a
    diverged seed then ranks below every finite value).
    """

    key: str
    label: str
    higher_is_better: bool | None
    source: str
    needs: tuple[str, ...]
    paper: str
    description: str
    per_extractor: bool = False
    percent: bool = False
    margin: float | None = None
    relative: bool = False
    worst: float | None = None

    def header(self, extractor: str = "", n_modes: int | None = None) -> str:
        """The human column header, e.g. "FID (digits)", "modes (of 25)", "high-quality %"."""
        label = self.label.format(n_modes=n_modes if n_modes else "K")
        return f"{label} ({extractor})" if self.per_extractor and extractor else label

    def margin_for(self, reference_mean: float) -> float | None:
        """The equivalence margin in the value's units, given the reference's mean."""
        if self.margin is None:
            return None
        return self.margin * abs(reference_mean) if self.relative else self.margin


VALUES: dict[str, MetricValue] = {}

# Value name -> direction, for every value any metric can produce (ranking / compare / check use this).
HIGHER_IS_BETTER: dict[str, bool | None] = {}


def register_value(value: MetricValue) -> MetricValue:
    """Describe one value; refuses a duplicate key, an unknown input and a direction clash."""
    if not value.key or not all(ch.isalnum() or ch in "_." for ch in value.key):
        raise ValueError(f"value name {value.key!r} must be letters, digits, '_' or '.'")
    if value.key in VALUES:
        raise ValueError(f"value {value.key!r} is already registered")
    if value.worst is not None and (value.higher_is_better is None or not math.isfinite(value.worst)):
        raise ValueError(f"value {value.key!r}: worst must be a finite number, and only a ranked value has one")
    unknown = [n for n in value.needs if n not in INPUTS]
    if unknown:
        raise ValueError(f"value {value.key!r}: unknown input(s) {unknown}; choose from {', '.join(INPUTS)}")
    VALUES[value.key] = value
    HIGHER_IS_BETTER[value.key] = value.higher_is_better
    return value


def value_info(key: str) -> MetricValue:
    """The description of value ``key`` (a column such as ``fid[digits]`` works too)."""
    name = key.split("[", 1)[0]
    if name not in VALUES:
        raise ValueError(f"unknown metric value {name!r}; `ganbench list metrics` lists them all")
    return VALUES[name]


def column_header(column: str, n_modes: int | None = None) -> str:
    """The human header of a leaderboard column ``name[extractor]``: "FID (digits)"; a value the
    registry does not know (a plugin's) keeps its column name."""
    name, _, rest = column.partition("[")
    if name not in VALUES:
        return column
    return VALUES[name].header(rest.rstrip("]"), n_modes)


@dataclass(frozen=True)
class MetricSpec:
    """A feature-space metric as the evaluation layer sees it.

    ``compute(real_features, fake_features, fake_logits, options) -> {value_name: float}``, where
    ``options`` holds every name in ``options`` (values from :data:`ganbench.metrics.defaults.DEFAULTS`
    unless the caller set them) plus ``device``; ``higher_is_better`` maps each value name it returns
    to its direction (None: not ranked), which must agree with the value's :class:`MetricValue`.
    """

    name: str
    compute: Callable[..., dict]
    higher_is_better: dict
    options: tuple[str, ...] = ()
    paper: str = ""

    @property
    def defaults(self) -> dict:
        return resolve(self.options)


METRICS: dict[str, MetricSpec] = {}


def register_metric(spec: MetricSpec) -> MetricSpec:
    if not spec.name or not spec.name.replace("_", "").isalnum():
        raise ValueError(f"metric name {spec.name!r} must be alphanumeric")
    if spec.name in METRICS:
        raise ValueError(f"metric {spec.name!r} is already registered")
    resolve(spec.options)  # every option a metric reads has its default in the one table
    for value, direction in spec.higher_is_better.items():
        if value not in VALUES:
            raise ValueError(f"metric {spec.name!r} returns {value!r}, which no MetricValue describes; "
                             "register_value() it first")
        if VALUES[value].higher_is_better != direction:
            raise ValueError(f"value {value!r} is already declared with the other direction")
    METRICS[spec.name] = spec
    return spec


def get_metric(name: str) -> MetricSpec:
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; choose from {', '.join(sorted(METRICS))}") from None


def _fid(real, fake, logits, o):
    # Cached real statistics (a FeatureStats) stand in for the real features when given.
    return {"fid": fid(o.get("real_stats", real), fake, device=o["device"], precision=o["fid_precision"])}


def kid_subset_size(requested: int, n_real: int, n_fake: int) -> int:
    """The KID subset size actually used: the requested size, capped by the smaller set."""
    return min(int(requested), int(n_real), int(n_fake))


def _kid(real, fake, logits, o):
    size = kid_subset_size(o["kid_subset_size"], len(real), len(fake))
    m, s = kid(real, fake, subsets=o["kid_subsets"], subset_size=size, seed=o["kid_seed"], device=o["device"],
               precision=o["kid_precision"])
    return {"kid": m, "kid_std": s}


def _pr(real, fake, logits, o):
    p, r = precision_recall(real, fake, k=o["pr_k"], device=o["device"])
    return {"precision": p, "recall": r}


def _dc(real, fake, logits, o):
    d, c = density_coverage(real, fake, k=o["dc_k"], device=o["device"])
    return {"density": d, "coverage": c}


def _is(real, fake, logits, o):
    if logits is None:
        raise ValueError("metric 'is' needs classifier logits; use a feature extractor that has them (inception, digits)")
    m, s = inception_score(logits, splits=o["is_splits"])
    return {"is": m, "is_std": s}


def _values(*values: MetricValue) -> None:
    for v in values:
        register_value(v)


_F, _RF = ("fake features",), ("real features", "fake features")
_MIX = ("mixture centres",)
_CLS = ("classifier",)
_values(
    # Feature-space metrics (ganbench.metrics.METRICS).
    MetricValue("fid", "FID", False, "fid", _RF, "Heusel et al. 2017", "Fréchet distance between Gaussians fitted to "
                "real and generated features: |mu_r - mu_g|^2 + Tr(S_r + S_g - 2 (S_r S_g)^1/2), unbiased covariances",
                per_extractor=True, margin=0.10, relative=True),
    MetricValue("kid", "KID", False, "kid", _RF, "Binkowski et al. 2018", "unbiased squared MMD with the cubic "
                "polynomial kernel (x.y / d + 1)^3, mean over subsets", per_extractor=True, margin=0.10, relative=True),
    MetricValue("kid_std", "KID std", None, "kid", _RF, "Binkowski et al. 2018", "standard deviation of KID over "
                "its subsets", per_extractor=True),
    MetricValue("precision", "precision", True, "pr", _RF, "Kynkaanniemi et al. 2019", "share of generated "
                "samples inside the k-NN ball of some real sample (k = pr_k, radii <=)", per_extractor=True,
                percent=True, margin=0.05, worst=0.0),
    MetricValue("recall", "recall", True, "pr", _RF, "Kynkaanniemi et al. 2019", "share of real samples inside the "
                "k-NN ball of some generated sample", per_extractor=True, percent=True, margin=0.05, worst=0.0),
    MetricValue("density", "density", True, "dc", _RF, "Naeem et al. 2020", "mean number of real k-NN balls "
                "holding a generated sample, over k (1 for matching distributions; can exceed 1)",
                per_extractor=True, margin=0.05, worst=0.0),
    MetricValue("coverage", "coverage", True, "dc", _RF, "Naeem et al. 2020", "share of real samples whose k-NN "
                "ball holds a generated sample", per_extractor=True, percent=True, margin=0.05, worst=0.0),
    MetricValue("is", "IS", True, "is", ("logits",), "Salimans et al. 2016", "exp E_x KL(p(y|x) || p(y)), mean over "
                "splits", per_extractor=True, margin=0.05, relative=True, worst=1.0),
    MetricValue("is_std", "IS std", None, "is", ("logits",), "Salimans et al. 2016", "standard deviation of IS over "
                "its splits", per_extractor=True),
    # Mode statistics of the tasks (ganbench.tasks: mixtures by the 3-std rule, digits by a confident classifier).
    MetricValue("mode_tv", "mode TV", False, "modes", _MIX, "ganbench; categories of Srivastava et al. 2017 and "
                "Lin et al. 2018", "total variation distance between the generated and the real distribution over "
                "{mode 1..K, off every mode} under the 3-std rule: 0 only for the real distribution, grows with missing "
                "modes, unbalanced modes and off-mode mass", margin=0.05, worst=1.0),
    MetricValue("modes", "modes (of {n_modes})", True, "modes", _MIX + _CLS, "Srivastava et al. 2017; Lin et al. "
                "2018", "modes with at least one recognisable sample (within 3 std of the centre; every channel "
                "classified with p >= 0.99 on digits)", margin=1.0, worst=0.0),
    MetricValue("hq_fraction", "high-quality %", True, "modes", _MIX, "Srivastava et al. 2017", "share of samples "
                "within 3 std of their nearest centre", percent=True, margin=0.05, worst=0.0),
    MetricValue("reverse_kl", "reverse KL", False, "modes", _MIX, "Lin et al. 2018", "KL(p_hq || uniform) of the "
                "modes hit by high-quality samples, nats", margin=0.1),
    MetricValue("modes_argmax", "modes, argmax (of {n_modes})", True, "modes", _CLS, "Metz et al. 2017; Lin et al. "
                "2018", "distinct classified modes, every sample counted (noise inflates it)", margin=1.0, worst=0.0),
    MetricValue("kl_modes", "KL to uniform modes", False, "modes", _CLS, "Lin et al. 2018, Table 2", "KL(p_gen || "
                "uniform) of the argmax mode histogram, nats", margin=0.1),
    MetricValue("confident_fraction", "confident %", True, "modes", _CLS, "ganbench", "share of samples whose every "
                "channel the classifier recognises with p >= 0.99", percent=True, margin=0.05, worst=0.0),
    # Conditional tasks (ganbench.metrics.conditional).
    MetricValue("cond_tv", "conditional TV", False, "conditional", _MIX + ("labels",), "ganbench; Mirza & Osindero "
                "2014 setting", "mean over requested classes c of the total variation distance between the generated "
                "and the real distribution over {mode 1..K, off every mode} given c", margin=0.05, worst=1.0),
    MetricValue("cond_accuracy", "conditional accuracy", True, "conditional", _CLS + ("labels",), "Odena et al. "
                "2017 (classification accuracy)", "share of samples recognised as the class they were asked for",
                percent=True, margin=0.05, worst=0.0),
    MetricValue("class_coverage", "classes covered %", True, "conditional", _CLS + ("labels",), "ganbench",
                "share of classes with at least one correct sample", percent=True, margin=0.05, worst=0.0),
    MetricValue("intra_fid", "intra-FID", False, "conditional", _RF + ("labels",), "Miyato & Koyama 2018", "mean "
                "over classes of the FID between a class's real and generated features", per_extractor=True,
                margin=0.10, relative=True),
    # The data-copying test (ganbench.metrics.data_copying), digits tasks with a fixed training set.
    MetricValue("c_t", "C_T (copying)", None, "copying", _RF + ("training set", "held-out set"),
                "Meehan et al. 2020", "data-copying statistic: held-out-weighted mean over k-means cells of the "
                "Mann-Whitney z of generated vs held-out distances to the training set; << 0 copying (< -3 flagged), "
                ">> 0 underfitting, ~0 neither", per_extractor=True),
    # Encoders of inference GANs (ganbench.harness.encoders, ganbench.metrics.inference).
    MetricValue("recon_error", "reconstruction error", False, "encoder", ("encoder", "generator", "held-out set"),
                "Donahue et al. 2017; Makhzani et al. 2016", "mean squared error of G(E(x)) on held-out inputs",
                margin=0.10, relative=True),
    MetricValue("recon_kept", "reconstruction kept %", True, "encoder", ("encoder", "generator", "classifier"),
                "Dumoulin et al. 2017", "share of held-out inputs whose reconstruction keeps their class or mode",
                percent=True, margin=0.05, worst=0.0),
    MetricValue("probe_accuracy", "linear probe %", True, "encoder", ("encoder", "held-out set"), "Donahue et al. "
                "2017", "accuracy of a logistic regression on E(x) codes, fitted on train, judged on test",
                percent=True, margin=0.05, worst=0.0),
    MetricValue("prior_kid", "prior KID", False, "encoder", ("encoder", "held-out set"), "Makhzani et al. 2016",
                "KID between E(x) codes of held-out inputs and the prior N(0, I)", margin=0.10, relative=True),
    # Image-to-image translation (ganbench.metrics.translation, ganbench.tasks.translation).
    MetricValue("l1", "L1", False, "translation", ("paired targets",), "Isola et al. 2017", "mean absolute error "
                "against the paired target, pixels in [-1, 1]", margin=0.10, relative=True),
    MetricValue("psnr", "PSNR (dB)", True, "translation", ("paired targets",), "Isola et al. 2017", "peak "
                "signal-to-noise ratio against the paired target", margin=0.5),
    MetricValue("ssim", "SSIM", True, "translation", ("paired targets",), "Wang et al. 2004", "structural "
                "similarity against the paired target", margin=0.02, worst=-1.0),
    MetricValue("label_kept", "label kept %", True, "translation", _CLS, "Isola et al. 2017 (FCN-score)", "share of "
                "translations the target domain's classifier gives their input's class", percent=True, margin=0.05,
                worst=0.0),
    MetricValue("label_kept_per_class", "label kept % (per class)", True, "translation", _CLS, "Isola et al. 2017 "
                "(per-class FCN-score)", "label kept, averaged over source classes", percent=True, margin=0.05,
                worst=0.0),
    MetricValue("cycle_error", "cycle error", False, "translation", ("generator",), "Zhu et al. 2017, Eq. 2",
                "mean |F(G(a)) - a| on the test inputs, pixels in [-1, 1]", margin=0.10, relative=True),
    # The generator's latent space (ganbench.harness.latent_paths, ganbench.harness.trainer).
    MetricValue("ppl_z", "PPL (Z)", False, "path length", ("generator",), "Karras et al. 2019, Sec. 4.2",
                "perceptual path length, slerp in Z, in the extractor's features", per_extractor=True, margin=0.10,
                relative=True),
    MetricValue("ppl_w", "PPL (W)", False, "path length", ("generator",), "Karras et al. 2019, Sec. 4.2",
                "perceptual path length, lerp in W (style-based G)", per_extractor=True, margin=0.10, relative=True),
    MetricValue("fid_psi0.5", "FID at ψ = 0.5", False, "truncation", _RF + ("generator",), "Karras et al. 2019, "
                "Sec. 3.1", "FID of samples truncated towards w_avg with ψ = 0.5", per_extractor=True, margin=0.10,
                relative=True),
    MetricValue("fid_psi0.7", "FID at ψ = 0.7", False, "truncation", _RF + ("generator",), "Karras et al. 2019, "
                "Sec. 3.1", "FID of samples truncated towards w_avg with ψ = 0.7", per_extractor=True, margin=0.10,
                relative=True),
)

register_metric(MetricSpec("fid", _fid, {"fid": False}, options=("fid_precision",), paper="Heusel et al. 2017"))
register_metric(MetricSpec("kid", _kid, {"kid": False, "kid_std": None},
                           options=("kid_subsets", "kid_subset_size", "kid_seed", "kid_precision"),
                           paper="Binkowski et al. 2018"))
register_metric(MetricSpec("pr", _pr, {"precision": True, "recall": True}, options=("pr_k",),
                           paper="Kynkaanniemi et al. 2019"))
register_metric(MetricSpec("dc", _dc, {"density": True, "coverage": True}, options=("dc_k",),
                           paper="Naeem et al. 2020"))
register_metric(MetricSpec("is", _is, {"is": True, "is_std": None}, options=("is_splits",),
                           paper="Salimans et al. 2016"))
