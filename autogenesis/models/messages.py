"""A `Prompt` as LangChain messages, and those messages as a few-shot completion for base models.

Every model gets the same messages: the task as a system message, the field hint as a second
system message named `format`, each worked example as a user turn and the assistant's JSON, then
the request (with the feedback on a rejected attempt). A base model, which has no chat template,
reads them back as few-shot text (`fewshot_text`), so nothing is lost on the way.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from autogenesis.models.base import Prompt
from autogenesis.models.render import to_json

#: The `name` of the system message that says how to answer (left out of few-shot text with examples).
FORMAT = "format"


def field_hint(schema: type[BaseModel]) -> str:
    return f"Answer with one line of JSON with the fields: {', '.join(schema.model_fields)}."


def _query(prompt: Prompt) -> str:
    query = prompt.input.strip()
    if prompt.feedback:
        notes = "\n".join(f"- {r}" for r in prompt.feedback)
        query = f"{query}\n(Your last answer was rejected. Fix these points:\n{notes})"
    return query


def prompt_messages(prompt: Prompt, schema: type[BaseModel]) -> list[BaseMessage]:
    """The messages every chat model gets for `prompt`."""
    messages: list[BaseMessage] = [
        SystemMessage(prompt.task.strip()),
        SystemMessage(f"{field_hint(schema)} Reply with the JSON only.", name=FORMAT),
    ]
    for example in prompt.examples:
        messages.append(HumanMessage(example.input.strip()))
        messages.append(AIMessage(to_json(example.output)))
    messages.append(HumanMessage(_query(prompt)))
    return messages


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else message.text


def fewshot_text(messages: Sequence[BaseMessage]) -> str:
    """`messages` as a completion for a base model: task, `Input:`/`Output:` pairs, open request.

    The JSON starts on its own line: `Output:` + newline + `{"` tokenizes the same in the
    examples and at the end of the prompt, so the constrained decode starts in-distribution.
    """
    has_examples = any(isinstance(m, AIMessage) for m in messages)
    parts: list[str] = []
    pending: str | None = None
    for message in messages:
        text = _text(message).strip()
        if isinstance(message, SystemMessage):
            if message.name == FORMAT:
                if not has_examples:
                    parts.append(text.removesuffix(" Reply with the JSON only."))
            elif text:
                parts.append(text)
        elif isinstance(message, HumanMessage):
            pending = text
        elif isinstance(message, AIMessage) and pending is not None:
            parts.append(f"Input: {pending}\nOutput:\n{text}")
            pending = None
    parts.append(f"Input: {pending or ''}\nOutput:\n")
    return "\n\n".join(p for p in parts if p)


def example_answers(messages: Sequence[BaseMessage]) -> list[str]:
    """The worked examples' answers among `messages` (what sizes a local model's token budget)."""
    return [_text(m) for m in messages if isinstance(m, AIMessage)]


def chat_turns(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """`messages` as the `role`/`content` turns chat templates take; system messages become one turn."""
    roles = {SystemMessage: "system", HumanMessage: "user", AIMessage: "assistant"}
    turns: list[dict[str, str]] = []
    for message in messages:
        role = next((r for kind, r in roles.items() if isinstance(message, kind)), None)
        if role is None:
            raise ValueError(f"a local model takes system, user and assistant messages, not {message.type!r}")
        text = _text(message).strip()
        if role == "system" and turns and turns[-1]["role"] == "system":
            turns[-1]["content"] += f"\n\n{text}"
        else:
            turns.append({"role": role, "content": text})
    return turns
