"""Loading a model is accounted apart from call latency: `load_s` on the call that loaded it, once.

Time is a fake clock that the fake load and the fake decode advance, so the split is exact.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel

from autogenesis.drafts import Verdict
from autogenesis.models import structured
from autogenesis.models.accounting import Accounted, collecting
from autogenesis.models.base import Prompt, T
from autogenesis.models.local import LOAD_LABEL, Preparation, TransformersModel, watch_preparation
from autogenesis.models.structured import Completion, GenerationOptions

LOAD_S = 90.0
DECODE_S = 2.0
PROMPT = Prompt(role="review:design", task="Approve or reject.", input="a shop")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class InstantDecode(TransformersModel):
    """A local model whose decode takes DECODE_S on the fake clock and always approves."""

    def complete(self, schema: type[BaseModel], prompt: Prompt, options: GenerationOptions) -> Completion:
        self.engine()  # what the real `complete` starts with: loaded already, so free
        self.clock.now += DECODE_S  # type: ignore[attr-defined]
        return Completion('{"approved": true, "reasons": []}', 7, 3, constrained=True)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A fake clock for the latency of calls too (the structured-output layer's own timer)."""
    fake = FakeClock()
    monkeypatch.setattr(structured, "time", SimpleNamespace(perf_counter=fake))
    return fake


def test_the_first_call_carries_the_load_and_its_latency_excludes_it(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autogenesis.models import local

    loads: list[tuple[str, str]] = []

    def read_engine(folder: str, variant: str) -> Any:
        loads.append((folder, variant))
        clock.now += LOAD_S
        return object()

    monkeypatch.setattr(local, "_read_engine", read_engine)
    monkeypatch.setattr(local, "_engines", {})
    events: list[Preparation] = []
    unwatch = watch_preparation(events.append)
    model = InstantDecode("hf:fake", folder=str(tmp_path), clock=clock)
    try:
        with collecting() as calls:
            model.generate(Verdict, PROMPT)
            model.generate(Verdict, PROMPT)
    finally:
        unwatch()

    assert [(c.load_s, c.latency_s) for c in calls] == [(LOAD_S, DECODE_S), (0.0, DECODE_S)]
    assert loads == [(str(tmp_path), local.current_variant())]
    assert [(e.label, e.done, e.total) for e in events] == [(LOAD_LABEL, 0, 1), (LOAD_LABEL, 1, 1)]
    assert events[-1].step == "model loaded"


class PreparedOnce:
    """A provider without its own accounting whose first `prepare` loads for 5 fake seconds."""

    name = "prepared-once"

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.ready = False

    def prepare(self) -> float:
        if self.ready:
            return 0.0
        self.ready = True
        return 5.0

    def generate(self, schema: type[T], prompt: Prompt) -> T:
        self.clock.now += 1.0
        return schema.model_validate({"approved": True, "reasons": []})


def test_the_accounting_wrapper_charges_a_providers_load_apart() -> None:
    clock = FakeClock()
    model = Accounted(PreparedOnce(clock), clock=clock)
    with collecting() as calls:
        model.generate(Verdict, PROMPT)
        model.generate(Verdict, PROMPT)
    assert [(c.load_s, c.latency_s) for c in calls] == [(5.0, 1.0), (0.0, 1.0)]


def test_a_load_outside_a_node_is_not_charged_to_a_later_call() -> None:
    clock = FakeClock()
    model = Accounted(PreparedOnce(clock), clock=clock)
    model.generate(Verdict, PROMPT)  # used on its own: nothing recorded, nothing pending
    with collecting() as calls:
        model.generate(Verdict, PROMPT)
    assert [(c.load_s, c.latency_s) for c in calls] == [(0.0, 1.0)]
