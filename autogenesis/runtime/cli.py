"""The command line of a generated system, and the model it serves under `langgraph dev`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from pydantic import BaseModel, PrivateAttr

from autogenesis.models import chat
from autogenesis.models.base import ModelConfigError
from autogenesis.models.registry import DEFAULT_MODEL, resolve_model


def parse_model_arg(
    argv: Sequence[str], *, prog: str | None = None, env_var: str | None = None
) -> tuple[str, BaseChatModel]:
    """The input text and the chat model from `INPUT [--model SETTING]` (the same settings as AutoGenesis).

    Without `--model`, `$env_var` names the model, as it does for the graph `langgraph dev` serves,
    so one setting picks a project's model wherever it runs.
    """
    default = (os.environ.get(env_var) if env_var else None) or DEFAULT_MODEL
    shown_default = f"${env_var}, else {DEFAULT_MODEL}" if env_var else DEFAULT_MODEL
    parser = argparse.ArgumentParser(prog=prog, description="Run the system on one input and print its result.")
    parser.add_argument("input", help="what to ask the system")
    parser.add_argument(
        "--model",
        default=default,
        help="model setting, as for AutoGenesis: scripted, local, hf:PATH, openai:URL#model, "
        "provider:model (e.g. openai:gpt-4o-mini, anthropic:claude-sonnet-4-5, ollama:qwen2.5), "
        f"or ROLE=SETTING,... (default: {shown_default})",
    )
    args = parser.parse_args(list(argv))
    try:
        return args.input, resolve_model(args.model)
    except ModelConfigError as error:
        parser.error(str(error))
        raise  # unreachable: parser.error exits


class LazyModel(BaseChatModel):
    """A chat model resolved on its first use, so building a graph loads no weights.

    The setting is `setting`, else `$env_var` at first use, else AutoGenesis's default.
    """

    setting: str | None = None
    env_var: str | None = None
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _model: BaseChatModel | None = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "autogenesis-lazy"

    def _resolved(self) -> BaseChatModel:
        with self._lock:
            if self._model is None:
                setting = self.setting or (os.environ.get(self.env_var) if self.env_var else None)
                self._model = resolve_model(setting)
            return self._model

    def model_for(self, role: str) -> BaseChatModel:
        """The resolved model's choice for `role`."""
        return chat.model_for(self._resolved(), role)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._resolved()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        model = self._resolved()
        if type(model)._stream is not BaseChatModel._stream:
            yield from model._stream(messages, stop=stop, run_manager=run_manager, **kwargs)
            return
        # A model that does not stream (a role router) answers in one chunk.
        result = model._generate(messages, stop=stop, run_manager=run_manager, **kwargs)
        yield ChatGenerationChunk(message=_as_chunk(cast(AIMessage, result.generations[0].message)))

    def with_structured_output(
        self, schema: dict[str, Any] | type, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        return self._resolved().with_structured_output(schema, include_raw=include_raw, **kwargs)


def _as_chunk(message: AIMessage) -> AIMessageChunk:
    return AIMessageChunk(
        content=message.content,
        additional_kwargs=message.additional_kwargs,
        response_metadata=message.response_metadata,
        usage_metadata=message.usage_metadata,
        id=message.id,
        tool_call_chunks=[
            tool_call_chunk(name=call["name"], args=json.dumps(call["args"]), id=call["id"], index=index)
            for index, call in enumerate(message.tool_calls)
        ],
    )


def ask_on_terminal(question: Any) -> str:
    """Put a human agent's question to the person at the terminal."""
    text = question.get("question", question) if isinstance(question, Mapping) else question
    return input(f"{text}\n> ")


def report(state: Mapping[str, Any], result_key: str | None) -> int:
    """Print a finished run's result (or why it halted); the process exit code."""
    status = state.get("status")
    if status:
        reasons = (state.get("feedback") or {}).get(str(status).partition(":")[2], [])
        print(f"halted: {status}" + "".join(f"\n- {r}" for r in reasons), file=sys.stderr)
        return 3  # a typed halt, as for AutoGenesis itself (2 is bad input)
    if result_key is not None and result_key in state:
        value = state[result_key]
        print(value if isinstance(value, str) else json.dumps(value, indent=2))
    else:
        shown = {k: v for k, v in state.items() if k not in ("attempts", "approved", "feedback", "choices")}
        print(json.dumps(shown, indent=2, default=str))
    return 0
