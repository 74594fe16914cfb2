"""A newcomer's first minutes: the READMEs' commands, as written, in a fresh virtual environment.

The environment gets only what the top-level README installs (`pip install torch==2.13.0 -e .`,
no dev extras) and every build starts from an empty model cache and a private home, so a missing
dependency or a first-use step that a warm cache on a developer's machine hides fails here.
Commands are read from the READMEs' fenced bash blocks, so a README and this test cannot drift.

The tests run in file order on one session-wide environment: the README-install checks first
(each asserts the environment still holds the README's install alone), then the generated
project's, whose own install adds its dev extra.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from generated import imported
from langgraph.checkpoint.memory import InMemorySaver
from langgraph_sdk import get_sync_client
from openai_wire import handler

from autogenesis import Context, ScriptedChatModel, build_graph

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
#: Environment variables a newcomer's shell does not have: ours, and a caller's venv or caches.
_INHERITED_NOT = (
    "AUTOGENESIS_",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "XDG_CONFIG_HOME",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "PYTHONHOME",
    "HF_HOME",
)
_OFFLINE = {"HF_HUB_OFFLINE": "1", "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true"}
_INSTALL_TIMEOUT_S = 900
_BUILD_TIMEOUT_S = 1500
TYPED_HALTS = ("escalated", "loop_detected", "budget_exhausted")
_SERVER_READY_S = 120.0


def bash_blocks(markdown: str) -> list[list[str]]:
    """The commands of each fenced bash block of `markdown`, one per non-empty line, in order."""
    blocks = re.findall(r"^```bash\n(.*?)^```", markdown, flags=re.DOTALL | re.MULTILINE)
    return [[line.strip() for line in block.splitlines() if line.strip()] for block in blocks]


def _readme_commands() -> tuple[str, str, str]:
    """The README's install, its first build, and the command that runs the built project."""
    blocks = bash_blocks((REPO / "README.md").read_text(encoding="utf-8"))
    [first_command], [run_result] = blocks[0], blocks[1]
    install, build = first_command.split(" && ")
    assert install.startswith("pip install ") and build.startswith("autogenesis build "), first_command
    return install, build, run_result


@dataclass(frozen=True)
class FreshVenv:
    """A virtual environment holding the README's install alone, and how to run commands in it."""

    root: Path
    #: `pip freeze` right after the README's install.
    packages: str

    def env(self, home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """A newcomer's shell with this environment activated: a private home, empty caches, offline."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(_INHERITED_NOT)}
        home.mkdir(parents=True, exist_ok=True)
        env.update(_OFFLINE)
        env.update(HOME=str(home), VIRTUAL_ENV=str(self.root), PATH=f"{self.root / 'bin'}{os.pathsep}{env['PATH']}")
        return {**env, **(extra or {})}

    def run(
        self, command: str, *, cwd: Path, env: Mapping[str, str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """`command` through bash, as a user types it."""
        return subprocess.run(
            ["bash", "-c", command],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def freeze(self) -> str:
        """What is installed now, as `pip freeze` lists it."""
        return subprocess.run(
            [str(self.root / "bin" / "python"), "-m", "pip", "freeze", "--all"],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    """A new venv (`python -m venv`) with the README's install run in it, as written, from the repository."""
    root = tmp_path_factory.mktemp("newcomer") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=300)
    venv = FreshVenv(root=root, packages="")
    install, _, _ = _readme_commands()
    log = root.parent / "pip.log"
    proc = venv.run(install, cwd=REPO, env=venv.env(root.parent / "home"), timeout=_INSTALL_TIMEOUT_S)
    log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if proc.returncode != 0:
        pytest.fail(f"{install!r} exited {proc.returncode}; pip's log ({log}) ends:\n{log.read_text()[-6000:]}")
    return FreshVenv(root=root, packages=venv.freeze())


def _assert_readme_install_alone(venv: FreshVenv) -> None:
    assert venv.freeze() == venv.packages, "the fresh venv changed: run this module's tests in file order"


@pytest.mark.real_model
@pytest.mark.timeout(_INSTALL_TIMEOUT_S + _BUILD_TIMEOUT_S)
def test_the_readme_first_command_builds_with_the_embedded_model(fresh_venv: FreshVenv, tmp_path: Path) -> None:
    _assert_readme_install_alone(fresh_venv)
    _, build, _ = _readme_commands()
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    proc = fresh_venv.run(build, cwd=work, env=fresh_venv.env(home), timeout=_BUILD_TIMEOUT_S)

    # 0 deployed, 3 a typed halt (the 270M model's approvers may keep sending work back); never 1 or 2
    assert proc.returncode in (0, 3), proc.stderr[-6000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-6000:]
    converted = home / ".cache" / "autogenesis" / "models"
    assert [p.name for p in converted.iterdir() if p.is_dir()], "the build converted no model into the empty cache"
    assert ("approved thread " in proc.stderr) == (proc.returncode == 0)

    # What the run recorded, read back with the same install: the embedded model answered every
    # call, each decoded under its schema's grammar (valid by construction: no second decode).
    [thread] = re.findall(r"^building thread (\w+) with model local$", proc.stderr, flags=re.M)
    shown = fresh_venv.run(f"autogenesis show {thread} --json", cwd=work, env=fresh_venv.env(home), timeout=120)
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    run, state, status = report["run"], report["state"], report["status"]
    assert run["model"] == "local"
    assert status == "approved" or status.split(":")[0] in TYPED_HALTS, status
    assert (proc.returncode == 0) == (status == "approved")
    calls = state["calls"]
    assert calls and {c["model"] for c in calls} == {"local"}
    assert all(c["constrained"] for c in calls)
    assert [c["role"] for c in calls if c["attempts"] != 1] == []
    assert calls[0]["load_s"] > 0 and all(c["load_s"] == 0 for c in calls[1:])
    if status == "approved":
        assert Path(state["deployment"]["path"]).is_dir()
        assert state["test_report"]["failed"] == 0
    else:
        assert report["halt"]["detail"]


def _deployed_path(stderr: str) -> Path:
    [line] = [line for line in stderr.splitlines() if line.startswith("deployed: ")]
    return Path(line.removeprefix("deployed: "))


@pytest.mark.timeout(_INSTALL_TIMEOUT_S + 900)
def test_the_scripted_demo_deploys_and_its_result_runs(fresh_venv: FreshVenv, tmp_path: Path) -> None:
    _assert_readme_install_alone(fresh_venv)
    _, build, run_result = _readme_commands()
    env, work = fresh_venv.env(tmp_path / "home"), tmp_path / "work"
    work.mkdir()
    # The README: "Add `--model scripted` for a deterministic demo that always deploys."
    demo = fresh_venv.run(f"{build} --model scripted", cwd=work, env=env, timeout=600)
    assert demo.returncode == 0, demo.stderr[-6000:]
    deployed = _deployed_path(demo.stderr)
    assert deployed.parent.parent == work / "generated" and deployed.name == "v1"
    assert (deployed / "pyproject.toml").is_file()

    result = fresh_venv.run(run_result, cwd=work, env=env, timeout=300)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serving(
    command: str, *, cwd: Path, env: Mapping[str, str], log_path: Path, stop: Callable[[subprocess.Popen[bytes]], None]
) -> Iterator[str]:
    """Start a README's `langgraph dev` command on a free port; its URL once `/ok` answers."""
    port = _free_port()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            ["bash", "-c", f"{command} --no-reload --port {port}"],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + _SERVER_READY_S
        while not _answers(f"{url}/ok"):
            try:
                # Wait for the server to exit, a quarter second at most, then ask again.
                code = proc.wait(timeout=0.25)
            except subprocess.TimeoutExpired:
                code = None
            if code is not None or time.monotonic() > deadline:
                pytest.fail(f"{command!r} not serving (exit {code}):\n{log_path.read_text()[-4000:]}")
        yield url
    finally:
        stop(proc)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


REQUEST = "a helpdesk that triages tickets, drafts replies and has a reviewer approve them"


def _deployed(request: str, tmp_path: Path) -> tuple[Path, Any]:
    """The project the scripted pipeline deploys for `request`, and its blueprint."""
    app = build_graph(ScriptedChatModel()).compile(checkpointer=InMemorySaver())
    ctx = Context(out_dir=str(tmp_path / "out"))
    config = {"configurable": {"thread_id": "newcomer"}, "recursion_limit": ctx.recursion_limit()}
    out = app.invoke({"request": request}, config, context=ctx)
    assert out["status"] == "approved"
    return Path(out["deployment"].path), out["blueprint"]


def _bare_venv(tmp_path: Path) -> tuple[FreshVenv, dict[str, str]]:
    """A new venv with nothing installed (no AutoGenesis), and a newcomer's shell for it."""
    root = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=300)
    venv = FreshVenv(root=root, packages="")
    return venv, venv.env(tmp_path / "home")


@pytest.mark.timeout(2 * _INSTALL_TIMEOUT_S + 900)
def test_every_command_of_a_generated_readme_works_after_its_install(
    fresh_venv: FreshVenv, tmp_path: Path, stop_group: Callable[[subprocess.Popen[bytes]], None]
) -> None:
    project, blueprint = _deployed(REQUEST, tmp_path)
    name = blueprint.name
    # The README's plain `python -m NAME "input"` runs the model $NAME_MODEL names: the scripted one here.
    env = fresh_venv.env(tmp_path / "home", {f"{name.upper()}_MODEL": "scripted"})

    commands = [line for block in bash_blocks((project / "README.md").read_text(encoding="utf-8")) for line in block]
    assert [c.split("#")[0].split()[:3] for c in commands] == [
        ["python", "-m", "pip"],
        ["python", "-m", name],
        ["python", "-m", name],
        ["LANGGRAPH_CLI_NO_ANALYTICS=1", f"{name.upper()}_MODEL=scripted", "langgraph"],
        ["python", "-m", "pytest"],
    ]
    install, *uses, serve, develop = commands
    assert shlex.split(install, comments=True)[-1] == ".[dev]"

    installed = fresh_venv.run(install, cwd=project, env=env, timeout=_INSTALL_TIMEOUT_S)
    assert installed.returncode == 0, (installed.stdout + installed.stderr)[-6000:]
    for use in uses:
        used = fresh_venv.run(use, cwd=project, env=env, timeout=300)
        assert (used.returncode, used.stderr) == (0, ""), use
        assert re.fullmatch(r"\w+: your input\n", used.stdout), used.stdout  # the scripted last agent's answer

    with _serving(serve, cwd=project, env=env, log_path=tmp_path / "langgraph-dev.log", stop=stop_group) as url:
        client = get_sync_client(url=url)
        [assistant] = client.assistants.search()
        schemas = client.assistants.get_schemas(assistant["assistant_id"])
        thread_id = client.threads.create()["thread_id"]
        result = client.runs.wait(thread_id, name, input={"request": "My printer is on fire"})
        # Studio's state editor: every checkpoint of the finished run takes an edit.
        history = client.threads.get_history(thread_id, limit=200)
        edits = [
            client.threads.update_state(
                thread_id, {"request": "edited"}, checkpoint_id=s["checkpoint"]["checkpoint_id"]
            )
            for s in history
        ]
    assert len(history) > 3 and len(edits) == len(history)
    assert all(
        e["checkpoint"]["checkpoint_id"] not in {s["checkpoint"]["checkpoint_id"] for s in history} for e in edits
    )
    assert assistant["graph_id"] == name
    input_schema = schemas["input_schema"]
    assert input_schema is not None and input_schema["properties"]["request"] == {"title": "Request", "type": "string"}
    assert isinstance(result, dict) and "status" not in result and result["result"]

    tested = fresh_venv.run(develop, cwd=project, env=env, timeout=600)
    summary = tested.stdout.strip().splitlines()[-1]
    expected = 1 + len(blueprint.reviews) + len(blueprint.scenarios)
    assert tested.returncode == 0 and summary.startswith(f"{expected} passed in "), tested.stdout[-4000:]


@pytest.mark.timeout(_INSTALL_TIMEOUT_S + 600)
def test_a_generated_project_installs_and_passes_its_tests_without_autogenesis(tmp_path: Path) -> None:
    """A fresh venv with the deployed project and pytest alone: its own tests pass, offline."""
    project, blueprint = _deployed(REQUEST, tmp_path)
    venv, env = _bare_venv(tmp_path)
    installed = venv.run("python -m pip install -e . pytest", cwd=project, env=env, timeout=_INSTALL_TIMEOUT_S)
    assert installed.returncode == 0, (installed.stdout + installed.stderr)[-6000:]
    names = {line.split("==")[0].split(" @ ")[0].lower() for line in venv.freeze().splitlines()}
    assert not {n for n in names if n.startswith("autogenesis")} - {blueprint.name}
    assert {"torch", "transformers", "xgrammar"}.isdisjoint(names)
    missing = venv.run('python -c "import autogenesis"', cwd=tmp_path, env=env, timeout=60)
    assert "No module named 'autogenesis'" in missing.stderr
    tested = venv.run("python -m pytest -q -p no:cacheprovider", cwd=project, env=env, timeout=600)
    expected = 1 + len(blueprint.reviews) + len(blueprint.scenarios)
    summary = tested.stdout.strip().splitlines()[-1]
    assert tested.returncode == 0 and summary.startswith(f"{expected} passed in "), tested.stdout[-4000:]


class _ModelServer:
    """An OpenAI-compatible model on loopback: verdicts under a JSON schema, a tool call when tools are
    offered and none has run yet, otherwise text built on the last line it was given."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def complete(self, body: dict[str, Any]) -> tuple[str, dict[str, int], list[dict[str, str]]]:
        self.requests.append(body)
        usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        last = body["messages"][-1]
        if body.get("response_format", {}).get("type") == "json_schema":
            return json.dumps({"approved": True, "reasons": []}), usage, []
        if body.get("tools") and last["role"] != "tool":
            tool = body["tools"][0]["function"]["name"]
            return "", usage, [{"name": tool, "arguments": json.dumps({"query": "failed"})}]
        return f"noted: {last['content'].splitlines()[-1]}", usage, []


COMBINED = (
    "an on-call assistant that reads an alert, gathers deploy logs and checks the runbook in parallel, "
    "then drafts a status update that a senior reviewer must approve"
)


@pytest.mark.timeout(_INSTALL_TIMEOUT_S + 600)
def test_tools_branches_and_a_gate_work_in_a_fresh_venv_without_autogenesis(tmp_path: Path) -> None:
    """The combined request's project, installed alone with a provider package, runs a real provider."""
    project, blueprint = _deployed(COMBINED, tmp_path)
    # No model reviewer: the request asks a person to approve the update, which is the answer.
    assert blueprint.patterns() == ("prompt chaining", "parallelization", "tool-using agent", "human-in-the-loop")
    venv, env = _bare_venv(tmp_path)
    installed = venv.run("python -m pip install -e . pytest langchain-openai", cwd=project, env=env, timeout=900)
    assert installed.returncode == 0, (installed.stdout + installed.stderr)[-6000:]
    assert not any(line.lower().startswith("autogenesis") for line in venv.freeze().splitlines())
    tested = venv.run("python -m pytest -q -p no:cacheprovider", cwd=project, env=env, timeout=600)
    expected = 1 + len(blueprint.reviews) + len(blueprint.scenarios)
    assert tested.returncode == 0 and tested.stdout.strip().splitlines()[-1].startswith(f"{expected} passed in ")

    (project / "logs.txt").write_text("deploy 41 ok\ndeploy 42 failed: OOM in api\n", encoding="utf-8")
    server = _ModelServer()
    http = ThreadingHTTPServer(("127.0.0.1", 0), handler(server))
    threading.Thread(target=http.serve_forever, daemon=True).start()
    name = blueprint.name
    setting = f"openai:http://127.0.0.1:{http.server_port}/v1#ops-model"
    run = f"python -m {name} --model {setting}"
    try:
        waiting = venv.run(
            f"{run} 'api 500s' --thread t1 --input alert='api 500 errors' --input deploy_logs=@logs.txt",
            cwd=project,
            env=env,
            timeout=300,
        )
        approved = venv.run(f"{run} --resume t1 --approve", cwd=project, env=env, timeout=300)
    finally:
        http.shutdown()
        http.server_close()
    assert (waiting.returncode, waiting.stdout) == (4, ""), waiting.stderr[-3000:]
    assert "senior_reviewer approves the work of drafts_status_update:" in waiting.stderr
    assert (approved.returncode, approved.stderr) == (0, ""), approved.stderr[-3000:]
    # The status update is written on the log line the tool found (the model echoes its last input line).
    assert approved.stdout == "noted: noted: deploy 42 failed: OOM in api\n", approved.stdout
    looked_up = [m["content"] for r in server.requests for m in r["messages"] if m["role"] == "tool"]
    assert "deploy 42 failed: OOM in api" in looked_up  # the tool read the file given with --input


#: A request per LangGraph workflow pattern, the patterns its blueprint combines, and the exact drawn
#: graph of its project: nodes, and edges as (source, target, conditional).
PATTERNS: dict[str, tuple[str, tuple[str, ...], set[str], set[tuple[str, str, bool]]]] = {
    "chaining and evaluator-optimizer": (
        "a helpdesk that triages tickets, drafts replies and has a reviewer approve them",
        ("prompt chaining", "evaluator-optimizer"),
        {
            "triages_tickets",
            "drafts_replies",
            "drafts_replies_reviewer",
            "escalate-drafts_replies",
            "loop-drafts_replies",
        },
        {
            ("__start__", "triages_tickets", False),
            ("triages_tickets", "drafts_replies", False),
            ("drafts_replies", "drafts_replies_reviewer", False),
            ("drafts_replies_reviewer", "__end__", True),
            ("drafts_replies_reviewer", "drafts_replies", True),
            ("drafts_replies_reviewer", "escalate-drafts_replies", True),
            ("escalate-drafts_replies", "__end__", False),
            ("drafts_replies_reviewer", "loop-drafts_replies", True),
            ("loop-drafts_replies", "__end__", False),
        },
    ),
    "routing": (
        "a support desk that classifies each message, then either answers billing questions "
        "or fixes technical problems",
        ("prompt chaining", "routing", "evaluator-optimizer"),
        {
            "classifies_each_message",
            *(
                f"{p}{w}"
                for w in ("answers_billing_questions", "fixes_technical_problems")
                for p in ("", "escalate-", "loop-")
            ),
            "answers_billing_questions_reviewer",
            "fixes_technical_problems_reviewer",
        },
        {
            ("__start__", "classifies_each_message", False),
            ("classifies_each_message", "answers_billing_questions", True),
            ("classifies_each_message", "fixes_technical_problems", True),
            *(
                edge
                for w in ("answers_billing_questions", "fixes_technical_problems")
                for edge in (
                    (w, f"{w}_reviewer", False),
                    (f"{w}_reviewer", "__end__", True),
                    (f"{w}_reviewer", w, True),
                    (f"{w}_reviewer", f"escalate-{w}", True),
                    (f"escalate-{w}", "__end__", False),
                    (f"{w}_reviewer", f"loop-{w}", True),
                    (f"loop-{w}", "__end__", False),
                )
            ),
        },
    ),
    "parallelization and tools": (
        "a research assistant that takes a question, searches the web and reads papers in parallel, "
        "then writes a summary",
        ("prompt chaining", "parallelization", "evaluator-optimizer", "tool-using agent"),
        {
            "takes_question",
            "searches_web",
            "searches_web_tools",
            "reads_papers",
            "reads_papers_tools",
            "writes_summary_join",
            "writes_summary",
            "writes_summary_reviewer",
            "escalate-writes_summary",
            "loop-writes_summary",
        },
        {
            ("__start__", "takes_question", False),
            ("takes_question", "searches_web", False),
            ("takes_question", "reads_papers", False),
            ("searches_web", "searches_web_tools", True),
            ("searches_web_tools", "searches_web", False),
            ("searches_web", "writes_summary_join", True),
            ("reads_papers", "reads_papers_tools", True),
            ("reads_papers_tools", "reads_papers", False),
            ("reads_papers", "writes_summary_join", True),
            ("writes_summary_join", "writes_summary", True),
            ("writes_summary_join", "__end__", True),  # a branch that escalated ends the run at the join
            ("writes_summary", "writes_summary_reviewer", False),
            ("writes_summary_reviewer", "__end__", True),
            ("writes_summary_reviewer", "writes_summary", True),
            ("writes_summary_reviewer", "escalate-writes_summary", True),
            ("escalate-writes_summary", "__end__", False),
            ("writes_summary_reviewer", "loop-writes_summary", True),
            ("loop-writes_summary", "__end__", False),
        },
    ),
    "orchestrator-workers": (
        "a report writer that plans the sections, drafts a paragraph for each section and assembles the report",
        ("prompt chaining", "orchestrator-workers", "evaluator-optimizer"),
        {
            "plans_sections",
            "drafts_paragraph_each",
            "assembles_report",
            "assembles_report_reviewer",
            "escalate-assembles_report",
            "loop-assembles_report",
        },
        {
            ("__start__", "plans_sections", False),
            ("plans_sections", "drafts_paragraph_each", True),  # one Send per section
            ("drafts_paragraph_each", "assembles_report", False),
            ("assembles_report", "assembles_report_reviewer", False),
            ("assembles_report_reviewer", "__end__", True),
            ("assembles_report_reviewer", "assembles_report", True),
            ("assembles_report_reviewer", "escalate-assembles_report", True),
            ("escalate-assembles_report", "__end__", False),
            ("assembles_report_reviewer", "loop-assembles_report", True),
            ("loop-assembles_report", "__end__", False),
        },
    ),
    "tools and human-in-the-loop": (
        "an on-call incident response assistant that reads an alert, gathers deploy logs, proposes a cause "
        "and drafts a status update that a senior reviewer must approve",
        ("prompt chaining", "tool-using agent", "human-in-the-loop"),
        {
            "reads_alert",
            "reads_alert_tools",
            "gathers_deploy_logs",
            "gathers_deploy_logs_tools",
            "proposes_cause",
            "drafts_status_update",
            "senior_reviewer",
            "escalate-drafts_status_update",
            "loop-drafts_status_update",
        },
        {
            ("__start__", "reads_alert", False),
            ("reads_alert", "reads_alert_tools", True),
            ("reads_alert_tools", "reads_alert", False),
            ("reads_alert", "gathers_deploy_logs", True),
            ("gathers_deploy_logs", "gathers_deploy_logs_tools", True),
            ("gathers_deploy_logs_tools", "gathers_deploy_logs", False),
            ("gathers_deploy_logs", "proposes_cause", True),
            ("proposes_cause", "drafts_status_update", False),
            ("drafts_status_update", "senior_reviewer", False),
            ("senior_reviewer", "__end__", True),
            ("senior_reviewer", "drafts_status_update", True),
            ("senior_reviewer", "escalate-drafts_status_update", True),
            ("escalate-drafts_status_update", "__end__", False),
            ("senior_reviewer", "loop-drafts_status_update", True),
            ("loop-drafts_status_update", "__end__", False),
        },
    ),
}


@pytest.mark.timeout(_INSTALL_TIMEOUT_S + 900)
def test_each_pattern_builds_into_exactly_its_graph_and_its_project_passes_its_tests_alone(tmp_path: Path) -> None:
    """Per pattern: the scripted build's drawn graph, its tests in the sandbox, then in a venv without AutoGenesis."""
    projects = []
    for label, (request, patterns, nodes, edges) in PATTERNS.items():
        app = build_graph(ScriptedChatModel()).compile(checkpointer=InMemorySaver())
        ctx = Context(out_dir=str(tmp_path / "out"))
        config = {"configurable": {"thread_id": label}, "recursion_limit": ctx.recursion_limit()}
        out = app.invoke({"request": request}, config, context=ctx)
        assert out["status"] == "approved", label
        blueprint = out["blueprint"]
        assert blueprint.patterns() == patterns, label
        routes = [e for e in blueprint.edges if blueprint.agent(e.source).kind == "router"]
        expected = 1 + len(routes) + len(blueprint.reviews) + len(blueprint.scenarios)
        report = out["test_report"]
        assert (report.passed, report.failed, report.errors) == (expected, 0, 0), label  # in the sandbox
        project = Path(out["deployment"].path)
        with imported(project, f"{blueprint.name}.graph") as graph:
            drawn = graph.graph.get_graph()
        assert set(drawn.nodes) == {"__start__", "__end__", *nodes}, label
        assert {(e.source, e.target, e.conditional) for e in drawn.edges} == edges, label
        projects.append((project, expected))

    venv, env = _bare_venv(tmp_path)
    editable = " ".join(f"-e {shlex.quote(str(project))}" for project, _ in projects)
    installed = venv.run(f"python -m pip install {editable} pytest", cwd=tmp_path, env=env, timeout=_INSTALL_TIMEOUT_S)
    assert installed.returncode == 0, (installed.stdout + installed.stderr)[-6000:]
    assert not any(line.lower().startswith("autogenesis") for line in venv.freeze().splitlines())
    for project, expected in projects:
        tested = venv.run("python -m pytest -q -p no:cacheprovider", cwd=project, env=env, timeout=600)
        summary = tested.stdout.strip().splitlines()[-1]
        assert tested.returncode == 0 and summary.startswith(f"{expected} passed in "), tested.stdout[-4000:]
