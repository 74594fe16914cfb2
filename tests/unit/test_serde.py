"""Checkpoint serialization: our artifacts come back typed; classes we do not name do not."""

from __future__ import annotations

import logging

import pytest
from pydantic import BaseModel

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
