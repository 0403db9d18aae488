"""The ground floor: a trial's identity and seeds, ``TrialRecord``, and the run-directory layout.
Every upper layer (harness, runner, report, CLI) speaks this vocabulary; it imports nothing above."""
from ganbench.records.record import REFERENCE_KINDS, STATUSES, TrialRecord, now
from ganbench.records.rundir import RunDir, load_records
from ganbench.records.trial import REAL_EVAL_SEED, STREAMS, TrialSpec, derive_seed, safe_name, stream_seed, trial_id

__all__ = ["REFERENCE_KINDS", "STATUSES", "TrialRecord", "now", "RunDir", "load_records", "REAL_EVAL_SEED",
           "STREAMS", "TrialSpec", "derive_seed", "safe_name", "stream_seed", "trial_id"]
