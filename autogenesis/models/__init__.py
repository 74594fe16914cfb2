"""Models are LangChain chat models: settings name them, `chat.generate` asks them for validated objects."""

from autogenesis.models.base import (
    Example,
    ModelConfigError,
    ModelError,
    Prompt,
    TransientModelError,
)
from autogenesis.models.catalog import describe_models
from autogenesis.models.chat import generate
from autogenesis.models.registry import (
    DEFAULT_MODEL,
    MODEL_ENV,
    RoleRouter,
    model_setting,
    register_provider,
    resolve_model,
)
from autogenesis.models.scripted import ScriptedChatModel, UnexpectedCall

__all__ = [
    "DEFAULT_MODEL",
    "MODEL_ENV",
    "Example",
    "ModelConfigError",
    "ModelError",
    "Prompt",
    "RoleRouter",
    "ScriptedChatModel",
    "TransientModelError",
    "UnexpectedCall",
    "describe_models",
    "generate",
    "model_setting",
    "register_provider",
    "resolve_model",
]
