"""Seed-batched optimisers: Adam and RMSprop over stacked parameters (leading seed axis) with their
hyper-parameters *per seed*, so trials with different learning rates or betas share one program.

Each seed's update is PyTorch's own formula (``torch.optim.Adam`` / ``RMSprop`` without weight
decay, amsgrad or momentum) applied elementwise with that seed's hyper-parameters, so a seed's
parameters do not depend on the other seeds, bit for bit. Bias corrections are computed in float64
as PyTorch does with Python floats. ``state_dict`` / ``load_state_dict`` hold plain tensors
(checkpoints load with ``weights_only=True``).
"""
from __future__ import annotations

import torch


def _per_seed(values, s: int, name: str) -> torch.Tensor:
    t = torch.as_tensor(values, dtype=torch.float64).reshape(-1)
    if t.numel() == 1:
        t = t.expand(s)
    if t.numel() != s:
        raise ValueError(f"{name}: {t.numel()} values for {s} seeds")
    return t.clone()


class SeedOptimizer:
    """Base: ``params`` is a list of tensors shaped (S, ...); per-seed hyper-parameters are (S,)
    float64 tensors; ``zero_grad`` and ``step`` behave as torch optimisers'."""

    def __init__(self, params, lr):
        self.params = [p for p in params]
        if not self.params:
            raise ValueError("an optimiser needs parameters")
        self.s = self.params[0].shape[0]
        if any(p.shape[0] != self.s for p in self.params):
            raise ValueError("every parameter must have the same leading seed axis")
        self.lr = _per_seed(lr, self.s, "lr")
        self.steps = 0

    def _view(self, v: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        """A per-seed (S,) float64 value as a float32 tensor that broadcasts against ``p``."""
        return v.to(device=p.device, dtype=p.dtype).reshape(-1, *([1] * (p.ndim - 1)))

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    def _state_tensors(self) -> dict:
        raise NotImplementedError

    def state_dict(self) -> dict:
        return {"steps": self.steps, **{k: [t.detach().clone() for t in v] for k, v in self._state_tensors().items()}}

    def load_state_dict(self, state: dict) -> None:
        self.steps = int(state["steps"])
        for k, mine in self._state_tensors().items():
            if len(state[k]) != len(mine):
                raise ValueError(f"optimiser state {k!r} has {len(state[k])} tensors, expected {len(mine)}")
            for dst, src in zip(mine, state[k]):
                dst.copy_(src)


class SeedAdam(SeedOptimizer):
    """Adam (Kingma & Ba 2015, Alg. 1) with per-seed ``lr``, ``betas`` ((S, 2) or one pair) and ``eps``."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, lr)
        b = torch.as_tensor(betas, dtype=torch.float64).reshape(-1, 2)
        self.beta1 = _per_seed(b[:, 0], self.s, "beta1")
        self.beta2 = _per_seed(b[:, 1], self.s, "beta2")
        self.eps = float(eps)
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        self._consts = None

    def _state_tensors(self) -> dict:
        return {"exp_avg": self.exp_avg, "exp_avg_sq": self.exp_avg_sq}

    def _broadcast(self):
        if self._consts is None:  # per parameter: 1 - beta1, beta2, 1 - beta2 shaped to broadcast
            self._consts = [(self._view(1 - self.beta1, p), self._view(self.beta2, p), self._view(1 - self.beta2, p))
                            for p in self.params]
        return self._consts

    def corrections(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-seed (step size lr / (1 - β1^t), sqrt(1 - β2^t)) in float64, as PyTorch computes them."""
        return self.lr / (1 - self.beta1**step), (1 - self.beta2**step).sqrt()

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        step_size, bc2_sqrt = self.corrections(self.steps)
        for p, m, v, (one_m_b1, b2, one_m_b2) in zip(self.params, self.exp_avg, self.exp_avg_sq, self._broadcast()):
            if p.grad is None:
                continue
            g = p.grad
            m.lerp_(g, one_m_b1)
            v.mul_(b2).addcmul_(g, g * one_m_b2)
            denom = (v.sqrt() / self._view(bc2_sqrt, p)).add_(self.eps)
            p.addcdiv_(m * self._view(-step_size, p), denom)

    def lookahead(self, params: list[torch.Tensor], grads: list[torch.Tensor], state: list[tuple], step: int):
        """One Adam update as a *differentiable* function of ``params`` and ``grads`` (for unrolled
        GANs): returns the new parameters and the new (exp_avg, exp_avg_sq) per parameter, leaving
        this optimiser's own state untouched. Any tensors with the seed axis first will do (e.g. all
        of a network's parameters flattened into one (S, P) tensor: fewer, larger ops)."""
        step_size, bc2_sqrt = self.corrections(step)
        new_params, new_state = [], []
        for p, g, (m, v) in zip(params, grads, state):
            one_m_b1, b2, one_m_b2 = (self._view(c, p) for c in (1 - self.beta1, self.beta2, 1 - self.beta2))
            m = m + one_m_b1 * (g - m)
            v = b2 * v + one_m_b2 * g * g
            denom = v.sqrt() / self._view(bc2_sqrt, p) + self.eps
            new_params.append(p - self._view(step_size, p) * m / denom)
            new_state.append((m, v))
        return new_params, new_state


class SeedRMSprop(SeedOptimizer):
    """RMSprop as ``torch.optim.RMSprop`` (alpha 0.99, eps 1e-8, no momentum) with per-seed ``lr``."""

    def __init__(self, params, lr, alpha: float = 0.99, eps: float = 1e-8):
        super().__init__(params, lr)
        self.alpha, self.eps = float(alpha), float(eps)
        self.square_avg = [torch.zeros_like(p) for p in self.params]

    def _state_tensors(self) -> dict:
        return {"square_avg": self.square_avg}

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        for p, sq in zip(self.params, self.square_avg):
            if p.grad is None:
                continue
            sq.mul_(self.alpha).addcmul_(p.grad, p.grad, value=1 - self.alpha)
            p.addcdiv_(p.grad * self._view(-self.lr, p), sq.sqrt().add_(self.eps))


OPTIMIZERS = {"adam": SeedAdam, "rmsprop": SeedRMSprop}
