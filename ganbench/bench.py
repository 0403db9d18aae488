"""Compatibility alias: the runner moved to :mod:`ganbench.runner` in 0.2 (``from ganbench.bench
import run_suite`` keeps working; new code imports ``ganbench.runner`` or ``ganbench.api``)."""
from ganbench.runner import *  # noqa: F401,F403
from ganbench.runner import __all__  # noqa: F401
