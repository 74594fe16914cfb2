"""Human approval: a person, not a model, approves the stages named in `Context.human_approval`.

The stage's automatic approver still runs (checks, then the model): its verdict is not recorded
as the stage's review but kept as `pending_review`, the advice shown to the person. The
`human_review` node then waits on LangGraph's `interrupt()` with the work and that advice, and
turns the answer into the stage's `Review` (reviewer "human"): an approval, or a rejection whose
reason goes back to the worker as a model's does, under the same caps and loop detection.

`human_review` does nothing before its `interrupt()` but read state, so running it again from its
start on resume (as LangGraph does) repeats nothing. The answer, `Command(resume=...)`, is
`{"approve": true}`, `{"approve": false, "reason": "why"}`, or a plain string: "approve" (or
"approved", "yes") approves, any other text rejects with that text as the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from autogenesis.context import Context
from autogenesis.loops import work_digest
from autogenesis.state import Event, GenesisState, PendingReview, Review

#: The node that waits for a person's verdict.
NODE = "human_review"

#: The status of a run waiting at a gate is this, a colon and the stage: `awaiting_review:generate`.
AWAITING = "awaiting_review"

#: Plain-string answers that approve.
_APPROVALS = frozenset({"approve", "approved", "yes", "y"})


class InvalidAnswer(ValueError):
    """An answer to a gate that is neither an approval nor a rejection with a reason."""


def answer(value: Any) -> tuple[bool, str]:
    """`(approved, reason)` from a resume value; InvalidAnswer for anything else.

    Accepts `{"approve": bool, "reason": str}` (a rejection needs a reason), True, and a plain string.
    """
    if value is True:
        return True, ""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise InvalidAnswer("an empty answer: approve, or reject with a reason")
        return (True, "") if text.lower() in _APPROVALS else (False, text)
    if isinstance(value, Mapping) and isinstance(value.get("approve"), bool):
        reason = value.get("reason") or ""
        if not isinstance(reason, str):
            raise InvalidAnswer(f"the reason must be text, not {type(reason).__name__}")
        if not value["approve"] and not reason.strip():
            raise InvalidAnswer('a rejection needs a reason: {"approve": false, "reason": "why"}')
        return value["approve"], reason.strip()
    raise InvalidAnswer(
        f'answer with {{"approve": true}} or {{"approve": false, "reason": "why"}}, not {str(value)[:100]!r}'
    )


def question(pending: PendingReview, problem: str = "") -> dict[str, Any]:
    """What the interrupt shows (JSON, for Studio and `langgraph_sdk` too): the work, the advice, how to answer."""
    advice = pending.advice
    shown: dict[str, Any] = {
        "stage": pending.stage,
        "attempt": pending.attempt,
        "work": pending.work,
        "advice": {"approved": advice.approved, "reasons": list(advice.reasons), "by": advice.reviewer},
        "answer": {"approve": True, "or": {"approve": False, "reason": "why"}},
    }
    return {**shown, "problem": problem} if problem else shown


def human_review(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Wait for a person's verdict on the pending work; record it as the stage's review."""
    pending = state["pending_review"]
    assert pending is not None, "human_review runs only after a gated approver"
    value = interrupt(question(pending))
    while True:  # an answer that is neither verdict asks again, saying why; each ask waits for a person
        try:
            approved, reason = answer(value)
            break
        except InvalidAnswer as exc:
            value = interrupt(question(pending, str(exc)))
    stage = pending.stage
    # A rejected prompt design rewrites every agent's prompt: the person's reason is about them all.
    subjects = tuple(a.slug for a in state["blueprint"].agents) if stage == "design_prompts" and not approved else ()
    review = Review(
        stage=stage,
        approved=approved,
        reasons=(reason,) if reason else (),
        attempt=pending.attempt,
        reviewer="human",
        subjects=subjects,
        work=work_digest(state, stage),
    )
    verdict = "approved by a person" if approved else f"rejected by a person: {reason}"
    detail = f"attempt {review.attempt} {verdict}"
    return {
        "reviews": [review],
        "pending_review": None,
        "events": [Event(node=f"review_{stage}", kind="verdict", detail=detail[:500])],
    }


def gated(stage: str, update: Mapping[str, Any], shown: str) -> dict[str, Any]:
    """An approver's `update` turned into advice: its review held as `pending_review`, not recorded."""
    (advice,) = update["reviews"]
    pending = PendingReview(stage=advice.stage, attempt=advice.attempt, work=shown, advice=advice)
    # The advice's verdict event is left out too: the person's verdict is the stage's only one.
    kept = {key: value for key, value in update.items() if key not in ("reviews", "events")}
    return {**kept, "pending_review": pending}


def waiting(snapshot_values: Mapping[str, Any], interrupts: tuple[Any, ...]) -> PendingReview | None:
    """The work a thread waits on, when its next step is a gate's interrupt."""
    pending = snapshot_values.get("pending_review")
    return pending if interrupts and isinstance(pending, PendingReview) else None
