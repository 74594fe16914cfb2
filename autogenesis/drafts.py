"""What agents ask models for: small, flat schemas a small model can fill in reliably.

Nodes turn drafts into the typed artifacts of `autogenesis.state` deterministically, so a
model proposes names and text but never structure that code depends on unchecked.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: The longest role an agent may have; a clause of a request is cut to it (`text.request_clauses`).
MAX_ROLE_CHARS = 300


class Draft(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Verdict(Draft):
    """An approver's answer."""

    approved: bool
    reasons: list[str] = Field(default_factory=list, max_length=8)


class AgentDraft(Draft):
    name: str = Field(min_length=1, max_length=64)
    role: str = Field(min_length=1, max_length=MAX_ROLE_CHARS)
    #: worker: does its job; router: decides which of the agents after it runs; tool: looks data up;
    #: gate: a person approves its work.
    kind: Literal["worker", "router", "tool", "gate"] = "worker"
    #: The name of the agent it runs after; empty: the one before it in the list.
    after: str = Field(default="", max_length=64)


class BlueprintDraft(Draft):
    """The agents of the system, in the order work flows through them."""

    name: str = Field(min_length=1, max_length=64)
    agents: list[AgentDraft] = Field(min_length=1, max_length=12)


class CriteriaDraft(Draft):
    """What an approver checks before it accepts a worker's output."""

    criteria: str = Field(min_length=1, max_length=400)


class PromptDraft(Draft):
    """The system prompt for one generated agent."""

    system_prompt: str = Field(min_length=1, max_length=2000)


class TuningDraft(Draft):
    """A proposed variant of the generated system's settings: the retry cap of its review pairs."""

    max_retries: int = Field(ge=1, le=5)
    rationale: str = Field(default="", max_length=400)


class DocsDraft(Draft):
    """The prose parts of the generated system's documentation."""

    overview: str = Field(min_length=1, max_length=2000)
    user_guide: str = Field(min_length=1, max_length=2000)
    operations: str = Field(min_length=1, max_length=2000)


class FeedbackDraft(Draft):
    """Reflection on a finished build: what to improve, and whether to iterate now."""

    summary: str = Field(min_length=1, max_length=600)
    improvements: list[str] = Field(default_factory=list, max_length=6)
    iterate: bool = False


class ScenarioDraft(Draft):
    input: str = Field(min_length=1, max_length=400)
    expect: str = Field(min_length=1, max_length=400)


class SpecDraft(Draft):
    """The request restated as a specification."""

    goal: str = Field(min_length=1, max_length=600)
    capabilities: list[str] = Field(min_length=1, max_length=10)
    actors: list[str] = Field(default_factory=list, max_length=8)
    interactions: list[str] = Field(default_factory=list, max_length=10)
    constraints: list[str] = Field(default_factory=list, max_length=8)
    scenarios: list[ScenarioDraft] = Field(min_length=1, max_length=5)
