"""Model providers and structured output."""

from autogenesis.models.base import (
    Example,
    ModelConfigError,
    ModelError,
    Prompt,
    StructuredModel,
    TransientModelError,
)
from autogenesis.models.catalog import describe_models
from autogenesis.models.registry import DEFAULT_MODEL, RoleRouter, register_provider, resolve_model
from autogenesis.models.scripted import ScriptedModel, UnexpectedCall

__all__ = [
    "DEFAULT_MODEL",
    "Example",
    "ModelConfigError",
    "ModelError",
    "Prompt",
    "RoleRouter",
    "ScriptedModel",
    "StructuredModel",
    "TransientModelError",
    "UnexpectedCall",
    "describe_models",
    "register_provider",
    "resolve_model",
]
