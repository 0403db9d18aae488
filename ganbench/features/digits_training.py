"""Train the built-in digits classifier deterministically and write the shipped checkpoint.

    python -m ganbench.features.digits_training [--out ganbench/features/weights/digits_cnn.pt]

Adam (lr 1e-3, cosine-annealed to 0), batch 64, 60 epochs on the train split with random ±1 pixel
shifts, seed 0,
one CPU thread (so the float summation order, hence the weights, do not depend on the machine's
core count). Takes about 30 seconds on a 2-core CPU.
"""
from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F

from ganbench.features.digits import WEIGHTS, DigitsCNN, load_digits_split

EPOCHS, BATCH, LR, SEED = 60, 64, 1e-3, 0


def _shift(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Random translation by up to one pixel (pad with background -1, crop back to 8x8)."""
    n = len(x)
    padded = F.pad(x, (1, 1, 1, 1), value=-1.0)
    dx, dy = torch.randint(3, (2, n), generator=g)
    rows = (torch.arange(8)[None, :] + dy[:, None])[:, :, None].expand(n, 8, 8)
    cols = (torch.arange(8)[None, :] + dx[:, None])[:, None, :].expand(n, 8, 8)
    return padded[torch.arange(n)[:, None, None], 0, rows, cols][:, None]


def accuracy(net: DigitsCNN, split: str = "test") -> float:
    x, y = load_digits_split(split)
    with torch.no_grad():
        pred = net(torch.from_numpy(x))[1].argmax(1).numpy()
    return float((pred == y).mean())


def train_digits_classifier(seed: int = SEED, epochs: int = EPOCHS) -> DigitsCNN:
    x, y = (torch.from_numpy(a) for a in load_digits_split("train"))
    return fit_classifier(DigitsCNN, x, y, _shift, seed, epochs)


def fit_classifier(make_net, x: torch.Tensor, y: torch.Tensor, shift, seed: int, epochs: int, lr: float = LR,
                   batch: int = BATCH):
    """The shipped classifiers' recipe: ``make_net()`` trained by Adam (``lr``, cosine-annealed to 0)
    on (``x``, ``y``) in shuffled batches, each augmented by ``shift(images, generator)``; seed
    ``seed``, one CPU thread (so the weights do not depend on the machine's core count)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        g = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        net = make_net()
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
        for _ in range(epochs):
            order = torch.randperm(len(x), generator=g)
            for s in range(0, len(x), batch):
                idx = order[s : s + batch]
                loss = F.cross_entropy(net(shift(x[idx], g))[1], y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
            sched.step()
        return net.eval()
    finally:
        torch.set_num_threads(threads)


def main(argv=None) -> None:
    from ganbench.utils.atomic import atomic_torch_save

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(WEIGHTS))
    args = p.parse_args(argv)
    net = train_digits_classifier()
    atomic_torch_save(args.out, {k: v.clone() for k, v in net.state_dict().items()})
    print(f"test accuracy {accuracy(net):.4f} ({len(load_digits_split('test')[1])} images); wrote {args.out}")


if __name__ == "__main__":
    main()
