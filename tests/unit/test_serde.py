"""Checkpoint serialization: our artifacts come back typed; classes we do not name do not."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel
from typing_extensions import TypedDict

from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.checkpoints.serde import checkpoint_types, serializer
from autogenesis.state import Halt, Review, TestReport


class Foreign(BaseModel):
    value: int


@pytest.mark.parametrize(
    "artifact",
    [
        linear_blueprint(),
        Review(stage="design", approved=False, reasons=("no",), attempt=2),
        Halt(kind="escalated", stage="design", detail="3 attempts"),
        TestReport(passed=3, failed=0),
    ],
)
def test_artifacts_round_trip_typed_without_warnings(artifact: BaseModel, caplog: pytest.LogCaptureFixture) -> None:
    serde = serializer()
    with caplog.at_level(logging.WARNING):
        revived = serde.loads_typed(serde.dumps_typed(artifact))
    assert type(revived) is type(artifact) and revived == artifact
    assert caplog.records == []


def test_a_class_not_allowed_is_not_revived() -> None:
    serde = serializer()
    revived = serde.loads_typed(serde.dumps_typed(Foreign(value=1)))
    assert revived == {"value": 1}


def test_the_allowlist_names_state_and_ir_types() -> None:
    types = checkpoint_types()
    assert ("autogenesis.state", "Specification") in types
    assert ("autogenesis.blueprint.ir", "AgentSpec") in types
    assert all(module.startswith("autogenesis.") for module, _ in types)


class Ticket(BaseModel):
    title: str


class WithTicket(TypedDict):
    ticket: Ticket


class WithAnything(TypedDict):
    ticket: Any


def _graph(schema: type[Any]) -> StateGraph[Any]:
    builder = StateGraph(schema)
    builder.add_node("fill", lambda state: {"ticket": Ticket(title="t")})
    builder.add_edge(START, "fill")
    builder.add_edge("fill", END)
    return builder


def test_compiling_a_graph_allows_exactly_that_graphs_state_types() -> None:
    saver = InMemorySaver(serde=serializer())
    cfg: RunnableConfig = {"configurable": {"thread_id": "t1"}}
    typed = _graph(WithTicket).compile(checkpointer=saver)
    typed.invoke({"ticket": None}, cfg)
    assert typed.get_state(cfg).values == {"ticket": Ticket(title="t")}
    # The same checkpoints, read through a graph whose schema does not name Ticket, or the bare saver.
    untyped = _graph(WithAnything).compile(checkpointer=saver)
    assert untyped.get_state(cfg).values == {"ticket": {"title": "t"}}
    tuple_ = saver.get_tuple(cfg)
    assert tuple_ is not None and tuple_.checkpoint["channel_values"]["ticket"] == {"title": "t"}
