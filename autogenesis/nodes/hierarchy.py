"""Hierarchy agent: every worker of the generated system gets an approver with a retry cap."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.blueprint.hierarchy import add_approvers, people_approving, workers_needing_approvers
from autogenesis.blueprint.verify import verify
from autogenesis.context import Context
from autogenesis.drafts import CriteriaDraft
from autogenesis.models.chat import generate
from autogenesis.nodes._common import next_attempt, rejection_feedback
from autogenesis.prompts import hierarchy as prompts
from autogenesis.state import GenesisState


def hierarchy(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Add an approver to each unreviewed worker; the model writes each approver's criteria.

    Where the request says a person approves some work ("a senior reviewer must approve"), that
    worker's approver is a human gate, decided from the request's words before any model is asked.
    """
    blueprint = state["blueprint"]
    feedback = rejection_feedback(state)
    criteria = {
        worker.slug: generate(model, CriteriaDraft, prompts.render(worker, feedback)).criteria
        for worker in workers_needing_approvers(blueprint)
    }
    people = people_approving(blueprint, state["request"])
    reviewed = add_approvers(blueprint, criteria, max_retries=runtime.context.generated_retries, people=people)
    return {"blueprint": reviewed, **next_attempt(state, "hierarchy")}


def hierarchy_problems(state: GenesisState) -> list[str]:
    """Workers left without an approver, and whatever else the verifier finds."""
    blueprint = state["blueprint"]
    problems = [f"agent {w.slug!r} has no approver" for w in workers_needing_approvers(blueprint)]
    return problems + [str(finding) for finding in verify(blueprint)]
