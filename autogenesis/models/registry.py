"""Model settings: one string picks a provider, per role if wanted.

Forms:

- `scripted[:options]` — the deterministic fake model (tests, demos);
- `local` — the embedded Gemma 3 270M (converted once into the user cache, then loaded from it);
- `hf:PATH` — a local transformers model folder (its chat template is used when it has one);
- `endpoint:URL` — a Hugging Face TGI / Inference Endpoint (`/generate` with a JSON-schema grammar);
- `openai:URL[#model]` — an OpenAI-compatible server (vLLM, Ollama, llama.cpp server), URL being
  the API base such as `http://127.0.0.1:8000/v1`;
- a comma-separated per-role list such as `default=local,design=openai:http://127.0.0.1:8000/v1#qwen`
  (a role name matches `review:design` exactly, or every reviewer as `review`).

Settings per model (and so per role) follow a `?` at the end of a single setting, as
`key=value` pairs joined by `&`: `temperature` (0 = greedy, the default), `max_tokens` (new
tokens per call; default: a budget sized from the worked examples), `retries` (after an invalid
answer; default 2) and `timeout` (seconds per HTTP request). Examples:
`local?max_tokens=256`, `default=local,design=openai:http://127.0.0.1:8000/v1#qwen?temperature=0.2&max_tokens=512`.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from autogenesis.models.accounting import accounted
from autogenesis.models.base import ModelConfigError, Prompt, StructuredModel, T

ProviderFactory = Callable[[str], StructuredModel]

#: The model used when none is given: the embedded Gemma 3 270M, on the CPU, offline.
DEFAULT_MODEL = "local"

#: The environment variable that names the model when `--model` is not given.
MODEL_ENV = "AUTOGENESIS_MODEL"

_PROVIDERS: dict[str, ProviderFactory] = {}


def model_setting(explicit: str | None = None) -> str:
    """The setting in effect: the explicit one, else `$AUTOGENESIS_MODEL`, else `DEFAULT_MODEL`."""
    return explicit or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def register_provider(name: str, factory: ProviderFactory) -> None:
    """Make `name[:argument]` a model setting; `factory` gets the argument ('' when absent)."""
    _PROVIDERS[name] = factory


def providers() -> list[str]:
    """Names of the registered providers."""
    return sorted(_PROVIDERS)


def _scripted(options: str) -> StructuredModel:
    from autogenesis.models.scripted import ScriptedModel

    return ScriptedModel.from_spec(options)


def _local(argument: str) -> StructuredModel:
    from autogenesis.models.local import local_provider

    return local_provider(argument)


def _hf(argument: str) -> StructuredModel:
    from autogenesis.models.local import hf_provider

    return hf_provider(argument)


def _endpoint(argument: str) -> StructuredModel:
    from autogenesis.models.endpoints import endpoint_provider

    return endpoint_provider(argument)


def _openai(argument: str) -> StructuredModel:
    from autogenesis.models.endpoints import openai_provider

    return openai_provider(argument)


register_provider("scripted", _scripted)
register_provider("local", _local)
register_provider("hf", _hf)
register_provider("endpoint", _endpoint)
register_provider("openai", _openai)


class RoleRouter:
    """Sends each role to its own model; roles not listed go to the default."""

    def __init__(self, default: StructuredModel, by_role: dict[str, StructuredModel], name: str = "") -> None:
        self.default = default
        self.by_role = by_role
        self.name = name or default.name
        self.records_calls = True  # each routed model is accounted on its own

    def model_for(self, role: str) -> StructuredModel:
        return self.by_role.get(role) or self.by_role.get(role.split(":")[0]) or self.default

    def generate(self, schema: type[T], prompt: Prompt) -> T:
        return self.model_for(prompt.role).generate(schema, prompt)


def _single(setting: str) -> StructuredModel:
    from autogenesis.models.structured import split_options

    base, options = split_options(setting)
    name, _, argument = base.partition(":")
    factory = _PROVIDERS.get(name.strip())
    if factory is None:
        raise ModelConfigError(f"unknown model {setting!r}; known providers: {', '.join(providers())}")
    model = factory(argument)
    if options is not None:
        with_options = getattr(model, "with_options", None)
        if with_options is None:
            raise ModelConfigError(f"model {name.strip()!r} takes no settings (got {setting!r})")
        model = with_options(options)
    return accounted(model)


def _is_single(setting: str) -> bool:
    return setting.partition(":")[0].partition("?")[0].strip() in _PROVIDERS


def resolve_model(setting: str | None = None) -> StructuredModel:
    """The model (or per-role router) a setting names; ModelConfigError when it names none."""
    setting = (setting or DEFAULT_MODEL).strip()
    if not setting:
        raise ModelConfigError("empty model setting")
    if _is_single(setting) or "=" not in setting:
        return _single(setting)
    by_role: dict[str, StructuredModel] = {}
    for item in setting.split(","):
        role, eq, value = item.partition("=")
        if not eq or not role.strip() or not value.strip():
            raise ModelConfigError(f"bad model setting {item!r}: expected ROLE=PROVIDER or a provider name")
        by_role[role.strip()] = _single(value.strip())
    default = by_role.pop("default", None) or _single(DEFAULT_MODEL)
    return RoleRouter(default, by_role, name=setting)
