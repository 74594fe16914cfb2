"""LLM Prompt Design: write the system prompt of one generated agent."""

from __future__ import annotations

from autogenesis.blueprint.ir import AgentSpec, Blueprint
from autogenesis.drafts import PromptDraft
from autogenesis.models.base import Example, Prompt

TASK = (
    "You are the LLM Prompt Design agent. Write the system prompt for one agent of a multi-agent system: "
    "who it is, its one job, what it reads and what it must answer with. Be clear and specific."
)

EXAMPLES = (
    Example(
        input="System: newsletter\nAgent: summariser\nRole: Writes a short summary of each article.\n"
        "Reads: articles\nWrites: summaries",
        output=PromptDraft(
            system_prompt="You are the summariser of a newsletter team. For each article you are given, write a "
            "summary of at most 80 words that states its main point. Answer with the summaries only."
        ),
    ),
    Example(
        input="System: recruiting\nAgent: screener_reviewer\nRole: Approves the screener's output.\n"
        "Reads: screener_output\nWrites: verdict",
        output=PromptDraft(
            system_prompt="You review CV screenings. Approve a screening only when every CV has a score and a "
            "one-line reason tied to the job description; otherwise reject it and say what is missing."
        ),
    ),
)


def render(blueprint: Blueprint, agent: AgentSpec, feedback: tuple[str, ...] = ()) -> Prompt:
    return Prompt(
        role="design_prompts",
        task=TASK,
        input=f"System: {blueprint.name}\nAgent: {agent.slug}\nRole: {agent.role}\n"
        f"Reads: {', '.join(agent.reads) or 'request'}\nWrites: {', '.join(agent.writes) or 'result'}",
        examples=EXAMPLES,
        feedback=feedback,
        data={"blueprint": blueprint, "agent": agent},
        about=f"{agent.slug.replace('_', ' ')} {agent.role}",
    )
