"""The checkpoint serializer: strict msgpack, allowing AutoGenesis's artifacts and each compiled graph's state types.

LangGraph's default serializer revives any class named in a checkpoint (with an "unregistered
type" warning) and will block unknown ones in a future version. Ours is strict from the start: it
names what AutoGenesis's own state may hold, and revives nothing else by itself.

A strict allow-list that names only our types would turn a user's own pydantic models,
dataclasses, Enums and NamedTuples into dicts on reload. LangGraph's strict mode solves that at
`compile()`: it collects the types a graph's schemas mention and extends the checkpointer's
allow-list with them (`BaseCheckpointSaver.with_allowlist`, a clone with a merged
`JsonPlusSerializer.with_msgpack_allowlist`). LangGraph runs that step only when
`LANGGRAPH_STRICT_MSGPACK` was set before it was imported, because its default serializer is
permissive and needs no list. Our serializer is strict whatever the environment says, so
`serializer()` turns that compile step on (`enable_graph_allowlists`): every graph compiled with
one of our savers then revives exactly its own schema's types, and a class no compiled graph
names is still returned as its plain data.
"""

from __future__ import annotations

import logging

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from pydantic import BaseModel

from autogenesis.blueprint.ir import IRModel
from autogenesis.state import Artifact

logger = logging.getLogger(__name__)


def _subclasses(root: type[BaseModel]) -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    todo = [root]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def checkpoint_types() -> list[tuple[str, str]]:
    """(module, class) of every type a run's state or pending sends may hold."""
    types = _subclasses(Artifact) | _subclasses(IRModel)
    return sorted((cls.__module__, cls.__name__) for cls in types)


def enable_graph_allowlists() -> bool:
    """Make `compile()` extend a strict checkpointer's allow-list with the graph's schema types.

    This is the step LangGraph's strict mode (`LANGGRAPH_STRICT_MSGPACK=true`) runs at every
    `compile()`. It changes nothing for a saver with LangGraph's default, permissive serializer:
    extending an allow-everything list returns the same serializer. Returns whether the step is
    on; False means this LangGraph version has no such step, and only our own types revive.
    """
    try:
        from langgraph._internal import _serde
    except ImportError:  # pragma: no cover - a LangGraph without the compile-time allow-list
        return False
    if not hasattr(_serde, "STRICT_MSGPACK_ENABLED"):  # pragma: no cover - ditto
        return False
    if not _serde.STRICT_MSGPACK_ENABLED:
        logger.debug("enabling LangGraph's compile-time msgpack allow-lists for strict checkpointers")
        _serde.STRICT_MSGPACK_ENABLED = True
    return True


def serializer() -> JsonPlusSerializer:
    """A strict serializer: AutoGenesis's artifacts, LangGraph's safe types, and (once compiled) a graph's own types."""
    enable_graph_allowlists()
    return JsonPlusSerializer(allowed_msgpack_modules=checkpoint_types())
