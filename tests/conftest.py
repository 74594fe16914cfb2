"""Shared fixtures: a real PostgreSQL server for the session, a fresh database per test, a private data folder."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest

PG_ENV = "AUTOGENESIS_TEST_PG"


def _pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError(f"PostgreSQL binaries not found: install postgresql or set {PG_ENV} to a server URL")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres_user(cmd: list[str]) -> list[str]:
    # The server refuses to run as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str]) -> None:
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    proc = subprocess.run(_as_postgres_user(cmd), env=env, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of the maintenance database of a running PostgreSQL server: `$AUTOGENESIS_TEST_PG`, or one started here."""
    external = os.environ.get(PG_ENV)
    if external:
        yield external
        return
    bindir = _pg_bindir()
    root = Path(tempfile.mkdtemp(prefix="autogenesis-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, log = root / "data", root / "server.log"
    port = _free_port()
    stop = _as_postgres_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
    watchdog = _watchdog(stop, root)
    options = (
        f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=300"
    )
    try:
        _run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"])
    except RuntimeError as exc:
        server_log = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        watchdog.terminate()
        raise RuntimeError(f"{exc}\n{server_log}") from None
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(stop, capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
        watchdog.terminate()
        watchdog.wait(timeout=10)


def _watchdog(stop: list[str], root: Path) -> subprocess.Popen[bytes]:
    """Stop the server and remove its folder if this process dies without tearing down (SIGTERM, SIGKILL)."""
    script = 'pid=$1 root=$2; shift 2; while kill -0 "$pid" 2>/dev/null; do sleep 1; done; "$@"; rm -rf "$root"'
    return subprocess.Popen(
        ["sh", "-c", script, "pg-watchdog", str(os.getpid()), str(root), *stop],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@contextmanager
def _fresh_database(server: str) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def fresh_database(pg_server: str) -> Callable[[], AbstractContextManager[str]]:
    """Makes a fresh, empty database whose URL a `with` block holds, dropped when the block ends:
    for fixtures of any scope (a module's builds may share one)."""
    return lambda: _fresh_database(pg_server)


@pytest.fixture
def pg_url(fresh_database: Callable[[], AbstractContextManager[str]]) -> Iterator[str]:
    """URL of a fresh, empty database, dropped after the test."""
    with fresh_database() as url:
        yield url


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private AutoGenesis data folder (`$AUTOGENESIS_HOME`); `$AUTOGENESIS_DB` is cleared."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("AUTOGENESIS_HOME", str(folder))
    monkeypatch.delenv("AUTOGENESIS_DB", raising=False)
    return folder


LANGGRAPH_OFFLINE_ENV = {"LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true", "HF_HUB_OFFLINE": "1"}
LANGGRAPH_READY_DEADLINE_S = 120.0
LanggraphDev = Callable[[Path, Path, Mapping[str, str]], AbstractContextManager[str]]


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


@pytest.fixture(scope="session")
def stop_group() -> Callable[[subprocess.Popen[bytes]], None]:
    """Stops a process started with `start_new_session=True`, and everything it started."""
    return _stop_group


@contextmanager
def _serve(project: Path, log_dir: Path, env: Mapping[str, str]) -> Iterator[str]:
    """Run `langgraph dev` offline for `project` (its langgraph.json) on a free loopback port."""
    port = _free_port()
    log_path = log_dir / "langgraph-dev.log"
    langgraph = Path(sys.executable).with_name("langgraph")
    cmd = [str(langgraph), "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=project,
            env={**os.environ, **LANGGRAPH_OFFLINE_ENV, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + LANGGRAPH_READY_DEADLINE_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"langgraph dev exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                tail = log_path.read_text()[-4000:]
                pytest.fail(f"langgraph dev not ready after {LANGGRAPH_READY_DEADLINE_S:g} s:\n{tail}")
            time.sleep(0.25)
        yield url
    finally:
        _stop_group(proc)


@pytest.fixture(scope="session")
def langgraph_dev() -> LanggraphDev:
    """`with langgraph_dev(project_folder, log_folder, env) as url:` serves a project's graphs offline."""
    return _serve


def pytest_configure(config: pytest.Config) -> None:
    """Subprocesses started anywhere in the session (session and module fixtures too) default to the scripted model."""
    os.environ["AUTOGENESIS_MODEL"] = "scripted"


@pytest.fixture(autouse=True)
def _no_real_model_by_accident(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside tests marked `real_model`, only the scripted model answers, in-process and in subprocesses."""
    if request.node.get_closest_marker("real_model"):
        return
    from autogenesis.models import registry

    monkeypatch.setenv("AUTOGENESIS_MODEL", "scripted")

    def refuse(name: str) -> Callable[..., object]:
        def factory(*args: object, **kwargs: object) -> object:
            pytest.fail(f"test {request.node.nodeid} reached the real model provider {name!r}; mark it real_model")

        return factory

    for name in registry.providers():
        if name != "scripted":
            monkeypatch.setitem(registry._PROVIDERS, name, refuse(name))
    # Every provider:model setting goes through this one function.
    monkeypatch.setattr(registry, "_init_chat_model", refuse("init_chat_model"))
