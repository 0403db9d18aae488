"""One evaluation: samples -> features -> metrics, with the protocol that produced the numbers."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ganbench.features import Extractor, get_extractor
from ganbench.metrics.registry import HIGHER_IS_BETTER, get_metric


@dataclass
class EvalResult:
    """Metric values (plain floats, keyed by value name) and the protocol that produced them."""

    values: dict
    protocol: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def evaluate(
    real,
    fake,
    metrics=("fid", "kid", "pr", "dc"),
    extractor: str | Extractor = "identity",
    extractor_options: dict | None = None,
    options: dict | None = None,
) -> EvalResult:
    """Extract features of ``real`` and ``fake`` samples and compute ``metrics`` on them.

    ``options`` sets metric parameters (``kid_subsets``, ``kid_subset_size``, ``kid_seed``, ``pr_k``,
    ``dc_k``, ``is_splits``, ``device``); each metric's defaults fill the rest and are recorded.
    """
    specs = [get_metric(m) for m in metrics]
    ext = get_extractor(extractor, **(extractor_options or {})) if isinstance(extractor, str) else extractor
    options = dict(options or {})
    resolved = {}
    for spec in specs:
        resolved.update({k: options.get(k, v) for k, v in spec.defaults.items()})
    unknown = set(options) - set(resolved) - {"device"}
    if unknown:
        raise ValueError(f"unknown metric options {sorted(unknown)} for metrics {list(metrics)}")
    resolved["device"] = options.get("device", "auto")
    fr = ext(real)
    ff = ext(fake)
    values = {}
    for spec in specs:
        values.update(spec.compute(fr.features, ff.features, ff.logits, resolved))
    protocol = {
        **ext.protocol(),
        "metrics": list(metrics),
        "n_real": int(len(fr.features)),
        "n_fake": int(len(ff.features)),
        "feature_dim": int(fr.features.shape[1]),
        **{k: v for k, v in resolved.items() if k != "device"},
        "higher_is_better": {k: HIGHER_IS_BETTER.get(k) for k in values},
    }
    return EvalResult(values, protocol)
