"""Agent Generator: render the blueprint into a runnable LangGraph project."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.blueprint.codegen import render_project
from autogenesis.blueprint.verify import scan_project
from autogenesis.context import Context
from autogenesis.nodes._common import next_attempt
from autogenesis.nodes.design_prompts import current_prompts
from autogenesis.state import GeneratedProject, GenesisState


def generate(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Render the project deterministically; the model's text enters it only as prompts and literals."""
    blueprint = state["blueprint"]
    files = render_project(blueprint, current_prompts(state), state.get("documentation"))
    project = GeneratedProject(name=blueprint.name, version=blueprint.version, files=files)
    return {"project": project, **next_attempt(state, "generate")}


def code_problems(state: GenesisState) -> list[str]:
    """Files that do not parse or that the security scan refuses; agents without a prompt."""
    missing = [a.slug for a in state["blueprint"].agents if a.slug not in current_prompts(state)]
    problems = [f"agent {slug!r} has no system prompt" for slug in missing]
    return problems + scan_project(state["project"].files)
