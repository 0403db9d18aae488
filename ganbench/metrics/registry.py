"""The metric registry: names, what each consumes, what it returns, and which direction is better.

Directions are declared once here (per output value) and used by ranking, ``compare`` and ``check``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ganbench.metrics.density_coverage import density_coverage
from ganbench.metrics.fid import fid
from ganbench.metrics.inception_score import inception_score
from ganbench.metrics.kid import kid
from ganbench.metrics.precision_recall import precision_recall


@dataclass(frozen=True)
class MetricSpec:
    """A metric as the evaluation layer sees it.

    ``compute(real_features, fake_features, fake_logits, options) -> {value_name: float}``;
    ``higher_is_better`` maps each value name it returns to its direction (None: not ranked).
    ``needs`` says what it consumes: "features" (both sets) or "logits" (fake classifier logits).
    """

    name: str
    compute: Callable[..., dict]
    higher_is_better: dict
    needs: str = "features"
    defaults: dict = field(default_factory=dict)
    paper: str = ""


METRICS: dict[str, MetricSpec] = {}

# Value name -> direction, for every value any metric can produce (ranking / compare / check use this).
HIGHER_IS_BETTER: dict[str, bool | None] = {}


def register_metric(spec: MetricSpec) -> MetricSpec:
    if not spec.name or not spec.name.replace("_", "").isalnum():
        raise ValueError(f"metric name {spec.name!r} must be alphanumeric")
    if spec.name in METRICS:
        raise ValueError(f"metric {spec.name!r} is already registered")
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
    return {"fid": fid(o.get("real_stats", real), fake, device=o.get("device", "auto"),
                       precision=o.get("fid_precision", "mixed"))}


def _kid(real, fake, logits, o):
    size = min(o.get("kid_subset_size", 1000), len(real), len(fake))
    m, s = kid(real, fake, subsets=o.get("kid_subsets", 100), subset_size=size,
               seed=o.get("kid_seed", 0), device=o.get("device", "auto"), precision=o.get("kid_precision", "mixed"))
    return {"kid": m, "kid_std": s}


def _pr(real, fake, logits, o):
    p, r = precision_recall(real, fake, k=o.get("pr_k", 3), device=o.get("device", "auto"))
    return {"precision": p, "recall": r}


def _dc(real, fake, logits, o):
    d, c = density_coverage(real, fake, k=o.get("dc_k", 5), device=o.get("device", "auto"))
    return {"density": d, "coverage": c}


def _is(real, fake, logits, o):
    if logits is None:
        raise ValueError("metric 'is' needs classifier logits; use a feature extractor that has them (inception, digits)")
    m, s = inception_score(logits, splits=o.get("is_splits", 10))
    return {"is": m, "is_std": s}


register_metric(MetricSpec("fid", _fid, {"fid": False}, defaults={"fid_precision": "mixed"}, paper="Heusel et al. 2017"))
register_metric(MetricSpec("kid", _kid, {"kid": False, "kid_std": None},
                           defaults={"kid_subsets": 100, "kid_subset_size": 1000, "kid_seed": 0, "kid_precision": "mixed"},
                           paper="Binkowski et al. 2018"))
register_metric(MetricSpec("pr", _pr, {"precision": True, "recall": True}, defaults={"pr_k": 3},
                           paper="Kynkaanniemi et al. 2019"))
register_metric(MetricSpec("dc", _dc, {"density": True, "coverage": True}, defaults={"dc_k": 5},
                           paper="Naeem et al. 2020"))
register_metric(MetricSpec("is", _is, {"is": True, "is_std": None}, needs="logits", defaults={"is_splits": 10},
                           paper="Salimans et al. 2016"))
# Mode statistics come from tasks (they need mixture centers), but their directions live here too.
HIGHER_IS_BETTER.update({"modes": True, "hq_fraction": True, "reverse_kl": False, "kl_modes": False})
