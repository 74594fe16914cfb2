"""Rendering prompts for real models, and the JSON side of structured output.

Worked examples are written as compact one-line JSON (`to_json`) in exactly the layout the
constrained decoder produces, so the model continues the pattern it has just seen; the prompt
itself becomes messages in `messages`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from autogenesis.models.base import Example

#: Separators shared by the rendered examples and the grammar (xgrammar's compact defaults).
SEPARATORS = (", ", ": ")

#: Grammar cap for lists the schema leaves unbounded (it bounds how long a decode can run).
ITEMS_CAP = 8
#: Items a list may have beyond the longest worked example's.
EXAMPLE_SLACK = 2


def to_json(obj: BaseModel) -> str:
    """An object as one line of JSON, laid out as the constrained decoder writes it."""
    return json.dumps(obj.model_dump(mode="json"), ensure_ascii=False, separators=SEPARATORS)


def grammar_schema(
    schema: type[BaseModel], examples: Sequence[Example] = (), choices: Mapping[str, Sequence[str]] | None = None
) -> dict[str, Any]:
    """The schema's JSON schema as the decoder's grammar: lists bounded, string lengths left out.

    Every list gets a `maxItems` (never loosening a cap); with worked examples a top-level list
    may hold at most `EXAMPLE_SLACK` more items than the longest example's, since a small model
    otherwise keeps a list going until the cap, repeating itself. `maxLength` is dropped:
    xgrammar expands it into one state per character, which took 38 s to compile (and 170 MB)
    for SpecDraft against Gemma's vocabulary, against 0.15 s without. String length is bounded
    by the token budget instead, and an over-long string is cut to its cap on parsing.

    `choices` (a `Prompt`'s) turn each named field into an enum of its grounded values.
    """
    doc = copy.deepcopy(schema.model_json_schema())
    for path, values in (choices or {}).items():
        _field(doc, path).update(enum=list(dict.fromkeys(values)))
    for name, prop in doc.get("properties", {}).items():
        counts = [len(v) for e in examples if isinstance(v := getattr(e.output, name, None), list)]
        if prop.get("type") == "array" and counts:
            cap = max(prop.get("minItems", 0), max(counts) + EXAMPLE_SLACK)
            prop["maxItems"] = min(prop.get("maxItems", cap), cap)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            node.pop("maxLength", None)
            if node.get("type") == "array":
                node["maxItems"] = min(node.get("maxItems", ITEMS_CAP), ITEMS_CAP * 2)
            for key, value in node.items():
                if key not in ("default", "examples", "const", "enum"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(doc)
    return doc


def _field(doc: dict[str, Any], path: str) -> dict[str, Any]:
    """The schema node of the field at a dotted `path`, through lists and `$ref`s."""
    node = doc
    for name in path.split("."):
        node = _resolved(doc, node)
        if node.get("type") == "array":
            node = _resolved(doc, node["items"])
        node = node["properties"][name]
    node = _resolved(doc, node)
    if node.get("type") == "array":
        node = node["items"]
    for key in ("minLength", "maxLength", "type"):  # the enum says it all
        node.pop(key, None)
    return node


def _resolved(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return doc["$defs"][ref.rsplit("/", 1)[-1]] if ref else node


def grammar_document(
    schema: type[BaseModel], examples: Sequence[Example] = (), choices: Mapping[str, Sequence[str]] | None = None
) -> str:
    """`grammar_schema` as the JSON text the grammar is compiled from (and cached under).

    Keys keep the schema's field order, which is the order the constrained decoder writes the
    fields in: it must match the worked examples (sorting them made the model write `actors`
    before `goal`, against every example).
    """
    return json.dumps(grammar_schema(schema, examples, choices))


def extract_json(text: str) -> str:
    """The first JSON object in `text` (model chatter around it dropped), closed if truncated."""
    start = text.find("{")
    if start < 0:
        return text.strip()
    depth = 0
    in_string = False
    escaped = False
    closers: list[str] = []
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
            closers.append("}" if ch == "{" else "]")
        elif ch in "}]":
            depth -= 1
            if closers:
                closers.pop()
            if depth == 0:
                return text[start : i + 1]
    # Truncated: close what is open (a dangling string, then brackets), drop a trailing comma.
    body = text[start:]
    if in_string:
        body += '"'
    body = body.rstrip().rstrip(",")
    return body + "".join(reversed(closers))


def trim_to_schema(data: Any, schema: type[BaseModel]) -> Any:
    """Repair over-long strings and lists by cutting them to the schema's caps (best effort)."""
    doc = schema.model_json_schema()
    defs = doc.get("$defs", {})

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
        return node

    def fix(value: Any, node: dict[str, Any]) -> Any:
        node = resolve(node)
        if "anyOf" in node:
            return value
        if isinstance(value, str) and "maxLength" in node:
            return value[: node["maxLength"]]
        if isinstance(value, list):
            if "maxItems" in node:
                value = value[: node["maxItems"]]
            item = node.get("items", {})
            return [fix(v, item) for v in value]
        if isinstance(value, dict) and "properties" in node:
            props = node["properties"]
            return {
                k: fix(v, props[k]) for k, v in value.items() if k in props or node.get("additionalProperties", True)
            }
        return value

    return fix(data, doc)
