"""The runner: suites (TOML), backends, and the results store (a run directory)."""
from ganbench.bench.runner import run_suite
from ganbench.bench.suite import Suite, available_suites, load_suite, parse_suite

__all__ = ["run_suite", "Suite", "available_suites", "load_suite", "parse_suite"]
