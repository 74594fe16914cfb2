"""Wiring and running generated graphs: review loops with caps, recursion limits, interrupts."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

from langgraph.graph import END, StateGraph
from langgraph.pregel import Pregel
from langgraph.types import Command
from typing_extensions import TypedDict


def _merge(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    return {**(left or {}), **(right or {})}


def _add_counts(left: dict[str, int] | None, right: dict[str, int] | None) -> dict[str, int]:
    counts = dict(left or {})
    for key, n in (right or {}).items():
        counts[key] = operator.add(counts.get(key, 0), n)
    return counts


class ReviewState(TypedDict, total=False):
    """The state keys the runtime keeps for every generated system."""

    #: Reviews so far, by worker; a worker's approver stops sending work back at its cap.
    attempts: Annotated[dict[str, int], _add_counts]
    #: The last verdict on each worker's work.
    approved: Annotated[dict[str, bool], _merge]
    #: The reasons of the last rejection, by worker; the worker sees them on its next attempt.
    feedback: Annotated[dict[str, list[str]], _merge]
    #: The route each router agent took.
    choices: Annotated[dict[str, str], _merge]
    #: Set when a run halts early, e.g. `escalated:<worker>`.
    status: str


def escalation_node(worker: str) -> str:
    """The name of the node a review loop ends in when its worker runs out of attempts."""
    return f"escalate-{worker}"


def add_review_loop(
    builder: StateGraph[Any, Any, Any, Any],
    *,
    worker: str,
    approver: str,
    on_approve: str,
    max_retries: int,
    on_exhausted: Literal["escalate", "continue"] = "escalate",
) -> None:
    """Wire worker → approver → `on_approve`, or back to the worker, at most `max_retries` reviews.

    At the cap the run either ends with `status = "escalated:<worker>"` or, with
    `on_exhausted="continue"`, goes on with the last attempt.
    """
    exhausted = escalation_node(worker) if on_exhausted == "escalate" else on_approve

    def route(state: Mapping[str, Any]) -> str:
        if (state.get("approved") or {}).get(worker):
            return "approve"
        if (state.get("attempts") or {}).get(worker, 0) >= max_retries:
            return "exhausted"
        return "reject"

    route.__name__ = f"after_{approver}"
    builder.add_edge(worker, approver)
    builder.add_conditional_edges(approver, route, {"approve": on_approve, "reject": worker, "exhausted": exhausted})
    if on_exhausted == "escalate":
        status = f"escalated:{worker}"
        builder.add_node(exhausted, lambda state: {"status": status})
        builder.add_edge(exhausted, END)


def route_by(router: str) -> Callable[[Mapping[str, Any]], str]:
    """The routing function of a router agent: the option it chose."""

    def route(state: Mapping[str, Any]) -> str:
        return str((state.get("choices") or {})[router])

    route.__name__ = f"after_{router}"
    return route


def recursion_limit(agents: int, caps: Sequence[int]) -> int:
    """A LangGraph recursion limit that no run within the review caps can reach, and a loop can."""
    return agents + 2 * sum(caps) + 2


Answer = Callable[[Any], str]


def run_graph(
    app: Pregel[Any, Any, Any, Any],
    inputs: Mapping[str, Any],
    *,
    recursion_limit: int,
    answer: Answer | None = None,
    thread_id: str = "main",
    max_interrupts: int = 100,
) -> dict[str, Any]:
    """Run `app` to its end; each human question is put to `answer` (the app needs a checkpointer)."""
    config: Any = {"configurable": {"thread_id": thread_id}, "recursion_limit": recursion_limit}
    payload: Any = dict(inputs)
    for _ in range(max_interrupts):
        result = app.invoke(payload, config)
        if app.checkpointer is None:
            return dict(result)
        pending = app.get_state(config).interrupts
        if not pending:
            return dict(result)
        if answer is None:
            raise RuntimeError(f"the run is waiting for a person: {pending[0].value!r}")
        payload = Command(resume=answer(pending[0].value))
    raise RuntimeError(f"the run asked more than {max_interrupts} questions")
