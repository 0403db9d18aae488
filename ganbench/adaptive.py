"""Adaptive seeds: rounds of seeds only where a question is still open, under a recorded design.

One loop serves ``ganbench compare --until-decided`` (is the candidate better than the reference, per
task?) and suites with published claims (does each claim reproduce?). Both ask a *judge* what is
still open at the last complete look of a group-sequential design (``ganbench.report.sequential``)
and give the open questions' two variants the next look's seeds, task by task, all open tasks of a
round trained together. Added seeds are ordinary trials of the run directory.

Kill it anywhere: the design (looks, α, spending, what is compared) is written to
``RUN_DIR/adaptive.json`` before anything trains, and a later invocation with other settings is
refused before it trains (changing a sequential design after seeing its looks inflates α; Proschan &
Hunsberger 1995, "Designed extension of studies based on conditional power"). Judges see complete
looks only (seeds 0..n-1 of both sides recorded, a diverged seed counting as a result), so the seeds
of an interrupted round wait for the rest of their round instead of being read as a mismatch, and a
re-run finishes the round and reaches the answer an uninterrupted run reaches.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ganbench.records import load_records
from ganbench.utils.atomic import atomic_write_json
from ganbench.utils.faults import fault_point

DESIGN_FILE = "adaptive.json"
SPENDING = "Lan-DeMets O'Brien-Fleming, two-sided"  # ganbench.report.sequential.spent


@dataclass(frozen=True)
class Question:
    """What a judge says of one open question (a task of a comparison, a claim)."""

    key: str  # the task (compare) or the claim id
    task: str
    variants: tuple[str, ...]  # the two sides that get seeds while it is open
    n: int  # seeds per side at its last complete look (0: not even the first)
    stop: bool  # decided, at the last look, or nothing more to learn (e.g. a side not learned)


def design_record(kind: str, design, max_seeds: int, step: int, start: int, **subject) -> dict:
    """What ``adaptive.json`` holds: the design's looks, α and spending, its bounds and what it compares
    (``subject``: candidate/reference/margins, or the claims)."""
    return {"kind": kind, "looks": list(design.looks), "alpha": design.alpha, "spending": SPENDING,
            "max_seeds": int(max_seeds), "step": int(step), "start": int(start),
            **{k: v for k, v in subject.items() if v is not None}}


def keep_design(run_dir, record: dict | None, fresh: bool = False, file: str = DESIGN_FILE, what: str = "adaptive",
                flags: str = "--until-decided settings",
                why: str = "changing it after seeing looks inflates the error rate") -> None:
    """Write the design ``record`` into ``run_dir/file`` (None: this invocation has none), or check it
    against the one an earlier invocation wrote there: a different design, or a run resumed without
    one, is refused (ValueError) before anything trains. One rule for every design a run directory
    keeps: the adaptive design here (``what``, ``flags`` and ``why`` word the refusal), the tuning
    design of :mod:`ganbench.tuning`."""
    path = Path(run_dir) / file
    old = None
    if path.is_file() and not fresh:
        try:
            old = json.loads(path.read_text())
        except ValueError:
            old = None  # unreadable: it was being written when the run was killed; nothing trained after it
    if old is not None:
        if record is None:
            said = f"{old['kind']}, looks {old['looks']}" if "looks" in old else old.get("kind", what)
            raise ValueError(f"{run_dir} holds {'an' if what[0] in 'aeiou' else 'a'} {what} run ({said}); resume it "
                             f"with the same {flags}, or use --fresh or another --out")
        diff = [f"{k} {_short(old.get(k))} -> {_short(record.get(k))}" for k in sorted(set(old) | set(record))
                if old.get(k) != record.get(k)]
        if diff:
            raise ValueError(f"{run_dir} was started with another {what} design ({'; '.join(diff)}); {why}: resume "
                             "with the same flags, or use --fresh or another --out")
        return
    if record is not None:
        atomic_write_json(path, record)


def _short(value, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def complete_seeds(records: list[dict], task: str, variants, looks) -> int:
    """The largest look ``n`` of ``looks`` such that seeds 0..n-1 of every one of ``variants`` on ``task``
    have a result (``ok`` or ``diverged``; a ``failed`` record is a crash to retry, not a result); 0 if
    none."""
    have = {}
    for r in records:
        if r["task"] == task and r["variant"] in variants and r.get("kind", "trial") == "trial" \
                and r["status"] in ("ok", "diverged"):
            have.setdefault(r["variant"], set()).add(r["seed_index"])
    n = 0
    while all(n in have.get(v, ()) for v in variants):
        n += 1
    return max((k for k in looks if k <= n), default=0)


def run_rounds(suite, run_dir, looks, judge: Callable[[list[dict]], list[Question]],
               train: Callable, log=print) -> list[Question]:
    """Until every question is closed or at the last look: judge the run directory's records, then train
    the next look's seeds of the open questions' variants (``train(sub_suite)``, a suite restricted to
    those tasks, variants and seeds). Returns the last judgement."""
    seen = set()
    while True:
        questions = judge(load_records(run_dir))
        todo = [q for q in questions if not q.stop and q.n < looks[-1]]
        if not todo:
            return questions
        state = tuple(sorted((q.key, q.n) for q in todo))
        if state in seen:  # a round added no complete look (its seeds failed twice): more would not either
            log("no open question gained a complete look in the last round (seeds failed); stopping: "
                + ", ".join(f"{q.key} at {q.n} seeds" for q in todo))
            return questions
        seen.add(state)
        rounds: dict[int, dict[str, set]] = {}  # seeds after the round -> task -> variants to train
        for q in todo:
            n_next = min(n for n in looks if n > q.n)
            rounds.setdefault(n_next, {}).setdefault(q.task, set()).update(q.variants)
        for n_next, tasks in sorted(rounds.items()):
            plans = tuple(dataclasses.replace(p, variants=tuple(v for v in suite.variants_of(p) if v in tasks[p.name]))
                          for p in suite.tasks if p.name in tasks)
            variants = tuple(dict.fromkeys(v for p in plans for v in p.variants))
            log(f"training seeds up to {n_next - 1} of " + "; ".join(f"{p.name}: {', '.join(p.variants)}" for p in plans))
            fault_point("round")
            train(dataclasses.replace(suite, seeds=tuple(range(n_next)), variants=variants, tasks=plans))


def complete_view(records: list[dict], pairs: dict[str, tuple[str, ...]], looks) -> list[dict]:
    """The records a sequential judgement reads: per task of ``pairs`` (task -> the two compared
    variants), those variants' trials up to the task's last complete look, and the task's reference rows
    (floor and ceiling); seeds beyond the look wait for their round."""
    n = {task: complete_seeds(records, task, vs, looks) for task, vs in pairs.items()}
    return [r for r in records if r["task"] in pairs and (
        r.get("kind", "trial") != "trial" or (r["variant"] in pairs[r["task"]] and r["seed_index"] < n[r["task"]]))]
