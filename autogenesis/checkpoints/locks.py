"""One driver per thread: a lock a run holds while it drives its thread, released by its death too.

A process that drives a thread holds that thread's lock until it stops; another `resume` of the
thread is refused meanwhile. The lock is one the operating system or the server drops when its
holder dies (`kill -9` included), so a run left by a dead process never blocks a later resume:

- SQLite: an `flock` on `<db>.locks/<digest of the thread id>`, which the kernel releases when
  the process's file descriptions close, whatever ends it;
- Postgres: a session advisory lock (`pg_try_advisory_lock`) on a connection of its own, which
  the server releases when that connection ends, which a dead process's socket does at once.
  A process id is not used: processes on several hosts share one server, and a pid is reused.
- memory: nothing to lock, since no other process can see the database.
"""

from __future__ import annotations

import errno
import hashlib
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

# The first key of the two-key advisory locks of threads; schema setup uses the one-key space.
_THREAD_LOCK_CLASS = 0x4147524E  # "AGRN"


class ThreadBusy(Exception):
    """Another live process holds the thread's lock."""


class ThreadLocks(Protocol):
    def hold(self, thread_id: str) -> Any:
        """A context manager holding `thread_id`'s lock; raises `ThreadBusy` when another process holds it."""

    def busy(self, thread_id: str) -> bool:
        """Whether a live process other than this one (or another open lock here) holds `thread_id`'s lock."""


def _digest(thread_id: str) -> bytes:
    return hashlib.sha256(thread_id.encode("utf-8", "surrogatepass")).digest()


class NoLocks:
    """The locks of an in-process database: nothing else can drive its threads."""

    @contextmanager
    def hold(self, thread_id: str) -> Iterator[None]:
        yield

    def busy(self, thread_id: str) -> bool:
        return False


class _TriedLocks(ABC):
    """Locks whose `busy` is a try of `hold`: taken and released at once when no one holds it."""

    @abstractmethod
    def hold(self, thread_id: str) -> AbstractContextManager[None]: ...

    def busy(self, thread_id: str) -> bool:
        try:
            with self.hold(thread_id):
                return False
        except ThreadBusy:
            return True


class FileLocks(_TriedLocks):
    """`flock`s on one file per thread in `folder` (created on first use)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _open(self, thread_id: str) -> int | None:
        try:
            self.folder.mkdir(exist_ok=True)
            return os.open(self.folder / _digest(thread_id).hex()[:32], os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            # A read-only folder holds no run this process could write either: nothing to guard.
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                return None
            raise

    @contextmanager
    def hold(self, thread_id: str) -> Iterator[None]:
        import fcntl

        fd = self._open(thread_id)
        try:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise ThreadBusy(thread_id) from None
            yield
        finally:
            if fd is not None:
                os.close(fd)  # the files stay: removing one would race with a process that just opened it


class AdvisoryLocks(_TriedLocks):
    """Postgres session advisory locks, each on a connection of its own to `url`."""

    def __init__(self, url: str, connect_timeout_s: int) -> None:
        self._url = url
        self._timeout = connect_timeout_s

    @contextmanager
    def hold(self, thread_id: str) -> Iterator[None]:
        import psycopg

        key = int.from_bytes(_digest(thread_id)[:4], "big", signed=True)
        with psycopg.connect(self._url, autocommit=True, connect_timeout=self._timeout) as conn:
            row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (_THREAD_LOCK_CLASS, key)).fetchone()
            if not (row and row[0]):
                raise ThreadBusy(thread_id)
            yield  # closing the connection releases the lock
