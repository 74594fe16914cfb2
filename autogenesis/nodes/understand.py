"""System Understanding agent."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.blueprint.ir import Scenario
from autogenesis.context import Context
from autogenesis.drafts import SpecDraft
from autogenesis.models.chat import generate
from autogenesis.nodes._common import next_attempt, rejection_feedback
from autogenesis.prompts import understand as prompts
from autogenesis.state import GenesisState, Specification
from autogenesis.text import request_clauses, stems

#: As many capabilities as a SpecDraft may hold.
MAX_CAPABILITIES = 10


def understand(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Restate the request as a specification, addressing the last rejection if any."""
    draft = generate(model, SpecDraft, prompts.render(state["request"], rejection_feedback(state)))
    spec = Specification(
        goal=draft.goal.strip(),
        capabilities=with_request_clauses(state["request"], draft.capabilities),
        actors=tuple(draft.actors),
        interactions=tuple(draft.interactions),
        constraints=tuple(draft.constraints),
        scenarios=tuple(
            Scenario(name=f"scenario_{i}", input=s.input, expect=s.expect) for i, s in enumerate(draft.scenarios, 1)
        ),
    )
    return {"spec": spec, **next_attempt(state, "understand")}


def with_request_clauses(request: str, proposed: list[str]) -> tuple[str, ...]:
    """The capabilities the request spells out, then the model's that add something new from the request.

    A small model often collapses 'plans projects, allocates resources and tracks progress'
    into one capability; what the user wrote down is never lost. A capability of the model's is
    kept only when every content word of it is the request's own: "screens CVs" in a healthcare
    request comes from a worked example, not from the user.
    """
    capabilities = request_clauses(request)
    asked = stems(request)
    covered = set().union(*(stems(c) for c in capabilities))
    for capability in (c.strip() for c in proposed):
        if capability and stems(capability) <= asked and not stems(capability) <= covered:
            capabilities.append(capability)
            covered |= stems(capability)
    return tuple(capabilities[:MAX_CAPABILITIES])


def spec_problems(state: GenesisState) -> list[str]:
    """What makes a specification unusable, checked before any model reviews it."""
    spec = state["spec"]
    problems = [f"capability {i} is empty" for i, c in enumerate(spec.capabilities, 1) if not c]
    duplicates = sorted({c for c in spec.capabilities if spec.capabilities.count(c) > 1})
    problems += [f"capability {c!r} is listed twice" for c in duplicates]
    # Words are read in Latin scripts only: a request with none of them (Hebrew, Chinese, emoji)
    # gives these checks nothing to compare, and they judge nothing rather than reject forever.
    asked = stems(state["request"])
    if not spec.goal:
        problems.append("the goal is empty")
    elif asked and not stems(spec.goal) & asked:
        problems.append(f"the goal {spec.goal!r} is not about the request")
    problems += [
        f"scenario {s.name} ({s.input} -> {s.expect}) is about something the request does not mention"
        for s in spec.scenarios
        if asked and not stems(f"{s.input} {s.expect}") & asked
    ]
    return problems
