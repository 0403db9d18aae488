"""Published claims that ganbench's tasks can test: a direction between two variants on one metric,
with the paper, table and numbers it comes from.

A claim is data, not code: ``ganbench run --suite claims`` trains its variants, the leaderboard's
claims table and the images/core captions read this registry to say, per claim, what the paper
reported, what was measured (with CIs) and whether the direction reproduced, was contradicted, or is
undecided at the seeds spent (:func:`ganbench.report.claims.claim_verdicts`). Published numbers are as
printed in the source (percentages as fractions); they are never used to judge, only to show.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ganbench.metrics.registry import value_info
from ganbench.utils.names import check_new_name


@dataclass(frozen=True)
class Claim:
    """``better`` beats ``worse`` on ``task`` by ``metric`` (a registered value, direction from the
    metric registry), as ``source`` reports: ``published = {variant: value}`` in the paper's units
    and setting (``setting``), which may differ from the task's (say so in ``note``). ``comparable``:
    the published numbers are in the task's units (same definition of the value), so the power to
    detect the published gap means something; False for FID in another feature space or a count
    defined differently."""

    id: str
    task: str
    better: str
    worse: str
    metric: str
    source: str
    published: dict = field(default_factory=dict, hash=False, compare=False)
    setting: str = ""
    note: str = ""
    comparable: bool = True

    @property
    def higher_is_better(self) -> bool:
        return bool(value_info(self.metric).higher_is_better)

    def column(self, extractor: str) -> str:
        """The leaderboard/long-table column of this claim's metric, e.g. ``modes[identity]``."""
        return f"{self.metric}[{extractor}]"


CLAIMS: dict[str, Claim] = {}


def register_claim(claim: Claim) -> Claim:
    """Add ``claim`` to :data:`CLAIMS`; its id follows the naming rule of ``ganbench.utils.names``
    (it names suites' claim lists, tables and files) and collides with no registered id."""
    if claim.id in CLAIMS:
        raise ValueError(f"claim {claim.id!r} is already registered")
    check_new_name(claim.id, "claim", CLAIMS)
    if value_info(claim.metric).higher_is_better is None:
        raise ValueError(f"claim {claim.id!r}: metric {claim.metric!r} has no direction; pick a ranked value")
    if claim.better == claim.worse:
        raise ValueError(f"claim {claim.id!r}: better and worse are the same variant {claim.better!r}")
    CLAIMS[claim.id] = claim
    return claim


def get_claim(name: str) -> Claim:
    if name not in CLAIMS:
        raise ValueError(f"unknown claim {name!r}; known: {', '.join(CLAIMS)}")
    return CLAIMS[name]


def claims_for(task: str) -> list[Claim]:
    return [c for c in CLAIMS.values() if c.task == task]


_PACGAN_T1 = "Lin et al. 2018 (PacGAN), Table 1 (mean of 10 trials)"
_VEEGAN_T1 = "Srivastava et al. 2017 (VEEGAN), Table 1 (5 runs)"
_PACGAN_T2 = "Lin et al. 2018 (PacGAN), Table 2 (Stacked MNIST, 1000 modes)"

register_claim(Claim("pacgan-grid25-modes", "grid25", "pacgan", "gan-ns", "modes", _PACGAN_T1,
                     {"pacgan": 23.8, "gan-ns": 17.3}, "PacGAN2 vs GAN, 400k iterations at batch 100"))
register_claim(Claim("pacgan-grid25-rkl", "grid25", "pacgan", "gan-ns", "reverse_kl", _PACGAN_T1,
                     {"pacgan": 0.13, "gan-ns": 0.70}, "PacGAN2 vs GAN, 400k iterations at batch 100"))
register_claim(Claim("pacgan-ring8-modes", "ring8", "pacgan", "gan-ns", "modes", _PACGAN_T1,
                     {"pacgan": 7.9, "gan-ns": 6.3}, "PacGAN2 vs GAN, 400k iterations at batch 100"))
register_claim(Claim("unrolled-ring8-modes", "ring8", "unrolled-gan", "gan-ns", "modes", _VEEGAN_T1,
                     {"unrolled-gan": 7.6, "gan-ns": 1.0}, "unrolled GAN (5 steps) vs GAN, 100k iterations at batch 500"))
register_claim(Claim("gan-ring8-hq", "ring8", "gan-ns", "unrolled-gan", "hq_fraction", _VEEGAN_T1,
                     {"gan-ns": 0.993, "unrolled-gan": 0.356}, "GAN vs unrolled GAN (5 steps)",
                     note="the collapsed GAN's few samples are all on its one mode: the table's high-quality "
                          "fraction favours the GAN"))
register_claim(Claim("pacgan-stacked-modes", "stacked-digits", "pacgan", "gan-ns", "modes", _PACGAN_T2,
                     {"pacgan": 1000.0, "gan-ns": 78.9}, "PacDCGAN2 vs DCGAN on 28x28 Stacked MNIST, 100k iterations at batch 64",
                     note="ganbench's surrogate stacks 8x8 scikit-learn digits; modes are triples the digits "
                          "classifier labels confidently (the paper counts argmax triples)", comparable=False))
register_claim(Claim("pacgan-stacked-kl", "stacked-digits", "pacgan", "gan-ns", "kl_modes", _PACGAN_T2,
                     {"pacgan": 0.06, "gan-ns": 4.50}, "PacDCGAN2 vs DCGAN on 28x28 Stacked MNIST, 100k iterations at batch 64",
                     note="KL(generated argmax triples || uniform over the 1000), as the paper computes it"))
register_claim(Claim("stylegan-vs-progan-fid", "digits32", "stylegan", "progan", "fid", "Karras et al. 2019 (StyleGAN), Table 1",
                     {"stylegan": 4.40, "progan": 8.04}, "FFHQ 1024x1024, 25M images", comparable=False))
register_claim(Claim("stylegan2-vs-stylegan-fid", "digits32", "stylegan2", "stylegan", "fid", "Karras et al. 2020 (StyleGAN2), Table 1",
                     {"stylegan2": 2.84, "stylegan": 4.40}, "FFHQ 1024x1024, 25M images", comparable=False))
