"""Checkpointers and stores (memory, SQLite, Postgres) and the run registry kept in the store."""

from autogenesis.checkpoints.locks import ThreadBusy
from autogenesis.checkpoints.persistence import (
    DB_ENV,
    HOME_ENV,
    MEMORY,
    Persistence,
    PersistenceError,
    PersistenceUnavailable,
    StorageFailure,
    default_db,
    open_persistence,
    redact,
    resolve_db,
    storage_failure,
)
from autogenesis.checkpoints.registry import RUNS_NAMESPACE, RunRecord, RunRegistry

__all__ = [
    "DB_ENV",
    "HOME_ENV",
    "MEMORY",
    "RUNS_NAMESPACE",
    "Persistence",
    "PersistenceError",
    "PersistenceUnavailable",
    "RunRecord",
    "RunRegistry",
    "StorageFailure",
    "ThreadBusy",
    "default_db",
    "open_persistence",
    "redact",
    "resolve_db",
    "storage_failure",
]
