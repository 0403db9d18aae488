"""One evaluation: samples -> features -> metrics, with the protocol that produced the numbers.

``evaluate`` compares two sample sets; ``evaluate_task`` judges generated samples by a task's own
protocol (its real data, extractor, metrics and mode statistics). Both run inside an
:class:`EvalContext`: the device, the extractor options and the metric options of a run, one cache
of built extractors (InceptionV3 is loaded and its weights hashed once, not once per seed) and one
cache of real features (a task's reference set is extracted once per run).
"""
from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from ganbench.features import Extractor, Features, get_extractor
from ganbench.metrics.defaults import resolve
from ganbench.metrics.registry import HIGHER_IS_BETTER, get_metric
from ganbench.records.trial import REAL_EVAL_SEED
from ganbench.tasks.conditional import CONDITIONAL
from ganbench.tasks.digits import COPYING, COPYING_CELLS, PATH_LENGTH
from ganbench.tasks.translation import TRANSLATION
from ganbench.utils.device import resolve_device

MODES = "modes"  # the pseudo-metric a task computes itself (mode coverage)
TASK_METRICS = (MODES, CONDITIONAL, TRANSLATION, PATH_LENGTH, COPYING)
REAL_CACHE_SIZE = 8  # real feature sets kept per context (stacked digits: 26,000 x 384 floats each)


@dataclass
class EvalResult:
    """Metric values (plain floats, keyed by value name) and the protocol that produced them."""

    values: dict
    protocol: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class EvalContext:
    """Everything the evaluations of one run share.

    ``device``: where extractors and metrics compute ("auto": CUDA when present);
    ``extractor_options``: per extractor name, the options it is built with
    (e.g. ``{"inception": {"weights": "/path/weights.pth"}}``);
    ``metric_options``: overrides of :data:`ganbench.metrics.defaults.DEFAULTS` (recorded).
    """

    device: str | torch.device = "auto"
    extractor_options: dict = field(default_factory=dict)
    metric_options: dict = field(default_factory=dict)
    _extractors: dict = field(default_factory=dict, repr=False)
    _real: OrderedDict = field(default_factory=OrderedDict, repr=False)

    def __post_init__(self):
        self.device = resolve_device(self.device)
        resolve((), self.metric_options)  # unknown metric options fail here, before any work

    def extractor(self, name: str) -> Extractor:
        """The extractor ``name`` built once for this context, on its device."""
        if name not in self._extractors:
            self._extractors[name] = get_extractor(name, device=self.device, **self.extractor_options.get(name, {}))
        return self._extractors[name]

    def options(self, metrics, task_options: dict | None = None) -> dict:
        """Every option the ``metrics`` read: the defaults, overridden by the task's protocol, then by
        this context's ``metric_options``; plus the device."""
        keys = [k for m in metrics for k in get_metric(m).options]
        merged = {**(task_options or {}), **self.metric_options}
        resolve((), merged)  # an option no metric knows is a typo: say so
        resolved = resolve(keys, {k: v for k, v in merged.items() if k in keys})
        resolved["device"] = self.device
        return resolved

    def real_features(self, task, real_seed: int, ext: Extractor):
        """A task's real reference features and, for datasets with a disk cache, their FeatureStats."""
        if hasattr(task, "real_features"):  # image datasets: cached on disk under their own key
            return task.real_features(ext)
        key = json.dumps([task.cache_key(), int(real_seed), ext.spec()], sort_keys=True, default=str)
        if key not in self._real:
            if len(self._real) >= REAL_CACHE_SIZE:
                self._real.popitem(last=False)
            self._real[key] = ext(task.eval_real(torch.Generator().manual_seed(int(real_seed)))).features
        self._real.move_to_end(key)
        return self._real[key], None

    def training_features(self, task, ext: Extractor):
        """The features of the set a task's generators train on (the data-copying test's T), cached."""
        key = json.dumps([task.cache_key(), "training set", ext.spec()], sort_keys=True, default=str)
        if key not in self._real:
            if len(self._real) >= REAL_CACHE_SIZE:
                self._real.popitem(last=False)
            self._real[key] = ext(task.copying_reference()).features
        self._real.move_to_end(key)
        return self._real[key]


def _compute(metrics, real_features, fake: Features, options: dict) -> dict:
    values = {}
    for name in metrics:
        values.update(get_metric(name).compute(real_features, fake.features, fake.logits, options))
    return values


def _protocol(ext: Extractor, metrics, n_real, n_fake, dim, options, values) -> dict:
    recorded = {k: v for k, v in options.items() if k not in ("device", "real_stats")}
    if "kid_subset_size" in recorded:  # what KID computed with, not only what was asked
        from ganbench.metrics.registry import kid_subset_size

        recorded["kid_subset_size"] = kid_subset_size(recorded["kid_subset_size"], n_real, n_fake)
    return {
        **ext.spec(),
        "metrics": list(metrics),
        "n_real": int(n_real),
        "n_fake": int(n_fake),
        "feature_dim": int(dim),
        **recorded,
        "higher_is_better": {k: HIGHER_IS_BETTER.get(k) for k in values},
    }


def evaluate(
    real,
    fake,
    metrics=("fid", "kid", "pr", "dc"),
    extractor: str | Extractor = "identity",
    extractor_options: dict | None = None,
    options: dict | None = None,
    context: EvalContext | None = None,
) -> EvalResult:
    """Extract features of ``real`` and ``fake`` samples and compute ``metrics`` on them.

    ``options`` sets metric parameters (``kid_subsets``, ``kid_subset_size``, ``kid_seed``, ``pr_k``,
    ``dc_k``, ``is_splits``, ``fid_precision``, ``kid_precision``, ``device``); the table of defaults
    (:mod:`ganbench.metrics.defaults`) fills the rest, and every value used is recorded.
    """
    metrics = list(metrics)
    for m in metrics:
        get_metric(m)
    options = dict(options or {})
    if context is None:
        name = extractor if isinstance(extractor, str) else extractor.name
        context = EvalContext(options.pop("device", "auto"), {name: dict(extractor_options or {})}, options)
    ext = context.extractor(extractor) if isinstance(extractor, str) else extractor
    resolved = context.options(metrics)
    fr, ff = ext(real), ext(fake)
    values = _compute(metrics, fr.features, ff, resolved)
    protocol = _protocol(ext, metrics, len(fr.features), len(ff.features), fr.features.shape[1], resolved, values)
    return EvalResult(values, protocol)


def evaluate_task(task, fake, real_seed: int = REAL_EVAL_SEED, device: str = "auto",
                  extractor_options: dict | None = None, context: EvalContext | None = None,
                  only: tuple[str, ...] | None = None) -> EvalResult:
    """Judge generated ``fake`` samples (n, *task.shape) by ``task``'s protocol.

    The real reference set is drawn with ``torch.Generator().manual_seed(real_seed)`` (synthetic
    tasks) or is the full dataset with cached features (image datasets). Values are keyed by value
    name; the protocol records task, extractor, sample counts, the real seed and every metric option.
    ``context`` (shared by the evaluations of a run) overrides ``device`` and ``extractor_options``;
    ``only`` restricts the evaluation to some of the protocol's metrics (e.g. ``("fid",)``).
    """
    from ganbench.tasks import get_task

    task = get_task(task) if isinstance(task, str) else task
    proto = task.protocol
    if context is None:
        context = EvalContext(device, {proto.extractor: dict(extractor_options or {})})
    x = fake.detach().cpu() if isinstance(fake, torch.Tensor) else torch.as_tensor(np.asarray(fake))
    if x.ndim < 2 or tuple(x.shape[1:]) != tuple(task.shape):
        raise ValueError(f"samples for task {task.name!r} must have shape (N, {', '.join(map(str, task.shape))}), "
                         f"got {tuple(x.shape)}")
    if x.dtype != torch.uint8 and not torch.isfinite(x).all():
        raise ValueError("generated samples contain NaN or Inf")
    wanted = proto.metrics if only is None else tuple(only)
    if not set(wanted) <= set(proto.metrics):
        raise ValueError(f"task {task.name!r} computes {', '.join(proto.metrics)}; got only={list(wanted)}")
    metrics = [m for m in wanted if m not in TASK_METRICS]
    ext = context.extractor(proto.extractor)
    resolved = context.options(metrics, proto.options)
    real_features, stats = context.real_features(task, real_seed, ext)
    if stats is not None:
        resolved["real_stats"] = stats
    ff = ext(x)
    values = _compute(metrics, real_features, ff, resolved)
    if MODES in wanted:
        values.update(task.mode_stats(x, ff))
    if CONDITIONAL in wanted:  # samples were generated for classes task.eval_labels(len(x))
        values.update(task.conditional_stats(x, ff, real_features, resolved))
    if TRANSLATION in wanted:  # x: translations of the task's test inputs, in their order
        values.update(task.translation_stats(x, ff))
    if COPYING in wanted:  # C_T: the training set as T, the held-out reference set as P_n
        from ganbench.metrics.data_copying import data_copying

        train = context.training_features(task, ext)
        values["c_t"] = data_copying(train, real_features, ff.features, n_cells=COPYING_CELLS, seed=0)["c_t"]
    protocol = _protocol(ext, wanted, len(real_features), len(x), real_features.shape[1], resolved, values)
    protocol.update({"task": task.name, "data": task.cache_key(), "real_seed": int(real_seed), "headline": proto.headline})
    if proto.revision:
        protocol["revision"] = proto.revision
    if COPYING in wanted:
        protocol["copying"] = {"cells": COPYING_CELLS, "kmeans_seed": 0, "training_set": "train split",
                               "heldout": "reference set", "n_train": len(train)}
    return EvalResult(values, protocol)


def evaluate_copying(train, test, fake, extractor: str | Extractor = "identity", extractor_options: dict | None = None,
                     device: str = "auto", n_cells: int = 10, seed: int = 0) -> EvalResult:
    """The data-copying test (:func:`ganbench.metrics.data_copying.data_copying`, Meehan et al. 2020)
    of generated samples ``fake`` against the training samples ``train`` and held-out samples ``test``,
    in the features of ``extractor``. Values: ``c_t`` (≪ 0: copying, ≫ 0: underfitting),
    ``cells_used``, ``fake_share_used``."""
    from ganbench.metrics.data_copying import COPYING_THRESHOLD, MIN_FAKE_PER_CELL, data_copying

    name = extractor if isinstance(extractor, str) else extractor.name
    context = EvalContext(device, {name: dict(extractor_options or {})})
    ext = context.extractor(extractor) if isinstance(extractor, str) else extractor
    ft, fp, fq = (ext(x).features for x in (train, test, fake))
    values = data_copying(ft, fp, fq, n_cells=n_cells, seed=seed)
    protocol = {**ext.spec(), "metrics": ["data_copying"], "n_train": len(ft), "n_test": len(fp), "n_fake": len(fq),
                "feature_dim": int(ft.shape[1]), "n_cells": int(n_cells), "kmeans_seed": int(seed),
                "min_fake_per_cell": MIN_FAKE_PER_CELL, "copying_below": COPYING_THRESHOLD,
                "higher_is_better": {k: None for k in values}}
    return EvalResult(values, protocol)
