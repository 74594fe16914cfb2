"""Builds whose model is an OpenAI-compatible server on loopback (`--model openai:URL#model`).

The server (`openai_server.py`, beside this file) serves the embedded model over
`/v1/chat/completions` the way vLLM or llama.cpp do, decoding under the `response_format`
schema ChatOpenAI sends. It logs every request, so what the build recorded for its model calls
is checked against what the server did, request by request and token by token.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.real_model, pytest.mark.slow]

SERVER = Path(__file__).with_name("openai_server.py")
REQUEST = "a helpdesk that triages support tickets and drafts replies"
TYPED_HALTS = {"escalated", "rejected", "loop_detected", "error", "budget_exhausted"}


class LoopbackServer:
    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log

    def requests(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, stop_group: Callable[[subprocess.Popen[bytes]], None]
) -> Iterator[LoopbackServer]:
    folder = tmp_path_factory.mktemp("openai-server")
    log = folder / "requests.jsonl"
    log.touch()
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "--log", str(log)],
        stdout=subprocess.PIPE,
        stderr=(folder / "server.err").open("wb"),
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()  # the model is loaded when the port is announced
        found = re.fullmatch(r"listening on (\d+)\n", line)
        assert found, f"server did not start: {line!r}\n{(folder / 'server.err').read_text()[-4000:]}"
        yield LoopbackServer(f"http://127.0.0.1:{found.group(1)}/v1", log)
    finally:
        stop_group(proc)


def _autogenesis(*args: str, home: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AUTOGENESIS_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env.pop("AUTOGENESIS_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "autogenesis", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def _build(setting: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    home = tmp_path / "home"
    proc = _autogenesis("build", REQUEST, "--model", setting, "--out", str(tmp_path / "out"), home=home, timeout=1500)
    assert proc.returncode in (0, 3), proc.stderr[-6000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-6000:]
    [thread] = re.findall(r"^building thread (\w+) with model ", proc.stderr, flags=re.M)
    shown = _autogenesis("show", thread, "--json", home=home, timeout=120)
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    status = report["status"]
    assert status == "approved" or status.split(":")[0] in TYPED_HALTS, status
    assert (proc.returncode == 0) == (status == "approved")
    return proc, report


@pytest.mark.timeout(1800)
def test_a_full_build_against_an_openai_compatible_server(server: LoopbackServer, tmp_path: Path) -> None:
    setting = f"openai:{server.url}#gemma-3-270m"
    before = len(server.requests())
    _, report = _build(setting, tmp_path)
    calls = report["state"]["calls"]
    requests = server.requests()[before:]

    assert report["run"]["model"] == setting
    assert calls and {c["model"] for c in calls} == {setting}
    # Every call asked for its schema as a JSON-schema response format, and the server honoured it.
    assert all(c["constrained"] for c in calls)
    assert {r["response_format"] for r in requests} == {"json_schema"}
    # One HTTP request per attempt (copies of a worked example are re-asked too), and the tokens
    # recorded are the server's `usage`, not an estimate.
    assert sum(c["attempts"] + c["copies"] for c in calls) == len(requests)
    assert sum(c["prompt_tokens"] for c in calls) == sum(r["prompt_tokens"] for r in requests)
    assert sum(c["completion_tokens"] for c in calls) == sum(r["completion_tokens"] for r in requests)
    # The design's deterministic checks come before its model review; a design they refuse is never shown to it.
    roles = {c["role"] for c in calls}
    assert roles >= {"understand", "review:understand", "design"}
    assert ("review:design" in roles) == any(
        r["stage"] == "design" and r["approved"] for r in report["state"]["reviews"]
    )


@pytest.mark.timeout(1800)
def test_per_role_settings_mix_the_server_the_embedded_model_and_the_scripted_one(
    server: LoopbackServer, tmp_path: Path
) -> None:
    served = f"openai:{server.url}#gemma-3-270m"
    before = len(server.requests())
    _, report = _build(f"default=scripted,understand={served},design=local", tmp_path)
    calls = report["state"]["calls"]
    requests = server.requests()[before:]

    by_model: dict[str, set[str]] = {}
    for call in calls:
        by_model.setdefault(call["model"], set()).add(call["role"])
    assert by_model.pop(served) == {"understand"}
    assert by_model.pop("local") == {"design"}
    assert set(by_model) == {"scripted"} and "review:understand" in by_model["scripted"]
    # The scripted approver judges a design only once the design's deterministic checks pass.
    design_judged = any(r["stage"] == "design" and r["reviewer"] == "model" for r in report["state"]["reviews"])
    assert ("review:design" in by_model["scripted"]) == design_judged
    understand = [c for c in calls if c["model"] == served]
    assert sum(c["attempts"] + c["copies"] for c in understand) == len(requests)
    assert sum(c["prompt_tokens"] for c in understand) == sum(r["prompt_tokens"] for r in requests)
    # The embedded model loads in the build's own process, on its first call, and is charged once.
    local = [c for c in calls if c["model"] == "local"]
    assert local[0]["load_s"] > 0 and all(c["load_s"] == 0 for c in local[1:])
    assert all(c["load_s"] == 0 for c in calls if c["model"] != "local")
