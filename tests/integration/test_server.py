"""The pipeline served by `langgraph dev` (from langgraph.json), driven through langgraph_sdk; the Docker recipe."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_sync_client

from autogenesis.context import Context

REPO = Path(__file__).resolve().parents[2]
LANGGRAPH = Path(sys.executable).with_name("langgraph")
REQUEST = "a helpdesk that triages tickets, drafts replies and has a reviewer approve them"
READY_DEADLINE_S = 120.0
OFFLINE_ENV = {"LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true", "HF_HUB_OFFLINE": "1"}

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of `langgraph dev` serving this repo's langgraph.json with the scripted model."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("langgraph-dev") / "server.log"
    env = {**os.environ, **OFFLINE_ENV, "AUTOGENESIS_MODEL": "scripted"}
    cmd = [str(LANGGRAPH), "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_DEADLINE_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"langgraph dev exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"langgraph dev not ready after {READY_DEADLINE_S:g} s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.25)
        yield url
    finally:
        _stop(proc)


def test_server_builds_a_system_end_to_end(server_url: str, tmp_path: Path) -> None:
    out = tmp_path / "generated"
    context = Context(out_dir=str(out))
    client = get_sync_client(url=server_url)
    assert [a["graph_id"] for a in client.assistants.search(graph_id="autogenesis")] == ["autogenesis"]
    thread = client.threads.create()
    result = client.runs.wait(
        thread["thread_id"],
        "autogenesis",
        input={"request": REQUEST},
        context={"out_dir": str(out)},
        config={"recursion_limit": context.recursion_limit()},
    )
    assert isinstance(result, dict)
    assert result["status"] == "approved"
    deployment = Path(result["deployment"]["path"])
    assert deployment.parent.parent == out
    assert (deployment / "langgraph.json").is_file()
    assert (deployment / "pyproject.toml").is_file()
    state = client.threads.get_state(thread["thread_id"])
    assert state["next"] == []
    values = state["values"]
    assert isinstance(values, dict) and values["status"] == "approved"
    assert client.threads.get(thread["thread_id"])["status"] == "idle"


def test_dockerfile_is_generated_offline(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    proc = subprocess.run(
        [str(LANGGRAPH), "dockerfile", str(dockerfile)],
        cwd=REPO,
        env={**os.environ, **OFFLINE_ENV},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = dockerfile.read_text()
    assert text.startswith("FROM langchain/langgraph-api:3.11\n")
    graphs = {"autogenesis": f"/deps/{REPO.name}/autogenesis/server.py:graph"}
    assert f"ENV LANGSERVE_GRAPHS='{json.dumps(graphs)}'\n" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]
