"""The statistical constants every report reads (leaderboards, ``compare``, claims, the sequential
design): one table, defined nowhere else.

Equivalence margins are not here: they belong to each metric value and are declared once, beside its
direction, in the metric registry (``ganbench.metrics.registry``, ``MetricValue.margin``), as is the
value a diverged seed scores (``MetricValue.worst``).
"""
from __future__ import annotations

ALPHA = 0.05  # two-sided familywise level of every "better"/"worse" verdict, of "learned" and of the ≈ tie
POWER = 0.8  # the power a minimum detectable effect and a seeds-needed figure aim for
CI_LEVEL = 0.95  # every confidence interval a report prints
BOOTSTRAP_RESAMPLES = 10_000  # resamples of compare's percentile-bootstrap CI of the difference (fixed seed)
BOOTSTRAP_SEED = 0  # so that the bootstrap interval is reproducible
MAX_SEEDS = 10_000  # seeds per side beyond which "seeds needed" is reported as "more than"
