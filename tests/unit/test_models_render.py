"""Prompts and answers without a model: few-shot text and chat turns, grammar documents, JSON repair."""

from __future__ import annotations

import json

from autogenesis.drafts import AgentDraft, BlueprintDraft, SpecDraft, Verdict
from autogenesis.models.base import Example, Prompt
from autogenesis.models.chat import parse_answer
from autogenesis.models.messages import chat_turns, fewshot_text, prompt_messages
from autogenesis.models.render import extract_json, grammar_document, grammar_schema, to_json

EXAMPLES = (
    Example("a shop", BlueprintDraft(name="shop", agents=[AgentDraft(name="cashier", role="Takes payments.")])),
    Example(
        "a clinic",
        BlueprintDraft(
            name="clinic",
            agents=[AgentDraft(name="desk", role="Books visits."), AgentDraft(name="doctor", role="Sees patients.")],
        ),
    ),
)
PROMPT = Prompt(role="design", task="Design the agents.", input="a helpdesk", examples=EXAMPLES)


def test_fewshot_rendering_is_task_examples_then_open_request() -> None:
    text = fewshot_text(prompt_messages(PROMPT, BlueprintDraft))
    assert text == (
        "Design the agents.\n\n"
        'Input: a shop\nOutput:\n{"name": "shop", "agents": [{"name": "cashier", "role": "Takes payments.", '
        '"kind": "worker", "after": ""}]}\n\n'
        'Input: a clinic\nOutput:\n{"name": "clinic", "agents": [{"name": "desk", "role": "Books visits.", '
        '"kind": "worker", "after": ""}, {"name": "doctor", "role": "Sees patients.", '
        '"kind": "worker", "after": ""}]}\n\n'
        "Input: a helpdesk\nOutput:\n"
    )


def test_fewshot_rendering_with_feedback_and_without_examples() -> None:
    prompt = Prompt(role="review", task="Judge it.", input="a design", feedback=("name the reviewer",))
    assert fewshot_text(prompt_messages(prompt, Verdict)) == (
        "Judge it.\n\nAnswer with one line of JSON with the fields: approved, reasons.\n\n"
        "Input: a design\n(Your last answer was rejected. Fix these points:\n- name the reviewer)\nOutput:\n"
    )


def test_chat_messages_put_examples_as_turns() -> None:
    turns = chat_turns(prompt_messages(PROMPT, BlueprintDraft))
    assert [t["role"] for t in turns] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert turns[0]["content"] == (
        "Design the agents.\n\nAnswer with one line of JSON with the fields: name, agents. Reply with the JSON only."
    )
    assert turns[2]["content"] == to_json(EXAMPLES[0].output)
    assert turns[-1]["content"] == "a helpdesk"


def test_grammar_schema_bounds_every_list_and_leaves_out_string_lengths() -> None:
    doc = grammar_schema(SpecDraft)
    assert "maxLength" not in doc["properties"]["goal"]  # bounded by the token budget instead
    assert doc["properties"]["goal"]["minLength"] == 1
    assert doc["properties"]["capabilities"]["maxItems"] == 10
    assert doc["properties"]["actors"]["maxItems"] == 8
    assert grammar_schema(Verdict)["properties"]["reasons"]["maxItems"] == 8
    # Examples cap top-level lists at the longest example's length + 2 (never below minItems).
    assert grammar_schema(BlueprintDraft, EXAMPLES)["properties"]["agents"]["maxItems"] == 4


def test_grammar_keeps_the_examples_field_order() -> None:
    doc = json.loads(grammar_document(SpecDraft))
    assert list(doc["properties"]) == ["goal", "capabilities", "actors", "interactions", "constraints", "scenarios"]
    assert list(doc["$defs"]["ScenarioDraft"]["properties"]) == ["input", "expect"]


def test_extract_json_drops_chatter_and_closes_truncated_output() -> None:
    assert extract_json('Sure! {"a": [1, 2]} trailing') == '{"a": [1, 2]}'
    assert json.loads(extract_json('{"approved": true, "reasons": ["ok", "fi')) == {
        "approved": True,
        "reasons": ["ok", "fi"],
    }


def test_parse_answer_repairs_overlong_fields() -> None:
    text = json.dumps({"name": "x" * 100, "agents": [{"name": "a", "role": "b"}] * 15})
    draft = parse_answer(BlueprintDraft, text)
    assert len(draft.name) == 64
    assert len(draft.agents) == 12
