"""Open the checkpointer and store selected by one setting: memory, a SQLite file, or a Postgres URL."""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.base import BaseStore
from langgraph.store.memory import InMemoryStore

from autogenesis.checkpoints.locks import AdvisoryLocks, FileLocks, NoLocks, ThreadLocks
from autogenesis.checkpoints.serde import serializer
from autogenesis.secrets import redact, register_secret

DB_ENV = "AUTOGENESIS_DB"
HOME_ENV = "AUTOGENESIS_HOME"
MEMORY = "memory"
DB_FILENAME = "autogenesis.db"
POSTGRES_SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT_S = 5
POOL_OPEN_TIMEOUT_S = 10.0
POOL_MAX_SIZE = 10
SQLITE_BUSY_TIMEOUT_S = 30.0
SETUP_LOCK_TIMEOUT_S = 60.0
SETUP_LOCK_POLL_S = 0.02
# Serializes schema setup between processes that open the same fresh database at once.
_SETUP_LOCK_KEY = 0x4147454E  # "AGEN"

Kind = Literal["memory", "sqlite", "postgres"]


class PersistenceError(Exception):
    """The configured checkpoint database cannot be used; the message is one line and holds no password.

    The user has to change something (the setting, the file, the server's configuration).
    """


class PersistenceUnavailable(Exception):
    """The database is fine but could not be opened just now (a lock held too long, a dropped connection).

    Retrying later may succeed; the message is one line, says so, and holds no password.
    """


class StorageFailure(Exception):
    """The database failed in use: it is full, corrupt, or cannot be read or written (an I/O error).

    The message is one line and holds no password. A run it stopped resumes once the cause is
    fixed (space freed, the file made writable), except from a corrupt database (`corrupt`).
    """

    def __init__(self, message: str, *, corrupt: bool = False) -> None:
        super().__init__(message)
        self.corrupt = corrupt


_SQLITE_CORRUPT = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
_SQLITE_IO = (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM)


def storage_failure(exc: BaseException, db: str) -> StorageFailure | PersistenceUnavailable | None:
    """What a driver's error raised while `db` was in use means, or None when it is not the database's failure.

    `StorageFailure` for a full, corrupt or unreadable database; `PersistenceUnavailable` for
    one that is busy or went away (a lock held too long, a lost server connection).
    """
    where = redact(db)
    if isinstance(exc, sqlite3.Error):
        reason, code = _scrub(str(exc), db), (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return PersistenceUnavailable(f"the database {where} is busy: {reason}; try again")
        if code == sqlite3.SQLITE_FULL:
            return StorageFailure(f"the database {where} is full: {reason}")
        if code in _SQLITE_CORRUPT:
            return _corrupt(where, reason)
        if code in _SQLITE_IO:
            return StorageFailure(f"cannot read or write the database {where}: {reason}")
        return None
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(exc, psycopg.Error):
        return None
    reason = _scrub(str(exc), db)
    if isinstance(exc, psycopg.errors.DiskFull):
        return StorageFailure(f"the database {where} is full: {reason}")
    if isinstance(exc, psycopg.errors.DataCorrupted | psycopg.errors.IndexCorrupted):
        return _corrupt(where, reason)
    if isinstance(exc, psycopg.OperationalError):
        return PersistenceUnavailable(f"lost Postgres at {where}: {reason}; try again")
    return None


def _corrupt(where: str, reason: str) -> StorageFailure:
    return StorageFailure(
        f"the database {where} is corrupt: {reason}; restore it from a backup or use another --db", corrupt=True
    )


@dataclass(frozen=True)
class Persistence:
    """An open checkpointer and store over the same database."""

    checkpointer: BaseCheckpointSaver
    store: BaseStore
    location: str
    kind: Kind
    #: The lock each run holds on its thread while it drives it (see `autogenesis.checkpoints.locks`).
    locks: ThreadLocks = field(default_factory=NoLocks)


def default_db() -> str:
    """The default SQLite file: `$AUTOGENESIS_HOME/autogenesis.db`, else in the per-user data folder."""
    home = os.environ.get(HOME_ENV)
    if home:
        return str(Path(home).expanduser() / DB_FILENAME)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(data).expanduser() / "autogenesis" / DB_FILENAME)


def resolve_db(db: str | None) -> str:
    """The setting in effect: the explicit value, else `$AUTOGENESIS_DB`, else `default_db()`."""
    if db is not None and db.strip():
        return db.strip()
    return os.environ.get(DB_ENV, "").strip() or default_db()


def _scrub(message: str, db: str) -> str:
    """First line of `message`, with any secret in it (the password of `db` too) masked."""
    register_secret(_password(db))
    line = next((ln.strip() for ln in message.splitlines() if ln.strip()), "unknown error")
    return redact(line)


def _password(url: str) -> str | None:
    """The password in a database URL, if it holds one."""
    if "://" not in url:
        return None
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _check_ports(url: str, conninfo: Mapping[str, object]) -> None:
    for port in str(conninfo.get("port") or "").split(","):
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise PersistenceError(f"malformed Postgres URL {redact(url)}: invalid port {port!r}")


@contextmanager
def open_persistence(db: str | None = None) -> Iterator[Persistence]:
    """Open the checkpointer and store for `db` (see `resolve_db`) and close them on exit.

    `db` is `memory`, a SQLite file path (its folder is created), or a `postgresql://` URL.
    The checkpointer and store serve sync and async callers alike (`invoke` and `ainvoke`,
    `stream` and `astream`; see `autogenesis.checkpoints.savers`), and the checkpointer's
    serializer revives the state types of each graph compiled with it (see `serde`).
    Raises `PersistenceError` when the database cannot be used as configured, and
    `PersistenceUnavailable` when it is busy or went away during setup (a retry may succeed).
    """
    target = resolve_db(db)
    register_secret(_password(target))
    if target == MEMORY:
        yield Persistence(InMemorySaver(serde=serializer()), InMemoryStore(), MEMORY, "memory")
        return
    if "://" in target:
        scheme = target.split("://", 1)[0].lower()
        if scheme not in POSTGRES_SCHEMES:
            raise PersistenceError(
                f"unsupported database URL scheme {scheme!r} in {redact(target)}: "
                "use 'memory', a SQLite file path or a postgresql:// URL"
            )
        with _open_postgres(target) as persistence:
            yield persistence
        return
    with _open_sqlite(target) as persistence:
        yield persistence


@contextmanager
def _open_sqlite(db: str) -> Iterator[Persistence]:
    from autogenesis.checkpoints.savers import ThreadedSqliteSaver, ThreadedSqliteStore

    path = Path(db).expanduser()
    in_memory = db == ":memory:"
    if not in_memory:
        if path.is_dir():
            raise PersistenceError(f"SQLite database path is a directory, not a file: {path}")
        _make_parent(path)
    # Two connections to one file, as each class opens its own: the store manages its own
    # transactions (autocommit mode) and must not meet the saver's implicit ones.
    conns: list[sqlite3.Connection] = []
    try:
        with _sqlite_setup_lock(path, enabled=not in_memory):
            conns.append(sqlite3.connect(str(path), check_same_thread=False, timeout=SQLITE_BUSY_TIMEOUT_S))
            conns.append(
                sqlite3.connect(str(path), check_same_thread=False, timeout=SQLITE_BUSY_TIMEOUT_S, isolation_level=None)
            )
            conns[0].execute("PRAGMA journal_mode=WAL")
            checkpointer = ThreadedSqliteSaver(conns[0], serde=serializer())
            store = ThreadedSqliteStore(conns[1])
            checkpointer.setup()
            store.setup()
            # A damaged page is found now, before a run writes anything into the file.
            verdict = conns[0].execute("PRAGMA quick_check(1)").fetchone()[0]
            if verdict != "ok":
                raise _corrupt(str(path), _scrub(" ".join(verdict.split()), db))
    except (sqlite3.Error, OSError, PersistenceUnavailable, StorageFailure) as exc:
        for conn in conns:
            conn.close()
        if isinstance(exc, PersistenceUnavailable | StorageFailure):
            raise
        failure = storage_failure(exc, str(path))
        if isinstance(failure, StorageFailure):
            raise failure from None
        if _is_transient_sqlite_error(exc):
            raise PersistenceUnavailable(
                f"SQLite database {path} is busy (another process holds it): {_scrub(str(exc), db)}; try again"
            ) from None
        raise PersistenceError(f"cannot use SQLite database {path}: {_scrub(str(exc), db)}") from None
    try:
        locks: ThreadLocks = NoLocks() if in_memory else FileLocks(path.with_name(path.name + ".locks"))
        yield Persistence(checkpointer, store, str(path), "sqlite", locks)
    finally:
        for conn in conns:
            conn.close()


def _is_transient_sqlite_error(exc: BaseException) -> bool:
    """Whether `exc` is SQLite giving up on another connection's lock, which a retry can outlast."""
    # The low byte is the primary result code; extended codes (SQLITE_BUSY_SNAPSHOT, ...) share it.
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@contextmanager
def _sqlite_setup_lock(path: Path, *, enabled: bool = True) -> Iterator[None]:
    """Hold an exclusive `flock` on `<db>.lock` while the schema is set up.

    `SqliteStore.setup()` reads its migration version and then applies the missing migrations
    without one enclosing transaction, so processes that open a new file at once apply the same
    migration twice ("UNIQUE constraint failed: store_migrations.v", "duplicate column name").
    The lock lives in a sibling file, not in the database, so it exists before the schema does;
    the OS releases it if the process dies. The file is left in place: removing it would race
    with a process that has just opened it. Where no lock file can be created (a read-only
    folder, a platform without `fcntl`), setup runs unlocked: a read-only folder cannot hold a
    new database anyway, and an existing one needs no migration.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        fcntl = None  # type: ignore[assignment]
    if not enabled or fcntl is None:
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            yield
            return
        raise
    try:
        deadline = time.monotonic() + SETUP_LOCK_TIMEOUT_S
        # Polled, so a lock held by a hung process ends in a clear error instead of a hang.
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PersistenceUnavailable(
                        f"SQLite database {path} is busy: another process held its setup lock {lock_path} "
                        f"for {SETUP_LOCK_TIMEOUT_S:g} s; try again"
                    ) from None
                time.sleep(SETUP_LOCK_POLL_S)
        yield
    finally:
        os.close(fd)


def _make_parent(path: Path) -> None:
    blocker = next((p for p in path.parents if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise PersistenceError(f"cannot create the folder for SQLite database {path}: {blocker} is a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise PersistenceError(f"cannot create the folder for SQLite database {path}: {reason}") from None


def _acquire_setup_lock(conn: Any, location: str) -> None:
    # Polled, not blocking: a session blocked in pg_advisory_lock holds a snapshot, and the
    # migrations' CREATE INDEX CONCURRENTLY waits for every such snapshot, so a blocking wait deadlocks.
    deadline = time.monotonic() + SETUP_LOCK_TIMEOUT_S
    while not conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (_SETUP_LOCK_KEY,)).fetchone()[0]:
        if time.monotonic() > deadline:
            raise PersistenceUnavailable(
                f"Postgres at {location} is busy: another process held the setup lock for "
                f"{SETUP_LOCK_TIMEOUT_S:g} s; try again"
            )
        time.sleep(0.05)


@contextmanager
def _open_postgres(url: str) -> Iterator[Persistence]:
    import psycopg
    from langgraph.store.postgres import PostgresStore
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool, PoolTimeout

    from autogenesis.checkpoints.savers import ThreadedPostgresSaver

    location = redact(url)
    try:
        conninfo = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error as exc:
        raise PersistenceError(f"malformed Postgres URL {location}: {_scrub(str(exc), url)}") from None
    register_secret(str(conninfo.get("password") or ""))
    _check_ports(url, conninfo)
    with ExitStack() as stack:
        try:
            # A direct connection first: it fails fast with the server's own reason, which the pool hides.
            probe = stack.enter_context(psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S))
        except psycopg.Error as exc:
            raise PersistenceError(f"cannot connect to Postgres at {location}: {_scrub(str(exc), url)}") from None
        pool: ConnectionPool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_MAX_SIZE,
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                "prepare_threshold": 0,
                "connect_timeout": CONNECT_TIMEOUT_S,
            },
            check=ConnectionPool.check_connection,
            open=False,
            name="autogenesis",
        )
        try:
            pool.open(wait=True, timeout=POOL_OPEN_TIMEOUT_S)
        except PoolTimeout:
            pool.close()
            # The probe connected a moment ago, so the server is there but overloaded or slow.
            raise PersistenceUnavailable(
                f"cannot connect to Postgres at {location}: no pooled connection within "
                f"{POOL_OPEN_TIMEOUT_S:g} s; try again"
            ) from None
        stack.callback(pool.close)
        checkpointer = ThreadedPostgresSaver(pool, serde=serializer())  # type: ignore[arg-type]
        store = PostgresStore(pool)  # type: ignore[arg-type]
        try:
            _acquire_setup_lock(probe, location)
            try:
                checkpointer.setup()
                store.setup()
            finally:
                probe.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK_KEY,))
        except psycopg.OperationalError as exc:
            # The connection worked moments ago: a dropped connection or a server going down.
            raise PersistenceUnavailable(
                f"lost Postgres at {location} during setup: {_scrub(str(exc), url)}; try again"
            ) from None
        except psycopg.Error as exc:
            raise PersistenceError(f"cannot set up Postgres at {location}: {_scrub(str(exc), url)}") from None
        probe.close()
        yield Persistence(checkpointer, store, location, "postgres", AdvisoryLocks(url, CONNECT_TIMEOUT_S))
