"""The runtime every generated project carries (`<name>/runtime.py`): agents, review loops, the model setting.

Each test renders a project, imports it from a temporary folder and drives it with
langchain-core's fake chat models; none of it may need AutoGenesis.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from generated import imported, own_tests_without_autogenesis, write_files
from langchain_core.language_models import (
    BaseChatModel,
    FakeListChatModel,
    FakeMessagesListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableLambda
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import Field

from autogenesis.blueprint.codegen import render_project
from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.hierarchy import add_approvers
from autogenesis.blueprint.ir import Blueprint, Edge
from autogenesis.models import ScriptedChatModel
from autogenesis.models.scripted import example_of


def _write(bp: Blueprint, root: Path) -> Path:
    return write_files(render_project(bp, {}), root)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The rendered `rt_desk` project's package (triage → reply, each with an approver, caps of 2)."""
    monkeypatch.delenv("RT_DESK_MODEL", raising=False)
    with imported(_write(linear_blueprint("rt_desk"), tmp_path), "rt_desk") as package:
        yield package


def _runtime(project: ModuleType) -> Any:
    return importlib.import_module(f"{project.__name__}.runtime")


def _fake(*answers: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(a) for a in answers]))


class _Recorder(FakeMessagesListChatModel):
    """Answers in order and keeps the messages of every call."""

    asked: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        self.asked.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


def test_no_file_of_a_generated_project_imports_autogenesis_but_the_local_extra_hook() -> None:
    files = render_project(linear_blueprint(), {})
    importers = {}
    for path, text in files.items():
        if not path.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(text)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n == "autogenesis" or n.startswith("autogenesis.") for n in names):
                importers[path] = node.lineno
    (line,) = importers.values()
    assert list(importers) == ["helpdesk/runtime.py"]
    runtime = ast.parse(files["helpdesk/runtime.py"])
    hook = next(f for f in runtime.body if isinstance(f, ast.FunctionDef) and f.name == "_autogenesis_model")
    assert hook.lineno < line <= (hook.end_lineno or 0)  # inside the function: imported on use only


def test_a_generated_project_s_own_tests_pass_with_autogenesis_unimportable(tmp_path: Path) -> None:
    bp = linear_blueprint()
    done = own_tests_without_autogenesis(_write(bp, tmp_path))
    assert done.returncode == 0, done.stdout[-3000:]
    tests = 1 + len(bp.reviews) + len(bp.scenarios)  # the approve path, one per approver, one per scenario
    assert (tests, done.stdout.strip().splitlines()[-1][:12]) == (4, "4 passed in ")


def test_the_review_loop_escalates_at_the_cap_and_the_worker_sees_the_reasons(project: ModuleType) -> None:
    graph = importlib.import_module("rt_desk.graph")
    reject = json.dumps({"approved": False, "reasons": ["too vague"]})
    worker = _Recorder(responses=[AIMessage("first"), AIMessage("second")])
    models = {"triage": worker, "triage_reviewer": _fake(reject, reject), "reply": _fake(), "reply_reviewer": _fake()}
    out = graph.run("My printer is on fire", models)
    assert (out["status"], out["attempts"], out["approved"]) == ("escalated:triage", {"triage": 2}, {"triage": False})
    assert out["feedback"] == {"triage": ["too vague"]} and out["triage_output"] == "second"
    assert [m[-1].content for m in worker.asked] == [
        "## request\nMy printer is on fire",
        "## request\nMy printer is on fire\n\nYour last answer was rejected. Fix these points:\n- too vague",
    ]


def test_ask_for_uses_structured_output_where_the_model_has_it(project: ModuleType) -> None:
    runtime = _runtime(project)

    class Structured(FakeListChatModel):
        def with_structured_output(self, schema: Any, **kwargs: Any) -> Any:
            assert kwargs == {"include_raw": True}
            return RunnableLambda(lambda _: next(answers))

    parsed = {"approved": False, "reasons": ["from structured output"]}
    answers = iter(
        [
            {"raw": AIMessage(""), "parsed": parsed, "parsing_error": None},
            # A model that answers with JSON in its text, not through the tool call it was bound to.
            {"raw": AIMessage('{"approved": true}'), "parsed": None, "parsing_error": None},
        ]
    )
    model = Structured(responses=["unused"])
    verdict = runtime.review(model, approver="check", criteria="c", output="o")
    assert verdict == runtime.Verdict(approved=False, reasons=["from structured output"])
    assert runtime.review(model, approver="check", criteria="c", output="o") == runtime.Verdict(approved=True)


def test_ask_for_parses_text_strictly_asks_again_once_then_stops(project: ModuleType) -> None:
    runtime = _runtime(project)
    fenced = '```json\n{"approved": true, "reasons": []}\n```'
    model = _Recorder(responses=[AIMessage("I approve!"), AIMessage(fenced)])
    assert runtime.review(model, approver="check", criteria="c", output="o").approved is True
    assert model.asked[1][-1].content.startswith("That was not a valid answer (no JSON object in the reply)")
    with pytest.raises(runtime.AgentError, match="the check agent's model gave no valid Verdict: "):
        runtime.review(_fake('{"approved": "perhaps"}', "{}"), approver="check", criteria="c", output="o")


def test_a_router_takes_one_of_its_options_or_stops(project: ModuleType) -> None:
    runtime = _runtime(project)
    options = ["billing", "outage"]
    state = {"request": "x"}
    schema = runtime.choice_schema(options).model_json_schema()
    assert schema["properties"]["option"]["enum"] == options
    chosen = runtime.choose(
        _fake('{"option": "outage"}'), agent="r", system_prompt="Pick.", options=options, state=state
    )
    assert chosen == "outage"
    with pytest.raises(runtime.AgentError, match="the r agent's model gave no valid Choice"):
        runtime.choose(
            _fake('{"option": "x"}', '{"option": "y"}'), agent="r", system_prompt="P", options=options, state=state
        )


def test_to_field(project: ModuleType) -> None:
    to_field = _runtime(project).to_field
    assert to_field("- a\n- b\n", "list[str]") == ["a", "b"]
    assert to_field("k: v\nx", "dict[str, str]") == {"k": "v"}
    assert (to_field("about 42.5 units", "int"), to_field("-1.5", "float"), to_field("Yes", "bool")) == (42, -1.5, True)
    assert to_field("none", "int") == 0


def test_model_settings(project: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = _runtime(project)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    hosted = runtime.resolve_model("openai:gpt-4o-mini")
    assert (type(hosted).__name__, hosted.model_name) == ("ChatOpenAI", "gpt-4o-mini")
    served = runtime.resolve_model("openai:http://127.0.0.1:9/v1#qwen")
    assert (served.model_name, served.openai_api_base) == ("qwen", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("RT_DESK_MODEL", "scripted")
    assert isinstance(runtime.resolve_model(None), ScriptedChatModel)  # ${NAME}_MODEL, through the local extra
    monkeypatch.setitem(sys.modules, "langchain_anthropic", None)
    errors = {
        "nonsense": "model 'nonsense': expected provider:model, e.g. openai:gpt-4o-mini",
        "anthropic:claude-x": "model 'anthropic:claude-x' needs its provider package: pip install langchain-anthropic",
    }
    for setting, message in errors.items():
        with pytest.raises(runtime.ModelSettingError) as raised:
            runtime.resolve_model(setting)
        assert str(raised.value) == message
    monkeypatch.setitem(sys.modules, "autogenesis.models", None)  # as without the local extra
    monkeypatch.delenv("RT_DESK_MODEL")
    with pytest.raises(runtime.ModelSettingError, match=r"^no model: pass --model provider:model .* \$RT_DESK_MODEL"):
        runtime.resolve_model(None)
    with pytest.raises(runtime.ModelSettingError, match=r"'local' is a model of AutoGenesis: install the local extra"):
        runtime.resolve_model("local")
    with pytest.raises(SystemExit) as exit_:
        runtime.parse_args(["x", "--model", "nonsense"], prog="rt_desk")
    assert exit_.value.code == 2


def test_the_lazy_model_resolves_on_first_use_and_delegates(
    project: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = _runtime(project)
    resolved: list[str | None] = []

    class Structured(FakeListChatModel):
        def with_structured_output(self, schema: Any, **kwargs: Any) -> Any:
            return RunnableLambda(lambda _: schema(approved=True, reasons=[f"structured {kwargs}"]))

    def resolve(setting: str | None) -> BaseChatModel:
        resolved.append(setting)
        return Structured(responses=["hey"])

    monkeypatch.setattr(runtime, "resolve_model", resolve)
    model = runtime.LazyModel(setting="fake")
    assert resolved == []
    assert model.invoke("hi").content == "hey"
    assert [c.content for c in model.stream("hi")][:3] == ["h", "e", "y"]
    verdict = model.with_structured_output(runtime.Verdict, method="json_schema").invoke("hi")
    assert verdict.reasons == ["structured {'include_raw': False, 'method': 'json_schema'}"]
    assert resolved == ["fake"]


def test_importing_a_generated_graph_loads_no_model(project: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RT_DESK_MODEL", "no-such-provider")
    graph = importlib.import_module("rt_desk.graph")
    runtime = _runtime(project)
    assert graph.graph.checkpointer is None
    assert graph.graph.config["recursion_limit"] == graph.RECURSION_LIMIT == 4 + 2 * 4 + 2
    with pytest.raises(runtime.ModelSettingError):
        graph.graph.invoke({"request": "hi"})
    monkeypatch.setenv("RT_DESK_MODEL", "scripted")
    served = importlib.reload(graph).graph
    assert served.invoke({"request": "hi"})["result"] == "reply: hi"  # the scripted model's demo answer


def test_the_scripted_model_gives_demo_answers_to_a_generated_system(project: ModuleType) -> None:
    runtime = _runtime(project)
    assert example_of(runtime.Verdict.model_json_schema()) == {"approved": True}
    assert example_of(runtime.choice_schema(["b", "a"]).model_json_schema()) == {"option": "b"}
    model = ScriptedChatModel()
    out = importlib.import_module("rt_desk.graph").run("hi", model)
    assert out["result"] == "reply: hi" and out["approved"] == {"triage": True, "reply": True}
    assert model.calls == ["agent:triage", "review:triage_reviewer", "agent:reply", "review:reply_reviewer"]
    rejecting = ScriptedChatModel.from_spec("reject=reply_reviewer")
    out = importlib.import_module("rt_desk.graph").run("hi", rejecting)
    assert (out["status"], out["feedback"]) == ("escalated:reply", {"reply": ["scripted rejection of reply_reviewer"]})
    with pytest.raises(AssertionError, match=r"answers only autogenesis\.models\.chat\.generate calls"):
        ScriptedChatModel(demo=False).invoke("hi")


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
    monkeypatch.setenv("ROUTED_DESK_MODEL", "scripted")
    with imported(_write(_routed_blueprint(), tmp_path), "routed_desk.graph") as graph:
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


def test_the_command_line_never_prints_a_database_password(project: ModuleType) -> None:
    runtime = _runtime(project)
    graph = importlib.import_module("rt_desk.graph")
    app = graph.build_graph(_fake()).compile(checkpointer=InMemorySaver())
    call = runtime.Invocation(
        prog="rt_desk",
        input=None,
        model=_fake(),
        thread="t9",
        db="postgresql://ops:s3cret@db.internal:5432/runs",
        resume=True,
        answer=None,
        approve_all=False,
        inputs={},
    )
    with contextlib.redirect_stderr(io.StringIO()) as err:
        code = runtime.drive(app, call, {}, recursion_limit=graph.RECURSION_LIMIT, result_key=graph.RESULT_KEY)
    assert (code, err.getvalue()) == (2, "no run 't9' in postgresql://ops:***@db.internal:5432/runs\n")
