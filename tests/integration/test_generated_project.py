"""Generated projects in the sandbox and from their deployed folder."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from generated import imported, write_files
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph_sdk import get_sync_client
from openai_wire import handler
from pydantic import Field

from autogenesis import Context, ScriptedChatModel, build_graph
from autogenesis.blueprint.codegen import render_project
from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.hierarchy import add_approvers
from autogenesis.blueprint.ir import Scenario
from autogenesis.blueprint.tools import add_tools
from autogenesis.sandbox import run_project_tests
from autogenesis.state import TestFailure

ROLES = (("intake", "Read the request"), ("research", "Find what is needed"), ("answer", "Write the answer"))
SCENARIOS = (
    Scenario(name="refund", input="I want a refund", expect="a refund policy answer"),
    Scenario(name="outage", input="The site is down", expect="an incident answer"),
)


def _three_agent_project() -> dict[str, str]:
    return render_project(linear_blueprint("support_desk", ROLES, max_retries=2, scenarios=SCENARIOS), {})


def test_generated_tests_pass_in_the_sandbox() -> None:
    report = run_project_tests(_three_agent_project(), timeout_s=120)
    # approve path + one reject-until-cap test per review pair + one per acceptance scenario
    assert (report.passed, report.failed, report.errors, report.failures) == (1 + 3 + 2, 0, 0, ())
    assert report.ok
    # CI runs as root with bubblewrap installed: the strong sandbox, as the unprivileged uid.
    assert report.sandbox.startswith("bubblewrap: a uid of its own, own pid/mount/network namespaces")


def test_a_failing_generated_test_is_reported_by_name() -> None:
    files = _three_agent_project()
    files["tests/test_broken.py"] = "def test_always_wrong() -> None:\n    assert 1 + 1 == 3, 'arithmetic'\n"
    report = run_project_tests(files, timeout_s=120)
    assert (report.passed, report.failed, report.errors) == (6, 1, 0)
    assert report.failures == (
        TestFailure(
            test="tests/test_broken.py::test_always_wrong", message="AssertionError: arithmetic\nassert (1 + 1) == 3"
        ),
    )
    assert not report.ok


def test_without_bubblewrap_the_tests_run_in_a_subprocess_that_says_it_is_weaker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTOGENESIS_SANDBOX", "subprocess")
    stale = Path(tempfile.mkdtemp(prefix="autogenesis-sandbox-999999999-"))  # a pid no process has
    report = run_project_tests(_three_agent_project(), timeout_s=120)
    assert (report.passed, report.failed, report.errors) == (6, 0, 0), report.failures
    assert report.sandbox.startswith("subprocess as uid 0, no network (unshare -n); WEAKER than bubblewrap")
    assert not stale.exists()  # a folder left by a dead process is swept
    assert list(Path(tempfile.gettempdir()).glob(f"autogenesis-sandbox-{os.getpid()}-*")) == []


def test_hanging_tests_are_killed_and_reported() -> None:
    hang = "import time\n\n\ndef test_hang() -> None:\n    time.sleep(600)\n"
    report = run_project_tests({"tests/test_hang.py": hang}, timeout_s=3)
    assert (report.passed, report.failed, report.errors) == (0, 0, 1)
    assert report.failures == (
        TestFailure(test="sandbox", message="the tests did not finish within 3 s and were killed"),
    )


def test_files_outside_the_project_are_refused() -> None:
    report = run_project_tests({"../../etc/evil.py": "x = 1\n"})
    assert report.failures == (
        TestFailure(
            test="sandbox", message="refused to write the project: '../../etc/evil.py': path is outside the project"
        ),
    )


def test_deployed_project_runs_from_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "support_desk" / "v1"
    write_files(_three_agent_project(), folder)
    proc = subprocess.run(
        [sys.executable, "-m", "support_desk", "hello", "--model", "scripted"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "answer: hello\n", "")
    rejected = subprocess.run(
        [sys.executable, "-m", "support_desk", "hello", "--model", "scripted:reject=research_reviewer"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (rejected.returncode, rejected.stdout) == (3, "")
    assert rejected.stderr == "halted: escalated:research\n- scripted rejection of research_reviewer\n"
    # Without --model, the project's own variable names the model, as it does under `langgraph dev`.
    by_env = subprocess.run(
        [sys.executable, "-m", "support_desk", "hello"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SUPPORT_DESK_MODEL": "scripted:reject=answer_reviewer"},
    )
    assert (by_env.returncode, by_env.stdout) == (3, "")
    assert by_env.stderr == "halted: escalated:answer\n- scripted rejection of answer_reviewer\n"


class _Backend:
    """An OpenAI-compatible server's answers: a verdict for a structured request, text otherwise."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def complete(self, body: dict[str, Any]) -> tuple[str, dict[str, int]]:
        self.requests.append(body)
        usage = {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}
        if body.get("response_format", {}).get("type") == "json_schema":
            return json.dumps({"approved": True, "reasons": []}), usage
        first_line = body["messages"][-1]["content"].splitlines()[-1]
        return f"served: {first_line}", usage


@pytest.mark.real_model  # an OpenAI client, against the loopback server only
def test_a_deployed_project_runs_against_an_openai_compatible_server(tmp_path: Path) -> None:
    folder = tmp_path / "support_desk"
    write_files(_three_agent_project(), folder)
    backend = _Backend()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(backend))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        setting = f"openai:http://127.0.0.1:{server.server_port}/v1#served-model"
        env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
        proc = subprocess.run(
            [sys.executable, "-m", "support_desk", "hello", "--model", setting],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.shutdown()
        server.server_close()
    # Each worker answers "served: <the last line of its input>", the previous worker's answer: the
    # result shows the three workers ran in order, each on the approved work before it.
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "served: served: served: hello\n", "")
    kinds = [(r["model"], r.get("response_format", {}).get("type")) for r in backend.requests]
    # intake, research and answer write text; each approver asks for a Verdict under its JSON schema.
    assert kinds == [("served-model", None), ("served-model", "json_schema")] * 3
    schema = backend.requests[1]["response_format"]["json_schema"]
    assert (schema["name"], sorted(schema["schema"]["properties"])) == ("Verdict", ["approved", "reasons"])


def _gated_project(root: Path) -> Path:
    """triage → its model reviewer → reply → a person (the senior reviewer) approves it."""
    bp = linear_blueprint("gated_desk", (("triage", "Sort tickets"), ("reply", "Draft the reply")), reviewed=False)
    bp = add_approvers(bp, {}, max_retries=3, people={"reply": "senior reviewer"})
    return write_files(render_project(bp, {}), root)


GATE_PROMPT = "Type y to approve it, or why it goes back:\n> "


def _cli(folder: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gated_desk", *args, "--model", "scripted"],
        cwd=folder,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_person_s_gate_waits_survives_a_kill_and_takes_a_rejection_then_an_approval(tmp_path: Path) -> None:
    folder = _gated_project(tmp_path / "gated")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gated_desk", "printer on fire", "--model", "scripted", "--thread", "t1"],
        cwd=folder,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    shown = b""
    while not shown.endswith(GATE_PROMPT.encode()):  # the gate is asking: the run waits in its checkpoint
        chunk = os.read(proc.stderr.fileno(), 4096)
        assert chunk, shown.decode()
        shown += chunk
    proc.kill()
    proc.wait(timeout=60)
    assert shown.decode() == (
        "\nrun t1 waits for a person (to answer later: python -m gated_desk --resume t1 --approve | --reject WHY)\n"
        "senior_reviewer approves the work of reply:\n\n"
        "## reply_output\nreply: printer on fire\n\n## result\nreply: printer on fire\n\n"
        "Criteria: The output does the job it was asked to do (Draft the reply); "
        "it is complete, correct and on topic.\n" + GATE_PROMPT
    )
    # A new process answers the gate: sent back, revised, asked again; nobody answers, so it waits.
    rejected = _cli(folder, "--resume", "t1", "--reject", "add an ETA")
    assert (rejected.returncode, rejected.stdout) == (4, "")
    assert rejected.stderr.endswith(
        "\nwaiting for a person; answer with: python -m gated_desk --resume t1 --approve | --reject WHY\n"
    )
    approved = _cli(folder, "--resume", "t1", "--approve")
    assert (approved.returncode, approved.stdout, approved.stderr) == (0, "reply: printer on fire\n", "")
    state = _checkpointed_state(folder, "t1")
    assert (state["attempts"], state["approved"]) == ({"triage": 1, "reply": 2}, {"triage": True, "reply": True})
    # Answered from the terminal in one go, and refused what cannot be done.
    typed = _cli(folder, "the same question", "--thread", "t2", stdin="too short\ny\n")
    assert (typed.returncode, typed.stdout, typed.stderr.count(GATE_PROMPT)) == (0, "reply: the same question\n", 2)
    assert _checkpointed_state(folder, "t2")["attempts"] == {"triage": 1, "reply": 2}
    assert (
        _cli(folder, "x", "--thread", "t3", "--approve-all").returncode,
        _cli(folder, "--resume", "t3").returncode,
    ) == (0, 0)
    missing = _cli(folder, "--resume", "nope")
    assert (missing.returncode, missing.stderr) == (2, "no run 'nope' in runs.sqlite\n")
    done = _cli(folder, "--resume", "t1", "--approve")
    assert (done.returncode, done.stderr) == (2, "run 't1' is not waiting for a person\n")


def _checkpointed_state(folder: Path, thread: str, package: str = "gated_desk") -> dict[str, Any]:
    """The last checkpointed state of a run of the project's command line (threads: see runs.sqlite)."""
    pick = f"{thread!r}" if thread else "next(iter(saver.list(None)))[0]['configurable']['thread_id']"
    code = (
        "import json, sys; from langgraph.checkpoint.sqlite import SqliteSaver; "
        f"from {package}.graph import build_graph; from langchain_core.language_models import FakeListChatModel\n"
        "with SqliteSaver.from_conn_string('runs.sqlite') as saver:\n"
        "    app = build_graph(FakeListChatModel(responses=['unused'])).compile(checkpointer=saver)\n"
        f"    thread = {pick}\n"
        "    print(json.dumps(app.get_state({'configurable': {'thread_id': thread}}).values, default=str))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.slow
def test_under_langgraph_dev_the_gate_is_an_interrupt_that_the_sdk_answers(
    tmp_path: Path, langgraph_dev: Callable[..., AbstractContextManager[str]]
) -> None:
    folder = _gated_project(tmp_path / "gated")
    with langgraph_dev(folder, tmp_path, {"GATED_DESK_MODEL": "scripted"}) as url:
        client = get_sync_client(url=url)
        thread = client.threads.create()["thread_id"]
        client.runs.wait(thread, "gated_desk", input={"request": "printer on fire"})
        waiting = client.threads.get_state(thread)
        [gate] = [i["value"] for i in waiting["interrupts"]]
        assert (gate["agent"], gate["approves"], waiting["next"]) == ("senior_reviewer", "reply", ["senior_reviewer"])
        assert gate["work"] == "## reply_output\nreply: printer on fire\n\n## result\nreply: printer on fire"
        reasons = ["add an ETA"]
        client.runs.wait(thread, "gated_desk", command={"resume": {"approved": False, "reasons": reasons}})
        again = client.threads.get_state(thread)
        assert [i["value"]["agent"] for i in again["interrupts"]] == ["senior_reviewer"]
        assert (again["values"]["attempts"], again["values"]["feedback"]) == (
            {"triage": 1, "reply": 1},
            {"reply": reasons},
        )
        done = client.runs.wait(thread, "gated_desk", command={"resume": "approve"})
    assert isinstance(done, dict) and done["result"] == "reply: printer on fire"
    assert (done["attempts"], done["approved"]) == ({"triage": 1, "reply": 2}, {"triage": True, "reply": True})


class _ToolBackend:
    """A tool-calling model server: asked with tools and no tool result yet, it calls the first tool."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def complete(self, body: dict[str, Any]) -> tuple[str, dict[str, int], list[dict[str, str]]]:
        self.requests.append(body)
        usage = {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}
        messages = body["messages"]
        if body.get("response_format", {}).get("type") == "json_schema":
            return json.dumps({"approved": True, "reasons": []}), usage, []
        if body.get("tools") and messages[-1]["role"] != "tool":
            tool = body["tools"][0]["function"]["name"]
            return "", usage, [{"name": tool, "arguments": json.dumps({"query": "failed"})}]
        if messages[-1]["role"] == "tool":
            return f"found: {messages[-1]['content']}", usage, []
        return f"wrote: {messages[-1]['content'].splitlines()[-1]}", usage, []


@pytest.mark.real_model  # an OpenAI client, against the loopback server only
def test_a_tool_agent_calls_its_tool_through_a_real_provider_s_tool_calling(tmp_path: Path) -> None:
    bp = linear_blueprint(
        "ops_desk", (("gather", "gathers deploy logs"), ("update", "drafts a status update")), reviewed=False
    )
    bp = add_approvers(add_tools(bp), {}, max_retries=2)
    folder = tmp_path / "ops"
    write_files(render_project(bp, {}), folder)
    (folder / "logs.txt").write_text("deploy 41 ok\ndeploy 42 failed: OOM in api\n", encoding="utf-8")
    backend = _ToolBackend()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(backend))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        setting = f"openai:http://127.0.0.1:{server.server_port}/v1#tool-model"
        proc = subprocess.run(
            [sys.executable, "-m", "ops_desk", "api 500s", "--model", setting, "--input", "deploy_logs=@logs.txt"],
            cwd=folder,
            env={k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "wrote: found: deploy 42 failed: OOM in api\n", "")
    gather_calls = [r for r in backend.requests if r.get("tools")]
    assert [t["function"]["name"] for t in gather_calls[0]["tools"]] == ["gather_deploy_logs"]
    # The agent called its tool, saw the matching log line, then answered; the ToolNode ran in between.
    assert [[m["role"] for m in r["messages"]] for r in gather_calls] == [
        ["system", "user"],
        ["system", "user", "assistant", "tool"],
    ]


@pytest.mark.slow
@pytest.mark.real_model
def test_a_deployed_project_runs_on_the_embedded_model_through_the_local_extra(tmp_path: Path) -> None:
    folder = tmp_path / "support_desk"
    write_files(_three_agent_project(), folder)
    proc = subprocess.run(
        [sys.executable, "-m", "support_desk", "My printer is on fire", "--model", "local"],
        cwd=folder,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    # The embedded model's verdicts decide the ending; either ending is typed, never a traceback.
    if proc.returncode == 0:
        assert proc.stdout.strip() and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    else:
        assert proc.returncode == 3, proc.stderr[-3000:]
        assert re.match(r"halted: escalated:(intake|research|answer)\n- ", proc.stderr), proc.stderr[-3000:]
    state = _checkpointed_state(folder, "", package="support_desk")  # the one run in runs.sqlite
    assert sum(state["attempts"].values()) >= 1 and set(state["attempts"]) <= {"intake", "research", "answer"}


INCIDENT = (
    "an on-call incident response assistant that reads an alert, gathers deploy logs, proposes a cause "
    "and drafts a status update that a senior reviewer must approve"
)
INCIDENT_INPUTS = {"alert": "api 500 errors since 14:02", "deploy_logs": "deploy 41 ok\ndeploy 42 failed: OOM in api"}


@pytest.fixture(scope="module")
def incident_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project AutoGenesis builds (scripted model) and deploys for the incident-response request."""
    out_dir = tmp_path_factory.mktemp("incident")
    app = build_graph(ScriptedChatModel()).compile(checkpointer=InMemorySaver())
    ctx = Context(out_dir=str(out_dir))
    config = {"configurable": {"thread_id": "incident"}, "recursion_limit": ctx.recursion_limit()}
    out = app.invoke({"request": INCIDENT}, config, context=ctx)
    assert out["status"] == "approved"
    blueprint = out["blueprint"]
    # A gate before the update leaves the system, a tool for the deploy logs, no reviewer nobody asked for.
    assert [(p.worker, p.approver) for p in blueprint.reviews] == [("drafts_status_update", "senior_reviewer")]
    assert blueprint.agent("senior_reviewer").kind == "human"
    assert [(t.name, t.agent, t.source) for t in blueprint.tools] == [
        ("read_alert", "reads_alert", "alert"),
        ("gather_deploy_logs", "gathers_deploy_logs", "deploy_logs"),
    ]
    return Path(out["deployment"].path)


def _incident(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "on_call_incident", *args, "--model", "scripted"],
        cwd=folder,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


INCIDENT_WORK = (
    "## drafts_status_update_output\ndrafts_status_update: api 500s\n\n## result\ndrafts_status_update: api 500s"
)


def test_the_incident_request_s_gate_pauses_survives_a_kill_takes_a_rejection_and_an_approval(
    incident_project: Path,
) -> None:
    given = [f"--input={field}={value}" for field, value in INCIDENT_INPUTS.items()]
    proc = subprocess.Popen(
        [sys.executable, "-m", "on_call_incident", "api 500s", "--model", "scripted", "--thread", "t1", *given],
        cwd=incident_project,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    shown = b""
    while not shown.endswith(GATE_PROMPT.encode()):  # the gate is asking: the run waits in its checkpoint
        chunk = os.read(proc.stderr.fileno(), 4096)
        assert chunk, shown.decode()
        shown += chunk
    proc.kill()
    proc.wait(timeout=60)
    assert shown.decode() == (
        "\nrun t1 waits for a person "
        "(to answer later: python -m on_call_incident --resume t1 --approve | --reject WHY)\n"
        f"senior_reviewer approves the work of drafts_status_update:\n\n{INCIDENT_WORK}\n\n"
        "Criteria: The output does what was asked: drafts a status update; it is complete and on topic.\n" + GATE_PROMPT
    )
    # A new process answers: sent back with the reason, revised, asked again; nobody answers, so it waits.
    rejected = _incident(incident_project, "--resume", "t1", "--reject", "add an ETA")
    assert (rejected.returncode, rejected.stdout) == (4, "")
    state = _checkpointed_state(incident_project, "t1", "on_call_incident")
    assert (state["attempts"], state["feedback"]) == (
        {"drafts_status_update": 1},
        {"drafts_status_update": ["add an ETA"]},
    )
    approved = _incident(incident_project, "--resume", "t1", "--approve")
    assert (approved.returncode, approved.stdout, approved.stderr) == (0, "drafts_status_update: api 500s\n", "")
    state = _checkpointed_state(incident_project, "t1", "on_call_incident")
    assert (state["attempts"], state["approved"]) == ({"drafts_status_update": 2}, {"drafts_status_update": True})


@pytest.mark.slow
def test_the_incident_request_s_gate_under_langgraph_dev_is_answered_through_the_sdk(
    incident_project: Path, tmp_path: Path, langgraph_dev: Callable[..., AbstractContextManager[str]]
) -> None:
    with langgraph_dev(incident_project, tmp_path, {"ON_CALL_INCIDENT_MODEL": "scripted"}) as url:
        client = get_sync_client(url=url)
        thread = client.threads.create()["thread_id"]
        client.runs.wait(thread, "on_call_incident", input={"request": "api 500s", **INCIDENT_INPUTS})
        waiting = client.threads.get_state(thread)
        [gate] = [i["value"] for i in waiting["interrupts"]]
        assert (gate["agent"], gate["approves"], waiting["next"]) == (
            "senior_reviewer",
            "drafts_status_update",
            ["senior_reviewer"],
        )
        assert gate["work"] == INCIDENT_WORK
        reasons = ["add an ETA"]
        client.runs.wait(thread, "on_call_incident", command={"resume": {"approved": False, "reasons": reasons}})
        again = client.threads.get_state(thread)
        assert [i["value"]["agent"] for i in again["interrupts"]] == ["senior_reviewer"]
        assert (again["values"]["attempts"], again["values"]["feedback"]) == (
            {"drafts_status_update": 1},
            {"drafts_status_update": reasons},
        )
        done = client.runs.wait(thread, "on_call_incident", command={"resume": "approve"})
    assert isinstance(done, dict) and done["result"] == "drafts_status_update: api 500s"
    assert (done["attempts"], done["approved"]) == ({"drafts_status_update": 2}, {"drafts_status_update": True})


# --- loop detection in the generated review loops ---------------------------------------------


class _Worker(GenericFakeChatModel):
    """A worker's fake model that has a temperature, and keeps each task it is given with it."""

    temperature: float | None = None
    asked: list[tuple[str, float | None]] = Field(default_factory=list)  # shared by warmer copies

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        self.asked.append((str(messages[-1].content), self.temperature))
        return super()._generate(messages, *args, **kwargs)


def _answers(*texts: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(t) for t in texts]))


def _reject(reason: str) -> str:
    return json.dumps({"approved": False, "reasons": [reason]})


@pytest.fixture(scope="module")
def gated_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The gated project's graph module (triage's model reviewer has a cap of 3), imported."""
    with imported(_gated_project(tmp_path_factory.mktemp("loops")), "gated_desk.graph") as graph:
        yield graph


def _run_triage(graph: ModuleType, work: tuple[str, ...], verdicts: tuple[str, ...]) -> tuple[dict[str, Any], _Worker]:
    """A run whose triage is rejected every time (the gate after it is never reached)."""
    worker = _Worker(messages=iter([AIMessage(w) for w in work]))
    models = {"triage": worker, "triage_reviewer": _answers(*verdicts), "reply": _answers()}
    return graph.run("printer on fire", models), worker


TASK = "## request\nprinter on fire"


def _revise(reason: str) -> str:
    return f"{TASK}\n\nYour last answer was rejected. Fix these points:\n- {reason}"


def test_identical_work_rejected_twice_is_retried_varied_then_ends_loop_detected_after_two_judgments(
    gated_desk: ModuleType,
) -> None:
    out, worker = _run_triage(gated_desk, ("urgent",) * 3, (_reject("too vague"),) * 2)
    assert (out["status"], out["attempts"], out["approved"]) == (
        "loop_detected:triage",
        {"triage": 2},
        {"triage": False},
    )
    assert out["repeats"] == {"triage": ["", "the same work and the same reasons", "the same work"]}
    assert out["feedback"] == {"triage": ["too vague"]} and out["triage_output"] == "urgent"
    assert worker.asked == [
        (TASK, None),
        (_revise("too vague"), None),
        (
            _revise("too vague") + "\n\nThis is a loop: attempts 1 and 2 were rejected with the same work and the "
            "same reasons, so do not repeat that work; take a different approach.",
            0.7,
        ),
    ]
    # The third answer repeats the work just rejected: its approver is not asked (two verdicts given).


def test_the_same_reasons_for_changing_work_end_loop_detected_even_at_the_cap(gated_desk: ModuleType) -> None:
    out, worker = _run_triage(gated_desk, ("a", "b", "c"), (_reject("no priority"),) * 3)
    assert (out["status"], out["attempts"]) == ("loop_detected:triage", {"triage": 3})
    assert out["repeats"] == {"triage": ["", "the same reasons", "the same reasons"]}
    assert [temperature for _, temperature in worker.asked] == [None, None, 0.7]
    assert worker.asked[2][0] == (
        _revise("no priority") + "\n\nThis is a loop: attempts 1 and 2 were rejected with the same reasons, "
        "so do not repeat that work; take a different approach."
    )


def test_distinct_rejections_of_changing_work_still_reach_the_cap(gated_desk: ModuleType) -> None:
    verdicts = (_reject("no priority"), _reject("no owner"), _reject("no due date"))
    out, worker = _run_triage(gated_desk, ("a", "b", "c"), verdicts)
    assert (out["status"], out["attempts"]) == ("escalated:triage", {"triage": 3})
    assert out["repeats"] == {"triage": ["", "", ""]} and out["feedback"] == {"triage": ["no due date"]}
    assert worker.asked == [(TASK, None), (_revise("no priority"), None), (_revise("no owner"), None)]


def test_the_command_line_ends_a_looping_run_with_exit_3_and_the_reasons(
    gated_desk: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The scripted model's triage answers the same whatever the prompt: two verdicts, then the halt.
    main = importlib.import_module("gated_desk.__main__").main
    db = str(tmp_path / "runs.sqlite")
    assert main(["printer on fire", "--model", "scripted:reject=triage_reviewer", "--thread", "t1", "--db", db]) == 3
    assert capsys.readouterr().err == "halted: loop_detected:triage\n- scripted rejection of triage_reviewer\n"
    with SqliteSaver.from_conn_string(db) as saver:
        app = gated_desk.build_graph(_answers()).compile(checkpointer=saver)
        state = app.get_state({"configurable": {"thread_id": "t1"}}).values
    assert (state["attempts"], state["repeats"]) == (
        {"triage": 2},
        {"triage": ["", "the same work and the same reasons", "the same work"]},
    )


def test_a_person_is_not_asked_again_about_the_work_they_rejected_twice(gated_desk: ModuleType) -> None:
    asked: list[str] = []

    def person(question: dict[str, Any]) -> dict[str, Any]:
        asked.append(question["work"])
        return {"approved": False, "reasons": [f"not yet ({len(asked)})"]}

    approve = json.dumps({"approved": True, "reasons": []})
    worker = _Worker(messages=iter([AIMessage("draft")] * 3))
    models = {"triage": _answers("urgent"), "triage_reviewer": _answers(approve), "reply": worker}
    out = gated_desk.run("printer on fire", models, answer=person)
    assert (out["status"], out["attempts"]) == ("loop_detected:reply", {"triage": 1, "reply": 2})
    assert out["repeats"] == {"triage": [], "reply": ["", "the same work", "the same work"]}
    assert asked == ["## reply_output\ndraft\n\n## result\ndraft"] * 2
    assert [temperature for _, temperature in worker.asked] == [None, None, 0.7]
