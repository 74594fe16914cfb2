"""The one way a node asks a LangChain chat model for a validated pydantic object.

`generate(model, schema, prompt)` renders the prompt as messages, asks the model for the schema
through its own structured output (a JSON-schema response format, a tool call, or our grammar on
local models), validates with pydantic, repairs what can be repaired, retries a bounded number of
times with the error fed back, and records one `ModelCall` from the answers' `usage_metadata`.
The model runs as an ordinary LangChain call, so callbacks, traces and `stream_mode="messages"`
see it, nested under the node that asked.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough
from pydantic import BaseModel, ValidationError

from autogenesis.models.accounting import charge_load, estimate_tokens, record
from autogenesis.models.base import Example, ModelError, Prompt, T, TransientModelError
from autogenesis.models.messages import prompt_messages
from autogenesis.models.render import extract_json, grammar_schema, trim_to_schema
from autogenesis.state import ModelCall
from autogenesis.text import stems, words

#: Retries after the first attempt when the answer does not validate.
DEFAULT_RETRIES = 2
#: `model.metadata` keys the registry sets: the setting a model came from, and its retries.
SETTING_KEY = "autogenesis_setting"
RETRIES_KEY = "autogenesis_retries"
#: The config metadata key naming the role of a call (visible in traces; read by the scripted model).
ROLE_KEY = "autogenesis_role"
#: Structured-output methods tried in order; a model refusing all of them is asked for plain text.
METHODS = ("json_schema", "function_calling")

#: Exception class names of provider SDKs (openai, anthropic, httpx) that are worth retrying as is.
_TRANSIENT = {
    "APIConnectionError",
    "APITimeoutError",
    "RateLimitError",
    "InternalServerError",
    "ServiceUnavailableError",
    "OverloadedError",
    "ConnectError",
    "ConnectTimeout",
    "ReadTimeout",
    "RemoteProtocolError",
}
#: Provider SDK errors that retrying will not fix: a bad key, an unknown model, a request refused.
_REFUSED = {
    "APIStatusError",
    "APIError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
}


@dataclasses.dataclass(frozen=True)
class Request:
    """What a call is for, beyond its messages: the prompt (with `data`) and the schema asked for.

    Deterministic models (the scripted one) answer from these objects, which do not belong in
    messages or trace metadata; they see them through `current_request()` during the call.
    """

    prompt: Prompt
    schema: type[BaseModel]


_request: ContextVar[Request | None] = ContextVar("autogenesis_request", default=None)


def current_request() -> Request | None:
    """The `generate` call under way in this context, if any."""
    return _request.get()


@contextmanager
def _asking(request: Request) -> Iterator[None]:
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


_retry_temperature: ContextVar[float | None] = ContextVar("autogenesis_retry_temperature", default=None)


@contextmanager
def warmer(temperature: float | None) -> Iterator[None]:
    """Within it, `generate` asks models that have a temperature at `temperature` at least (None: as set)."""
    token = _retry_temperature.set(temperature)
    try:
        yield
    finally:
        _retry_temperature.reset(token)


def warmed(model: BaseChatModel) -> BaseChatModel:
    """`model` at the temperature `warmer` asks for, where it has one and runs colder."""
    temperature = _retry_temperature.get()
    if temperature is None or "temperature" not in type(model).model_fields:
        return model
    if (getattr(model, "temperature", None) or 0.0) >= temperature:
        return model
    return model.model_copy(update={"temperature": temperature})


def model_name(model: BaseChatModel) -> str:
    """The setting a model was made from, else its LangChain type."""
    return str((model.metadata or {}).get(SETTING_KEY) or model._llm_type)


def model_for(model: BaseChatModel, role: str) -> BaseChatModel:
    """The model that answers `role`: a router's choice, else `model` itself."""
    choose = getattr(model, "model_for", None)
    return choose(role) if callable(choose) else model


def _as_raw(message: AIMessage) -> dict[str, Any]:
    return {"raw": message}


def with_raw(model: Runnable[Any, Any]) -> Runnable[Any, dict[str, Any]]:
    """`{"raw": answer}` from `model`, called in the caller's thread.

    Not `RunnableMap(raw=model)`: a map runs its steps in a thread pool, and leaving the pool
    waits for them, so Ctrl-C during a model call would hang until the call ends (forever for
    a paused scripted call) instead of cancelling the run.
    """
    return model | RunnableLambda(_as_raw, name="raw")


def _plain(model: BaseChatModel) -> Runnable[Any, dict[str, Any]]:
    return with_raw(model) | RunnablePassthrough.assign(parsed=lambda _: None, parsing_error=lambda _: None)


def structured(model: BaseChatModel, doc: dict[str, Any]) -> tuple[Runnable[Any, dict[str, Any]], bool]:
    """`model` asked for `doc` in the first structured mode it has; (runnable, constrained).

    The runnable returns `{"raw": AIMessage, "parsed": dict | None, "parsing_error": ...}`.
    """
    for method in METHODS:
        try:
            runnable: Runnable[Any, Any] = model.with_structured_output(doc, method=method, include_raw=True)
            return runnable, True
        except (NotImplementedError, ValueError):
            continue
    return _plain(model), False


def answer_text(message: AIMessage) -> str:
    """The answer in a raw message: the first tool call's arguments, else its text."""
    if message.tool_calls:
        return json.dumps(message.tool_calls[0]["args"])
    return message.content if isinstance(message.content, str) else message.text


def parse_answer(schema: type[T], text: str) -> T:
    """Validate `text` as `schema`, repairing what can be repaired; ValidationError/ValueError otherwise."""
    try:
        return schema.model_validate_json(text)
    except ValidationError:
        pass
    data = json.loads(extract_json(text))
    try:
        return schema.model_validate(data)
    except ValidationError:
        return schema.model_validate(trim_to_schema(data, schema))


def _validated(schema: type[T], out: dict[str, Any]) -> T:
    parsed = out.get("parsed")
    if isinstance(parsed, BaseModel):
        parsed = parsed.model_dump()
    if isinstance(parsed, dict):
        try:
            return schema.model_validate(parsed)
        except ValidationError:
            pass
    return parse_answer(schema, answer_text(out["raw"]))


#: Shorter strings ("user", "approved") may match an example by chance rather than by copying.
_MIN_COPIED_CHARS = 12


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value.strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


#: A run of this many words that a worked example or a checker's message says and the input does not
#: is a copy, at any length of the text around it ("... write a summary of at most 80 words ...").
COPIED_WORDS = 4


def _runs(text: str) -> list[tuple[str, ...]]:
    """The runs of `COPIED_WORDS` words of `text`, in order."""
    said = words(text)
    return [tuple(said[i : i + COPIED_WORDS]) for i in range(len(said) - COPIED_WORDS + 1)]


def copied_text(answer: BaseModel, sources: Iterable[str], grounded: str = "") -> str | None:
    """A text of `answer` that copies one of `sources`, if any: the whole of a source's text (12
    characters or more), or a run of `COPIED_WORDS` words a source says and `grounded` (the input
    the answer is about) does not.

    Small models copy their few-shot examples, and the rejections they are shown; a copy is
    valid JSON but not an answer.
    """
    texts = [s for s in sources if s]
    whole = {t.strip() for t in texts if len(t.strip()) >= _MIN_COPIED_CHARS}
    runs = {run for t in texts for run in _runs(t)} - set(_runs(grounded))
    for said in _strings(answer.model_dump()):
        if said in whole:
            return said
        if shared := next((run for run in _runs(said) if run in runs), None):
            return " ".join(shared)
    return None


def example_texts(examples: Iterable[Example]) -> list[str]:
    """Every text of the worked examples' answers: what no answer may copy (`copied_text`)."""
    return [s for ex in examples for s in _strings(ex.output.model_dump())]


class CopiedAnswer(ModelError):
    """The model's last answer still copied a worked example or a checker, and nothing can replace it."""


def _values(value: Any, path: list[str]) -> Iterator[Any]:
    if isinstance(value, list):
        for item in value:
            yield from _values(item, path)
    elif not path:
        yield value
    elif isinstance(value, dict) and path[0] in value:
        yield from _values(value[path[0]], path[1:])


class OffChoice(ValueError):
    """An answer's field holds a value its prompt did not offer, or a text about something else."""


def _check_choices(answer: BaseModel, choices: Mapping[str, Sequence[str]]) -> None:
    """OffChoice naming the first field whose value is not one of its choices."""
    data = answer.model_dump()
    for path, allowed in choices.items():
        for value in _values(data, path.split(".")):
            if value not in allowed:
                raise OffChoice(f"{path} is {value!r}, not one of {', '.join(map(repr, allowed))}")


class OffTopic(OffChoice):
    """A text of an answer is about nothing its input mentions."""


def _check_about(answer: BaseModel, about: str) -> None:
    """OffTopic when a text of `answer` shares no content word with `about` (when it has one)."""
    if not stems(about):
        return
    for said in _strings(answer.model_dump()):
        if stems(said) and not stems(said) & stems(about):
            raise OffTopic(f"text {said[:80]!r} is about nothing the input mentions ({about})")


def _describe(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in error.errors()[:5])
    if isinstance(error, OffChoice):
        return str(error)
    return f"the answer was not valid JSON ({error})"


def _provider_fault(model: BaseChatModel, error: Exception) -> Exception:
    """A provider SDK's error as ours: transient faults (the graph retries those), or a refusal."""
    names = {cls.__name__ for cls in type(error).__mro__}
    where = getattr(model, "openai_api_base", None) or getattr(model, "base_url", None) or model_name(model)
    if names & _TRANSIENT:
        return TransientModelError(f"model {where} unavailable: {type(error).__name__}: {error}")
    if names & _REFUSED:
        return ModelError(f"model {where} refused the request: {type(error).__name__}: {error}")
    return error


@dataclasses.dataclass
class _Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, message: AIMessage, prompt_text: str) -> None:
        usage = message.usage_metadata
        if usage:
            self.prompt_tokens += int(usage.get("input_tokens") or 0)
            self.completion_tokens += int(usage.get("output_tokens") or 0)
        else:
            self.prompt_tokens += estimate_tokens(prompt_text)
            self.completion_tokens += estimate_tokens(answer_text(message))


def _prepare(model: BaseChatModel) -> None:
    """Load a local model before the call is timed; the seconds are charged as the call's `load_s`."""
    prepare = getattr(model, "prepare", None)
    if callable(prepare):
        charge_load(prepare())


def generate(model: BaseChatModel, schema: type[T], prompt: Prompt, *, retries: int | None = None) -> T:
    """An instance of `schema` answering `prompt`; ModelError when the retries are spent."""
    model = warmed(model_for(model, prompt.role))
    retries = int((model.metadata or {}).get(RETRIES_KEY, DEFAULT_RETRIES)) if retries is None else retries
    runnable, constrained = structured(model, grammar_schema(schema, prompt.examples, prompt.choices))
    config: Any = {"run_name": prompt.role, "tags": [f"role:{prompt.role}"], "metadata": {ROLE_KEY: prompt.role}}
    _prepare(model)
    started = time.perf_counter()
    usage = _Usage()
    copies = 0
    off_choice = False  # the last answer held a value its prompt did not offer
    errors: list[str] = []
    attempt_prompt = prompt
    for attempt in range(1, retries + 2):
        messages = prompt_messages(attempt_prompt, schema)
        try:
            with _asking(Request(attempt_prompt, schema)):
                out = runnable.invoke(messages, config=config)
        except Exception as exc:
            fault = _provider_fault(model, exc)
            if fault is exc:
                raise
            raise fault from exc
        usage.add(out["raw"], "\n".join(str(m.content) for m in messages))
        try:
            result = _validated(schema, out)
        except (ValidationError, ValueError) as exc:
            off_choice = False
            errors.append(_describe(exc))
            feedback = f"Your answer was not a valid {schema.__name__}: {errors[-1]}. Answer with valid JSON."
            attempt_prompt = dataclasses.replace(prompt, feedback=(*prompt.feedback, feedback))
            continue
        sources = [*example_texts(prompt.examples), *prompt.feedback]
        copied = copied_text(result, sources, grounded=prompt.input)
        if copied is not None and attempt <= retries:
            feedback = f'You copied "{copied}". Write your own answer for this input.'
            attempt_prompt = dataclasses.replace(prompt, feedback=(*prompt.feedback, feedback))
            copies += 1
            continue
        if copied is not None and (grounded := deterministic_answer(schema, prompt)) is not None:
            # A copy is never accepted: the answer read from the request itself takes its place.
            _record(model, prompt, usage, started, constrained, attempt - copies, copies, fallback=True)
            return grounded
        if copied is not None:  # a verdict: no reading of the request can stand in for a judgment
            _record(model, prompt, usage, started, constrained, attempt - copies, copies)
            raise CopiedAnswer(f"{model_name(model)}'s {prompt.role} answer copied {copied!r} on every attempt")
        try:
            _check_choices(result, prompt.choices)
            _check_about(result, prompt.about)
        except OffChoice as exc:
            errors.append(str(exc))
            advice = "Write about the input." if isinstance(exc, OffTopic) else "Choose among the values offered."
            feedback = f"Your answer's {exc}. {advice}"
            attempt_prompt = dataclasses.replace(prompt, feedback=(*prompt.feedback, feedback))
            off_choice = True
            continue
        _record(model, prompt, usage, started, constrained, attempt - copies, copies)
        return result
    if off_choice and (grounded := deterministic_answer(schema, prompt)) is not None:
        # Never an answer outside what the request grounds: its reading takes the place of one.
        _record(model, prompt, usage, started, constrained, retries + 1 - copies, copies, fallback=True)
        return grounded
    _record(model, prompt, usage, started, constrained, retries + 1 - copies, copies)
    raise ModelError(
        f"{model_name(model)} gave no valid {schema.__name__} for role {prompt.role!r} in "
        f"{retries + 1} attempts; last error: {errors[-1]}"
    )


def deterministic_answer(schema: type[T], prompt: Prompt) -> T | None:
    """The answer read from the prompt's own data, without a model (the scripted model's reading of
    the request), for a work stage; None for an approver's verdict, which no reading can replace."""
    from autogenesis.models.scripted import DEFAULT_RESPONDERS  # the scripted model imports this module

    role = prompt.role.split(":")[0]
    responder = DEFAULT_RESPONDERS.get(role) if role != "review" else None
    if responder is None:
        return None
    try:
        answer = responder(prompt)
    except (KeyError, TypeError, ValueError):  # the prompt lacks the data a reading needs
        return None
    return answer if isinstance(answer, schema) else None


def _record(
    model: BaseChatModel,
    prompt: Prompt,
    usage: _Usage,
    started: float,
    constrained: bool,
    attempts: int,
    copies: int,
    *,
    fallback: bool = False,
) -> None:
    record(
        ModelCall(
            role=prompt.role,
            model=model_name(model),
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            latency_s=round(time.perf_counter() - started, 6),
            constrained=constrained,
            attempts=attempts,
            copies=copies,
            fallback=fallback,
        )
    )


def json_structured_output(
    model: BaseChatModel, schema: dict[str, Any] | type[BaseModel], *, include_raw: bool = False, **kwargs: Any
) -> Runnable[Any, Any]:
    """`with_structured_output` for our own models: bind the schema, parse the JSON answer.

    The model's `_generate` gets the schema's JSON text as the `json_schema` keyword (the local
    model compiles it into a grammar); the answer is parsed into the pydantic class, or a dict
    for a dict schema. With `include_raw`, the result is `{"raw", "parsed", "parsing_error"}`.
    """
    kwargs.pop("method", None)
    kwargs.pop("strict", None)
    if kwargs:
        raise ValueError(f"unsupported arguments {sorted(kwargs)}")
    is_class = isinstance(schema, type) and issubclass(schema, BaseModel)
    doc = schema.model_json_schema() if is_class else schema  # type: ignore[union-attr]
    bound = model.bind(
        json_schema=json.dumps(doc),
        ls_structured_output_format={"kwargs": {"method": "json_schema"}, "schema": doc},
    )

    def parse(message: AIMessage) -> Any:
        data = json.loads(answer_text(message))
        return schema.model_validate(data) if is_class else data  # type: ignore[union-attr]

    parser = RunnableLambda(parse)
    if not include_raw:
        return bound | parser
    assign = RunnablePassthrough.assign(parsed=(lambda out: out["raw"]) | parser, parsing_error=lambda _: None)
    fallback = RunnablePassthrough.assign(parsed=lambda _: None)
    return with_raw(bound) | assign.with_fallbacks([fallback], exception_key="parsing_error")
