"""Loop detection: a stage whose worker repeats its work, or whose approver repeats its reasons.

A repetition is a rejection that judged the same work as the stage's previous rejection, or gave
the same reasons. Integration rejecting the same test failures twice is design and integration
handing the same work back and forth: it is a repetition of the `integrate` stage. The first
repetition varies the retry (its prompt names the repetition, its model runs warmer); the second
ends the run `loop_detected:<stage>`. A stage whose worker renders without a model (`generate`)
has nothing to vary: its first repetition ends the run.

Everything here is a pure function of the reviews in state, so a resumed run sees the history
the interrupted one saw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from pydantic import BaseModel

from autogenesis.state import GenesisState, Review, Stage

#: Stages whose retry cannot differ from the attempt it repeats: the worker renders without a model.
UNVARIED: frozenset[str] = frozenset({"generate"})

#: The state key each stage's worker writes: the work its approver judges.
OUTPUT: dict[Stage, str] = {
    "understand": "spec",
    "design": "blueprint",
    "hierarchy": "blueprint",
    "design_prompts": "prompts",
    "generate": "project",
    "integrate": "test_report",
    "optimize": "metrics",
    "document": "documentation",
    "feedback": "feedback",
}

#: Fields that differ between two runs of the same work (timings, attempt numbers): not part of it.
_VOLATILE = frozenset({"attempt", "duration_s", "test_seconds"})


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if key not in _VOLATILE}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def work_digest(state: GenesisState, stage: Stage) -> str:
    """A digest of the work `stage`'s approver judges; "" when there is none yet."""
    work = state.get(OUTPUT[stage])
    if work is None:
        return ""
    text = json.dumps(_plain(work), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def rejections(reviews: Sequence[Review], stage: str) -> list[Review]:
    """`stage`'s rejections since its last approval, oldest first."""
    run: list[Review] = []
    for review in reversed(reviews):
        if review.stage != stage:
            continue
        if review.approved:
            break
        run.append(review)
    return run[::-1]


def repeated(previous: Review, last: Review) -> tuple[str, ...]:
    """What `last` repeats of `previous`: "the same work", "the same reasons", or nothing."""
    same_work = bool(last.work) and last.work == previous.work
    same_reasons = bool(last.reasons) and last.reasons == previous.reasons
    return tuple(what for what, same in (("the same work", same_work), ("the same reasons", same_reasons)) if same)


def repetitions(reviews: Sequence[Review], stage: str) -> int:
    """How many of `stage`'s rejections since its last approval repeat the one before them."""
    return sum(1 for previous, last in pairwise(rejections(reviews, stage)) if repeated(previous, last))


def looping(state: GenesisState, stage: str) -> bool:
    """Whether `stage` repeated itself after its retry was varied (at once, when it cannot vary)."""
    return repetitions(state.get("reviews", []), stage) >= (1 if stage in UNVARIED else 2)


def repetition_note(state: GenesisState) -> str | None:
    """The sentence a retry's prompt gets when the rejection that sent it back repeated the one before."""
    reviews = state.get("reviews", [])
    if not reviews or reviews[-1].approved:
        return None
    run = rejections(reviews, reviews[-1].stage)
    what = repeated(run[-2], run[-1]) if len(run) > 1 else ()
    if not what:
        return None
    previous, last = run[-2], run[-1]
    return (
        f"This is a loop: {last.stage} attempts {previous.attempt} and {last.attempt} were rejected with "
        f"{' and '.join(what)}, so do not repeat that work; take a different approach."
    )


def loop_detail(state: GenesisState, stage: str) -> str:
    """What the halt of a looping `stage` says: the attempts that repeated, what, and the last reasons."""
    run = rejections(state["reviews"], stage)
    repeats = [
        f"{last.attempt} repeated {previous.attempt} ({' and '.join(what)})"
        for previous, last in pairwise(run)
        if (what := repeated(previous, last))
    ]
    reasons = "; ".join(run[-1].reasons) or "none given"
    return f"attempt {', attempt '.join(repeats)}; last reasons: {reasons}"
