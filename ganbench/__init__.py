"""ganbench: GAN evaluation and benchmarking suite.

``run_suite(...)`` runs a suite and returns its run directory; ``load_results(run_dir)`` gives the
tidy pandas table of a run. The layers, lowest first: records, metrics, features, tasks, evaluation, zoo, harness, runner,
report; ``api`` and ``cli`` sit on top.
"""
from ganbench._version import __version__

__all__ = ["__version__", "run_suite", "load_results", "run_compare"]


def __getattr__(name):  # lazy: `import ganbench` stays light
    if name in ("run_suite", "load_results", "run_compare"):
        from ganbench import api

        return getattr(api, name)
    raise AttributeError(f"module 'ganbench' has no attribute {name!r}")
