"""Generated projects in the sandbox and from their deployed folder."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from openai_wire import handler

from autogenesis.blueprint.codegen import render_project
from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.ir import Scenario
from autogenesis.sandbox import network_isolation, run_project_tests
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
    assert "no network (new network namespace via unshare -n)" in report.sandbox


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


def test_the_network_is_unreachable_in_the_sandbox() -> None:
    prefix, description = network_isolation()
    assert prefix[1:] == ["-n", "--"], description  # root on these machines: unshare -n works
    probe = (
        "import socket\n\n\n"
        "def test_loopback_is_unreachable() -> None:\n"
        "    try:\n"
        "        socket.create_connection(('127.0.0.1', 9), timeout=5)\n"
        "    except OSError as error:\n"
        f"        assert error.errno == {errno.ENETUNREACH}, error\n"
        "    else:\n"
        "        raise AssertionError('connected')\n"
    )
    report = run_project_tests({"tests/test_net.py": probe}, timeout_s=60)
    assert (report.passed, report.failed, report.errors) == (1, 0, 0), report.failures


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
    for path, text in _three_agent_project().items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
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
    for path, text in _three_agent_project().items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
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
