"""`ainvoke`/`astream` on the savers and stores `open_persistence` returns, next to sync calls on the same objects."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.store.base import Item

from autogenesis import Context
from autogenesis.checkpoints import open_persistence
from autogenesis.graph import compile_graph
from autogenesis.models.scripted import ScriptedChatModel

REQUEST = "a helpdesk that triages tickets"
DURABLE = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
ALL = ["memory", *DURABLE]


def _db(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "memory":
        return "memory"
    if kind == "sqlite":
        return str(tmp_path / "runs.db")
    return str(request.getfixturevalue("pg_url"))


def _shape(state: dict[str, Any]) -> dict[str, str]:
    """The keys of a state and the type of each value: what a sync and an async run must agree on."""
    return {key: type(value).__name__ for key, value in state.items()}


def _config(thread_id: str, ctx: Context) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}, "recursion_limit": ctx.recursion_limit()}


@dataclass(frozen=True)
class SyncBuild:
    """A build run with sync calls on a SQLite file: the reference for async runs."""

    db: str
    thread_id: str
    final: dict[str, Any]
    nodes: Counter[str]


@pytest.fixture(scope="module")
def sync_build(tmp_path_factory: pytest.TempPathFactory) -> SyncBuild:
    folder = tmp_path_factory.mktemp("sync")
    db, ctx = str(folder / "runs.db"), Context(out_dir=str(folder / "out"))
    nodes: Counter[str] = Counter()
    final: dict[str, Any] = {}
    with open_persistence(db) as persistence:
        app = compile_graph(ScriptedChatModel(), checkpointer=persistence.checkpointer, store=persistence.store)
        cfg = _config("sync", ctx)
        for mode, chunk in app.stream({"request": REQUEST}, cfg, context=ctx, stream_mode=["updates", "values"]):
            if mode == "updates":
                nodes.update(chunk.keys())
            else:
                final = chunk
    assert final["status"] == "approved"
    return SyncBuild(db, "sync", final, nodes)


@pytest.mark.parametrize("kind", DURABLE)
def test_ainvoke_builds_like_a_sync_run(
    kind: str, sync_build: SyncBuild, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    ctx = Context(out_dir=str(tmp_path / "out"))
    cfg = _config("async-invoke", ctx)
    with open_persistence(_db(kind, tmp_path, request)) as persistence:
        app = compile_graph(ScriptedChatModel(), checkpointer=persistence.checkpointer, store=persistence.store)
        out = asyncio.run(app.ainvoke({"request": REQUEST}, cfg, context=ctx))
        assert out["status"] == "approved"
        assert _shape(out) == _shape(sync_build.final)
        assert out["attempts"] == sync_build.final["attempts"]
        assert [(r.stage, r.approved) for r in out["reviews"]] == [
            (r.stage, r.approved) for r in sync_build.final["reviews"]
        ]
        # The same saver serves a sync reader of what the async run wrote.
        snapshot = app.get_state(cfg)
        assert snapshot.next == ()
        assert snapshot.values["status"] == "approved" and _shape(snapshot.values) == _shape(sync_build.final)


@pytest.mark.parametrize("kind", DURABLE)
def test_astream_streams_the_same_steps_as_a_sync_run(
    kind: str, sync_build: SyncBuild, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    ctx = Context(out_dir=str(tmp_path / "out"))
    cfg = _config("async-stream", ctx)

    async def stream() -> tuple[Counter[str], dict[str, Any], int]:
        nodes: Counter[str] = Counter()
        final: dict[str, Any] = {}
        async for mode, chunk in app.astream({"request": REQUEST}, cfg, context=ctx, stream_mode=["updates", "values"]):
            if mode == "updates":
                nodes.update(chunk.keys())
            else:
                final = chunk
        history = [snapshot async for snapshot in app.aget_state_history(cfg)]
        return nodes, final, len(history)

    with open_persistence(_db(kind, tmp_path, request)) as persistence:
        app = compile_graph(ScriptedChatModel(), checkpointer=persistence.checkpointer, store=persistence.store)
        nodes, final, async_history = asyncio.run(stream())
        assert final["status"] == "approved"
        assert nodes == sync_build.nodes
        assert _shape(final) == _shape(sync_build.final)
        assert async_history == len(list(app.get_state_history(cfg))) > len(nodes)


class Trail(TypedDict):
    trail: list[str]


def _two_steps() -> StateGraph[Trail]:
    builder = StateGraph(Trail)
    builder.add_node("a", lambda state: {"trail": [*state["trail"], "a"]})
    builder.add_node("b", lambda state: {"trail": [*state["trail"], "b"]})
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_edge("b", END)
    return builder


@pytest.mark.parametrize("kind", ALL)
def test_sync_and_async_calls_share_one_saver(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    cfg: RunnableConfig = {"configurable": {"thread_id": "t1"}}
    with open_persistence(_db(kind, tmp_path, request)) as persistence:
        app = _two_steps().compile(checkpointer=persistence.checkpointer)

        async def async_half() -> tuple[dict[str, Any], list[tuple[str, ...]]]:
            out = await app.ainvoke({"trail": []}, cfg)
            history = [snapshot.next async for snapshot in app.aget_state_history(cfg)]
            await persistence.checkpointer.adelete_thread("t2")
            return out, history

        assert app.invoke({"trail": []}, {"configurable": {"thread_id": "t2"}}) == {"trail": ["a", "b"]}
        out, history = asyncio.run(async_half())
        assert out == {"trail": ["a", "b"]}
        assert history == [(), ("b",), ("a",), ("__start__",)]
        assert app.get_state(cfg).values == {"trail": ["a", "b"]}
        assert app.get_state({"configurable": {"thread_id": "t2"}}).values == {}


@pytest.mark.parametrize("kind", ALL)
def test_store_serves_async_and_sync_callers(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    with open_persistence(_db(kind, tmp_path, request)) as persistence:
        store = persistence.store

        async def async_half() -> tuple[Item | None, list[str]]:
            await store.aput(("docs",), "a", {"text": "async"})
            item = await store.aget(("docs",), "b")
            found = await store.asearch(("docs",))
            await store.adelete(("docs",), "b")
            return item, sorted(i.key for i in found)

        store.put(("docs",), "b", {"text": "sync"})
        item, keys = asyncio.run(async_half())
        assert item is not None and item.value == {"text": "sync"}
        assert keys == ["a", "b"]
        written = store.get(("docs",), "a")
        assert written is not None and written.value == {"text": "async"}
        assert store.get(("docs",), "b") is None


_RELOAD = textwrap.dedent(
    """
    import json, logging, sys
    from contextlib import contextmanager
    from langgraph.checkpoint.serde.event_hooks import register_serde_event_listener

    records, events = [], []
    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())
    logging.getLogger().addHandler(Keep(level=logging.WARNING))
    register_serde_event_listener(events.append)

    from langgraph.checkpoint.sqlite import SqliteSaver
    from autogenesis import build_graph
    from autogenesis.models.scripted import ScriptedChatModel
    from autogenesis.checkpoints import open_persistence
    from autogenesis.graph import compile_graph

    db, thread_id, how = sys.argv[1:]

    @contextmanager
    def pipeline():
        if how == "open_persistence":
            with open_persistence(db) as persistence:
                yield compile_graph(ScriptedChatModel(), checkpointer=persistence.checkpointer, store=persistence.store)
        else:  # the README's plain LangGraph saver
            with SqliteSaver.from_conn_string(db) as saver:
                yield build_graph(ScriptedChatModel()).compile(checkpointer=saver)

    with pipeline() as app:
        cfg = {"configurable": {"thread_id": thread_id}}
        state = app.get_state(cfg)
        history = list(app.get_state_history(cfg))
    values = state.values
    print(json.dumps({
        "records": records,
        "events": events,
        "status": values["status"],
        "types": {k: type(v).__module__ + "." + type(v).__name__ for k, v in values.items()},
        "history": len(history),
    }))
    """
)


@pytest.mark.parametrize(
    ("how", "env"),
    [
        ("open_persistence", {}),
        # LangGraph's own savers are permissive and warn about every class they revive, unless
        # strict mode is on: then `compile()` allows exactly the graph's state types, silently.
        ("plain_saver", {"LANGGRAPH_STRICT_MSGPACK": "true"}),
    ],
)
def test_reloading_a_build_in_a_new_process_warns_about_nothing(
    how: str, env: dict[str, str], sync_build: SyncBuild
) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _RELOAD, sync_build.db, sync_build.thread_id, how],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    reloaded = json.loads(proc.stdout)
    assert reloaded["records"] == [] and reloaded["events"] == []
    assert reloaded["status"] == "approved"
    expected = {k: type(v).__module__ + "." + type(v).__name__ for k, v in sync_build.final.items()}
    assert reloaded["types"] == expected
    assert "autogenesis.blueprint.ir.Blueprint" in expected.values()
    assert reloaded["history"] > len(sync_build.nodes)
