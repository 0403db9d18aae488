"""GANBENCH_FAULT kills at the K-th pass of a point and nowhere else; a malformed value is refused."""
import os
import signal
import subprocess
import sys

import pytest

from ganbench.utils import faults

PASSES = ("import sys; from ganbench.utils.faults import fault_point\n"
          "for i in range(5):\n    fault_point('step')\n    print(i, flush=True)\n")


@pytest.mark.parametrize("spec, printed, killed", [("step:3", "0\n1\n", True), ("evaluate:1", "0\n1\n2\n3\n4\n", False),
                                                   ("step:9", "0\n1\n2\n3\n4\n", False)])
def test_the_kth_pass_kills_the_process_group(spec, printed, killed):
    proc = subprocess.run([sys.executable, "-c", PASSES], env={**os.environ, faults.ENV: spec}, capture_output=True,
                          text=True, start_new_session=True)
    assert proc.stdout == printed
    assert proc.returncode == (-signal.SIGKILL if killed else 0)


@pytest.mark.parametrize("spec", ["step", "step:0", "nowhere:1", "step:x"])
def test_a_malformed_fault_is_refused(monkeypatch, spec):
    monkeypatch.setenv(faults.ENV, spec)
    with pytest.raises(ValueError, match="GANBENCH_FAULT"):
        faults.fault_point("step")
