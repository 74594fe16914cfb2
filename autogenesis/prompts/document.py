"""Documentation & Training: the prose of the generated system's documentation."""

from __future__ import annotations

from autogenesis.blueprint.ir import Blueprint
from autogenesis.drafts import DocsDraft
from autogenesis.models.base import Example, Prompt
from autogenesis.prompts._format import bullets, join, section

TASK = (
    "You are the Documentation agent. Write the documentation of a generated multi-agent system: an overview "
    "of what it does, a user guide (how to run it and what to expect), and an operations guide (models, "
    "limits, what to do when a run escalates)."
)

EXAMPLES = (
    Example(
        input="System: newsletter\nDescription: Produce a weekly newsletter\nAgents:\n- collector\n- summariser",
        output=DocsDraft(
            overview="newsletter turns a week of articles into an issue: a collector gathers them and a "
            "summariser writes one summary each, each step checked by a reviewer.",
            user_guide='Run `python -m newsletter "articles: ..."` and read the issue it prints.',
            operations="Choose the model with --model. A step rejected too often ends the run as escalated.",
        ),
    ),
)


def render(blueprint: Blueprint, feedback: tuple[str, ...] = ()) -> Prompt:
    return Prompt(
        role="document",
        task=TASK,
        input=join(
            f"System: {blueprint.name}",
            f"Description: {blueprint.description}",
            section("Agents", bullets(f"{a.slug}: {a.role}" for a in blueprint.agents)),
        ),
        examples=EXAMPLES,
        feedback=feedback,
        data={"blueprint": blueprint},
    )
