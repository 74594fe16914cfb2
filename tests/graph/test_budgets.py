"""Budgets: a run that uses one up stops before a node starts, and goes on with a larger one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from autogenesis.budgets import Spent
from autogenesis.checkpoints import open_persistence
from autogenesis.context import Context
from autogenesis.models.scripted import ScriptedChatModel
from autogenesis.nodes import _common
from autogenesis.report import run_halt
from autogenesis.runner import Outcome, Runner, thread_config
from autogenesis.state import Halt

HELPDESK = "a helpdesk that triages tickets, drafts replies and has a reviewer approve them"


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    return [_plain(v) for v in value] if isinstance(value, list) else value


def comparable(state: dict[str, Any]) -> dict[str, Any]:
    """A final state without what differs between two runs of one build: times and paths."""
    data: dict[str, Any] = _plain(state)
    for event in data["events"]:
        event.pop("at"), event.pop("duration_s")
        event["detail"] = event["detail"].split(" to ")[0]
    for call in data["calls"]:
        call.pop("latency_s")
    data["deployment"].pop("path")
    data["halt"]["detail"] = data["halt"]["detail"].split(" to ")[0]
    data["test_report"].pop("duration_s")
    data["metrics"].pop("test_seconds")
    return data


@pytest.fixture(scope="module")
def unlimited(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The final state of the build without budgets."""
    out = str(tmp_path_factory.mktemp("unlimited"))
    with open_persistence("memory") as persistence:
        outcome = Runner(persistence, ScriptedChatModel()).start(HELPDESK, thread_id="u", context=Context(out_dir=out))
    assert outcome.status == "approved"
    return outcome.state


def _stopped_before(runner: Runner, outcome: Outcome) -> tuple[str, ...]:
    return tuple(runner.app.get_state(thread_config(outcome.thread_id, Context())).next)


def test_the_model_call_budget_stops_the_run_before_the_next_node(tmp_path: Path) -> None:
    with open_persistence("memory") as persistence:
        runner = Runner(persistence, ScriptedChatModel())
        outcome = runner.start(HELPDESK, thread_id="b", context=Context(out_dir=str(tmp_path), max_model_calls=5))
        assert (outcome.status, outcome.exit_code) == ("budget_exhausted", 3)
        assert outcome.message == "model calls: 5 used of 5 allowed; stopped before review_hierarchy"
        assert outcome.spent == Spent("model_calls", 5, 5, "review_hierarchy")
        assert _stopped_before(runner, outcome) == ("review_hierarchy",)
        roles = ["understand", "review:understand", "design", "review:design", "hierarchy"]
        assert [c.role for c in outcome.state["calls"]] == roles
        record, state = runner.state("b")
    assert record.status == "budget_exhausted"
    assert run_halt(record, state) == Halt(kind="budget_exhausted", detail=outcome.message)


@pytest.mark.parametrize(("extra", "node"), [(0, "review_design"), (1, "hierarchy")])
def test_the_token_budget_stops_the_run_where_its_calls_reach_it(
    extra: int, node: str, tmp_path: Path, unlimited: dict[str, Any]
) -> None:
    # The first three calls (understand, its review, design) use `limit` tokens: the run stops at
    # the boundary after design; one token more lets the design review make its call first.
    limit = sum(c.prompt_tokens + c.completion_tokens for c in unlimited["calls"][:3]) + extra
    with open_persistence("memory") as persistence:
        runner = Runner(persistence, ScriptedChatModel())
        outcome = runner.start(HELPDESK, thread_id="t", context=Context(out_dir=str(tmp_path), max_tokens=limit))
        assert (outcome.status, outcome.exit_code) == ("budget_exhausted", 3)
        used = sum(c.prompt_tokens + c.completion_tokens for c in outcome.state["calls"])
        assert outcome.spent == Spent("tokens", used, limit, node)
        assert _stopped_before(runner, outcome) == (node,)
        assert len(outcome.state["calls"]) == 3 + extra


class _Clock:
    """A clock that moves one second each time it is read, or as far as a test moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_the_seconds_budget_counts_node_work_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock()
    monkeypatch.setattr(_common, "clock", clock)  # every node takes exactly one second
    with open_persistence("memory") as persistence:
        runner = Runner(persistence, ScriptedChatModel())
        context = Context(out_dir=str(tmp_path), max_seconds=2.5)
        outcome = runner.start(HELPDESK, thread_id="s", context=context)
        # intake, understand and its review took a second each: design does not start.
        assert outcome.spent == Spent("seconds", 3.0, 2.5, "design")
        assert outcome.message == "seconds of node work: 3 used of 2.5 allowed; stopped before design"
        assert _stopped_before(runner, outcome) == ("design",)

        clock.now += 1000.0  # the run stood still: no node was at work
        resumed = runner.resume("s", caps={"max_seconds": 4.5})
        assert resumed.spent == Spent("seconds", 5.0, 4.5, "hierarchy")
        assert [e.node for e in resumed.state["events"] if e.kind == "done"] == [
            "intake",
            "understand",
            "review_understand",
            "design",
            "review_design",
        ]


def test_resume_with_a_larger_budget_ends_as_an_unlimited_run(tmp_path: Path, unlimited: dict[str, Any]) -> None:
    with open_persistence("memory") as persistence:
        runner = Runner(persistence, ScriptedChatModel())
        first = runner.start(HELPDESK, thread_id="r", context=Context(out_dir=str(tmp_path), max_model_calls=5))
        assert first.spent == Spent("model_calls", 5, 5, "review_hierarchy")
        again = runner.resume("r", caps={"max_model_calls": 12})
        # The three prompt tasks and their review make 12: generate does not start.
        assert again.spent == Spent("model_calls", 12, 12, "generate")
        final = runner.resume("r", caps={"max_model_calls": 100})
        record = runner.registry.get("r")
    assert (final.status, final.exit_code) == ("approved", 0)
    assert record is not None and record.context["max_model_calls"] == 100
    # No node ran twice: the calls and the node runs are those of the unlimited run, in order.
    assert [c.role for c in final.state["calls"]] == [c.role for c in unlimited["calls"]]
    assert comparable(final.state) == comparable(unlimited)


def test_a_run_within_its_budgets_is_not_stopped(tmp_path: Path, unlimited: dict[str, Any]) -> None:
    calls = len(unlimited["calls"])  # the last call is the feedback review's: only `finish` follows it
    with open_persistence("memory") as persistence:
        outcome = Runner(persistence, ScriptedChatModel()).start(
            HELPDESK, thread_id="w", context=Context(out_dir=str(tmp_path), max_model_calls=calls)
        )
    assert (outcome.status, len(outcome.state["calls"])) == ("approved", calls)


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_model_calls", 0), ("max_tokens", -1), ("max_seconds", 0.0), ("max_seconds", float("nan"))],
)
def test_a_budget_must_be_positive(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"^{field} must be more than 0, got {value}$"):
        Context(**{field: value})  # type: ignore[arg-type]
