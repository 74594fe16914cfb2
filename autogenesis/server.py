"""The pipeline for `langgraph dev` / LangGraph server: compiled without a checkpointer.

The server brings its own persistence. The model comes from `AUTOGENESIS_MODEL` (default:
the package default), read once when the server loads this module; the model itself loads
on its first call.
"""

from __future__ import annotations

import os

from autogenesis.graph import compile_graph
from autogenesis.models import DEFAULT_MODEL, resolve_model

graph = compile_graph(resolve_model(os.environ.get("AUTOGENESIS_MODEL") or DEFAULT_MODEL))
