"""Documentation & Training agent."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.blueprint.codegen import render_project
from autogenesis.blueprint.mermaid import to_mermaid
from autogenesis.context import Context
from autogenesis.drafts import DocsDraft
from autogenesis.models.chat import generate
from autogenesis.nodes._common import next_attempt, rejection_feedback
from autogenesis.nodes.design_prompts import current_prompts
from autogenesis.prompts import document as prompts
from autogenesis.state import Documentation, GenesisState


def document(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Write the generated system's documentation and render it into the project."""
    blueprint = state["blueprint"]
    draft = generate(model, DocsDraft, prompts.render(blueprint, rejection_feedback(state)))
    docs = Documentation(
        overview=draft.overview.strip(),
        user_guide=draft.user_guide.strip(),
        operations=draft.operations.strip(),
        architecture=to_mermaid(blueprint),
    )
    files = render_project(blueprint, current_prompts(state), docs)
    project = state["project"].model_copy(update={"files": files})
    return {"documentation": docs, "project": project, **next_attempt(state, "document")}


def doc_problems(state: GenesisState) -> list[str]:
    """Documentation that does not name how to run the system."""
    docs, name = state["documentation"], state["blueprint"].name
    readme = state["project"].files.get("README.md", "")
    problems = [] if f"python -m {name}" in readme else [f"README.md does not show how to run `python -m {name}`"]
    return problems + [
        f"the {part} is empty" for part in ("overview", "user_guide", "operations") if not getattr(docs, part)
    ]
