"""What a task is, and the task registry.

A task owns where real samples come from (a seeded, reproducible sampler), the shape of a sample,
and its evaluation protocol: how many real and fake samples, which metrics, which feature extractor.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

import torch

from ganbench.utils.cache import ProcessCache
from ganbench.utils.registry import registrar


@dataclass(frozen=True)
class EvalProtocol:
    """How a task is judged. ``metrics`` are names from ``ganbench.metrics.METRICS`` plus ``"modes"``
    (mode statistics the task itself defines); ``options`` are metric options (``pr_k``, ``kid_subsets``...).

    ``revision`` numbers the changes of how a task judges that its other fields do not show (a new
    headline, another reference set): records of different revisions are never compared or checked
    against each other, and a resumed run re-plans them. Revisions of the shipped tasks: 1, the
    mixtures rank by ``mode_tv`` (conditional ones by ``cond_tv``) and the digits tasks judge against
    their held-out test split, with the data-copying test ``c_t``."""

    n_real: int
    n_fake: int
    metrics: tuple[str, ...]
    extractor: str
    options: dict = field(default_factory=dict)
    headline: str = "fid"  # the value that ranks: a leaderboard's order, its bar chart, `compare`'s default
    revision: int = 0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["metrics"] = list(self.metrics)
        if not self.revision:  # a protocol without revisions keeps the dict it always had
            d.pop("revision")
        return d


class Task:
    """Base class of tasks. Subclasses set the attributes and implement :meth:`sample`.

    Attributes: ``name``; ``shape`` of one sample (``(2,)`` or ``(C, H, W)``); ``n_modes`` (None when
    the data has no countable modes); ``protocol``; ``paper`` (where the setup comes from).
    Image tasks produce float32 in [-1, 1] (a tanh generator's range).
    """

    name: str = ""
    shape: tuple[int, ...] = ()
    n_modes: int | None = None
    protocol: EvalProtocol
    paper: str = ""
    description: str = ""

    @property
    def is_image(self) -> bool:
        return len(self.shape) == 3

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` real samples, float32 (n, *shape), on ``generator.device``. The same generator state
        gives the same samples."""
        raise NotImplementedError

    def _on(self, name: str, tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
        """``tensor`` (a fixed part of the task: centers, images) on ``device``, copied once."""
        cache = self.__dict__.setdefault("_device_copies", {})
        key = (name, str(device))
        if key not in cache:
            cache[key] = tensor.to(device)
        return cache[key]

    def heldout(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` real samples that are not in the reference set, judged like generated ones for the
        leaderboard's ``real`` row (the ceiling). Synthetic tasks draw fresh samples from the true
        distribution; datasets with a test split draw from it."""
        return self.sample(n, generator)

    def eval_real(self, generator: torch.Generator) -> torch.Tensor:
        """The real reference set of the protocol (``protocol.n_real`` samples)."""
        return self.sample(self.protocol.n_real, generator)

    def selection_reference(self) -> tuple["Task | None", str]:
        """The task as judged against a *selection reference*, disjoint from the reference set its
        metrics use (to pick a trial's best budget point without looking at the reported numbers),
        and a line saying what that reference is; ``(None, why)`` when the task has none. The harness
        draws its real set with another seed and the generated samples from another stream."""
        return None, "no real reference disjoint from the one the metrics use"

    def mode_stats(self, fake: torch.Tensor, features) -> dict:
        """Mode statistics of generated samples ({"modes": ..., ...}); only tasks with modes define it."""
        raise ValueError(f"task {self.name!r} has no countable modes; drop 'modes' from its metrics")

    def cache_key(self) -> dict:
        """What identifies this task's real data (recorded with every trial)."""
        return {"task": self.name}

    def info(self) -> dict:
        return {
            "name": self.name,
            "shape": list(self.shape),
            "modes": self.n_modes,
            "metrics": list(self.protocol.metrics),
            "extractor": self.protocol.extractor,
            "n_real": self.protocol.n_real,
            "n_fake": self.protocol.n_fake,
            "paper": self.paper,
        }


TASKS: dict[str, Callable[[], Task]] = {}
# Parametrised task families, written "prefix:ARGUMENT" (e.g. "images:/data/faces", "cifar10:~/data").
TASK_FAMILIES: dict[str, Callable[[str], Task]] = {}
_INSTANCES = ProcessCache()  # name -> the Task built for it, once per process


# register_task(name): a task factory (a class or function with no arguments);
# register_task_family(prefix): a factory f(argument) -> Task for names "prefix:argument".
register_task = registrar(TASKS, "task")
register_task_family = registrar(TASK_FAMILIES, "task family")


def get_task(name: str) -> Task:
    """The task called ``name`` (a registered name, or ``images:PATH`` / ``cifar10:ROOT``)."""
    if name in _INSTANCES:
        return _INSTANCES[name]
    if name in TASKS:
        task = TASKS[name]()
    elif ":" in name and name.split(":", 1)[0] in TASK_FAMILIES:
        prefix, arg = name.split(":", 1)
        task = TASK_FAMILIES[prefix](arg)
    else:
        families = ", ".join(f"{p}:..." for p in sorted(TASK_FAMILIES))
        raise ValueError(f"unknown task {name!r}; choose from {', '.join(sorted(TASKS))} or {families}")
    _INSTANCES[name] = task
    return task
