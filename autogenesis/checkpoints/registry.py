"""The run registry: one record per build thread, kept in the LangGraph store next to the checkpoints."""

from __future__ import annotations

import time
from typing import Any

from langgraph.store.base import BaseStore
from pydantic import BaseModel, Field

from autogenesis.secrets import redact

RUNS_NAMESPACE = ("autogenesis", "runs")
_PAGE = 100


def every_value(store: BaseStore, namespace: tuple[str, ...]) -> list[dict[str, Any]]:
    """The value of every item under `namespace`, read page by page."""
    values: list[dict[str, Any]] = []
    while True:
        page = store.search(namespace, limit=_PAGE, offset=len(values))
        values.extend(item.value for item in page)
        if len(page) < _PAGE:
            return values


class RunRecord(BaseModel):
    """What `autogenesis runs` lists about one build."""

    thread_id: str
    request: str
    status: str
    model: str
    out: str | None = None
    created: float = Field(default_factory=time.time)
    updated: float = Field(default_factory=time.time)
    pid: int | None = None
    #: The run's `Context` settings, so `resume` continues with the same caps and output folder.
    context: dict[str, Any] = Field(default_factory=dict)
    #: Why the run last stopped, as its outcome said: the one place an `error:<stage>` or
    #: `cancelled` run keeps its reason, since those leave no halt in the graph state.
    detail: str = ""


class RunRegistry:
    """Run records in a `BaseStore` under the namespace `("autogenesis", "runs")`."""

    def __init__(self, store: BaseStore) -> None:
        self._store = store

    def put(self, record: RunRecord) -> None:
        """Insert or replace the record for `record.thread_id`, with any secret in its text masked."""
        masked = {name: redact(getattr(record, name)) for name in ("request", "model", "detail")}
        self._store.put(RUNS_NAMESPACE, record.thread_id, {**record.model_dump(mode="json"), **masked}, index=False)

    def get(self, thread_id: str) -> RunRecord | None:
        """The record for `thread_id`, or None if there is none."""
        item = self._store.get(RUNS_NAMESPACE, thread_id)
        return None if item is None else RunRecord.model_validate(item.value)

    def update(self, thread_id: str, **changes: Any) -> RunRecord:
        """Apply `changes` to an existing record and stamp `updated`; raises KeyError for an unknown thread."""
        record = self.get(thread_id)
        if record is None:
            raise KeyError(thread_id)
        updated = record.model_copy(update={"updated": time.time(), **changes})
        self.put(updated)
        return updated

    def list(self) -> list[RunRecord]:
        """Every record, newest first (by creation time, then last update)."""
        records = [RunRecord.model_validate(value) for value in every_value(self._store, RUNS_NAMESPACE)]
        records.sort(key=lambda r: (r.created, r.updated, r.thread_id), reverse=True)
        return records
