"""Local transformers models as LangChain chat models, built on langchain-huggingface.

`LocalChatModel` is what `local` and `hf:PATH` resolve to. It loads nothing until its first
call; then the cached `Engine` (int8 by default, loaded once per process) is wrapped in a
`HuggingFacePipeline` and a `ChatHuggingFace` whose prompt is the few-shot text when the
tokenizer has no chat template (the embedded Gemma 3 270M is a base model). Structured output
(`with_structured_output`) passes the schema's JSON document down to `_generate`, which compiles
it into an xgrammar grammar (once per document) and decodes under it; `_stream` yields one chunk
per token, so `stream_mode="messages"` shows the model writing.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from pydantic import BaseModel, PrivateAttr

from autogenesis.models.accounting import charge_load
from autogenesis.models.local import (
    CLOSE_SLACK,
    DEFAULT_BUDGET,
    MAX_BUDGET,
    MIN_BUDGET,
    PRESENCE_PENALTY,
    Engine,
    GrammarProcessor,
    _local_engine,
    chat_template_text,
    is_loaded,
    load_engine,
    local_model_dir,
)
from autogenesis.models.messages import chat_turns, example_answers, fewshot_text

_chats: dict[int, Any] = {}
_chats_lock = threading.Lock()
_prepare_lock = threading.Lock()


def _chat_for(engine: Engine, model_id: str) -> Any:
    """The ChatHuggingFace over `engine`'s model, made once per engine."""
    with _chats_lock:
        chat = _chats.get(id(engine))
        if chat is None:
            from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline
            from transformers import pipeline

            class _Chat(ChatHuggingFace):
                def _to_chat_prompt(self, messages: list[BaseMessage]) -> str:
                    if getattr(self.tokenizer, "chat_template", None):
                        return chat_template_text(self.tokenizer, chat_turns(messages))
                    return fewshot_text(messages)

            pipe = pipeline("text-generation", model=engine.model, tokenizer=engine.tokenizer)
            llm = HuggingFacePipeline(pipeline=pipe, model_id=model_id)
            chat = _chats[id(engine)] = _Chat(llm=llm, tokenizer=engine.tokenizer, model_id=model_id)
        return chat


class _Abandoned(Exception):
    """The consumer of a stream stopped reading: the decode stops too."""


class _TokenIds:
    """A transformers streamer that hands each generated token id to a queue (None at the end)."""

    def __init__(self) -> None:
        self.ids: queue.Queue[int | BaseException | None] = queue.Queue()
        self._prompt_seen = False
        self.cancelled = threading.Event()

    def put(self, value: Any) -> None:
        if self.cancelled.is_set():  # the reader is gone (Ctrl-C): stop generate() at this token
            raise _Abandoned
        if not self._prompt_seen:  # generate() first puts the prompt's ids
            self._prompt_seen = True
            return
        for token in value.reshape(-1).tolist():
            self.ids.put(int(token))

    def end(self) -> None:
        self.ids.put(None)


class LocalChatModel(BaseChatModel):
    """A local transformers causal LM (the embedded Gemma by default) as a chat model."""

    #: The model folder; None for the embedded model (converted on first use).
    folder: str | None = None
    #: 0 decodes greedily.
    temperature: float = 0.0
    #: New tokens per call; None sizes the budget from the worked examples.
    max_tokens: int | None = None
    _clock: Any = PrivateAttr(default=time.perf_counter)

    @property
    def _llm_type(self) -> str:
        return "autogenesis-local"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"folder": self.folder or "embedded", "temperature": self.temperature, "max_tokens": self.max_tokens}

    def engine(self) -> Engine:
        return _local_engine() if self.folder is None else load_engine(self.folder)

    def prepare(self) -> float:
        """Convert (embedded model, first use) and load the model; the seconds this call spent doing it."""
        with _prepare_lock:
            if is_loaded(self.folder if self.folder is not None else str(local_model_dir())):
                return 0.0
            started = self._clock()
            self.engine()
            return round(self._clock() - started, 6)

    def _budget(self, engine: Engine, messages: list[BaseMessage]) -> int:
        if self.max_tokens:
            return self.max_tokens
        answers = example_answers(messages)
        if not answers:
            return DEFAULT_BUDGET
        longest = max(len(engine.tokenizer(a, add_special_tokens=False).input_ids) for a in answers)
        return max(MIN_BUDGET, min(MAX_BUDGET, 2 * longest + 48))

    def _setup(
        self, messages: list[BaseMessage], json_schema: str | None
    ) -> tuple[Engine, Any, str, int, GrammarProcessor | None, dict[str, Any]]:
        charge_load(self.prepare())
        engine = self.engine()
        chat = _chat_for(engine, self.folder or "gemma-3-270m")
        text = chat._to_chat_prompt(messages)
        prompt_tokens = len(engine.tokenizer(text).input_ids)
        budget = self._budget(engine, messages)
        processor = None
        kwargs: dict[str, Any] = {
            "max_new_tokens": budget,
            "return_full_text": False,
            "eos_token_id": engine.stop_ids(),
            "pad_token_id": engine.tokenizer.pad_token_id,
            "do_sample": self.temperature > 0,
            "temperature": self.temperature or None,
            "top_p": None,
            "top_k": None,
        }
        if json_schema is not None:
            grammar = engine.grammar_for(json_schema)
            processor = GrammarProcessor(
                grammar,
                budget,
                engine.closing_ids(),
                engine.content_mask(),
                PRESENCE_PENALTY,
                greedy=self.temperature <= 0,
            )
            kwargs.update(logits_processor=[processor], max_new_tokens=budget + CLOSE_SLACK)
        return engine, chat, text, prompt_tokens, processor, kwargs

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        json_schema: str | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        import torch

        engine, chat, text, prompt_tokens, processor, pipeline_kwargs = self._setup(messages, json_schema)
        with engine.lock, torch.inference_mode():
            result = chat.llm._generate([text], pipeline_kwargs=pipeline_kwargs)
        answer = result.generations[0][0].text
        completion_tokens = (
            processor.steps if processor else len(engine.tokenizer(answer, add_special_tokens=False).input_ids)
        )
        usage = UsageMetadata(
            input_tokens=prompt_tokens,
            output_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        )
        message = AIMessage(
            content=answer, usage_metadata=usage, response_metadata={"model_name": self.folder or "local"}
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        json_schema: str | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # langchain-core emits each chunk to the callbacks itself (and passes no run_manager here).
        import torch

        engine, chat, text, prompt_tokens, _, pipeline_kwargs = self._setup(messages, json_schema)
        streamer = _TokenIds()

        def decode() -> None:
            try:
                with engine.lock, torch.inference_mode():  # per thread: the worker does not inherit it
                    chat.llm.pipeline(text, streamer=streamer, **pipeline_kwargs)
            except BaseException as exc:  # surfaced in the caller's thread
                streamer.ids.put(exc)
                streamer.ids.put(None)

        worker = threading.Thread(target=contextvars.copy_context().run, args=(decode,), daemon=True)
        worker.start()
        ids: list[int] = []
        written = ""
        unreported = prompt_tokens  # usage is summed over chunks: each token (and the prompt) once
        pending = 0
        try:
            while (item := streamer.ids.get()) is not None:
                if isinstance(item, BaseException):
                    worker.join()
                    raise item
                ids.append(item)
                pending += 1
                so_far = engine.tokenizer.decode(ids, skip_special_tokens=True)
                piece, written = so_far[len(written) :], so_far
                if piece:  # a token that completes no character (or an end token) waits for the next
                    yield self._chunk(piece, unreported, pending)
                    unreported = pending = 0
        finally:
            # Ctrl-C or a reader that stopped: the decode stops at its next token, before the interpreter
            # exits under it (a daemon thread in native code aborts the process at exit).
            streamer.cancelled.set()
            worker.join()
        if pending or unreported:
            yield self._chunk("", unreported, pending)

    @staticmethod
    def _chunk(text: str, prompt_tokens: int, tokens: int) -> ChatGenerationChunk:
        usage = UsageMetadata(input_tokens=prompt_tokens, output_tokens=tokens, total_tokens=prompt_tokens + tokens)
        return ChatGenerationChunk(message=AIMessageChunk(content=text, usage_metadata=usage))

    def with_structured_output(
        self, schema: dict[str, Any] | type, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        from autogenesis.models.chat import json_structured_output

        return json_structured_output(self, schema, include_raw=include_raw, **kwargs)
