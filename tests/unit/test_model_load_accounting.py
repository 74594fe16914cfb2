"""Loading a model is accounted apart from call latency: `load_s` on the call that loaded it, once.

Time is a fake clock that the fake load and the fake decode advance, so the split is exact.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import PrivateAttr

from autogenesis.drafts import Verdict
from autogenesis.models import chat
from autogenesis.models.accounting import collecting
from autogenesis.models.base import Prompt
from autogenesis.models.chat import generate, json_structured_output
from autogenesis.models.local import LOAD_LABEL, Preparation, watch_preparation
from autogenesis.models.local_chat import LocalChatModel

LOAD_S = 90.0
DECODE_S = 2.0
PROMPT = Prompt(role="review:design", task="Approve or reject.", input="a shop")
APPROVE = '{"approved": true, "reasons": []}'


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _answer(text: str) -> ChatResult:
    return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])


class InstantDecode(LocalChatModel):
    """A local model whose decode takes DECODE_S on the fake clock and always approves."""

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.engine()  # what the real decode starts with: loaded already, so free
        self._clock.now += DECODE_S
        return _answer(APPROVE)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A fake clock for the latency of calls too (the helper's own timer)."""
    fake = FakeClock()
    monkeypatch.setattr(chat, "time", SimpleNamespace(perf_counter=fake))
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
    model = InstantDecode(folder=str(tmp_path))
    model._clock = clock
    try:
        with collecting() as calls:
            generate(model, Verdict, PROMPT)
            generate(model, Verdict, PROMPT)
    finally:
        unwatch()

    assert [(c.load_s, c.latency_s) for c in calls] == [(LOAD_S, DECODE_S), (0.0, DECODE_S)]
    assert loads == [(str(tmp_path), local.current_variant())]
    assert [(e.label, e.done, e.total) for e in events] == [(LOAD_LABEL, 0, 1), (LOAD_LABEL, 1, 1)]
    assert events[-1].step == "model loaded"


class PreparedOnce(BaseChatModel):
    """A chat model that must be loaded: its first `prepare` loads for 5 fake seconds."""

    _clock: FakeClock = PrivateAttr()
    _ready: bool = PrivateAttr(default=False)

    @property
    def _llm_type(self) -> str:
        return "prepared-once"

    def prepare(self) -> float:
        if self._ready:
            return 0.0
        self._ready = True
        return 5.0

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self._clock.now += 1.0
        return _answer(APPROVE)

    def with_structured_output(self, schema: Any, **kwargs: Any) -> Runnable[Any, Any]:
        return json_structured_output(self, schema, **kwargs)


def _prepared_once(clock: FakeClock) -> PreparedOnce:
    model = PreparedOnce()
    model._clock = clock
    return model


def test_any_chat_model_with_a_prepare_step_has_its_load_charged_apart(clock: FakeClock) -> None:
    model = _prepared_once(clock)
    with collecting() as calls:
        generate(model, Verdict, PROMPT)
        generate(model, Verdict, PROMPT)
    assert [(c.load_s, c.latency_s) for c in calls] == [(5.0, 1.0), (0.0, 1.0)]


def test_a_load_outside_a_node_is_not_charged_to_a_later_call(clock: FakeClock) -> None:
    model = _prepared_once(clock)
    generate(model, Verdict, PROMPT)  # used on its own: nothing recorded, nothing pending
    with collecting() as calls:
        generate(model, Verdict, PROMPT)
    assert [(c.load_s, c.latency_s) for c in calls] == [(0.0, 1.0)]
