"""Feedback & Iteration agent."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.context import Context
from autogenesis.drafts import FeedbackDraft
from autogenesis.models.chat import generate
from autogenesis.nodes._common import next_attempt, rejection_feedback
from autogenesis.prompts import feedback as prompts
from autogenesis.state import Feedback, GenesisState


def feedback(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Reflect on the tests and metrics; decide whether another design iteration is needed."""
    prompt = prompts.render(state["request"], state["test_report"], state["metrics"], rejection_feedback(state))
    draft = generate(model, FeedbackDraft, prompt)
    result = Feedback(summary=draft.summary.strip(), improvements=tuple(draft.improvements), iterate=draft.iterate)
    return {"feedback": result, **next_attempt(state, "feedback")}


def feedback_problems(state: GenesisState) -> list[str]:
    """An iteration request must say what to improve."""
    fb = state["feedback"]
    return ["iterate is set but no improvement is named"] if fb.iterate and not fb.improvements else []
