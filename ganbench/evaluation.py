"""One evaluation: samples -> features -> metrics, with the protocol that produced the numbers.

``evaluate`` compares two sample sets; ``evaluate_task`` judges generated samples by a task's own
protocol (its real data, extractor, metrics and mode statistics).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from ganbench.features import Extractor, Features, get_extractor
from ganbench.metrics.registry import HIGHER_IS_BETTER, get_metric

MODES = "modes"  # the pseudo-metric a task computes itself (mode coverage)
_REAL_CACHE: dict = {}  # (task data, eval seed, extractor protocol) -> real features; one process
_REAL_CACHE_SIZE = 8


@dataclass
class EvalResult:
    """Metric values (plain floats, keyed by value name) and the protocol that produced them."""

    values: dict
    protocol: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _resolve_options(metrics, options: dict | None) -> dict:
    options = dict(options or {})
    resolved = {}
    for name in metrics:
        resolved.update({k: options.get(k, v) for k, v in get_metric(name).defaults.items()})
    unknown = set(options) - set(resolved) - {"device"}
    if unknown:
        raise ValueError(f"unknown metric options {sorted(unknown)} for metrics {list(metrics)}")
    resolved["device"] = options.get("device", "auto")
    return resolved


def _compute(metrics, real_features, fake: Features, options: dict) -> dict:
    values = {}
    for name in metrics:
        values.update(get_metric(name).compute(real_features, fake.features, fake.logits, options))
    return values


def _protocol(ext: Extractor, metrics, n_real, n_fake, dim, options, values) -> dict:
    return {
        **ext.protocol(),
        "metrics": list(metrics),
        "n_real": int(n_real),
        "n_fake": int(n_fake),
        "feature_dim": int(dim),
        **{k: v for k, v in options.items() if k not in ("device", "real_stats")},
        "higher_is_better": {k: HIGHER_IS_BETTER.get(k) for k in values},
    }


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
    metrics = list(metrics)
    for m in metrics:
        get_metric(m)
    ext = get_extractor(extractor, **(extractor_options or {})) if isinstance(extractor, str) else extractor
    resolved = _resolve_options(metrics, options)
    fr, ff = ext(real), ext(fake)
    values = _compute(metrics, fr.features, ff, resolved)
    protocol = _protocol(ext, metrics, len(fr.features), len(ff.features), fr.features.shape[1], resolved, values)
    return EvalResult(values, protocol)


def _synthetic_real_features(task, eval_seed: int, ext: Extractor) -> np.ndarray:
    """Real reference features, drawn with ``eval_seed``; memoised because every trial of a task
    with the same seed shares them (and stacked digits need 26,000 of them)."""
    import json

    key = json.dumps([task.cache_key(), eval_seed, ext.protocol()], sort_keys=True, default=str)
    if key not in _REAL_CACHE:
        if len(_REAL_CACHE) >= _REAL_CACHE_SIZE:
            _REAL_CACHE.pop(next(iter(_REAL_CACHE)))
        _REAL_CACHE[key] = ext(task.eval_real(torch.Generator().manual_seed(eval_seed))).features
    return _REAL_CACHE[key]


def evaluate_task(task, fake, eval_seed: int = 0, device: str = "auto", extractor_options: dict | None = None,
                  extractor: Extractor | None = None) -> EvalResult:
    """Judge generated ``fake`` samples (n, *task.shape) by ``task``'s protocol.

    The real reference set is drawn with ``torch.Generator().manual_seed(eval_seed)`` (synthetic tasks)
    or is the full dataset with cached features (image datasets). Values are keyed by value name;
    the protocol records task, extractor, sample counts, the seed and every metric option.
    """
    from ganbench.data import get_task

    task = get_task(task) if isinstance(task, str) else task
    proto = task.protocol
    x = fake.detach().cpu() if isinstance(fake, torch.Tensor) else torch.as_tensor(np.asarray(fake))
    if tuple(x.shape[1:]) != tuple(task.shape) or x.ndim < 2:
        raise ValueError(f"samples for task {task.name!r} must have shape (N, {', '.join(map(str, task.shape))}), "
                         f"got {tuple(x.shape)}")
    if x.dtype != torch.uint8 and not torch.isfinite(x).all():
        raise ValueError("generated samples contain NaN or Inf")
    metrics = [m for m in proto.metrics if m != MODES]
    ext = extractor or get_extractor(proto.extractor, **(extractor_options or {}))
    resolved = _resolve_options(metrics, {**proto.options, "device": device})
    if hasattr(task, "real_features"):
        real_features, stats = task.real_features(ext)
        resolved["real_stats"] = stats
    else:
        real_features = _synthetic_real_features(task, int(eval_seed), ext)
    ff = ext(x)
    values = _compute(metrics, real_features, ff, resolved)
    if MODES in proto.metrics:
        values.update(task.mode_stats(x, ff))
    protocol = _protocol(ext, proto.metrics, len(real_features), len(x), real_features.shape[1], resolved, values)
    protocol.update({"task": task.name, "data": task.cache_key(), "eval_seed": int(eval_seed), "headline": proto.headline})
    return EvalResult(values, protocol)
