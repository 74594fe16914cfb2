"""The checkpoint serializer: strict msgpack with exactly AutoGenesis's artifact types allowed.

LangGraph's default serializer revives any class named in a checkpoint (with a warning) and
will block unknown ones in a future version. Ours names what a run's state may hold.
"""

from __future__ import annotations

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from pydantic import BaseModel

from autogenesis.blueprint.ir import IRModel
from autogenesis.state import Artifact


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


def serializer() -> JsonPlusSerializer:
    """A serializer that revives AutoGenesis's artifacts and LangGraph's safe types, nothing else."""
    return JsonPlusSerializer(allowed_msgpack_modules=checkpoint_types())
