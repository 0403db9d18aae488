
from .report.records import make, write

pytest_plugins = ["pytester"]


def test_ganbench_check_fixture(pytester, tmp_path):
    # The fresh runs come from another machine than the baseline, so seeds are judged by distribution.
    here, there = {"cpu_capability": "AVX512"}, {"cpu_capability": "AVX2"}
    base = write(tmp_path / "base", [make("ring8", "gan-ns", s, {"fid": v}, env=here) for s, v in enumerate([1.0, 1.1, 0.9])])
    same = write(tmp_path / "same", [make("ring8", "gan-ns", s, {"fid": v}, env=there)
                                     for s, v in enumerate([1.05, 0.95, 1.0])])
    worse = write(tmp_path / "worse", [make("ring8", "gan-ns", s, {"fid": v}, env=there)
                                       for s, v in enumerate([3.0, 3.1, 2.9])])
    pytester.makepyfile(f"""
        def test_same(ganbench_check):
            assert ganbench_check(r"{same}").passed

        def test_worse(ganbench_check):
            ganbench_check(r"{worse}")
    """)
    result = pytester.runpytest_subprocess("--ganbench-baseline", str(base))  # the plugin loads via its entry point
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*REGRESSION*ring8 / gan-ns / fid*"])
