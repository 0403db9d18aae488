"""Compatibility alias: tasks moved to :mod:`ganbench.tasks` in 0.2 (``from ganbench.data import
get_task`` keeps working; new code imports ``ganbench.tasks``)."""
from ganbench.tasks import *  # noqa: F401,F403
from ganbench.tasks import __all__  # noqa: F401
