"""The metric registry: names, what each consumes, what it returns, and which direction is better.

Directions are declared once here (per output value) and used by ranking, ``compare`` and ``check``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ganbench.metrics.defaults import resolve
from ganbench.metrics.density_coverage import density_coverage
from ganbench.metrics.fid import fid
from ganbench.metrics.inception_score import inception_score
from ganbench.metrics.kid import kid
from ganbench.metrics.precision_recall import precision_recall


@dataclass(frozen=True)
class MetricSpec:
    """A metric as the evaluation layer sees it.

    ``compute(real_features, fake_features, fake_logits, options) -> {value_name: float}``, where
    ``options`` holds every name in ``options`` (values from :data:`ganbench.metrics.defaults.DEFAULTS`
    unless the caller set them) plus ``device``; ``higher_is_better`` maps each value name it returns
    to its direction (None: not ranked).
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

# Value name -> direction, for every value any metric can produce (ranking / compare / check use this).
HIGHER_IS_BETTER: dict[str, bool | None] = {}


def register_metric(spec: MetricSpec) -> MetricSpec:
    if not spec.name or not spec.name.replace("_", "").isalnum():
        raise ValueError(f"metric name {spec.name!r} must be alphanumeric")
    if spec.name in METRICS:
        raise ValueError(f"metric {spec.name!r} is already registered")
    resolve(spec.options)  # every option a metric reads has its default in the one table
    for value, direction in spec.higher_is_better.items():
        if value in HIGHER_IS_BETTER and HIGHER_IS_BETTER[value] != direction:
            raise ValueError(f"value {value!r} is already declared with the other direction")
        HIGHER_IS_BETTER[value] = direction
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
# Mode and conditional statistics come from tasks (they need mixture centers or labels), but their
# directions live here too.
HIGHER_IS_BETTER.update({"modes": True, "hq_fraction": True, "reverse_kl": False, "kl_modes": False,
                         "modes_argmax": True, "confident_fraction": True,
                         # conditional tasks (ganbench.metrics.conditional)
                         "cond_accuracy": True, "class_coverage": True, "intra_fid": False,
                         # encoders of inference GANs (ganbench.metrics.inference)
                         "recon_error": False, "recon_kept": True, "probe_accuracy": True, "prior_kid": False,
                         # image-to-image translation (ganbench.metrics.translation)
                         "l1": False, "psnr": True, "ssim": True, "label_kept": True, "label_kept_per_class": True,
                         "cycle_error": False,
                         # the generator's perceptual path length (ganbench.metrics.path_length)
                         "ppl_z": False, "ppl_w": False,
                         # FID of a style-based G against truncation (ganbench.harness.trainer.TRUNCATION_PSI)
                         "fid_psi0.5": False, "fid_psi0.7": False})
