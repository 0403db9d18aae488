"""The runner: suites (TOML), backends, and the results store (a run directory)."""
from ganbench.runner.run import run_suite
from ganbench.runner.suite import Suite, available_suites, load_suite, parse_suite

__all__ = ["run_suite", "Suite", "available_suites", "load_suite", "parse_suite"]
