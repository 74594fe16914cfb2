"""The one accounting point: every model call is recorded here and lands in the run's state."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pydantic import BaseModel

from autogenesis.models.base import Prompt, StructuredModel, T
from autogenesis.state import ModelCall

_calls: ContextVar[list[ModelCall] | None] = ContextVar("autogenesis_model_calls", default=None)


@contextmanager
def collecting() -> Iterator[list[ModelCall]]:
    """Collect the model calls made inside the block (one node's run)."""
    calls: list[ModelCall] = []
    token = _calls.set(calls)
    try:
        yield calls
    finally:
        _calls.reset(token)


def record(call: ModelCall) -> None:
    """Record one call; outside `collecting()` it is dropped (e.g. a model used on its own)."""
    calls = _calls.get()
    if calls is not None:
        calls.append(call)


def estimate_tokens(text: str) -> int:
    """A provider-independent token estimate (about four characters a token)."""
    return max(1, len(text) // 4) if text else 0


class Accounted:
    """Wraps a model that does not record its own calls, recording an estimate for each."""

    def __init__(self, model: StructuredModel) -> None:
        self.model = model
        self.name = model.name

    def generate(self, schema: type[T], prompt: Prompt) -> T:
        started = time.perf_counter()
        result = self.model.generate(schema, prompt)
        record(
            ModelCall(
                role=prompt.role,
                model=self.name,
                prompt_tokens=estimate_tokens(prompt.render()),
                completion_tokens=estimate_tokens(_as_json(result)),
                latency_s=round(time.perf_counter() - started, 6),
            )
        )
        return result


def _as_json(obj: BaseModel) -> str:
    return obj.model_dump_json()


def accounted(model: StructuredModel) -> StructuredModel:
    """`model` behind the accounting point, unless it records its own calls (exact token counts)."""
    if getattr(model, "records_calls", False) or isinstance(model, Accounted):
        return model
    return Accounted(model)
