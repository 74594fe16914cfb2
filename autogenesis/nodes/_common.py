"""What every node shares: the accounting wrapper, attempt counting and rejection feedback."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.budgets import check
from autogenesis.context import Context
from autogenesis.loops import repetition_note
from autogenesis.models.accounting import collecting
from autogenesis.models.chat import warmer
from autogenesis.state import Event, GenesisState

NodeFn = Callable[..., dict[str, Any]]

#: Times each node's work (a monotonic clock, in seconds); a test may replace it.
clock: Callable[[], float] = time.monotonic


class Node(Protocol):
    """A node as LangGraph calls it: state, and the run's context by keyword."""

    def __call__(self, state: Any, *, runtime: Runtime[Context]) -> dict[str, Any]: ...


def as_node(
    name: str,
    fn: NodeFn,
    model: BaseChatModel,
    *,
    varied: Callable[[Any], bool] | None = None,
    budgeted: bool = True,
) -> Node:
    """Bind `model` to a node function and record its model calls and a `done` event in its update.

    Everything a node returns lands in state only when it completes, so a node interrupted
    mid-way leaves no trace and runs again from its start on resume. `varied` tells, for a
    worker, whether its state is a retry after a repeated rejection: its model calls then run
    at the run's `retry_temperature`. A `budgeted` node first checks the run's budgets against
    its state and raises `BudgetExhausted`, having done nothing, when one is used up.
    """

    def node(state: Any, *, runtime: Runtime[Context]) -> dict[str, Any]:
        if budgeted:
            check(state, runtime.context, name)
        started, start = time.time(), clock()
        warmth = runtime.context.retry_temperature if varied is not None and varied(state) else None
        with collecting() as calls, warmer(warmth):
            update = fn(state, runtime, model=model)
        done = Event(
            node=name,
            kind="done",
            at=started,
            duration_s=round(clock() - start, 6),
            model_calls=len(calls),
            tokens=sum(c.prompt_tokens + c.completion_tokens for c in calls),
        )
        return {**update, "calls": calls, "events": [done, *update.get("events", [])]}

    node.__name__ = name
    node.__doc__ = fn.__doc__
    return node


def attempt(state: GenesisState, stage: str) -> int:
    """The attempt number of `stage` that is under way (0 before its first)."""
    return state.get("attempts", {}).get(stage, 0)


def next_attempt(state: GenesisState, stage: str) -> dict[str, dict[str, int]]:
    """The update that counts one more attempt of `stage`."""
    return {"attempts": {stage: attempt(state, stage) + 1}}


def rejection_feedback(state: GenesisState) -> tuple[str, ...]:
    """Reasons of the rejection that sent the run back here, if the last verdict was one, and the
    sentence naming the repetition when that rejection repeated the one before."""
    reviews = state.get("reviews", [])
    if reviews and not reviews[-1].approved:
        last = reviews[-1]
        # A person's reasons reach the worker as a model's do; the checks' are labelled.
        prefix = f"{last.stage} checks: " if last.reviewer == "checks" else ""
        note = repetition_note(state)
        return tuple(prefix + reason for reason in last.reasons) + ((note,) if note else ())
    return ()
