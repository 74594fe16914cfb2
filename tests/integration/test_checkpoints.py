"""Checkpointers, stores and the run registry on memory, SQLite and a real PostgreSQL server."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit, urlunsplit

import pytest
from click.testing import CliRunner
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.store.memory import InMemoryStore

from autogenesis import cli as cli_module
from autogenesis.checkpoints import (
    Persistence,
    PersistenceError,
    PersistenceUnavailable,
    RunRecord,
    RunRegistry,
    StorageFailure,
    default_db,
    open_persistence,
    redact,
)
from autogenesis.checkpoints import persistence as persistence_module

Opener = Callable[[], AbstractContextManager[Persistence]]


class Counter(TypedDict):
    trail: list[str]


def _two_step_graph(calls: dict[str, int], fail_b_once: bool) -> StateGraph[Counter]:
    def a(state: Counter) -> dict[str, list[str]]:
        calls["a"] += 1
        return {"trail": [*state["trail"], "a"]}

    def b(state: Counter) -> dict[str, list[str]]:
        calls["b"] += 1
        if fail_b_once and calls["b"] == 1:
            raise RuntimeError("crash in b")
        return {"trail": [*state["trail"], "b"]}

    builder = StateGraph(Counter)
    builder.add_node("a", a)
    builder.add_node("b", b)
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_edge("b", END)
    return builder


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(kind, db setting) for each backend; Postgres gets a fresh database."""
    kind = request.param
    if kind == "memory":
        yield kind, "memory"
    elif kind == "sqlite":
        yield kind, str(tmp_path / "data" / "runs.db")
    else:
        yield kind, request.getfixturevalue("pg_url")


def test_default_db_is_under_autogenesis_home(home: Path) -> None:
    assert default_db() == str(home / "autogenesis.db")


def test_default_db_is_under_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTOGENESIS_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db() == str(tmp_path / "xdg" / "autogenesis" / "autogenesis.db")


def test_default_db_falls_back_to_local_share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTOGENESIS_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_db() == str(tmp_path / ".local" / "share" / "autogenesis" / "autogenesis.db")


def test_open_without_setting_creates_the_default_sqlite_file(home: Path) -> None:
    with open_persistence() as persistence:
        assert persistence.kind == "sqlite"
        assert persistence.location == str(home / "autogenesis.db")
    assert (home / "autogenesis.db").is_file()
    with sqlite3.connect(home / "autogenesis.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_autogenesis_db_env_is_the_fallback_and_an_explicit_setting_wins(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AUTOGENESIS_DB", "memory")
    with open_persistence() as persistence:
        assert persistence.kind == "memory"
        assert isinstance(persistence.checkpointer, InMemorySaver)
        assert isinstance(persistence.store, InMemoryStore)
    with open_persistence(str(tmp_path / "explicit.db")) as persistence:
        assert (persistence.kind, persistence.location) == ("sqlite", str(tmp_path / "explicit.db"))


def test_sqlite_creates_missing_parent_folders(tmp_path: Path) -> None:
    db = tmp_path / "a" / "b" / "c.db"
    with open_persistence(str(db)) as persistence:
        assert persistence.location == str(db)
    assert db.is_file()


def test_graph_resumes_from_the_last_checkpoint(backend: tuple[str, str]) -> None:
    kind, db = backend
    calls = {"a": 0, "b": 0}
    builder = _two_step_graph(calls, fail_b_once=True)
    cfg: RunnableConfig = {"configurable": {"thread_id": "t1"}}
    with open_persistence(db) as persistence:
        assert persistence.kind == kind
        app = builder.compile(checkpointer=persistence.checkpointer)
        with pytest.raises(RuntimeError, match="crash in b"):
            app.invoke({"trail": []}, cfg)
        if kind == "memory":
            assert app.get_state(cfg).next == ("b",)
            assert app.invoke(None, cfg) == {"trail": ["a", "b"]}
    if kind != "memory":
        with open_persistence(db) as persistence:
            app = builder.compile(checkpointer=persistence.checkpointer)
            assert app.get_state(cfg).next == ("b",)
            assert app.get_state(cfg).values == {"trail": ["a"]}
            assert app.invoke(None, cfg) == {"trail": ["a", "b"]}
            assert app.get_state(cfg).next == ()
            assert [s.next for s in app.get_state_history(cfg)] == [(), ("b",), ("a",), ("__start__",)]
    assert calls == {"a": 1, "b": 2}


def test_registry_put_get_update_and_list_newest_first(backend: tuple[str, str]) -> None:
    _, db = backend
    with open_persistence(db) as persistence:
        registry = RunRegistry(persistence.store)
        assert registry.get("nope") is None
        assert registry.list() == []
        old = RunRecord(thread_id="old", request="r1", status="running", model="scripted", created=100.0, updated=100.0)
        new = RunRecord(
            thread_id="new", request="r2", status="approved", model="gemma", out="/tmp/o", created=300.0, updated=300.0
        )
        mid = RunRecord(thread_id="mid", request="r3", status="running", model="scripted", created=200.0, pid=42)
        for record in (old, new, mid):
            registry.put(record)
        assert registry.get("new") == new
        assert registry.get("mid") == mid
        assert [r.thread_id for r in registry.list()] == ["new", "mid", "old"]
        updated = registry.update("old", status="escalated:design", pid=None)
        assert updated.status == "escalated:design" and updated.updated > 100.0 and updated.created == 100.0
        assert registry.get("old") == updated
        with pytest.raises(KeyError):
            registry.update("nope", status="x")


def test_registry_list_pages_through_every_record(backend: tuple[str, str]) -> None:
    _, db = backend
    with open_persistence(db) as persistence:
        registry = RunRegistry(persistence.store)
        for i in range(250):
            registry.put(RunRecord(thread_id=f"t{i:03}", request="r", status="approved", model="m", created=float(i)))
        listed = registry.list()
    assert [r.thread_id for r in listed] == [f"t{i:03}" for i in reversed(range(250))]


@pytest.mark.parametrize("durable", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_registry_survives_reopening(durable: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db") if durable == "sqlite" else request.getfixturevalue("pg_url")
    record = RunRecord(thread_id="t1", request="a helpdesk", status="approved", model="scripted")
    with open_persistence(db) as persistence:
        RunRegistry(persistence.store).put(record)
    with open_persistence(db) as persistence:
        assert RunRegistry(persistence.store).get("t1") == record


def test_sqlite_store_and_checkpointer_work_from_many_threads(tmp_path: Path) -> None:
    calls = {"a": 0, "b": 0}
    builder = _two_step_graph(calls, fail_b_once=False)
    errors: list[BaseException] = []
    with open_persistence(str(tmp_path / "shared.db")) as persistence:
        app = builder.compile(checkpointer=persistence.checkpointer)
        registry = RunRegistry(persistence.store)

        def work(n: int) -> None:
            try:
                for i in range(10):
                    app.invoke({"trail": []}, {"configurable": {"thread_id": f"t{n}-{i}"}})
                    registry.put(RunRecord(thread_id=f"t{n}-{i}", request="r", status="approved", model="m"))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(registry.list()) == 60
    assert calls == {"a": 60, "b": 60}


def test_directory_as_sqlite_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PersistenceError) as err, open_persistence(str(tmp_path)):
        pass
    assert str(err.value) == f"SQLite database path is a directory, not a file: {tmp_path}"


def test_sqlite_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    with pytest.raises(PersistenceError) as err, open_persistence(str(tmp_path / "plain" / "sub" / "runs.db")):
        pass
    assert str(err.value) == (
        f"cannot create the folder for SQLite database {tmp_path}/plain/sub/runs.db: {tmp_path}/plain is a file"
    )


def test_unwritable_sqlite_path_is_refused() -> None:
    with pytest.raises(PersistenceError) as err, open_persistence("/proc/autogenesis/runs.db"):
        pass
    assert str(err.value) == (
        "cannot create the folder for SQLite database /proc/autogenesis/runs.db: No such file or directory"
    )


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / "junk.db").write_bytes(b"not a database at all, just some text" * 100)
    with pytest.raises(StorageFailure) as err, open_persistence(str(tmp_path / "junk.db")):
        pass
    assert str(err.value) == (
        f"the database {tmp_path}/junk.db is corrupt: file is not a database; "
        "restore it from a backup or use another --db"
    )
    assert err.value.corrupt


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "postgresql://u:secret@127.0.0.1:abc/x",
            "malformed Postgres URL postgresql://u:***@127.0.0.1:abc/x: invalid port 'abc'",
        ),
        (
            "postgresql://u:secret@[::1/x",
            'malformed Postgres URL postgresql://u:***@[::1/x: end of string reached when looking for matching "]"'
            ' in IPv6 host address in URI: "postgresql://u:***@[::1/x"',
        ),
        (
            "postgres://u:secret@host/x?bogus=1",
            'malformed Postgres URL postgres://u:***@host/x?bogus=1: invalid URI query parameter: "bogus"',
        ),
        (
            "mysql://u:secret@host/x",
            "unsupported database URL scheme 'mysql' in mysql://u:***@host/x:"
            " use 'memory', a SQLite file path or a postgresql:// URL",
        ),
    ],
)
def test_malformed_url_is_refused_without_the_password(url: str, message: str) -> None:
    with pytest.raises(PersistenceError) as err, open_persistence(url):
        pass
    assert str(err.value) == message
    assert "secret" not in str(err.value)


def test_unreachable_postgres_fails_fast_without_the_password() -> None:
    with pytest.raises(PersistenceError) as err, open_persistence("postgresql://u:secret@127.0.0.1:1/x"):
        pass
    assert str(err.value) == (
        "cannot connect to Postgres at postgresql://u:***@127.0.0.1:1/x:"
        ' connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused'
    )
    assert "secret" not in str(err.value)


def test_redact_masks_only_the_password() -> None:
    assert redact("postgresql://u:p%40ss@h:5432/db?sslmode=disable") == "postgresql://u:***@h:5432/db?sslmode=disable"
    assert redact("postgresql://u@h/db") == "postgresql://u@h/db"
    assert redact("/home/u/autogenesis.db") == "/home/u/autogenesis.db"


@pytest.mark.postgres
def test_postgres_location_hides_the_password(pg_url: str) -> None:
    parts = urlsplit(pg_url)
    with_password = urlunsplit(parts._replace(netloc=f"{parts.username}:hunter2@{parts.hostname}:{parts.port}"))
    with open_persistence(with_password) as persistence:
        assert persistence.kind == "postgres"
        assert persistence.location == f"postgresql://{parts.username}:***@{parts.hostname}:{parts.port}{parts.path}"


@pytest.mark.postgres
def test_postgres_missing_database_is_one_line(pg_url: str) -> None:
    parts = urlsplit(pg_url)
    missing = urlunsplit(parts._replace(path="/no_such_db"))
    with pytest.raises(PersistenceError) as err, open_persistence(missing):
        pass
    assert str(err.value) == (
        f"cannot connect to Postgres at {missing}: connection failed: connection to server at"
        f' "{parts.hostname}", port {parts.port} failed: FATAL:  database "no_such_db" does not exist'
    )


@pytest.mark.postgres
def test_postgres_setup_is_safe_when_processes_open_a_fresh_database_at_once(pg_url: str) -> None:
    errors: list[BaseException] = []

    def open_once() -> None:
        try:
            with open_persistence(pg_url) as persistence:
                RunRegistry(persistence.store).list()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


SETUP_RACE_PROCESSES = 6
SETUP_RACE_TRIALS = 30


def _open_fresh_files_in_step(
    folder: str, trials: int, barrier: Barrier, results: multiprocessing.Queue[list[str]]
) -> None:
    """One racer: for each trial, wait for every racer, then open that trial's new SQLite file and use it."""
    failures: list[str] = []
    for trial in range(trials):
        try:
            barrier.wait(timeout=120)
            with open_persistence(f"{folder}/trial{trial}.db") as persistence:
                RunRegistry(persistence.store).list()
                persistence.checkpointer.get_tuple({"configurable": {"thread_id": "t"}})
        except Exception as exc:
            failures.append(f"trial {trial}: {type(exc).__name__}: {exc}")
    results.put(failures)


def test_sqlite_setup_is_safe_when_processes_open_a_new_file_at_once(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(SETUP_RACE_PROCESSES)
    results: multiprocessing.Queue[list[str]] = ctx.Queue()
    racers = [
        ctx.Process(target=_open_fresh_files_in_step, args=(str(tmp_path), SETUP_RACE_TRIALS, barrier, results))
        for _ in range(SETUP_RACE_PROCESSES)
    ]
    for racer in racers:
        racer.start()
    failures = [failure for _ in racers for failure in results.get(timeout=600)]
    for racer in racers:
        racer.join(timeout=60)
    assert [racer.exitcode for racer in racers] == [0] * SETUP_RACE_PROCESSES
    assert failures == []
    assert sorted(p.name for p in tmp_path.glob("trial*.db")) == sorted(
        f"trial{t}.db" for t in range(SETUP_RACE_TRIALS)
    )


def test_a_setup_lock_held_too_long_is_reported_as_busy_not_as_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "runs.db"
    monkeypatch.setattr(persistence_module, "SETUP_LOCK_TIMEOUT_S", 0.1)
    with (tmp_path / "runs.db.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(PersistenceUnavailable) as err, open_persistence(str(db)):
            pass
    assert str(err.value) == (
        f"SQLite database {db} is busy: another process held its setup lock {db}.lock for 0.1 s; try again"
    )
    assert not isinstance(err.value, PersistenceError)
    with open_persistence(str(db)) as persistence:
        assert RunRegistry(persistence.store).list() == []


def test_sqlite_setup_runs_unlocked_where_no_lock_file_can_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "runs.db"
    real_open = os.open

    def refuse_lock_files(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        if str(path).endswith(".lock"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", refuse_lock_files)
    with open_persistence(str(db)) as persistence:
        RunRegistry(persistence.store).put(RunRecord(thread_id="t1", request="r", status="approved", model="m"))
    assert not (tmp_path / "runs.db.lock").exists()
    with open_persistence(str(db)) as persistence:
        assert [r.thread_id for r in RunRegistry(persistence.store).list()] == ["t1"]


def test_the_cli_reports_a_busy_database_as_temporary_not_as_usage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "runs.db"
    monkeypatch.setattr(persistence_module, "SETUP_LOCK_TIMEOUT_S", 0.1)
    with (tmp_path / "runs.db.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = CliRunner().invoke(cli_module.cli, ["runs", "--db", str(db)])
    assert result.exit_code == cli_module.EXIT_UNAVAILABLE == 75
    assert result.output == (
        f"autogenesis: error: SQLite database {db} is busy: another process held its setup lock {db}.lock"
        " for 0.1 s; try again\n"
    )


def test_a_database_locked_by_another_connection_is_reported_as_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "runs.db"
    monkeypatch.setattr(persistence_module, "SQLITE_BUSY_TIMEOUT_S", 0.1)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(PersistenceUnavailable) as err, open_persistence(str(db)):
            pass
    finally:
        holder.close()
    assert str(err.value) == (f"SQLite database {db} is busy (another process holds it): database is locked; try again")
    with open_persistence(str(db)) as persistence:
        assert RunRegistry(persistence.store).list() == []
