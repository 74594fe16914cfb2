"""Structured output without a real model: rendering, repair, retries, options, routing, accounting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from autogenesis.drafts import AgentDraft, BlueprintDraft, SpecDraft, Verdict
from autogenesis.models import ModelConfigError, ModelError, RoleRouter, describe_models, resolve_model
from autogenesis.models.accounting import collecting
from autogenesis.models.base import Example, Prompt
from autogenesis.models.local import MARKER, TransformersModel
from autogenesis.models.render import (
    extract_json,
    grammar_document,
    grammar_schema,
    render_fewshot,
    render_messages,
    to_json,
)
from autogenesis.models.structured import (
    Completion,
    GenerationOptions,
    StructuredGenerator,
    parse_answer,
    split_options,
)

pytestmark = pytest.mark.real_model  # resolves real providers (cheap: nothing is loaded)

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


class FakeModel(StructuredGenerator):
    """Answers with the given texts in turn, recording the prompts it was asked."""

    name = "fake"

    def __init__(self, *answers: str, options: GenerationOptions | None = None) -> None:
        super().__init__(options)
        self.answers = list(answers)
        self.prompts: list[Prompt] = []

    def complete(self, schema: type[BaseModel], prompt: Prompt, options: GenerationOptions) -> Completion:
        self.prompts.append(prompt)
        return Completion(self.answers.pop(0), prompt_tokens=10, completion_tokens=5, constrained=True)


def test_fewshot_rendering_is_task_examples_then_open_request() -> None:
    text = render_fewshot(PROMPT, BlueprintDraft)
    assert text == (
        "Design the agents.\n\n"
        'Input: a shop\nOutput:\n{"name": "shop", "agents": [{"name": "cashier", "role": "Takes payments."}]}\n\n'
        'Input: a clinic\nOutput:\n{"name": "clinic", "agents": [{"name": "desk", "role": "Books visits."}, '
        '{"name": "doctor", "role": "Sees patients."}]}\n\n'
        "Input: a helpdesk\nOutput:\n"
    )


def test_fewshot_rendering_with_feedback_and_without_examples() -> None:
    prompt = Prompt(role="review", task="Judge it.", input="a design", feedback=("name the reviewer",))
    assert render_fewshot(prompt, Verdict) == (
        "Judge it.\n\nAnswer with one line of JSON with the fields: approved, reasons.\n\n"
        "Input: a design\n(Your last answer was rejected. Fix these points:\n- name the reviewer)\nOutput:\n"
    )


def test_chat_messages_put_examples_as_turns() -> None:
    messages = render_messages(PROMPT, BlueprintDraft)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert messages[2]["content"] == to_json(EXAMPLES[0].output)
    assert messages[-1]["content"] == "a helpdesk"


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


def test_retry_feeds_the_validation_error_back_and_records_one_call() -> None:
    model = FakeModel("not json at all", '{"approved": "maybe"}', '{"approved": true, "reasons": []}')
    with collecting() as calls:
        verdict = model.generate(Verdict, Prompt(role="review:design", task="t", input="i"))
    assert verdict == Verdict(approved=True)
    assert len(model.prompts) == 3
    assert model.prompts[0].feedback == ()
    assert "not valid JSON" in model.prompts[1].feedback[-1]
    assert "approved: Input should be a valid boolean" in model.prompts[2].feedback[-1]
    assert len(model.prompts[2].feedback) == 1  # each retry carries the latest error only
    assert [(c.role, c.model, c.prompt_tokens, c.completion_tokens, c.constrained, c.attempts) for c in calls] == [
        ("review:design", "fake", 30, 15, True, 3)
    ]


def test_retries_spent_raise_a_clear_model_error() -> None:
    model = FakeModel("{}", "{}", options=GenerationOptions(retries=1))
    with (
        collecting() as calls,
        pytest.raises(ModelError, match=r"fake gave no valid Verdict for role 'judge' in 2 attempts"),
    ):
        model.generate(Verdict, Prompt(role="judge", task="t", input="i"))
    assert [c.attempts for c in calls] == [2]


def test_options_syntax() -> None:
    assert split_options("local") == ("local", None)
    assert split_options("openai:http://h:1/v1#m?temperature=0.2&max_tokens=64") == (
        "openai:http://h:1/v1#m",
        GenerationOptions(temperature=0.2, max_tokens=64),
    )
    with pytest.raises(ModelConfigError, match="unknown model option 'temp'"):
        split_options("local?temp=1")
    with pytest.raises(ModelConfigError, match="not a number"):
        split_options("local?max_tokens=lots")


def test_per_role_routing_with_per_role_settings() -> None:
    router = resolve_model(
        "default=local?max_tokens=128,design=openai:http://127.0.0.1:9/v1#qwen?temperature=0.3,review=scripted"
    )
    assert isinstance(router, RoleRouter)
    assert router.default.name == "local"
    assert router.default.options == GenerationOptions(max_tokens=128)
    design = router.model_for("design")
    assert design.name == "openai:http://127.0.0.1:9/v1#qwen"
    assert design.options == GenerationOptions(temperature=0.3)
    assert router.model_for("review:design").name == "scripted"
    assert router.model_for("understand") is router.default
    single = resolve_model("local?retries=4")
    assert isinstance(single, TransformersModel)
    assert single.options.retries == 4


def test_model_settings_errors() -> None:
    with pytest.raises(ModelConfigError, match="does not exist"):
        resolve_model("hf:/nonexistent/model-folder")
    with pytest.raises(ModelConfigError, match="takes no argument"):
        resolve_model("local:/some/path")
    with pytest.raises(ModelConfigError, match="takes no settings"):
        resolve_model("scripted?temperature=0.1")
    with pytest.raises(ModelConfigError, match="needs an http"):
        resolve_model("openai:ftp://example#m")


def test_hf_folder_without_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelConfigError, match="not a transformers model folder"):
        resolve_model(f"hf:{tmp_path}")


def test_describe_models_lists_providers_and_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOGENESIS_CACHE", str(tmp_path))
    done = tmp_path / "models" / "some-model"
    done.mkdir(parents=True)
    (done / "model.safetensors").write_bytes(b"x" * 1000)
    (done / MARKER).write_text('{"dtype": "float32"}')
    (tmp_path / "models" / "broken").mkdir()
    rows = describe_models()
    assert {r["name"] for r in rows if r["kind"] == "provider"} >= {"scripted", "local", "hf", "endpoint", "openai"}
    cache = [(r["name"], r["bytes"], r["complete"]) for r in rows if r["kind"] == "cache"]
    assert cache == [("broken", 0, False), ("some-model", 1000 + len('{"dtype": "float32"}'), True)]


def test_import_and_resolve_load_no_model() -> None:
    code = (
        "import sys, autogenesis.models as m; m.resolve_model('default=local,design=endpoint:http://127.0.0.1:9'); "
        "print(sorted(k for k in ('torch', 'transformers', 'xgrammar', 'httpx') if k in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"
