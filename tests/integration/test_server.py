"""The pipeline served by `langgraph dev` (from langgraph.json), driven through langgraph_sdk; the Docker recipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from langgraph_sdk import get_sync_client

from autogenesis.context import Context

REPO = Path(__file__).resolve().parents[2]
LANGGRAPH = Path(sys.executable).with_name("langgraph")
REQUEST = "a helpdesk that triages tickets, drafts replies and has a reviewer approve them"
OFFLINE_ENV = {"LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true", "HF_HUB_OFFLINE": "1"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server_url(
    langgraph_dev: Callable[..., AbstractContextManager[str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of `langgraph dev` serving this repo's langgraph.json with the scripted model."""
    with langgraph_dev(REPO, tmp_path_factory.mktemp("langgraph-dev"), {"AUTOGENESIS_MODEL": "scripted"}) as url:
        yield url


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


def test_studio_gets_the_input_form(server_url: str) -> None:
    client = get_sync_client(url=server_url)
    (assistant,) = client.assistants.search(graph_id="autogenesis")
    schemas = client.assistants.get_schemas(assistant["assistant_id"])
    assert schemas["input_schema"]["properties"] == {"request": {"title": "Request", "type": "string"}}
    assert schemas["input_schema"]["required"] == ["request"]
    assert {"request", "spec", "blueprint", "caps", "halt"} <= set(schemas["state_schema"]["properties"])


def test_every_checkpoint_can_be_edited_and_an_edited_approval_continues(server_url: str, tmp_path: Path) -> None:
    out = tmp_path / "generated"
    context = Context(out_dir=str(out))
    run_settings = {"context": {"out_dir": str(out)}, "config": {"recursion_limit": context.recursion_limit()}}
    client = get_sync_client(url=server_url)
    thread_id = client.threads.create()["thread_id"]
    result = client.runs.wait(thread_id, "autogenesis", input={"request": REQUEST}, **run_settings)  # type: ignore[arg-type]
    assert isinstance(result, dict) and result["status"] == "approved"
    history = client.threads.get_history(thread_id, limit=500)
    assert history[-1]["next"] == ["__start__"] and history[0]["next"] == []

    for state in history:
        checkpoint_id = state["checkpoint"]["checkpoint_id"]
        edited = client.threads.update_state(thread_id, {"request": f"{REQUEST}, edited"}, checkpoint_id=checkpoint_id)
        assert edited["checkpoint"]["checkpoint_id"] != checkpoint_id

    approved_design = next(s for s in history if s["next"] == ["hierarchy"])
    blueprint = {**approved_design["values"]["blueprint"], "description": "Edited in Studio: triage, then reply."}
    fork = client.threads.update_state(
        thread_id, {"blueprint": blueprint}, checkpoint_id=approved_design["checkpoint"]["checkpoint_id"]
    )
    continued = client.runs.wait(
        thread_id,
        "autogenesis",
        input=None,
        checkpoint_id=fork["checkpoint"]["checkpoint_id"],
        **run_settings,  # type: ignore[arg-type]
    )
    assert isinstance(continued, dict) and continued["status"] == "approved"
    assert continued["blueprint"]["description"] == "Edited in Studio: triage, then reply."
    assert continued["deployment"]["version"] == 2
    readme = Path(continued["deployment"]["path"]) / "README.md"
    assert "Edited in Studio: triage, then reply." in readme.read_text()


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
