"""Resource budgets of a run: model calls, tokens and seconds of node work, checked at node boundaries.

What a run has used is read from its state (the recorded calls and each node's `done` event),
so a resumed run counts what it used before, and the time between a kill and a resume is no
node's work: it is never counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from autogenesis.context import Context

Budget = Literal["model_calls", "tokens", "seconds"]

#: Every budget, in the order they are checked: the `Context` field of each is `max_<budget>`.
BUDGETS: tuple[Budget, ...] = ("model_calls", "tokens", "seconds")

#: The command-line option that raises each budget.
OPTIONS: dict[Budget, str] = {"model_calls": "--max-model-calls", "tokens": "--max-tokens", "seconds": "--max-seconds"}

_LABELS: dict[Budget, str] = {"model_calls": "model calls", "tokens": "tokens", "seconds": "seconds of node work"}


@dataclass(frozen=True)
class Usage:
    """What a run has used so far."""

    model_calls: int = 0
    tokens: int = 0
    #: The sum of every completed node's duration: a fan-out's tasks each count their own.
    seconds: float = 0.0

    @classmethod
    def of(cls, state: Mapping[str, Any]) -> Usage:
        calls = state.get("calls", [])
        return cls(
            model_calls=len(calls),
            tokens=sum(c.prompt_tokens + c.completion_tokens for c in calls),
            seconds=round(sum(e.duration_s for e in state.get("events", []) if e.kind == "done"), 6),
        )

    def used(self, budget: Budget) -> float:
        return float(getattr(self, budget))


def allowed(context: Context, budget: Budget) -> float | None:
    """The run's limit on `budget`; None when unlimited."""
    limit: float | None = getattr(context, f"max_{budget}")
    return limit


@dataclass(frozen=True)
class Spent:
    """A budget the run has used up, and the node that was not started because of it."""

    budget: Budget
    used: float
    allowed: float
    node: str

    def __str__(self) -> str:
        return (
            f"{_LABELS[self.budget]}: {amount(self.used)} used of {amount(self.allowed)} allowed; "
            f"stopped before {self.node}"
        )


class BudgetExhausted(Exception):
    """Raised by a node, before it does anything, when a budget of the run is used up."""

    def __init__(self, spent: Spent) -> None:
        super().__init__(str(spent))
        self.spent = spent


def check(state: Mapping[str, Any], context: Context, node: str) -> None:
    """BudgetExhausted when a budget of `context` is used up by what `state` records, else nothing."""
    if all(allowed(context, budget) is None for budget in BUDGETS):
        return
    usage = Usage.of(state)
    for budget in BUDGETS:
        limit = allowed(context, budget)
        if limit is not None and usage.used(budget) >= limit:
            raise BudgetExhausted(Spent(budget, usage.used(budget), limit, node))


def report(state: Mapping[str, Any], context: Context) -> dict[str, dict[str, float | None]]:
    """Each budget's use and limit (None: unlimited), as `show` prints them."""
    usage = Usage.of(state)
    return {budget: {"used": usage.used(budget), "allowed": allowed(context, budget)} for budget in BUDGETS}


def amount(value: float) -> str:
    """A budget's figure as printed: a whole number with thousands separators, else six significant digits."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:.6g}"
