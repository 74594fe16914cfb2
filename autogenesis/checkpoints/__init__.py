"""Checkpointers and stores (memory, SQLite, Postgres) and the run registry kept in the store."""

from autogenesis.checkpoints.persistence import (
    DB_ENV,
    HOME_ENV,
    MEMORY,
    Persistence,
    PersistenceError,
    PersistenceUnavailable,
    default_db,
    open_persistence,
    redact,
    resolve_db,
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
    "default_db",
    "open_persistence",
    "redact",
    "resolve_db",
]
