"""ganbench: GAN evaluation and benchmarking suite.

``run_suite(...)`` runs a suite and returns its run directory; ``load_results(run_dir)`` gives the
tidy pandas table of a run. Submodules: metrics, features, data, zoo, harness, bench, report.
"""
__version__ = "0.1.0"


def __getattr__(name):  # lazy: `import ganbench` stays light
    if name == "run_suite":
        from ganbench.bench.runner import run_suite

        return run_suite
    if name == "load_results":
        from ganbench.report.leaderboard import load_results

        return load_results
    raise AttributeError(f"module 'ganbench' has no attribute {name!r}")
