"""The pipeline for `langgraph dev` / LangGraph server: compiled without a checkpointer.

The server brings its own persistence. The model comes from `AUTOGENESIS_MODEL` (default:
the package default), read once when the server loads this module; a local model loads on
its first call, not here. Runs default to the step bound of the default caps; a client that
raises the caps in the run's `context` passes the matching `recursion_limit` in its config
(`Context(...).recursion_limit()`).
"""

from __future__ import annotations

from autogenesis.context import Context
from autogenesis.graph import compile_graph
from autogenesis.models import model_setting, resolve_model

graph = compile_graph(resolve_model(model_setting())).with_config(recursion_limit=Context().recursion_limit())
