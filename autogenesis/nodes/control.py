"""Intake, escalation, iteration and finish: the nodes that start and end a run."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.context import Context
from autogenesis.loops import loop_detail
from autogenesis.state import MAX_REQUEST_CHARS, Event, GenesisState, Halt
from autogenesis.validation import InvalidRequest, validate_request


def intake(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Check the request before any agent sees it; a bad one ends the run with `error:intake`."""
    try:
        request = validate_request(state.get("request"), limit=MAX_REQUEST_CHARS)
    except InvalidRequest as exc:
        return _halt(Halt(kind="error", stage="intake", detail=str(exc)))
    return {
        "request": request,
        "status": "running",
        "iteration": 0,
        "attempts": {},
        "caps": runtime.context.caps(),
        "halt": None,
    }


def escalate(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """End the run: a stage's approver rejected its work as many times as the cap allows."""
    last = state["reviews"][-1]
    detail = f"{last.attempt} attempts rejected; last reasons: {'; '.join(last.reasons) or 'none given'}"
    return _halt(Halt(kind="escalated", stage=last.stage, detail=detail))


def break_loop(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """End the run: a stage repeated its work or its rejection after its retry was varied."""
    stage = state["reviews"][-1].stage
    return _halt(Halt(kind="loop_detected", stage=stage, detail=loop_detail(state, stage)))


def iterate(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Start the next design iteration from the feedback, with fresh attempt counters."""
    return {"iteration": state.get("iteration", 0) + 1, "attempts": dict.fromkeys(state.get("attempts", {}), 0)}


def finish(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """End the run: every stage approved and the project deployed."""
    deployment = state["deployment"]
    return _halt(Halt(kind="approved", detail=f"deployed version {deployment.version} to {deployment.path}"))


def _halt(halt: Halt) -> dict[str, Any]:
    return {
        "halt": halt,
        "status": str(halt),
        "events": [Event(node="halt", kind="halt", detail=f"{halt}: {halt.detail}")],
    }
