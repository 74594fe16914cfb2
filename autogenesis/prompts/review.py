"""Approvers: judge one stage's output against the request and the stage's criteria."""

from __future__ import annotations

from autogenesis.drafts import Verdict
from autogenesis.models.base import Example, Prompt

TASK = (
    "You are the approver of the {stage} stage of a pipeline that builds multi-agent systems. Approve the "
    "work below if it serves the request and meets the criteria; otherwise reject it and give short, "
    "concrete reasons the worker can act on."
)

CRITERIA = {
    "understand": "the specification restates the request faithfully, with testable scenarios",
    "design": "each agent has one clear role and together they cover every capability",
    "hierarchy": "each approver's criteria are specific and checkable",
    "design_prompts": "the prompt states the agent's one job, its input and its expected answer",
    "generate": "the project contains the graph, state, nodes, prompts and tests for every agent",
    "integrate": "the generated tests pass in the sandbox",
    "optimize": "the kept variant measured at least as well as the baseline",
    "document": "the documentation explains what the system does, how to run it and how to operate it",
    "feedback": "the reflection is grounded in the measured results",
}

EXAMPLES = (
    Example(
        input="Request: a newsletter service\nWork:\nagents: collector, summariser, editor",
        output=Verdict(approved=True, reasons=["covers collecting, summarising and assembling"]),
    ),
    Example(
        input="Request: a recruiting assistant that screens CVs and schedules interviews\nWork:\nagents: screener",
        output=Verdict(approved=False, reasons=["no agent schedules interviews"]),
    ),
)


def render(stage: str, request: str, work: str, criteria: str | None = None) -> Prompt:
    return Prompt(
        role=f"review:{stage}",
        task=TASK.format(stage=stage) + f"\nCriteria: {criteria or CRITERIA[stage]}.",
        input=f"Request: {request}\nWork:\n{work}",
        examples=EXAMPLES,
        data={"stage": stage, "request": request, "work": work},
    )
