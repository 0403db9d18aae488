"""One trial: build, train under a fixed budget, sample, evaluate, record (with checkpoints)."""
from ganbench.harness.budget import Budget
from ganbench.harness.record import TrialRecord, environment
from ganbench.harness.seeds import derive_seed, stream_seed
from ganbench.harness.trainer import TrialSpec, train_seeds, train_trial

__all__ = ["Budget", "TrialRecord", "environment", "derive_seed", "stream_seed", "TrialSpec", "train_seeds", "train_trial"]
