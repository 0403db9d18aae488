"""The encoder's numbers of an inference program (BiGAN/ALI, AAE): does E invert G, and do its codes
carry the data's structure?

Every trial is judged on the same real data, never drawn from any trial's streams: on a mixture,
``N_TRAIN`` labelled samples (fixed seed) to fit the linear probe and ``N_TEST`` held-out ones for
everything else; on a finite dataset (the digits: ``labelled_split``), its train split and its test
split. Reconstructions go through the raw generator (the one E was trained with, not its average);
the prior match compares the held-out codes with as many draws of N(0, I). The values (see
:mod:`ganbench.metrics.inference`): ``recon_error``, ``recon_kept`` (the fraction of reconstructions
the task's judge gives the input's label: on mixtures, a high-quality sample of the input's mode; on
the digits, the input's digit recognised by the shipped classifier), ``probe_accuracy`` and
``prior_kid``.
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


def judgeable(task) -> bool:
    """Whether ``task`` has the labels and the judge an encoder's numbers need."""
    return hasattr(task, "judge") and (hasattr(task, "labelled_split") or hasattr(task, "sample_labelled"))


def encoder_tasks() -> list[str]:
    """The registered tasks an inference variant can be judged on (for error messages)."""
    from ganbench.tasks.task import TASKS, get_task

    return [n for n in sorted(TASKS) if getattr(get_task(n), "kind", "") != "translation" and judgeable(get_task(n))]


def _sets(task):
    """((x_train, y_train), (x_test, y_test)) the encoder is judged on, and how they were drawn."""
    if hasattr(task, "labelled_split"):
        return task.labelled_split("train"), task.labelled_split("test"), "the task's train and test splits"

    def draw(n, name):
        return task.sample_labelled(n, torch.Generator().manual_seed(derive_seed(REAL_EVAL_SEED, name)))
    return (draw(N_TRAIN, "encoder-train"), draw(N_TEST, "encoder-test"),
            "derive_seed(REAL_EVAL_SEED, 'encoder-train'/'encoder-test')")


def protocol(task) -> dict:
    (x_tr, _), (x_te, _), drawn = _sets(task)
    # a mixture's entry keeps the key it was first recorded with ("seeds")
    return {"n_train": len(x_tr), "n_test": len(x_te), ("data" if hasattr(task, "labelled_split") else "seeds"): drawn,
            "reconstruction": "G(E(x)), raw generator", "probe": "scikit-learn LogisticRegression (lbfgs), standardised codes",
            "prior_kid": {"subsets": KID_SUBSETS, "subset_size": min(KID_SUBSET_SIZE, len(x_te)), "seed": 0}}


@torch.no_grad()
def encoder_stats(task, e: torch.nn.Module, g: torch.nn.Module, z_dim: int, n_seeds: int, device,
                  extractor=None) -> list[dict]:
    """Per seed of the program, the encoder's values (a list of ``n_seeds`` dicts); ``e`` maps
    (S, N, *shape) to codes (S, N, z_dim) and ``g`` codes back to samples. ``extractor``: the task's
    feature extractor, for a judge that reads features (the digits' classifier); None for mixtures."""
    if not judgeable(task):
        raise ValueError(f"task {task.name!r} has no labels to judge an encoder with; use one of "
                         f"{', '.join(encoder_tasks())}")
    (x_tr, y_tr), (x_te, y_te), _ = _sets(task)
    prior = torch.randn(len(x_te), z_dim, generator=torch.Generator().manual_seed(derive_seed(REAL_EVAL_SEED, "prior")))
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
        judged = task.judge(rec[i], extractor(rec[i]) if extractor is not None else None)
        out.append({
            "recon_error": reconstruction_error(x_te, rec[i]),
            "recon_kept": label_preservation(y_te, judged),
            "probe_accuracy": linear_probe_accuracy(codes_tr[i], y_tr, codes_te[i], y_te),
            "prior_kid": kid(prior, codes_te[i], subsets=KID_SUBSETS, subset_size=min(KID_SUBSET_SIZE, len(x_te)),
                             seed=0, device="cpu")[0],
        })
    return out


@torch.no_grad()
def reconstructions(task, e: torch.nn.Module, g: torch.nn.Module, n_seeds: int, device, n: int) -> tuple:
    """The first ``n`` held-out inputs (n, *shape) and each seed's reconstructions G(E(x)) of them
    (S, n, *shape), on CPU: the leaderboard's figure of reconstructions next to their inputs."""
    x = _sets(task)[1][0][:n]
    was = e.training, g.training
    e.eval(), g.eval()
    try:
        rec = g(e(x.to(device).expand(n_seeds, *x.shape))).float().cpu()
    finally:
        e.train(was[0]), g.train(was[1])
    return x, rec
