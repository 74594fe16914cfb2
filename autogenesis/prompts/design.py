"""System Design: choose the agents of the system and the order work flows through them."""

from __future__ import annotations

from autogenesis.drafts import AgentDraft, BlueprintDraft
from autogenesis.models.base import Example, Prompt
from autogenesis.prompts._format import bullets, join, section
from autogenesis.state import Specification
from autogenesis.text import agent_names, name_for

TASK = (
    "You are the System Design agent. Design the multi-agent system for this specification: choose its name, "
    "and list its agents in the order work flows through them. Each agent does one capability: its role is that "
    "capability, word for word, and its name the one offered for it. Use every capability once. For each agent "
    "give its kind (worker; router when it decides which of the agents after it runs; tool when it looks data "
    "up; gate when a person approves its work) and the name of the agent it runs after (empty for the first)."
)

EXAMPLES = (
    Example(
        input="Goal: Produce a weekly newsletter from collected articles\nCapabilities:\n- collect articles\n"
        "- summarise each article\n- assemble the issue",
        output=BlueprintDraft(
            name="produce_weekly_newsletter",
            agents=[
                AgentDraft(name="collect_articles", role="collect articles", kind="tool"),
                AgentDraft(name="summarise_each_article", role="summarise each article", after="collect_articles"),
                AgentDraft(name="assemble_issue", role="assemble the issue", after="summarise_each_article"),
            ],
        ),
    ),
    Example(
        input="Goal: Screen job applications and schedule interviews\nCapabilities:\n- screen CVs\n"
        "- schedule interviews",
        output=BlueprintDraft(
            name="screen_job_applications",
            agents=[
                AgentDraft(name="screen_cvs", role="screen CVs"),
                AgentDraft(name="schedule_interviews", role="schedule interviews", after="screen_cvs"),
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


def choices(spec: Specification) -> dict[str, tuple[str, ...]]:
    """What the design may say, all of it grounded in the specification: the system's name, one
    name per capability, the capabilities as roles, and those names as what an agent runs after."""
    names = tuple(agent_names(spec.capabilities))
    return {
        "name": (name_for(spec.goal, "generated_system"),),
        "agents.name": names,
        "agents.role": tuple(spec.capabilities),
        "agents.after": ("", *names),
    }


def render(spec: Specification, feedback: tuple[str, ...] = (), past: str = "") -> Prompt:
    """The design prompt; `past` is a past build's worked example (`memory.example_text`), after the input."""
    return Prompt(
        role="design",
        task=TASK,
        input=join(describe(spec), past),
        examples=EXAMPLES,
        feedback=feedback,
        data={"spec": spec},
        choices=choices(spec),
    )
