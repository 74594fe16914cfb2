"""Deployment agent."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.config import get_config
from langgraph.runtime import Runtime

from autogenesis.context import Context
from autogenesis.deploy import write_project
from autogenesis.state import GenesisState


def deploy(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Write the approved project to the output folder as a new version (idempotent per run).

    After a feedback iteration, the user's edits to the version deployed before (tool bodies,
    prompts) are carried into the new one, or kept beside it when both changed.
    """
    run_id = str(get_config().get("configurable", {}).get("thread_id", "unthreaded"))
    before = state.get("deployment")
    previous = before.path if before is not None and before.version < state["project"].version else None
    deployment = write_project(state["project"], runtime.context.out_dir, run_id=run_id, previous=previous)
    return {"deployment": deployment}
