"""The pipeline served by `langgraph dev` (from langgraph.json), driven through langgraph_sdk; the Docker recipe."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
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


@pytest.fixture(scope="module")
def local_server_url(
    langgraph_dev: Callable[..., AbstractContextManager[str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of `langgraph dev` serving this repo's langgraph.json with the embedded model."""
    with langgraph_dev(REPO, tmp_path_factory.mktemp("langgraph-dev-local"), {"AUTOGENESIS_MODEL": "local"}) as url:
        yield url


@pytest.mark.real_model
def test_messages_stream_yields_the_embedded_models_tokens_per_agent(local_server_url: str, tmp_path: Path) -> None:
    # Caps above the default: a small model rejected three times at understand would never reach design.
    context = Context(out_dir=str(tmp_path / "generated"), max_retries={"understand": 6, "design": 6})
    # The first model call loads the model: no event for tens of seconds on a busy machine.
    client = get_sync_client(url=local_server_url, timeout=httpx.Timeout(600.0, connect=10.0))
    thread_id = client.threads.create()["thread_id"]
    nodes: dict[str, str] = {}  # message (model call) id -> the node that made the call
    contents: dict[str, list[str]] = {}  # message id -> its content after each token
    updated: dict[str, dict[str, Any]] = {}
    run_id = ""
    stream = client.runs.stream(
        thread_id,
        "autogenesis",
        input={"request": REQUEST},
        context={"out_dir": context.out_dir, "max_retries": dict(context.max_retries)},
        config={"recursion_limit": context.recursion_limit()},
        # "updates" only says when a node is done: the tokens come with "messages".
        stream_mode=["messages", "updates"],
    )
    try:
        for part in stream:
            assert part.event != "error", part.data
            if part.event == "metadata":
                run_id = part.data["run_id"]
            elif part.event == "messages/metadata":
                nodes.update({message_id: m["metadata"]["langgraph_node"] for message_id, m in part.data.items()})
            elif part.event == "messages/partial":
                for message in part.data:
                    contents.setdefault(message["id"], []).append(message["content"])
            elif part.event == "updates":
                updated.update(part.data)
                if "design" in part.data:  # design's calls are over: the rest of the build is not needed
                    break
    finally:
        stream.close()
        if run_id:
            client.runs.cancel(thread_id, run_id, wait=True)

    for node in ("understand", "design"):
        calls = [message_id for message_id in contents if nodes.get(message_id) == node]
        assert calls, f"no tokens from {node}: {sorted(set(nodes.values()))}"
        for message_id in calls:
            # Each event is the answer so far: one more token each time, never a rewrite.
            growth = [c for c in contents[message_id] if c]
            assert len(set(growth)) > 1, f"{node} answered in one piece: {growth}"
            assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(growth))
            json.loads(growth[-1])
    # The last call of each node gave the answer the node kept (trimmed to the schema's bounds, if need be),
    # unless it still copied a worked example: then the node kept the reading of the request (a fallback).
    last = {nodes[message_id]: json.loads(content[-1]) for message_id, content in contents.items()}
    spec, blueprint = updated["understand"]["spec"], updated["design"]["blueprint"]
    if any(call["fallback"] for call in updated["understand"]["calls"]):
        assert spec["goal"] == REQUEST
    else:
        assert spec["goal"] and last["understand"]["goal"].strip().startswith(spec["goal"])
    # The design's grammar offered the specification's capabilities as roles, and every one is an agent,
    # in the specification's order, whichever the model chose.
    assert {agent["role"] for agent in last["design"]["agents"]} <= set(spec["capabilities"])
    assert [agent["role"] for agent in blueprint["agents"]] == spec["capabilities"]


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
    # The build's record, kept in the server's store for later designs (`autogenesis.memory`).
    kept = client.store.get_item(["autogenesis", "memory"], thread["thread_id"])
    assert (kept["value"]["request"], kept["value"]["outcome"]["status"]) == (REQUEST, "approved")


def test_a_person_answers_the_gate_with_command_resume(server_url: str, tmp_path: Path) -> None:
    out = tmp_path / "generated"
    context = Context(out_dir=str(out), human_approval=("generate",))
    run_settings = {
        "context": {"out_dir": str(out), "human_approval": ["generate"]},
        "config": {"recursion_limit": context.recursion_limit()},
    }
    client = get_sync_client(url=server_url)
    thread_id = client.threads.create()["thread_id"]

    def asked() -> dict[str, Any]:
        state = client.threads.get_state(thread_id)
        assert state["next"] == ["human_review"]
        (task,) = state["tasks"]
        (question,) = task["interrupts"]
        return question["value"]  # type: ignore[no-any-return]

    client.runs.wait(thread_id, "autogenesis", input={"request": REQUEST}, **run_settings)  # type: ignore[arg-type]
    first = asked()
    assert (first["stage"], first["attempt"], first["advice"]["approved"]) == ("generate", 1, True)
    assert first["work"].startswith("system agents: triages_tickets (triages tickets); ")
    assert client.threads.get(thread_id)["status"] == "interrupted"

    reject = {"resume": {"approve": False, "reason": "name the tests after the scenarios"}}
    client.runs.wait(thread_id, "autogenesis", command=reject, **run_settings)  # type: ignore[arg-type]
    assert (asked()["stage"], asked()["attempt"]) == ("generate", 2)
    result = client.runs.wait(thread_id, "autogenesis", command={"resume": "approve"}, **run_settings)  # type: ignore[arg-type]
    assert isinstance(result, dict) and result["status"] == "approved"
    assert (Path(result["deployment"]["path"]) / "langgraph.json").is_file()
    people = [(r["attempt"], r["approved"], r["reasons"]) for r in result["reviews"] if r["reviewer"] == "human"]
    assert people == [(1, False, ["name the tests after the scenarios"]), (2, True, [])]
    assert client.threads.get(thread_id)["status"] == "idle"


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
