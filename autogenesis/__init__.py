"""AutoGenesis: a system of LLM agents that builds systems of LLM agents, on LangGraph.

The public API is imported lazily, so `import autogenesis.state` (or a generated project
resolving `--model local` through `autogenesis.models`) does not pull in the whole pipeline.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autogenesis.context import Context
    from autogenesis.graph import add_review_loop, build_graph, compile_graph
    from autogenesis.models import ScriptedChatModel, generate, resolve_model
    from autogenesis.state import GenesisState

_EXPORTS = {
    "Context": "autogenesis.context",
    "GenesisState": "autogenesis.state",
    "ScriptedChatModel": "autogenesis.models",
    "add_review_loop": "autogenesis.graph",
    "build_graph": "autogenesis.graph",
    "compile_graph": "autogenesis.graph",
    "generate": "autogenesis.models",
    "resolve_model": "autogenesis.models",
}

__all__ = [
    "Context",
    "GenesisState",
    "ScriptedChatModel",
    "add_review_loop",
    "build_graph",
    "compile_graph",
    "generate",
    "resolve_model",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'autogenesis' has no attribute {name!r}")
