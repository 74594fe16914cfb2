"""The one accounting point: every model call is recorded here and lands in the run's state.

Loading a model (the embedded one converts on its first use, about 90 s) is not call latency:
a provider charges the seconds it spent loading with `charge_load`, and the next call recorded
in the same block carries them as `load_s`, apart from `latency_s`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from autogenesis.state import ModelCall

#: A monotonic clock in seconds; injectable so tests can time loads without waiting.
Clock = Callable[[], float]


@dataclass
class _Tally:
    calls: list[ModelCall] = field(default_factory=list)
    #: Seconds of model loading not yet attributed to a recorded call.
    load_s: float = 0.0


_tally: ContextVar[_Tally | None] = ContextVar("autogenesis_model_calls", default=None)


@contextmanager
def collecting() -> Iterator[list[ModelCall]]:
    """Collect the model calls made inside the block (one node's run)."""
    tally = _Tally()
    token = _tally.set(tally)
    try:
        yield tally.calls
    finally:
        _tally.reset(token)


def charge_load(seconds: float) -> None:
    """Attribute `seconds` of model loading to the next call recorded in this block, as its `load_s`."""
    tally = _tally.get()
    if tally is not None and seconds > 0:
        tally.load_s += seconds


def record(call: ModelCall) -> None:
    """Record one call; outside `collecting()` it is dropped (e.g. a model used on its own)."""
    tally = _tally.get()
    if tally is None:
        return
    if tally.load_s:
        call = call.model_copy(update={"load_s": round(call.load_s + tally.load_s, 6)})
        tally.load_s = 0.0
    tally.calls.append(call)


def estimate_tokens(text: str) -> int:
    """A provider-independent token estimate (about four characters a token)."""
    return max(1, len(text) // 4) if text else 0
