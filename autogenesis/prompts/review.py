"""Approvers: judge one stage's output against the request and the stage's criteria."""

from __future__ import annotations

from autogenesis.drafts import Verdict
from autogenesis.models.base import Example, Prompt
from autogenesis.text import request_clauses

TASK = (
    "You are the approver of the {stage} stage of a pipeline that builds multi-agent systems. Approve the "
    "work below if it serves the request and meets the criteria; otherwise reject it. Each reason names a "
    "clause of the request: one the work covers, one it misses, or one it is weak on."
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
        input="Request: a newsletter service that collects articles and summarises each one\nWork:\n"
        "agents: collect_articles, summarise_each_one",
        output=Verdict(approved=True, reasons=["covers 'collects articles'", "covers 'summarises each one'"]),
    ),
    Example(
        input="Request: a recruiting assistant that screens CVs and schedules interviews\nWork:\nagents: screen_cvs",
        output=Verdict(approved=False, reasons=["misses 'schedules interviews'"]),
    ),
)

COVERS = "covers '{}'"
MISSES = "misses '{}'"
WEAK = "weak on '{}'"


def reasons_offered(clauses: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The reasons a verdict may give: for each clause, that the work covers it, misses it, or
    covers it poorly."""
    return tuple(reason.format(c) for reason in (COVERS, MISSES, WEAK) for c in clauses)


def render(
    stage: str, request: str, work: str, criteria: str | None = None, about: tuple[str, ...] | None = None
) -> Prompt:
    """The approver's prompt; its verdict may cite only the clauses `about` (default: all the request's)."""
    clauses = about or tuple(request_clauses(request))
    return Prompt(
        role=f"review:{stage}",
        task=TASK.format(stage=stage) + f"\nCriteria: {criteria or CRITERIA[stage]}.",
        input=f"Request: {request}\nWork:\n{work}",
        examples=EXAMPLES,
        data={"stage": stage, "request": request, "work": work, "clauses": clauses},
        choices={"reasons": reasons_offered(clauses)},
    )
