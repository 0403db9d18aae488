"""pytest integration for users' own CI (loaded automatically as a pytest plugin when ganbench is
installed): the ``--ganbench-baseline DIR`` option and the ``ganbench_check`` fixture.

    def test_no_metric_regression(ganbench_check, tmp_path):
        run = ganbench.run_suite("my_suite.toml", tmp_path / "run")
        ganbench_check(run)            # fails the test on a regression beyond seed noise

    pytest --ganbench-baseline baselines/my_suite [--ganbench-k 3]
"""
from __future__ import annotations

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("ganbench")
    group.addoption("--ganbench-baseline", default=None, help="folder of baseline TrialRecords for ganbench_check")
    group.addoption("--ganbench-k", type=float, default=3.0, help="pooled standard errors allowed (default 3)")


@pytest.fixture
def ganbench_check(request):
    """``ganbench_check(run_dir, baseline=None, k=None, abs_tol=0.0)``: fail the test when ``run_dir``
    regresses against the baseline (``--ganbench-baseline`` unless given); returns the CheckResult."""

    def _check(run_dir, baseline=None, k=None, abs_tol=0.0):
        from ganbench.report.check import check_run

        baseline = baseline or request.config.getoption("--ganbench-baseline")
        if baseline is None:
            pytest.fail("ganbench_check needs a baseline: pass baseline=... or run pytest --ganbench-baseline DIR",
                        pytrace=False)
        result = check_run(run_dir, baseline, k=k if k is not None else request.config.getoption("--ganbench-k"),
                           abs_tol=abs_tol)
        if not result.passed:
            pytest.fail(result.summary(), pytrace=False)
        return result

    return _check
