"""AutoGenesis: a system of LLM agents that builds systems of LLM agents, on LangGraph."""

from autogenesis.context import Context
from autogenesis.graph import add_review_loop, build_graph, compile_graph
from autogenesis.models import ScriptedModel, StructuredModel, resolve_model
from autogenesis.state import GenesisState

__all__ = [
    "Context",
    "GenesisState",
    "ScriptedModel",
    "StructuredModel",
    "add_review_loop",
    "build_graph",
    "compile_graph",
    "resolve_model",
]
