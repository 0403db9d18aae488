"""Measured training compute: FLOPs of one step, counted with PyTorch's own formulas."""
from __future__ import annotations

from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry


class FlopCount(TorchDispatchMode):
    """Counts FLOPs of every dispatched op with PyTorch's own formulas (``torch.utils.flop_counter``:
    matrix products and convolutions, forward and backward). ``FlopCounterMode`` itself cannot be
    used: its module tracker breaks ``autograd.grad`` on leaves, which gradient penalties need."""

    def __init__(self):
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.total += int(formula(*args, **kwargs, out_val=out))
        return out


def measure_flops(step_fn, ctx) -> tuple[dict, float]:
    """Run one step under the FLOP counter; returns its losses and the FLOPs of the whole program.
    Every step of a program runs the same ops on the same shapes, so one step measures them all."""
    with FlopCount() as counter:
        losses = step_fn(ctx)
    return losses, float(counter.total)
