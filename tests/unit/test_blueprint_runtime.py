"""The runtime generated projects import: agents, review loops with caps, the model setting."""

from __future__ import annotations

import importlib
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel, FakeListChatModel, FakeMessagesListChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableLambda
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from autogenesis.blueprint.codegen import render_project
from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.hierarchy import add_approvers
from autogenesis.blueprint.ir import Blueprint, Edge
from autogenesis.drafts import Verdict
from autogenesis.models import ModelConfigError, Prompt, ScriptedChatModel, generate
from autogenesis.models.chat import model_name
from autogenesis.runtime import (
    AgentOutput,
    Choice,
    LazyModel,
    ReviewState,
    add_review_loop,
    choose,
    parse_model_arg,
    recursion_limit,
    review,
    review_update,
    run_agent,
    run_graph,
    to_field,
)


class _State(ReviewState, total=False):
    request: str
    draft_output: str


def _draft(state: _State, *, model: BaseChatModel) -> dict[str, Any]:
    return {"draft_output": run_agent(model, agent="draft", system_prompt="Draft.", state=state)}


def _check(state: _State, *, model: BaseChatModel) -> dict[str, Any]:
    verdict = review(model, approver="check", criteria="good", output=state["draft_output"])
    return review_update("draft", verdict)


def _loop(model: BaseChatModel, on_exhausted: Any = "escalate") -> dict[str, Any]:
    builder = StateGraph(_State)
    builder.add_node("draft", partial(_draft, model=model))
    builder.add_node("check", partial(_check, model=model))
    builder.add_edge(START, "draft")
    add_review_loop(builder, worker="draft", approver="check", on_approve=END, max_retries=3, on_exhausted=on_exhausted)
    app = builder.compile(checkpointer=InMemorySaver())
    return run_graph(app, {"request": "hi"}, recursion_limit=recursion_limit(2, [3]))


def test_scripted_model_answers_agents_and_approves() -> None:
    model = ScriptedChatModel()
    out = _loop(model)
    assert out == {
        "request": "hi",
        "draft_output": "draft: hi",
        "attempts": {"draft": 1},
        "approved": {"draft": True},
        "feedback": {},
        "choices": {},
    }
    assert dict(model.count()) == {"agent:draft": 1, "review:check": 1}


def test_review_loop_escalates_at_the_cap_and_feeds_back_reasons() -> None:
    model = ScriptedChatModel(reject={"check": None})
    out = _loop(model)
    assert (out["status"], out["attempts"], out["approved"]) == ("escalated:draft", {"draft": 3}, {"draft": False})
    assert out["feedback"] == {"draft": ["scripted rejection of check"]}
    assert dict(model.count()) == {"agent:draft": 3, "review:check": 3}


def test_review_loop_can_continue_at_the_cap() -> None:
    out = _loop(ScriptedChatModel(reject={"check": None}), on_exhausted="continue")
    assert "status" not in out
    assert out["attempts"] == {"draft": 3}


def test_a_rejected_worker_sees_the_reasons() -> None:
    asked: list[str] = []

    class Recording(BaseCallbackHandler):
        def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
            if "role:agent:draft" in (kwargs.get("tags") or []):
                asked.append(messages[0][-1].content)

    _loop(ScriptedChatModel(reject={"check": 1}, callbacks=[Recording()]))
    assert asked == [
        "## request\nhi",
        "## request\nhi\n(Your last answer was rejected. Fix these points:\n- scripted rejection of check)",
    ]


def test_choose_falls_back_to_the_first_option() -> None:
    state = {"request": "x"}
    assert choose(ScriptedChatModel(), agent="r", system_prompt="Pick.", options=["a", "b"], state=state) == "a"
    model = ScriptedChatModel(responses={"agent:r": [Choice(option="b"), Choice(option="zzz")]})
    assert choose(model, agent="r", system_prompt="Pick.", options=["a", "b"], state=state) == "b"
    assert choose(model, agent="r", system_prompt="Pick.", options=["a", "b"], state=state) == "a"


def test_scripted_answers_by_schema_do_not_shadow_role_scripts() -> None:
    model = ScriptedChatModel(responses={"agent:x": [AgentOutput(text="scripted")]})
    assert run_agent(model, agent="x", system_prompt="s", state={"request": "r"}) == "scripted"
    verdict = review(ScriptedChatModel(), approver="x_reviewer", criteria="c", output="o")
    assert verdict == Verdict(approved=True, reasons=["meets the stage's criteria"])


def test_to_field() -> None:
    assert to_field("- a\n- b\n", "list[str]") == ["a", "b"]
    assert to_field("k: v\nx", "dict[str, str]") == {"k": "v"}
    assert (to_field("about 42.5 units", "int"), to_field("-1.5", "float"), to_field("Yes", "bool")) == (42, -1.5, True)
    assert to_field("none", "int") == 0


def test_parse_model_arg() -> None:
    text, model = parse_model_arg(["do it", "--model", "scripted"])
    assert text == "do it"
    assert isinstance(model, ScriptedChatModel) and model_name(model) == "scripted"
    _, routed = parse_model_arg(["do it", "--model", "default=scripted,review=scripted:reject=check"])
    assert model_name(routed) == "default=scripted,review=scripted:reject=check"
    with pytest.raises(SystemExit) as exit_:
        parse_model_arg(["x", "--model", "nonsense"])
    assert exit_.value.code == 2


def test_lazy_model_resolves_on_first_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_MODEL", "nonsense")
    model = LazyModel(env_var="SOME_MODEL")
    with pytest.raises(ModelConfigError):
        generate(model, AgentOutput, Prompt(role="agent:x", task="t", input="i"))
    monkeypatch.setenv("SOME_MODEL", "scripted")
    fresh = LazyModel(env_var="SOME_MODEL")
    prompt = Prompt(role="agent:x", task="t", input="i", data={"agent": "x", "state": {"request": "q"}})
    assert generate(fresh, AgentOutput, prompt) == AgentOutput(text="x: q")
    assert isinstance(fresh.model_for("agent:x"), ScriptedChatModel)
    assert fresh.model_for("agent:x") is fresh.model_for("review:y")  # resolved once


def test_lazy_model_sends_each_role_to_the_router_s_choice() -> None:
    model = LazyModel(setting="default=scripted,review=scripted:reject=check")
    verdict = review(model, approver="check", criteria="c", output="o")
    assert verdict.approved is False
    assert run_agent(model, agent="x", system_prompt="s", state={"request": "r"}) == "x: r"
    assert model.model_for("review:check") is not model.model_for("agent:x")


class _Fake(FakeMessagesListChatModel):
    """A chat model that does not stream, with a structured output of its own."""

    def with_structured_output(self, schema: Any, **kwargs: Any) -> Any:
        return RunnableLambda(lambda _: schema(text=f"structured {kwargs}"))


def test_lazy_model_called_directly_delegates_to_the_resolved_model(monkeypatch: pytest.MonkeyPatch) -> None:
    call = {"name": "lookup", "args": {"q": "x"}, "id": "c1", "type": "tool_call"}
    resolved: list[str | None] = []

    def resolve(setting: str | None) -> BaseChatModel:
        resolved.append(setting)
        if setting == "streams":
            return FakeListChatModel(responses=["hey"])
        return _Fake(responses=[AIMessage(content="hello"), AIMessage(content="", tool_calls=[call])])

    monkeypatch.setattr("autogenesis.runtime.cli.resolve_model", resolve)
    model = LazyModel(setting="fake")
    assert resolved == []
    assert model.invoke("hi").content == "hello"
    first, *rest = model.stream("hi")  # the resolved model does not stream: one chunk has its answer
    assert first.tool_calls == [call] and not any(c.content or c.tool_call_chunks for c in rest)
    assert model.with_structured_output(AgentOutput, method="json_schema").invoke("hi") == AgentOutput(
        text="structured {'include_raw': False, 'method': 'json_schema'}"
    )
    assert resolved == ["fake"]
    assert [c.content for c in LazyModel(setting="streams").stream("hi")][:3] == ["h", "e", "y"]


def test_importing_a_generated_graph_loads_no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for path, text in render_project(linear_blueprint("lazy_desk"), {}).items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    monkeypatch.setenv("LAZY_DESK_MODEL", "no-such-provider")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        graph = importlib.import_module("lazy_desk.graph")
        assert graph.graph.checkpointer is None
        assert graph.graph.config["recursion_limit"] == graph.RECURSION_LIMIT == 4 + 2 * 4 + 2
        with pytest.raises(ModelConfigError):
            graph.graph.invoke({"request": "hi"})
        monkeypatch.setenv("LAZY_DESK_MODEL", "scripted")
        served = importlib.reload(graph).graph
        assert served.invoke({"request": "hi"})["result"] == "reply: hi"
    finally:
        for name in [m for m in sys.modules if m.startswith("lazy_desk")]:
            del sys.modules[name]


def test_the_project_variable_names_the_model_unless_model_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_MODEL", "scripted")
    text, model = parse_model_arg(["do it"], env_var="DESK_MODEL")
    assert (text, model_name(model)) == ("do it", "scripted")
    with pytest.raises(SystemExit) as exit_:
        parse_model_arg(["x", "--model", "nonsense"], env_var="DESK_MODEL")
    assert exit_.value.code == 2


def _routed_blueprint() -> Blueprint:
    """triage (a router) → research → answer, or triage → answer: an approver after `answer`."""
    bp = linear_blueprint(
        "routed_desk",
        (("triage", "Sort tickets"), ("research", "Look it up"), ("answer", "Write the answer")),
        reviewed=False,
    )
    router = bp.agents[0].model_copy(update={"kind": "router"})
    edges = [e for e in bp.edges if e.source != "triage"] + [
        Edge(source="triage", target="research", condition="research"),
        Edge(source="triage", target="answer", condition="skip"),
    ]
    bp = bp.model_copy(update={"agents": (router, *bp.agents[1:]), "edges": tuple(edges)})
    return add_approvers(bp, {}, max_retries=2)


def test_a_generated_graph_gives_studio_an_input_form_and_an_editable_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path, text in render_project(_routed_blueprint(), {}).items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    monkeypatch.setenv("ROUTED_DESK_MODEL", "scripted")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        graph = importlib.import_module("routed_desk.graph")
        state = importlib.import_module("routed_desk.state")
        # typing.TypedDict on Python 3.11 gives Studio no input schema; typing_extensions' does.
        assert type(state.State).__module__ == "typing_extensions"
        schema = graph.graph.get_input_jsonschema()
        assert schema["properties"]["request"] == {"title": "Request", "type": "string"}

        app = graph.build_graph(ScriptedChatModel()).compile(checkpointer=InMemorySaver())
        cfg: Any = {"configurable": {"thread_id": "edit"}, "recursion_limit": graph.RECURSION_LIMIT}
        assert app.invoke({"request": "hi"}, cfg)["choices"] == {"triage": "research"}
        # Studio's edit-state: update_state runs the edges out of `as_node` without a Runtime (langgraph#6340).
        app.update_state(cfg, {"choices": {"triage": "skip"}}, as_node="triage")
        assert app.get_state(cfg).next == ("answer",)
        app.update_state(cfg, {"approved": {"answer": False}}, as_node="answer_reviewer")
        assert app.get_state(cfg).next == ("answer",)  # sent back: 1 review of 2 so far
    finally:
        for name in [m for m in sys.modules if m.startswith("routed_desk")]:
            del sys.modules[name]
