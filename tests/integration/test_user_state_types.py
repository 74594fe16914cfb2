"""A user's own graph on our checkpointer: its state types come back as themselves in a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

USER_GRAPH = textwrap.dedent(
    """
    from dataclasses import dataclass
    from enum import Enum
    from typing import Any, NamedTuple

    from langgraph.graph import END, START, StateGraph
    from pydantic import BaseModel
    from typing_extensions import TypedDict


    class Ticket(BaseModel):
        title: str
        priority: int


    @dataclass
    class Note:
        text: str


    class Level(Enum):
        LOW = "low"
        HIGH = "high"


    class Point(NamedTuple):
        x: int
        y: int


    class Foreign(BaseModel):
        value: int


    class State(TypedDict, total=False):
        ticket: Ticket
        notes: list[Note]
        level: Level
        point: Point
        extra: Any


    def fill(state: State) -> State:
        return {
            "ticket": Ticket(title="printer on fire", priority=1),
            "notes": [Note("call facilities")],
            "level": Level.HIGH,
            "point": Point(1, 2),
            "extra": Foreign(value=7),
        }


    def build() -> StateGraph:
        builder = StateGraph(State)
        builder.add_node("fill", fill)
        builder.add_edge(START, "fill")
        builder.add_edge("fill", END)
        return builder
    """
)

WRITE = textwrap.dedent(
    """
    import sys
    from autogenesis.checkpoints import open_persistence
    from user_graph import build

    with open_persistence(sys.argv[1]) as persistence:
        build().compile(checkpointer=persistence.checkpointer).invoke({}, {"configurable": {"thread_id": "t1"}})
    """
)

READ = textwrap.dedent(
    """
    import json, sys
    from autogenesis.checkpoints import open_persistence
    from user_graph import Point, build

    def describe(values):
        return {
            "ticket": type(values["ticket"]).__name__,
            "note": type(values["notes"][0]).__name__,
            "level": repr(values["level"]),
            "point": repr(values["point"]),
            "extra": repr(values["extra"]),
        }

    cfg = {"configurable": {"thread_id": "t1"}}
    with open_persistence(sys.argv[1]) as persistence:
        plain = build().compile(checkpointer=persistence.checkpointer)
        # LangGraph's schema walk does not collect NamedTuples: they are named explicitly.
        named = build().compile(checkpointer=persistence.checkpointer.with_allowlist([Point]))
        values = plain.get_state(cfg).values
        print(json.dumps({
            "plain": describe(values),
            "named": describe(named.get_state(cfg).values),
            "ticket": values["ticket"].model_dump(),
        }))
    """
)


def _python(code: str, db: Path, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(cwd), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-c", code, str(db)], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_user_state_types_survive_a_reload_in_a_new_process(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    (tmp_path / "user_graph.py").write_text(USER_GRAPH)
    db = tmp_path / "runs.db" if kind == "sqlite" else Path(request.getfixturevalue("pg_url"))
    _python(WRITE, db, tmp_path)
    reloaded = json.loads(_python(READ, db, tmp_path))
    assert reloaded["plain"] == {
        "ticket": "Ticket",
        "note": "Note",
        "level": "<Level.HIGH: 'high'>",
        "point": "{'x': 1, 'y': 2}",
        # A class no compiled graph's schema names stays its plain data.
        "extra": "{'value': 7}",
    }
    assert reloaded["named"] == {**reloaded["plain"], "point": "Point(x=1, y=2)"}
    assert reloaded["ticket"] == {"title": "printer on fire", "priority": 1}
