"""What a generated agent does with its model: do its work, review work, choose a route, ask a human."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.types import interrupt
from pydantic import BaseModel, ConfigDict, Field

from autogenesis.drafts import Verdict
from autogenesis.models.base import Prompt
from autogenesis.models.chat import generate
from autogenesis.models.scripted import DEFAULT_BY_SCHEMA

#: How much of one state field an agent sees; keeps prompts bounded however long a run gets.
MAX_FIELD_CHARS = 4000


class AgentOutput(BaseModel):
    """One agent's answer: its work, as text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1, max_length=8000)


class Choice(BaseModel):
    """A router's answer: the name of the route to take."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    option: str = Field(min_length=1, max_length=200)


def format_fields(state: Mapping[str, Any], reads: Iterable[str]) -> str:
    """The fields an agent reads, as `## name` sections; fields not yet written are left out."""
    sections = []
    for name in reads:
        value = state.get(name)
        if value is None or value == "":
            continue
        text = value if isinstance(value, str) else repr(value)
        sections.append(f"## {name}\n{text[:MAX_FIELD_CHARS]}")
    return "\n\n".join(sections)


def _rejections(state: Mapping[str, Any], agent: str) -> tuple[str, ...]:
    if (state.get("approved") or {}).get(agent, True):
        return ()
    return tuple((state.get("feedback") or {}).get(agent, ()))


def run_agent(
    model: BaseChatModel,
    *,
    agent: str,
    system_prompt: str,
    state: Mapping[str, Any],
    reads: Sequence[str] = ("request",),
) -> str:
    """The agent's work on the fields it reads, revised against its approver's last rejection."""
    prompt = Prompt(
        role=f"agent:{agent}",
        task=system_prompt,
        input=format_fields(state, reads),
        feedback=_rejections(state, agent),
        data={"agent": agent, "state": {name: state.get(name) for name in reads}},
    )
    return generate(model, AgentOutput, prompt).text


def review(model: BaseChatModel, *, approver: str, criteria: str, output: str, system_prompt: str = "") -> Verdict:
    """An approver's verdict on `output` against `criteria`."""
    task = system_prompt or "You review another agent's work. Approve it only if it meets every criterion."
    prompt = Prompt(
        role=f"review:{approver}",
        task=f"{task}\n\nCriteria: {criteria}",
        input=output,
        data={"approver": approver, "criteria": criteria, "output": output},
    )
    return generate(model, Verdict, prompt)


def review_update(worker: str, verdict: Verdict) -> dict[str, Any]:
    """The state update recording one review of `worker`'s work (counted towards its cap)."""
    update: dict[str, Any] = {"attempts": {worker: 1}, "approved": {worker: verdict.approved}}
    if not verdict.approved:
        update["feedback"] = {worker: list(verdict.reasons) or ["rejected without a reason"]}
    return update


def choose(
    model: BaseChatModel,
    *,
    agent: str,
    system_prompt: str,
    options: Sequence[str],
    state: Mapping[str, Any],
    reads: Sequence[str] = ("request",),
) -> str:
    """The route a router agent takes; the first option when the model names none of them."""
    listed = "\n".join(f"- {option}" for option in options)
    prompt = Prompt(
        role=f"agent:{agent}",
        task=f"{system_prompt}\n\nAnswer with exactly one of these options:\n{listed}",
        input=format_fields(state, reads),
        data={"agent": agent, "options": list(options)},
    )
    option = generate(model, Choice, prompt).option
    if option in options:
        return option
    trimmed = {o.strip().lower(): o for o in options}
    return trimmed.get(option.strip().lower(), options[0])


def ask_human(*, agent: str, question: str, state: Mapping[str, Any], reads: Sequence[str] = ("request",)) -> str:
    """Pause the run until a person answers (`Command(resume=...)`); their answer, as text."""
    answer = interrupt({"agent": agent, "question": question, "context": format_fields(state, reads)})
    return str(answer)


def to_field(text: str, type_name: str) -> Any:
    """Text from a model as a value of a state field's declared type."""
    if type_name == "list[str]":
        return [line.strip(" -*") for line in text.splitlines() if line.strip(" -*")]
    if type_name == "dict[str, str]":
        pairs = (line.partition(":") for line in text.splitlines() if ":" in line)
        return {key.strip(): value.strip() for key, _, value in pairs}
    if type_name == "bool":
        return text.strip().lower() in ("yes", "true", "approved", "1")
    if type_name in ("int", "float"):
        found = re.search(r"-?\d+(?:\.\d+)?", text)
        number = float(found.group()) if found else 0.0
        return int(number) if type_name == "int" else number
    return text


def _scripted_output(prompt: Prompt) -> AgentOutput:
    request = str((prompt.data.get("state") or {}).get("request") or "")
    agent = str(prompt.data.get("agent", prompt.role))
    return AgentOutput(text=f"{agent}: {request[:200]}" if request else f"{agent}: done")


def _scripted_choice(prompt: Prompt) -> Choice:
    return Choice(option=str(prompt.data["options"][0]))


# The scripted model answers generated systems' agents deterministically (reviews it approves).
DEFAULT_BY_SCHEMA.setdefault(AgentOutput, _scripted_output)
DEFAULT_BY_SCHEMA.setdefault(Choice, _scripted_choice)
