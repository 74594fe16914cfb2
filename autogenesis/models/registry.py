"""Model settings: one string names a LangChain chat model, per role if wanted.

Forms:

- `scripted[:options]`: the deterministic fake chat model (tests, demos);
- `local`: the embedded Gemma 3 270M (converted once into the user cache, then loaded from it);
- `hf:PATH`, or `huggingface:REPO` for a repository already in the Hugging Face cache: a local
  transformers model folder, decoded under our JSON grammar (its chat template is used when it
  has one);
- `openai:URL[#model]`: an OpenAI-compatible server (vLLM, Ollama, llama.cpp server), URL being
  the API base such as `http://127.0.0.1:8000/v1`;
- any `provider:model` that LangChain's `init_chat_model` knows (`openai:gpt-4o-mini`,
  `anthropic:claude-sonnet-4-5`, `ollama:qwen2.5`, ...), configured by the provider's usual
  environment variables (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, ...); its package
  (`pip install langchain-anthropic`) is also an extra of `autogenesis-langgraph`;
- a comma-separated per-role list such as `default=local,design=openai:http://127.0.0.1:8000/v1#qwen`
  (a role name matches `review:design` exactly, or every reviewer as `review`).

Settings per model (and so per role) follow a `?` at the end of a single setting, as
`key=value` pairs joined by `&`: `temperature` (0 = greedy, the default), `max_tokens` (new
tokens per call; default: a budget sized from the worked examples), `retries` (after an invalid
answer; default 2) and `timeout` (seconds per request to a provider). Examples:
`local?max_tokens=256`, `default=local,design=anthropic:claude-sonnet-4-5?temperature=0.2`.

Resolving a setting loads no weights and opens no connection.
"""

from __future__ import annotations

import dataclasses
import os
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult

from autogenesis.models.base import ModelConfigError
from autogenesis.models.chat import DEFAULT_RETRIES, RETRIES_KEY, ROLE_KEY, SETTING_KEY

#: The model used when none is given: the embedded Gemma 3 270M, on the CPU, offline.
DEFAULT_MODEL = "local"

#: The environment variable that names the model when `--model` is not given.
MODEL_ENV = "AUTOGENESIS_MODEL"

#: `init_chat_model` providers and the extra that installs each one's LangChain package.
#: The distribution AutoGenesis installs as (`autogenesis` on PyPI is an unrelated package).
DISTRIBUTION = "autogenesis-langgraph"

#: init_chat_model providers: the extra of `DISTRIBUTION` that installs each, and the package itself.
EXTRAS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "ollama": "ollama",
    "google_genai": "google",
    "mistralai": "mistral",
}
PROVIDER_PACKAGES = {
    "openai": "langchain-openai",
    "anthropic": "langchain-anthropic",
    "ollama": "langchain-ollama",
    "google_genai": "langchain-google-genai",
    "mistralai": "langchain-mistralai",
}


def install_hint(provider: str) -> str:
    """How to install an init_chat_model provider's package: by its own name, or as our extra."""
    package = PROVIDER_PACKAGES.get(provider, f"langchain-{provider.replace('_', '-')}")
    extra = EXTRAS.get(provider)
    also = f" (or the '{extra}' extra of {DISTRIBUTION})" if extra else ""
    return f"pip install {package}{also}"


@dataclass(frozen=True)
class GenerationOptions:
    """Per-model (and so per-role) settings, from `PROVIDER[:ARG]?temperature=0.2&max_tokens=256`."""

    temperature: float = 0.0
    max_tokens: int | None = None
    retries: int = DEFAULT_RETRIES
    timeout: float = 120.0

    @classmethod
    def parse(cls, query: str) -> GenerationOptions:
        """Options from a `key=value&key=value` string; ModelConfigError on unknown keys or values."""
        values: dict[str, object] = {}
        types = {f.name for f in dataclasses.fields(cls)}
        for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
            if key not in types:
                raise ModelConfigError(f"unknown model option {key!r}; known: {', '.join(sorted(types))}")
            try:
                values[key] = float(value) if key in ("temperature", "timeout") else int(value)
            except ValueError as exc:
                raise ModelConfigError(f"model option {key}={value!r} is not a number") from exc
        options = cls(**values)  # type: ignore[arg-type]
        if options.temperature < 0 or options.retries < 0 or options.timeout <= 0 or (options.max_tokens or 1) < 1:
            raise ModelConfigError(f"model options out of range: {query!r}")
        return options


def split_options(setting: str) -> tuple[str, GenerationOptions | None]:
    """`PROVIDER[:ARG]?opts` → (`PROVIDER[:ARG]`, options or None when there are none)."""
    head, sep, query = setting.rpartition("?")
    if not sep or "=" not in query or "/" in query:
        return setting, None
    return head, GenerationOptions.parse(query)


#: A provider: (the text after `name:`, the options) → a chat model, loading nothing yet.
ProviderFactory = Callable[[str, GenerationOptions | None], BaseChatModel]

_PROVIDERS: dict[str, ProviderFactory] = {}


def register_provider(name: str, factory: ProviderFactory) -> None:
    """Make `name[:argument][?options]` a model setting, ahead of `init_chat_model`'s providers."""
    _PROVIDERS[name] = factory


def providers() -> list[str]:
    """Names of the registered providers (every other `provider:model` goes to `init_chat_model`)."""
    return sorted(_PROVIDERS)


def model_setting(explicit: str | None = None) -> str:
    """The setting in effect: the explicit one, else `$AUTOGENESIS_MODEL`, else `DEFAULT_MODEL`."""
    return explicit or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


class RoleRouter(BaseChatModel):
    """Sends each role to its own chat model; roles not listed go to the default.

    `generate` asks `model_for(role)` directly; called as a plain chat model, it routes on the
    call's `autogenesis_role` metadata.
    """

    default: BaseChatModel
    by_role: dict[str, BaseChatModel]

    @property
    def _llm_type(self) -> str:
        return "autogenesis-router"

    def model_for(self, role: str) -> BaseChatModel:
        return self.by_role.get(role) or self.by_role.get(role.split(":")[0]) or self.default

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        role = str((run_manager.metadata if run_manager else {}).get(ROLE_KEY, ""))
        return self.model_for(role)._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def _init_chat_model(model: str, **kwargs: Any) -> BaseChatModel:
    """LangChain's `init_chat_model`; a missing provider package or an unknown provider is a ModelConfigError."""
    from langchain.chat_models import init_chat_model

    try:
        return init_chat_model(model, **kwargs)
    except ImportError as exc:
        found = re.search(r"langchain[-_](\w+)", str(exc))
        provider = found.group(1) if found else model.partition(":")[0]
        raise ModelConfigError(
            f"model {model!r} needs the {provider} provider package: {install_hint(provider)}"
        ) from exc
    except ValueError as exc:
        raise ModelConfigError(f"unknown model {model!r}: {str(exc).splitlines()[0]}") from exc
    except Exception as exc:  # constructing contacts nothing: a failure is the setting's or the environment's
        raise ModelConfigError(f"cannot set up model {model!r}: {str(exc).splitlines()[0]}") from exc


def _provider_kwargs(options: GenerationOptions | None) -> dict[str, Any]:
    options = options or GenerationOptions()
    kwargs: dict[str, Any] = {"temperature": options.temperature, "timeout": options.timeout}
    if options.max_tokens:
        kwargs["max_tokens"] = options.max_tokens
    return kwargs


def _openai(argument: str, options: GenerationOptions | None) -> BaseChatModel:
    """`openai:URL[#model]` is a server's base URL; `openai:MODEL` is OpenAI's API."""
    if not re.match(r"https?://", argument.strip()):
        if re.match(r"\w+://", argument.strip()):
            raise ModelConfigError(f"openai:{argument}: the server URL must be http:// or https://")
        return _init_chat_model(f"openai:{argument.strip()}", **_provider_kwargs(options))
    url, _, name = argument.partition("#")
    return _init_chat_model(
        f"openai:{name.strip() or 'default'}",
        base_url=url.strip().rstrip("/"),
        # ChatOpenAI refuses to start without a key, even for a server that checks none.
        api_key=os.environ.get("OPENAI_API_KEY") or "unused",
        # One quick retry here; the graph retries the node on a TransientModelError after that.
        max_retries=1,
        **_provider_kwargs(options),
    )


def _local(argument: str, options: GenerationOptions | None) -> BaseChatModel:
    from autogenesis.models.local_chat import LocalChatModel

    if argument.strip():
        raise ModelConfigError(f"'local' takes no argument (got {argument!r}); use hf:PATH for a model folder")
    options = options or GenerationOptions()
    return LocalChatModel(temperature=options.temperature, max_tokens=options.max_tokens)


def _folder_model(folder: Path, options: GenerationOptions | None) -> BaseChatModel:
    from autogenesis.models.local_chat import LocalChatModel

    options = options or GenerationOptions()
    return LocalChatModel(folder=str(folder.resolve()), temperature=options.temperature, max_tokens=options.max_tokens)


def _hf(argument: str, options: GenerationOptions | None) -> BaseChatModel:
    if not argument.strip():
        raise ModelConfigError("hf: needs a model folder, e.g. hf:/models/qwen2.5-0.5b-instruct")
    folder = Path(argument.strip()).expanduser()
    if not folder.is_dir():
        raise ModelConfigError(f"model folder {str(folder)!r} (from hf:{argument}) does not exist")
    if not (folder / "config.json").is_file():
        raise ModelConfigError(f"{str(folder)!r} is not a transformers model folder (no config.json)")
    return _folder_model(folder, options)


def _huggingface(argument: str, options: GenerationOptions | None) -> BaseChatModel:
    """`huggingface:REPO`: a repository in the local Hugging Face cache (or a folder), never a download."""
    repo = argument.strip()
    if Path(repo).expanduser().is_dir():
        return _hf(repo, options)
    from huggingface_hub import snapshot_download

    try:
        folder = snapshot_download(repo, local_files_only=True)
    except Exception as exc:  # a miss, a bad repo id or a broken cache mean the same here
        raise ModelConfigError(
            f"huggingface:{repo} is not in the local Hugging Face cache; download it first "
            f"(hf download {repo}) or give its folder as hf:PATH"
        ) from exc
    return _folder_model(Path(folder), options)


def _scripted(argument: str, options: GenerationOptions | None) -> BaseChatModel:
    from autogenesis.models.scripted import ScriptedChatModel

    if options is not None:
        raise ModelConfigError(f"the scripted model takes no generation settings (got {options})")
    return ScriptedChatModel.from_spec(argument)


register_provider("scripted", _scripted)
register_provider("local", _local)
register_provider("hf", _hf)
register_provider("huggingface", _huggingface)
register_provider("openai", _openai)

#: Scripted-model options that differ between the processes of one run (files, pipes, pause points).
_PROCESS_HOOKS = ("journal", "pause_at", "pause_fd")


def _setting_name(provider: str, argument: str, base: str) -> str:
    """The name calls are recorded under; a killed scripted run and its resume record one name."""
    if provider != "scripted":
        return base
    kept = [o for o in argument.split(",") if o and o.partition("=")[0].strip() not in _PROCESS_HOOKS]
    return ":".join(["scripted", ",".join(kept)]) if kept else "scripted"


def _single(setting: str) -> BaseChatModel:
    base, options = split_options(setting.strip())
    base = base.strip()
    provider, colon, argument = base.partition(":")
    factory = _PROVIDERS.get(provider.strip())
    if factory is not None:
        model = factory(argument, options)
    elif colon and provider.strip() and argument.strip():
        model = _init_chat_model(base, **_provider_kwargs(options))
    else:
        raise ModelConfigError(
            f"unknown model {setting!r}: expected provider:model (e.g. openai:gpt-4o-mini), "
            f"or one of {', '.join(providers())}"
        )
    retries = (options or GenerationOptions()).retries
    name = _setting_name(provider, argument, base)
    model.metadata = {**(model.metadata or {}), SETTING_KEY: name, RETRIES_KEY: retries}
    return model


def _is_role_list(setting: str) -> bool:
    # `role=MODEL,...` lists roles; in `scripted:reject=design` or `local?max_tokens=9` the `=` is an option's.
    return "=" in setting.split(",")[0].partition(":")[0].partition("?")[0]


def resolve_model(setting: str | None = None) -> BaseChatModel:
    """The chat model (or per-role router) a setting names; ModelConfigError when it names none."""
    setting = (setting or DEFAULT_MODEL).strip()
    if not setting:
        raise ModelConfigError("empty model setting")
    if not _is_role_list(setting):
        return _single(setting)
    by_role: dict[str, BaseChatModel] = {}
    for item in setting.split(","):
        role, eq, value = item.partition("=")
        if not eq or not role.strip() or not value.strip():
            raise ModelConfigError(f"bad model setting {item!r}: expected ROLE=MODEL")
        by_role[role.strip()] = _single(value.strip())
    default = by_role.pop("default", None) or _single(DEFAULT_MODEL)
    return RoleRouter(default=default, by_role=by_role, metadata={SETTING_KEY: setting})
