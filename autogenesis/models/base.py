"""What an agent asks of a model (`Prompt`, `Example`) and how a model call fails."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Example:
    """A worked example: an input and the object a good answer would be."""

    input: str
    output: BaseModel


@dataclass(frozen=True)
class Prompt:
    """What an agent asks of a model, kept structured so each provider renders it its own way.

    Base models get a few-shot completion built from `examples`; chat models get messages.
    `data` carries the objects the text was rendered from, for deterministic (scripted) models.
    """

    role: str
    task: str
    input: str
    examples: tuple[Example, ...] = ()
    feedback: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)
    #: Where the model chooses rather than writes: a field's dotted path ("agents.role": the role of
    #: each agent) and the values grounded in the request it may take. The decoder's grammar
    #: offers only these; the answer is checked against them whatever the model.
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: What the answer's text must be about: every text in it shares a content word with this
    #: ("adapts the content to learning outcomes"); empty: not checked.
    about: str = ""

    def render(self) -> str:
        """The prompt as plain text: task, feedback on the last attempt, then the input."""
        parts = [self.task.strip()]
        if self.feedback:
            parts.append(
                "Your last attempt was rejected. Fix these points:\n" + "\n".join(f"- {r}" for r in self.feedback)
            )
        parts.append(self.input.strip())
        return "\n\n".join(p for p in parts if p)


class ModelError(Exception):
    """A model could not produce a valid answer (after its own bounded retries)."""


class TransientModelError(ModelError):
    """A fault worth retrying as is: a dropped connection, a timeout, an overloaded server."""


class ModelConfigError(ValueError):
    """A model setting that cannot be used: unknown provider, missing folder, malformed URL."""
