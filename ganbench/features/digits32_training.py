"""Train the 32x32 digit-domain classifiers deterministically and write the shipped checkpoints.

    python -m ganbench.features.digits32_training [--domain edges ...] [--out-dir ganbench/features/weights]

For each domain, on its train split: Adam (lr 1e-3, cosine-annealed to 0), batch 64, 40 epochs
with random shifts of up to ±2 pixels (the image padded by replicating its border, so the
background is the domain's own), seed 0, one CPU thread (so the float summation order, hence the
weights, do not depend on the machine's core count). Takes 15-30 seconds per domain on a 2-core CPU
(about 100 seconds for all five); test accuracies 0.9972 (digits32), 0.9777 (edges), 0.9972 (thick),
0.9944 (inverted), 0.9944 (rotated).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from ganbench.features.digit_domains import DOMAINS, SIZE, load_domain_split
from ganbench.features.digits32 import WEIGHTS_DIR, Digits32CNN, weights_path
from ganbench.features.digits_training import fit_classifier

EPOCHS, BATCH, LR, SEED, MAX_SHIFT = 40, 64, 1e-3, 0, 2


def _shift(x: torch.Tensor, g: torch.Generator, m: int = MAX_SHIFT) -> torch.Tensor:
    """Random translation of each image by up to ``m`` pixels each way (pad by replicating the
    border, crop back to SIZE x SIZE)."""
    n = len(x)
    padded = F.pad(x, (m, m, m, m), mode="replicate")
    dx, dy = torch.randint(2 * m + 1, (2, n), generator=g)
    rows = (torch.arange(SIZE)[None, :] + dy[:, None])[:, :, None].expand(n, SIZE, SIZE)
    cols = (torch.arange(SIZE)[None, :] + dx[:, None])[:, None, :].expand(n, SIZE, SIZE)
    return padded[torch.arange(n)[:, None, None], 0, rows, cols][:, None]


def accuracy(net: Digits32CNN, domain: str, split: str = "test") -> float:
    x, y = load_domain_split(domain, split)
    with torch.no_grad():
        pred = net(x)[1].argmax(1)
    return float((pred == y).double().mean())


def train_domain_classifier(domain: str, seed: int = SEED, epochs: int = EPOCHS,
                            n_train: int | None = None) -> Digits32CNN:
    """Train a ``Digits32CNN`` on ``domain``'s train split (its first ``n_train`` images if given)."""
    x, y = load_domain_split(domain, "train")
    if n_train is not None:
        x, y = x[:n_train], y[:n_train]
    return fit_classifier(Digits32CNN, x, y, _shift, seed, epochs, LR, BATCH)


def main(argv=None) -> None:
    from ganbench.utils.atomic import atomic_torch_save

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--domain", action="append", choices=list(DOMAINS),
                   help="domain to train (repeatable); default: all of them")
    p.add_argument("--out-dir", default=str(WEIGHTS_DIR))
    args = p.parse_args(argv)
    for domain in args.domain or list(DOMAINS):
        t0 = time.perf_counter()
        net = train_domain_classifier(domain)
        seconds = time.perf_counter() - t0
        out = Path(args.out_dir) / weights_path(domain).name
        atomic_torch_save(out, {k: v.clone() for k, v in net.state_dict().items()})
        n = len(load_domain_split(domain, "test")[1])
        print(f"{domain}: test accuracy {accuracy(net, domain):.4f} ({n} images), "
              f"trained in {seconds:.1f} s; wrote {out}", flush=True)


if __name__ == "__main__":
    main()
