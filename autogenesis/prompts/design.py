"""System Design: choose the agents of the system and the order work flows through them."""

from __future__ import annotations

from autogenesis.drafts import AgentDraft, BlueprintDraft
from autogenesis.models.base import Example, Prompt
from autogenesis.prompts._format import bullets, join, section
from autogenesis.state import Specification

TASK = (
    "You are the System Design agent. Design the multi-agent system for this specification: give it a short "
    "snake_case name and list its agents in the order work flows through them, each with a snake_case name "
    "and a one-sentence role. Use one agent per capability; do not repeat an agent. For each agent give its "
    "kind (worker; router when it decides which of the agents after it runs; tool when it looks data up; gate "
    "when a person approves its work) and the name of the agent it runs after (empty for the first)."
)

EXAMPLES = (
    Example(
        input="Goal: Produce a weekly newsletter from collected articles\nCapabilities:\n- collect articles\n"
        "- summarise each article\n- assemble the issue",
        output=BlueprintDraft(
            name="newsletter",
            agents=[
                AgentDraft(name="collector", role="Gathers this week's articles from the given sources.", kind="tool"),
                AgentDraft(name="summariser", role="Writes a short summary of each article.", after="collector"),
                AgentDraft(name="editor", role="Assembles the summaries into one issue.", after="summariser"),
            ],
        ),
    ),
    Example(
        input="Goal: Screen job applications and schedule interviews\nCapabilities:\n- screen CVs\n"
        "- schedule interviews",
        output=BlueprintDraft(
            name="recruiting",
            agents=[
                AgentDraft(name="screener", role="Scores each CV against the job description."),
                AgentDraft(
                    name="scheduler", role="Proposes interview slots to shortlisted candidates.", after="screener"
                ),
            ],
        ),
    ),
)


def describe(spec: Specification) -> str:
    return join(
        f"Goal: {spec.goal}",
        section("Capabilities", bullets(spec.capabilities)),
        section("Constraints", bullets(spec.constraints)),
    )


def render(spec: Specification, feedback: tuple[str, ...] = ()) -> Prompt:
    return Prompt(
        role="design", task=TASK, input=describe(spec), examples=EXAMPLES, feedback=feedback, data={"spec": spec}
    )
