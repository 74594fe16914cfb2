"""LLM Prompt Design agent: one task per generated agent (fan-out with `Send`)."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime
from langgraph.types import Send
from typing_extensions import TypedDict

from autogenesis.blueprint.ir import AgentSpec, Blueprint
from autogenesis.context import Context
from autogenesis.drafts import PromptDraft
from autogenesis.loops import repetition_note
from autogenesis.models.chat import generate
from autogenesis.nodes._common import attempt, next_attempt
from autogenesis.prompts import design_prompts as prompts
from autogenesis.state import AgentPrompt, GenesisState


class PromptTask(TypedDict):
    """The state one `write_prompt` task sees."""

    blueprint: Blueprint
    agent: AgentSpec
    attempt: int
    feedback: tuple[str, ...]
    #: A retry after a repeated rejection (`loops.repetition_note`), run warmer.
    varied: bool


def agents_to_prompt(state: GenesisState) -> list[AgentSpec]:
    """Agents whose prompt is missing, written for an older blueprint, or was just rejected."""
    blueprint = state["blueprint"]
    written = state.get("prompts", {})
    reviews = state.get("reviews", [])
    rejected: set[str] = set()
    if reviews and reviews[-1].stage == "design_prompts" and not reviews[-1].approved:
        rejected = set(reviews[-1].subjects)
    return [
        agent
        for agent in blueprint.agents
        if agent.slug not in written
        or written[agent.slug].blueprint_version != blueprint.version
        or agent.slug in rejected
    ]


def design_prompts(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Start one prompt-design attempt: count it; `send_prompt_tasks` fans the work out."""
    return next_attempt(state, "design_prompts")


def send_prompt_tasks(state: GenesisState) -> list[Send] | str:
    """One `write_prompt` task per agent that needs a prompt, with the reviewer's reasons for it."""
    reviews = state.get("reviews", [])
    last = reviews[-1] if reviews and reviews[-1].stage == "design_prompts" and not reviews[-1].approved else None
    note = repetition_note(state) if last else None
    tasks = []
    for agent in agents_to_prompt(state):
        feedback = (
            tuple(r.removeprefix(f"{agent.slug}: ") for r in last.reasons if r.startswith(f"{agent.slug}: "))
            if last
            else ()
        )
        task = PromptTask(
            blueprint=state["blueprint"],
            agent=agent,
            attempt=attempt(state, "design_prompts"),
            feedback=feedback + ((note,) if note else ()),
            varied=note is not None,
        )
        tasks.append(Send("write_prompt", task))
    return tasks or "review_design_prompts"


def write_prompt(task: PromptTask, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Write the system prompt of one agent."""
    blueprint, agent = task["blueprint"], task["agent"]
    draft = generate(model, PromptDraft, prompts.render(blueprint, agent, task["feedback"]))
    prompt = AgentPrompt(
        agent=agent.slug,
        system_prompt=draft.system_prompt.strip(),
        blueprint_version=blueprint.version,
        attempt=task["attempt"],
    )
    return {"prompts": {agent.slug: prompt}}


def current_prompts(state: GenesisState) -> dict[str, str]:
    """The system prompt of every agent of the current blueprint, by slug."""
    written = state.get("prompts", {})
    return {a.slug: written[a.slug].system_prompt for a in state["blueprint"].agents if a.slug in written}
