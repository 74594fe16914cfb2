"""Hierarchy agent: approvers where the request or the risk calls for one, each with a retry cap."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.blueprint.hierarchy import add_approvers, approvers_needed
from autogenesis.blueprint.verify import verify
from autogenesis.context import Context
from autogenesis.drafts import CriteriaDraft
from autogenesis.models.chat import generate
from autogenesis.nodes._common import next_attempt, rejection_feedback
from autogenesis.prompts import hierarchy as prompts
from autogenesis.state import GenesisState
from autogenesis.text import stems


def hierarchy(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Add the approvers the request and the risk call for; the model writes what each one checks.

    Which workers are reviewed, and whether by a person (a human gate, "a senior reviewer must
    approve") or a model, is decided from the request's words before any model is asked.
    """
    blueprint = state["blueprint"]
    feedback = rejection_feedback(state)
    needed = approvers_needed(blueprint, state["request"])
    criteria = {
        worker.slug: generate(model, CriteriaDraft, prompts.render(worker, feedback)).criteria
        for worker in blueprint.agents
        if worker.slug in needed and blueprint.review_of(worker.slug) is None
    }
    reviewed = add_approvers(
        blueprint,
        criteria,
        max_retries=runtime.context.generated_retries,
        people={slug: n.person for slug, n in needed.items() if n.person},
        only=needed,
        reasons={slug: n.reason for slug, n in needed.items()},
    )
    return {"blueprint": reviewed, **next_attempt(state, "hierarchy")}


def hierarchy_problems(state: GenesisState) -> list[str]:
    """Approvals the request or the risk calls for that are missing, and whatever else the verifier finds."""
    blueprint = state["blueprint"]
    problems = []
    for reviewed in blueprint.reviews:
        worker = blueprint.agent(reviewed.worker)
        topic = stems(f"{state['request']} {worker.role}")  # empty: no word to compare, nothing judged
        if reviewed.criteria and topic and not stems(reviewed.criteria) & topic:
            problems.append(
                f"the criteria for {reviewed.worker!r} ({reviewed.criteria}) are about nothing the request mentions"
            )
    for slug, needed in approvers_needed(blueprint, state["request"]).items():
        pair = blueprint.review_of(slug)
        if pair is None:
            problems.append(f"agent {slug!r} has no approver, and {needed.reason}")
        elif needed.person and blueprint.agent(pair.approver).kind != "human":
            problems.append(f"agent {slug!r} is approved by a model, but {needed.reason}")
    return problems + [str(finding) for finding in verify(blueprint)]
