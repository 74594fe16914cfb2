"""Model settings as LangChain chat models (issue 8; replaces `registry.resolve_model` once nodes switch).

Forms: `scripted[:options]`, `local`, `hf:PATH`, `openai:URL[#model]` (an OpenAI-compatible
server's base URL), any `provider:model` that `init_chat_model` knows (`openai:gpt-4o-mini`,
`anthropic:…`, `ollama:qwen2.5`, …), each optionally followed by `?temperature=&max_tokens=&retries=&timeout=`,
and per-role lists `default=local,design=openai:http://127.0.0.1:8000/v1#qwen`. Resolving loads
no weights and opens no connection.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult

from autogenesis.models.base import ModelConfigError
from autogenesis.models.chat import RETRIES_KEY, ROLE_KEY, SETTING_KEY
from autogenesis.models.registry import DEFAULT_MODEL
from autogenesis.models.structured import GenerationOptions, split_options

#: The optional extra that installs each provider's LangChain package.
EXTRAS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "ollama": "ollama",
    "google_genai": "google",
    "mistralai": "mistral",
}


class ChatRoleRouter(BaseChatModel):
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
    """`init_chat_model`, with a missing provider package or unknown provider as a ModelConfigError."""
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as exc:  # pragma: no cover - langchain is a dependency
        raise ModelConfigError("provider:model settings need the package langchain (pip install langchain)") from exc
    try:
        return init_chat_model(model, **kwargs)
    except ImportError as exc:
        found = re.search(r"langchain[-_](\w+)", str(exc))
        provider = found.group(1) if found else model.partition(":")[0]
        extra = EXTRAS.get(provider, provider)
        raise ModelConfigError(
            f"model {model!r} needs the {provider} provider: pip install 'autogenesis[{extra}]'"
        ) from exc
    except ValueError as exc:
        raise ModelConfigError(f"unknown model {model!r}: {str(exc).splitlines()[0]}") from exc


def _openai_server(argument: str, kwargs: dict[str, Any]) -> BaseChatModel:
    url, _, name = argument.partition("#")
    return _init_chat_model(
        f"openai:{name.strip() or 'default'}",
        base_url=url.strip().rstrip("/"),
        # ChatOpenAI refuses to start without a key, even for a server that checks none.
        api_key=os.environ.get("OPENAI_API_KEY") or "unused",
        max_retries=2,
        **kwargs,
    )


def _hf_folder(argument: str, options: GenerationOptions) -> BaseChatModel:
    from autogenesis.models.local_chat import LocalChatModel

    folder = Path(argument.strip()).expanduser()
    if not argument.strip():
        raise ModelConfigError("hf: needs a model folder, e.g. hf:/models/qwen2.5-0.5b-instruct")
    if not (folder / "config.json").is_file():
        raise ModelConfigError(f"{str(folder)!r} (from hf:{argument}) is not a transformers model folder")
    return LocalChatModel(folder=str(folder.resolve()), temperature=options.temperature, max_tokens=options.max_tokens)


#: Scripted-model options that differ between the processes of one run (files, pipes, pause points).
_PROCESS_HOOKS = ("journal", "pause_at", "pause_fd")


def _scripted_name(options: str) -> str:
    """The scripted model's name without its per-process hooks: a killed run and its resume record one name."""
    kept = [o for o in options.split(",") if o and o.partition("=")[0].strip() not in _PROCESS_HOOKS]
    return ":".join(["scripted", ",".join(kept)]) if kept else "scripted"


def _single(setting: str) -> BaseChatModel:
    base, parsed = split_options(setting)
    options = parsed or GenerationOptions()
    provider, _, argument = base.strip().partition(":")
    model: BaseChatModel
    if provider == "scripted":
        from autogenesis.models.scripted import ScriptedChatModel

        model = ScriptedChatModel.from_spec(argument)
    elif provider == "local":
        from autogenesis.models.local_chat import LocalChatModel

        if argument.strip():
            raise ModelConfigError(f"'local' takes no argument (got {argument!r}); use hf:PATH for a model folder")
        model = LocalChatModel(temperature=options.temperature, max_tokens=options.max_tokens)
    elif provider == "hf":
        model = _hf_folder(argument, options)
    else:
        kwargs: dict[str, Any] = {"temperature": options.temperature, "timeout": options.timeout}
        if options.max_tokens:
            kwargs["max_tokens"] = options.max_tokens
        if provider == "openai" and re.match(r"https?://", argument.strip()):
            model = _openai_server(argument, kwargs)
        elif not argument:
            raise ModelConfigError(f"unknown model {setting!r}: expected provider:model, local or scripted")
        else:
            model = _init_chat_model(base.strip(), **kwargs)
    name = _scripted_name(argument) if provider == "scripted" else base.strip()
    model.metadata = {**(model.metadata or {}), SETTING_KEY: name, RETRIES_KEY: options.retries}
    return model


def resolve_chat_model(setting: str | None = None) -> BaseChatModel:
    """The chat model (or per-role router) a setting names; ModelConfigError when it names none."""
    setting = (setting or DEFAULT_MODEL).strip()
    if not setting:
        raise ModelConfigError("empty model setting")
    # `role=MODEL,...` lists roles; in `scripted:reject=design` or `local?max_tokens=9` the `=` is an option's.
    if "=" not in setting.split(",")[0].partition(":")[0].partition("?")[0]:
        return _single(setting)
    by_role: dict[str, BaseChatModel] = {}
    for item in setting.split(","):
        role, eq, value = item.partition("=")
        if not eq or not role.strip() or not value.strip():
            raise ModelConfigError(f"bad model setting {item!r}: expected ROLE=MODEL")
        by_role[role.strip()] = _single(value.strip())
    default = by_role.pop("default", None) or _single(DEFAULT_MODEL)
    return ChatRoleRouter(default=default, by_role=by_role, metadata={SETTING_KEY: setting})


def resolve_pipeline_model(setting: str | None = None) -> BaseChatModel:
    """The chat model the pipeline runs with, for a setting the model registry accepts.

    A bridge until this module is the registry (issue 8, step 2): `registry.resolve_model` still
    decides which settings are valid, words their errors, and is what the tests' guard against
    real providers patches; it loads nothing, so resolving twice costs nothing. Settings with no
    chat model yet (`endpoint:URL`, providers added with `register_provider`) are refused here.
    """
    from autogenesis.models.registry import resolve_model

    resolve_model(setting)
    return resolve_chat_model(setting)
