"""System Design agent."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.blueprint.build import blueprint_from_draft
from autogenesis.blueprint.ir import Blueprint
from autogenesis.blueprint.parallel import add_fan_out
from autogenesis.blueprint.routing import add_each, add_proposed_shape, add_routes
from autogenesis.blueprint.tools import add_tools
from autogenesis.blueprint.verify import verify
from autogenesis.context import Context
from autogenesis.drafts import BlueprintDraft
from autogenesis.models.chat import generate
from autogenesis.nodes._common import next_attempt, rejection_feedback
from autogenesis.prompts import design as prompts
from autogenesis.state import GenesisState
from autogenesis.text import request_clauses, stems


def design(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Draft a blueprint from the specification and the last rejection or user feedback, if any."""
    feedback = rejection_feedback(state)
    if not feedback and state.get("iteration", 0) and "feedback" in state:
        feedback = state["feedback"].improvements
    draft = generate(model, BlueprintDraft, prompts.render(state["spec"], feedback))
    chain = blueprint_from_draft(draft, state["spec"], version=state.get("iteration", 0) + 1)
    # The request's words, not the model, decide the shape: jobs it says run "in parallel"
    # become branches that join, "either ... or ..." a router's routes, a job done "for each"
    # item per-item workers (Send), and a job that fetches outside data ("gathers deploy logs")
    # gets a tool. Each shape applies to a chain, so one request gets one of the first three.
    # Where the words decide no shape, the model's proposal (kinds, "runs after") may, if grounded.
    request = state["request"]
    shaped = add_each(add_routes(add_fan_out(chain, request), request), request)
    blueprint = add_tools(add_proposed_shape(shaped, draft))
    return {"blueprint": blueprint, **next_attempt(state, "design")}


def unserved(request: str, blueprint: Blueprint) -> list[str]:
    """The request's clauses (`text.request_clauses`) that no agent shares a content word with."""
    served = [stems(f"{a.slug.replace('_', ' ')} {a.role}") for a in blueprint.agents]
    return [c for c in request_clauses(request) if stems(c) and not any(stems(c) & words for words in served)]


def design_problems(state: GenesisState) -> list[str]:
    """The static verifier's findings; a job the request asks for that no agent does; a design
    mostly about something else than the request.

    Every clause of the request (`text.request_clauses`) must be served by an agent sharing a
    content word with it: a design covering four of five jobs goes back with the fifth named.
    An agent sharing no word with the request may still be apt (a `scheduler` for a project
    planner); most of them sharing none is a design for another request, such as a copied example.
    """
    blueprint, spec = state["blueprint"], state["spec"]
    topic = stems(" ".join((state["request"], spec.goal, *spec.capabilities)))
    served = [stems(f"{a.slug.replace('_', ' ')} {a.role}") for a in blueprint.agents]
    off_topic = [a for a, words in zip(blueprint.agents, served, strict=True) if not words & topic]
    problems = [str(finding) for finding in verify(blueprint)]
    problems += [
        f"no agent does {clause!r}, which the request asks for" for clause in unserved(state["request"], blueprint)
    ]
    if 2 * len(off_topic) > len(blueprint.agents):
        names = ", ".join(f"{a.slug!r} ({a.role})" for a in off_topic)
        problems.append(f"agents {names} do not serve the request; it asks for: {'; '.join(spec.capabilities)}")
    return problems
