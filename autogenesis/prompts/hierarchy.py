"""Hierarchy: write what each new approver checks before it accepts its worker's output."""

from __future__ import annotations

from autogenesis.blueprint.ir import AgentSpec
from autogenesis.drafts import CriteriaDraft
from autogenesis.models.base import Example, Prompt

TASK = (
    "You are the Hierarchy agent. This worker gets an approver that accepts or rejects its output, because the "
    "request or the risk of its work calls for one. "
    "Write the approver's acceptance criteria for this worker in one or two sentences."
)

EXAMPLES = (
    Example(
        input="Worker: summariser\nRole: Writes a short summary of each article.",
        output=CriteriaDraft(criteria="Every article has a summary under 80 words that states its main point."),
    ),
    Example(
        input="Worker: scheduler\nRole: Proposes interview slots to shortlisted candidates.",
        output=CriteriaDraft(criteria="Each shortlisted candidate gets two or more slots within working hours."),
    ),
)


def render(agent: AgentSpec, feedback: tuple[str, ...] = ()) -> Prompt:
    return Prompt(
        role="hierarchy",
        task=TASK,
        input=f"Worker: {agent.slug}\nRole: {agent.role}",
        examples=EXAMPLES,
        feedback=feedback,
        data={"agent": agent},
        about=f"{agent.slug.replace('_', ' ')} {agent.role}",
    )
