"""Tools from the request's words, their verification, and the tool loop of a generated project."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from generated import imported, own_tests_without_autogenesis, write_files
from langchain_core.language_models import FakeMessagesListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import Field

from autogenesis.blueprint.codegen import render_project
from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.hierarchy import add_approvers
from autogenesis.blueprint.ir import Blueprint, StateField, ToolSpec
from autogenesis.blueprint.tools import add_tools, tool_job
from autogenesis.blueprint.verify import verify

ROLES = (("read_alert", "reads an alert"), ("gather", "gathers deploy logs"), ("update", "drafts a status update"))


def _ops() -> Blueprint:
    return add_approvers(add_tools(linear_blueprint("ops_desk", ROLES, reviewed=False)), {}, max_retries=2)


def test_a_job_that_fetches_outside_data_names_its_tool() -> None:
    jobs = {
        "gathers deploy logs": ("gather", "deploy logs"),
        "reads the contract": ("read", "contract"),
        "fetches the latest invoices from the billing API": ("fetch", "latest invoices"),
        "Looks up order status": ("look_up", "order status"),
        "reads the request": None,
        "triages tickets": None,
        "proposes a cause": None,
    }
    assert {role: tool_job(role) for role in jobs} == jobs


def test_tool_agents_get_a_tool_and_an_input_field_and_verify() -> None:
    bp = _ops()
    assert [(a.slug, a.kind) for a in bp.agents if not a.slug.endswith("_reviewer")] == [
        ("read_alert", "tool"),
        ("gather", "tool"),
        ("update", "llm"),
    ]
    assert bp.tools == (
        ToolSpec(
            name="look_up_alert",  # `read_alert` is the agent's own name
            agent="read_alert",
            source="alert",
            description="Look up alert: the lines of the `alert` input that mention the query "
            "(all of them when none does).",
        ),
        ToolSpec(
            name="gather_deploy_logs",
            agent="gather",
            source="deploy_logs",
            description="Look up deploy logs: the lines of the `deploy_logs` input that mention the query "
            "(all of them when none does).",
        ),
    )
    assert [(f.name, f.input) for f in bp.state if f.input] == [("alert", True), ("deploy_logs", True)]
    assert verify(bp) == []
    assert add_tools(bp) is bp  # once only


def test_the_verifier_proves_every_tool_exists_and_reads_an_input() -> None:
    bp = _ops()
    no_tools = bp.model_copy(update={"tools": ()})
    assert [f.message for f in verify(no_tools)] == [
        "tool agent 'read_alert' has no tool to call",
        "tool agent 'gather' has no tool to call",
    ]
    stray = bp.tools[0].model_copy(update={"agent": "update", "source": "result"})
    assert [f.message for f in verify(bp.model_copy(update={"tools": (stray, bp.tools[1])}))] == [
        "tool 'look_up_alert' belongs to 'update', not to a tool agent",
        "tool 'look_up_alert' reads 'result', not a text input field",
        "tool agent 'read_alert' has no tool to call",
    ]
    written = bp.model_copy(update={"state": (*bp.state, StateField(name="x", input=True))})
    assert verify(written) == []  # an input field nothing reads is allowed


@pytest.fixture
def ops(tmp_path: Path) -> Iterator[ModuleType]:
    with imported(write_files(render_project(_ops(), {}), tmp_path), "ops_desk.graph") as graph:
        yield graph


class _Calling(FakeMessagesListChatModel):
    """Takes tools, answers in order, and keeps what it was asked."""

    asked: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> _Calling:
        return self

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        self.asked.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


def _call(tool: str, query: str) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": tool, "args": {"query": query}, "id": f"c-{tool}-{query}"}])


def _approve() -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage('{"approved": true}')] * 3))


def test_the_tool_loop_runs_the_tool_on_the_input_and_stops_at_its_cap(ops: ModuleType) -> None:
    logs = "deploy 41 ok\ndeploy 42 failed: OOM in api\ndeploy 43 ok"
    gather = _Calling(responses=[_call("gather_deploy_logs", "failed"), AIMessage("deploy 42 broke it")])
    # read_alert keeps calling its tool: after MAX_TOOL_ROUNDS calls it is asked without tools.
    read_alert = _Calling(responses=[_call("look_up_alert", str(i)) for i in range(3)] + [AIMessage("the api is down")])
    models = {
        "read_alert": read_alert,
        "read_alert_reviewer": _approve(),
        "gather": gather,
        "gather_reviewer": _approve(),
        "update": GenericFakeChatModel(messages=iter([AIMessage("status: fixing")])),
        "update_reviewer": _approve(),
    }
    out = ops.run("api 500s", models, inputs={"deploy_logs": logs, "alert": "api 500 errors"})
    assert (out["gather_output"], out["read_alert_output"], out["result"]) == (
        "deploy 42 broke it",
        "the api is down",
        "status: fixing",
    )
    results = [m.content for m in out["gather_messages"] if m.type == "tool"]
    assert results == ["deploy 42 failed: OOM in api"]  # the matching line of the input
    assert [m.type for m in gather.asked[1]] == ["system", "human", "ai", "tool"]
    assert len(read_alert.asked) == 4 and [m.type for m in out["read_alert_messages"]].count("tool") == 3


def test_a_model_without_tool_calling_gets_the_tools_results_up_front(ops: ModuleType) -> None:
    class Plain(FakeMessagesListChatModel):
        asked: list[list[BaseMessage]] = Field(default_factory=list)

        def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
            self.asked.append(list(messages))
            return super()._generate(messages, *args, **kwargs)

    gather = Plain(responses=[AIMessage("deploy 42 broke it")])
    models = {name: _approve() for name in ops.AGENTS} | {
        "read_alert": GenericFakeChatModel(messages=iter([AIMessage("alert read")])),
        "gather": gather,
        "update": GenericFakeChatModel(messages=iter([AIMessage("status")])),
    }
    out = ops.run("api 500s", models, inputs={"deploy_logs": "deploy 42 failed"})
    assert out["gather_output"] == "deploy 42 broke it"
    assert gather.asked[0][-1].content.endswith("## gather_deploy_logs (looked up)\ndeploy 42 failed")


def test_a_tool_project_s_own_tests_pass_without_autogenesis(tmp_path: Path) -> None:
    done = own_tests_without_autogenesis(write_files(render_project(_ops(), {}), tmp_path))
    assert done.returncode == 0, done.stdout[-3000:]
    assert done.stdout.strip().splitlines()[-1].startswith("5 passed in ")  # approve path + 3 approvers + 1 scenario


def test_a_blueprint_names_the_workflow_patterns_it_combines() -> None:
    assert linear_blueprint().patterns() == ("prompt chaining", "evaluator-optimizer")
    gated = add_approvers(
        add_tools(linear_blueprint("ops_desk", ROLES, reviewed=False)),
        {},
        max_retries=2,
        people={"update": "senior reviewer"},
    )
    assert gated.patterns() == ("prompt chaining", "evaluator-optimizer", "tool-using agent", "human-in-the-loop")
