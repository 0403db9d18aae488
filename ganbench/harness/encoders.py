"""The encoder's numbers of an inference program (BiGAN/ALI, AAE): does E invert G, and do its codes
carry the data's structure?

Every trial is judged on the same real data, drawn from fixed seeds (not from any trial's streams):
``N_TRAIN`` labelled samples to fit the linear probe and ``N_TEST`` held-out ones for everything else.
Reconstructions go through the raw generator (the one E was trained with, not its average); the
prior match compares the held-out codes with as many draws of N(0, I). The values (see
:mod:`ganbench.metrics.inference`): ``recon_error``, ``recon_kept`` (the fraction of reconstructions
the task's judge gives the input's label: on mixtures, a high-quality sample of the input's mode),
``probe_accuracy`` and ``prior_kid``.
"""
from __future__ import annotations

import torch

from ganbench.metrics.inference import label_preservation, linear_probe_accuracy, reconstruction_error
from ganbench.metrics.kid import kid
from ganbench.records import REAL_EVAL_SEED
from ganbench.records.trial import derive_seed

N_TRAIN = 2500
N_TEST = 2500
KID_SUBSETS, KID_SUBSET_SIZE = 100, 1000


def protocol() -> dict:
    return {"n_train": N_TRAIN, "n_test": N_TEST, "seeds": "derive_seed(REAL_EVAL_SEED, 'encoder-train'/'encoder-test')",
            "reconstruction": "G(E(x)), raw generator", "probe": "scikit-learn LogisticRegression (lbfgs), standardised codes",
            "prior_kid": {"subsets": KID_SUBSETS, "subset_size": KID_SUBSET_SIZE, "seed": 0}}


@torch.no_grad()
def encoder_stats(task, e: torch.nn.Module, g: torch.nn.Module, z_dim: int, n_seeds: int, device) -> list[dict]:
    """Per seed of the program, the encoder's values (a list of ``n_seeds`` dicts); ``e`` maps
    (S, N, *shape) to codes (S, N, z_dim) and ``g`` codes back to samples."""
    if not hasattr(task, "sample_labelled") or not hasattr(task, "judge"):
        raise ValueError(f"task {task.name!r} has no labels to judge an encoder with; use a mixture task")
    x_tr, y_tr = task.sample_labelled(N_TRAIN, torch.Generator().manual_seed(derive_seed(REAL_EVAL_SEED, "encoder-train")))
    x_te, y_te = task.sample_labelled(N_TEST, torch.Generator().manual_seed(derive_seed(REAL_EVAL_SEED, "encoder-test")))
    prior = torch.randn(N_TEST, z_dim, generator=torch.Generator().manual_seed(derive_seed(REAL_EVAL_SEED, "prior")))
    was = e.training, g.training
    e.eval(), g.eval()
    try:
        codes_tr = e(x_tr.to(device).expand(n_seeds, *x_tr.shape)).cpu()
        codes_te = e(x_te.to(device).expand(n_seeds, *x_te.shape))
        rec = g(codes_te).float().cpu()
        codes_te = codes_te.cpu()
    finally:
        e.train(was[0]), g.train(was[1])
    out = []
    for i in range(n_seeds):
        if not (torch.isfinite(codes_tr[i]).all() and torch.isfinite(codes_te[i]).all() and torch.isfinite(rec[i]).all()):
            out.append({})  # a diverged encoder: its trial's sample metrics say so
            continue
        out.append({
            "recon_error": reconstruction_error(x_te, rec[i]),
            "recon_kept": label_preservation(y_te, task.judge(rec[i])),
            "probe_accuracy": linear_probe_accuracy(codes_tr[i], y_tr, codes_te[i], y_te),
            "prior_kid": kid(prior, codes_te[i], subsets=KID_SUBSETS, subset_size=KID_SUBSET_SIZE, seed=0,
                             device="cpu")[0],
        })
    return out
