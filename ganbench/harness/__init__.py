"""One program of trials: build, train under a fixed budget, sample, evaluate, record (with checkpoints)."""
from ganbench.harness.budget import Budget
from ganbench.harness.program import Group
from ganbench.harness.trainer import config_hash, failed_record, train_program, train_seeds, train_trial
from ganbench.records import TrialRecord, TrialSpec, derive_seed, stream_seed

__all__ = ["Budget", "Group", "config_hash", "failed_record", "train_program", "train_seeds", "train_trial", "TrialRecord", "TrialSpec",
           "derive_seed", "stream_seed"]
