"""Structured output for every real provider: complete → parse → repair → bounded retry.

A provider supplies `complete(schema, prompt, options) -> Completion` (raw text plus exact token
counts); `StructuredGenerator.generate` turns that into a validated object, feeding the
validation error back into the prompt on each retry, and records one accounting entry per call.
"""

from __future__ import annotations

import dataclasses
import json
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from autogenesis.models.accounting import record
from autogenesis.models.base import Example, ModelConfigError, ModelError, Prompt, T
from autogenesis.models.render import extract_json, trim_to_schema
from autogenesis.state import ModelCall

#: Retries after the first attempt when the answer does not validate.
DEFAULT_RETRIES = 2


@dataclass(frozen=True)
class GenerationOptions:
    """Per-model (and so per-role) settings, from `PROVIDER[:ARG]?temperature=0.2&max_tokens=256`.

    temperature: 0 (the default) decodes greedily; max_tokens: cap on new tokens per call
    (default: a per-schema budget); retries: retries after an invalid answer (default 2);
    timeout: seconds per HTTP request (endpoints only).
    """

    temperature: float = 0.0
    max_tokens: int | None = None
    retries: int = DEFAULT_RETRIES
    timeout: float = 120.0

    @classmethod
    def parse(cls, query: str) -> GenerationOptions:
        """Options from a `key=value&key=value` string; ModelConfigError on unknown keys or values."""
        values: dict[str, object] = {}
        types = {f.name: f.type for f in dataclasses.fields(cls)}
        for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
            if key not in types:
                raise ModelConfigError(f"unknown model option {key!r}; known: {', '.join(types)}")
            try:
                values[key] = float(value) if key in ("temperature", "timeout") else int(value)
            except ValueError as exc:
                raise ModelConfigError(f"model option {key}={value!r} is not a number") from exc
        options = cls(**values)  # type: ignore[arg-type]
        if (
            options.temperature < 0
            or options.retries < 0
            or (options.max_tokens is not None and options.max_tokens < 1)
        ):
            raise ModelConfigError(f"model options out of range: {query!r}")
        return options


def split_options(setting: str) -> tuple[str, GenerationOptions | None]:
    """`PROVIDER[:ARG]?opts` → (`PROVIDER[:ARG]`, options or None when there are none)."""
    head, sep, query = setting.rpartition("?")
    if not sep or "=" not in query or "/" in query:
        return setting, None
    return head, GenerationOptions.parse(query)


@dataclass(frozen=True)
class Completion:
    """One raw model answer with exact token counts."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    constrained: bool


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


def copied_from_examples(answer: BaseModel, examples: Sequence[Example]) -> str | None:
    """A text of `answer` that is a worked example's text verbatim, if any.

    Small models copy their few-shot examples; a copy is valid JSON but not an answer.
    """
    seen = {s for ex in examples for s in _strings(ex.output.model_dump()) if len(s) >= _MIN_COPIED_CHARS}
    return next((s for s in _strings(answer.model_dump()) if s in seen), None)


def _describe(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in error.errors()[:5])
    return f"the answer was not valid JSON ({error})"


class StructuredGenerator:
    """Base for real providers: subclasses implement `complete`."""

    name = "model"
    records_calls = True

    def __init__(self, options: GenerationOptions | None = None) -> None:
        self.options = options or GenerationOptions()

    def with_options(self, options: GenerationOptions) -> StructuredGenerator:
        """A copy of this provider with other per-role settings."""
        clone = copy_provider(self)
        clone.options = options
        return clone

    def complete(self, schema: type[BaseModel], prompt: Prompt, options: GenerationOptions) -> Completion:
        raise NotImplementedError

    def generate(self, schema: type[T], prompt: Prompt) -> T:
        started = time.perf_counter()
        prompt_tokens = completion_tokens = 0
        constrained = False
        copies = 0
        attempt_prompt = prompt
        errors: list[str] = []
        for attempt in range(1, self.options.retries + 2):
            completion = self.complete(schema, attempt_prompt, self.options)
            prompt_tokens += completion.prompt_tokens
            completion_tokens += completion.completion_tokens
            constrained = constrained or completion.constrained
            try:
                result = parse_answer(schema, completion.text)
            except (ValidationError, ValueError) as exc:
                errors.append(_describe(exc))
                feedback = f"Your answer was not a valid {schema.__name__}: {errors[-1]}. Answer with valid JSON."
                attempt_prompt = dataclasses.replace(prompt, feedback=(*prompt.feedback, feedback))
                continue
            copied = copied_from_examples(result, prompt.examples)
            if copied is not None and attempt <= self.options.retries:
                feedback = f'You copied "{copied}" from the example. Write your own answer for this input.'
                attempt_prompt = dataclasses.replace(prompt, feedback=(*prompt.feedback, feedback))
                copies += 1
                continue
            self._record(prompt, prompt_tokens, completion_tokens, started, constrained, attempt - copies, copies)
            return result
        self._record(
            prompt, prompt_tokens, completion_tokens, started, constrained, self.options.retries + 1 - copies, copies
        )
        raise ModelError(
            f"{self.name} gave no valid {schema.__name__} for role {prompt.role!r} in "
            f"{self.options.retries + 1} attempts; last error: {errors[-1]}"
        )

    def _record(
        self, prompt: Prompt, p: int, c: int, started: float, constrained: bool, attempts: int, copies: int = 0
    ) -> None:
        record(
            ModelCall(
                role=prompt.role,
                model=self.name,
                prompt_tokens=p,
                completion_tokens=c,
                latency_s=round(time.perf_counter() - started, 6),
                constrained=constrained,
                attempts=attempts,
                copies=copies,
            )
        )


def copy_provider(provider: StructuredGenerator) -> StructuredGenerator:
    clone = object.__new__(type(provider))
    clone.__dict__.update(provider.__dict__)
    return clone
