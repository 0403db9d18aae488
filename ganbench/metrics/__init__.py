"""Metrics: pure functions from features (or samples) to Python floats.

Every function takes ``np.ndarray`` or ``torch.Tensor`` inputs of shape (N, D), works on
``device="auto"`` (CUDA when present), accumulates in float64, keeps TF32 off inside, and raises
``ValueError`` on bad input.
"""
from ganbench.metrics.conditional import conditional_accuracy, intra_fid
from ganbench.metrics.density_coverage import density_coverage
from ganbench.metrics.feature_stats import FeatureStats
from ganbench.metrics.fid import fid, frechet_distance, trace_sqrt_product
from ganbench.metrics.inception_score import inception_score
from ganbench.metrics.kid import kid
from ganbench.metrics.mode_coverage import label_coverage, mode_coverage, nearest_modes
from ganbench.metrics.precision_recall import precision_recall
from ganbench.metrics.registry import HIGHER_IS_BETTER, METRICS, MetricSpec, get_metric, register_metric

__all__ = [
    "FeatureStats", "fid", "frechet_distance", "trace_sqrt_product", "kid", "inception_score",
    "precision_recall", "density_coverage", "mode_coverage", "label_coverage",
    "nearest_modes", "conditional_accuracy", "intra_fid",
    "METRICS", "HIGHER_IS_BETTER", "MetricSpec", "get_metric", "register_metric",
]
