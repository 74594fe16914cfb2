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
from autogenesis.models.registry import (
    DEFAULT_MODEL,
    MODEL_ENV,
    RoleRouter,
    model_setting,
    register_provider,
    resolve_model,
)
from autogenesis.models.scripted import ScriptedChatModel, ScriptedModel, UnexpectedCall

__all__ = [
    "DEFAULT_MODEL",
    "MODEL_ENV",
    "Example",
    "ModelConfigError",
    "ModelError",
    "Prompt",
    "RoleRouter",
    "ScriptedChatModel",
    "ScriptedModel",
    "StructuredModel",
    "TransientModelError",
    "UnexpectedCall",
    "describe_models",
    "model_setting",
    "register_provider",
    "resolve_model",
]
