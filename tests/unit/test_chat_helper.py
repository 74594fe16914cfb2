"""The one structured-output helper over LangChain chat models, and the scripted chat model."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel
from typing_extensions import TypedDict

from autogenesis.drafts import AgentDraft, BlueprintDraft, CriteriaDraft, SpecDraft, Verdict
from autogenesis.models import ModelError, TransientModelError, UnexpectedCall
from autogenesis.models.accounting import collecting
from autogenesis.models.base import Example, Prompt
from autogenesis.models.chat import CopiedAnswer, copied_text, deterministic_answer, generate
from autogenesis.models.render import grammar_schema
from autogenesis.models.scripted import ScriptedChatModel
from autogenesis.prompts import design as design_prompts
from autogenesis.state import Specification

REVIEW = Prompt(role="review:design", task="judge", input="work")
SPEC = Prompt(role="understand", task="restate", input="x", data={"request": "a shop that sells books and ships them"})


def _fake(*texts: str, usage: tuple[int, int] | None = (10, 5)) -> GenericFakeChatModel:
    meta = {"input_tokens": usage[0], "output_tokens": usage[1], "total_tokens": sum(usage)} if usage else None
    return GenericFakeChatModel(messages=iter([AIMessage(t, usage_metadata=meta) for t in texts]))  # type: ignore[arg-type]


def test_scripted_chat_model_answers_through_the_helper() -> None:
    model = ScriptedChatModel(reject={"design": 1})
    spec = generate(model, SpecDraft, SPEC)
    assert spec.capabilities == ["sells books", "ships them"]
    assert [generate(model, Verdict, REVIEW).approved for _ in range(2)] == [False, True]
    model.assert_consumed()
    assert model.calls == ["understand", "review:design", "review:design"]


def test_scripted_faults_unexpected_calls_and_wrong_types_surface() -> None:
    model = ScriptedChatModel(faults={"review:design": [ModelError("first")]})
    with pytest.raises(ModelError, match="first"):
        generate(model, Verdict, REVIEW)
    assert generate(model, Verdict, REVIEW).approved
    exact = ScriptedChatModel(responses={"understand": [Verdict(approved=True)]})
    with pytest.raises(UnexpectedCall, match="is a Verdict, not a SpecDraft"):
        generate(exact, SpecDraft, SPEC)
    assert model.invoke("hello").content == "agent: hello"  # a call from outside generate: the demo answer
    with pytest.raises(UnexpectedCall, match="answers only"):
        ScriptedChatModel(demo=False).invoke("hello")


def test_scripted_journal_and_cli_options(tmp_path: Path) -> None:
    journal = tmp_path / "calls"
    model = ScriptedChatModel.from_spec(f"journal={journal},reject=design")
    assert generate(model, Verdict, REVIEW).approved is False
    assert journal.read_text() == "review:design\n"


def test_invalid_answers_are_retried_with_the_error_and_recorded_once() -> None:
    model = _fake('{"approved": "maybe"}', 'Sure! {"approved": true, "reasons": []} hope that helps')
    with collecting() as calls:
        verdict = generate(model, Verdict, REVIEW)
    assert verdict.approved is True
    assert [(c.role, c.model, c.prompt_tokens, c.completion_tokens, c.attempts, c.constrained) for c in calls] == [
        ("review:design", "generic-fake-chat-model", 20, 10, 2, False)
    ]


def test_a_copy_of_a_worked_example_is_never_accepted_the_request_s_reading_is() -> None:
    spec = Specification(goal="Sell books", capabilities=("sells books", "ships them"))
    prompt = design_prompts.render(spec)
    copy = design_prompts.EXAMPLES[1].output.model_dump_json()
    with collecting() as calls:
        draft = generate(_fake(copy, copy, copy), BlueprintDraft, prompt, retries=2)
    # Re-asked twice, then the design read from the specification, not the recruiting example.
    assert [(a.name, a.role, a.after) for a in draft.agents] == [
        ("sells_books", "sells books", ""),
        ("ships", "ships them", "sells_books"),
    ]
    assert [(c.attempts, c.copies, c.fallback) for c in calls] == [(1, 2, True)]
    # An approver's copied verdict has no reading to fall back on: it is no verdict.
    example = Prompt(role="review:design", task="judge", input="work", examples=(Example("x", APPROVED),))
    with collecting() as calls, pytest.raises(CopiedAnswer, match="copied 'every agent serves the request'"):
        generate(_fake(*[APPROVED.model_dump_json()] * 2), Verdict, example, retries=1)
    assert [(c.copies, c.fallback) for c in calls] == [(1, False)]


@pytest.mark.parametrize(
    ("text", "copied"),
    [
        # A run of four words of an example inside a longer text, whatever its length.
        ("Summarises the incident and writes a summary of at most 80 words.", "a summary of at"),
        # A checker's message pasted into the answer supplies no words of its own.
        ("Reads logs. No agent does 'gathers logs', which the request asks for.", "no agent does gathers"),
        # Words the input says are the input's, not a copy.
        ("Drafts the status update for the on-call team.", None),
        ("Drafts a reply.", None),  # shorter than a run, and no example's whole text
    ],
)
def test_a_copy_is_found_at_any_length_from_examples_and_checker_messages(text: str, copied: str | None) -> None:
    example = CriteriaDraft(criteria="Every article has a summary of at most 80 words.")
    checker = "no agent does 'gathers logs', which the request asks for"
    grounded = "an assistant that drafts the status update for the on-call team"
    assert copied_text(CriteriaDraft(criteria=text), [example.criteria, checker], grounded) == copied


APPROVED = Verdict(approved=True, reasons=["every agent serves the request"])


def test_retries_spent_raise_a_model_error_naming_the_role() -> None:
    model = _fake("no", "still no", usage=None)
    with collecting() as calls, pytest.raises(ModelError, match="no valid Verdict for role 'review:design' in 2"):
        generate(model, Verdict, REVIEW, retries=1)
    assert calls[0].attempts == 2 and calls[0].prompt_tokens > 0  # estimated when no usage is reported


def test_provider_connection_faults_become_transient() -> None:
    class APIConnectionError(Exception):
        pass

    class Down(GenericFakeChatModel):
        def _generate(self, *args: Any, **kwargs: Any) -> Any:
            raise APIConnectionError("connection refused")

    with pytest.raises(TransientModelError, match="APIConnectionError: connection refused"):
        generate(Down(messages=iter([])), Verdict, REVIEW)


class _State(TypedDict, total=False):
    request: str
    verdicts: list[bool]


def _graph(model: ScriptedChatModel) -> Any:
    def understand(state: _State) -> dict[str, Any]:
        generate(model, SpecDraft, SPEC)
        return {}

    def review_design(state: _State) -> dict[str, Any]:
        return {"verdicts": [generate(model, Verdict, REVIEW).approved]}

    builder = StateGraph(_State)
    builder.add_node("understand", understand)
    builder.add_node("review_design", review_design)
    builder.add_edge(START, "understand")
    builder.add_edge("understand", "review_design")
    builder.add_edge("review_design", END)
    return builder.compile()


class _Runs(BaseCallbackHandler):
    """Chain runs (name, parent) and, per chat-model run, its parent."""

    def __init__(self) -> None:
        self.chains: dict[UUID, tuple[str, UUID | None]] = {}
        self.llm_parents: list[UUID | None] = []
        self.ended = 0

    def on_chain_start(
        self, serialized: Any, inputs: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        self.chains[run_id] = (kwargs.get("name") or "", parent_run_id)

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        self.llm_parents.append(parent_run_id)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.ended += 1

    def lineage(self, run_id: UUID | None) -> list[str]:
        names = []
        while run_id is not None:
            name, run_id = self.chains[run_id]
            names.append(name)
        return names


def test_every_model_call_is_one_llm_run_under_its_node() -> None:
    runs = _Runs()
    _graph(ScriptedChatModel()).invoke({"request": "x"}, {"callbacks": [runs]})
    assert runs.ended == 2
    # model run → the helper's structured-output sequence (named after the role) → the node → the graph
    assert [runs.lineage(p) for p in runs.llm_parents] == [
        ["understand", "understand", "LangGraph"],
        ["review:design", "review_design", "LangGraph"],
    ]


def test_stream_mode_messages_streams_tokens_for_each_node() -> None:
    model = ScriptedChatModel()
    seen: dict[str, str] = {}
    for chunk, meta in _graph(model).stream({"request": "x"}, stream_mode="messages"):
        seen[meta["langgraph_node"]] = seen.get(meta["langgraph_node"], "") + str(chunk.content)
    assert set(seen) == {"understand", "review_design"}
    assert Verdict.model_validate_json(seen["review_design"]).approved


BOOKSHOP = "a bookshop that sells books and ships them"


def _copy_cases() -> list[tuple[str, Prompt, BaseModel, str]]:
    """For each stage that writes free text: its prompt for a bookshop, and a worked example's answer."""
    from autogenesis.blueprint.build import blueprint_from_draft
    from autogenesis.prompts import design_prompts as prompt_prompts
    from autogenesis.prompts import hierarchy, understand

    spec = Specification(goal="Sell books", capabilities=("sells books", "ships them"))
    blueprint = blueprint_from_draft(
        BlueprintDraft(name="sell_books", agents=[AgentDraft(name="sells_books", role="sells books")]), spec
    )
    agent = blueprint.agents[0]
    return [
        # A scenario (and a goal) copied into the specification.
        (
            "scenario",
            understand.render("a bookshop that sells books and ships them"),
            understand.EXAMPLES[0].output,
            "goal",
        ),
        # A reviewer's criterion.
        ("criterion", hierarchy.render(agent), hierarchy.EXAMPLES[1].output, "criteria"),
        # An agent's system prompt.
        ("prompt", prompt_prompts.render(blueprint, agent), prompt_prompts.EXAMPLES[0].output, "system_prompt"),
        # A role in a design: not among the roles offered, whatever else it copies.
        ("role", design_prompts.render(spec), design_prompts.EXAMPLES[0].output, "agents"),
    ]


@pytest.mark.parametrize("case", _copy_cases(), ids=lambda case: case[0])
def test_a_copied_scenario_criterion_prompt_or_role_is_never_accepted(
    case: tuple[str, Prompt, BaseModel, str],
) -> None:
    _, prompt, copy, field = case
    with collecting() as calls:
        answer = generate(_fake(*[copy.model_dump_json()] * 3), type(copy), prompt, retries=2)
    # The answer read from the request stands in, and the call says so.
    assert answer == deterministic_answer(type(copy), prompt)
    assert getattr(answer, field) != getattr(copy, field)
    assert [(c.role, c.fallback) for c in calls] == [(prompt.role, True)]


def test_a_design_s_grammar_offers_only_the_names_and_roles_the_specification_grounds() -> None:
    spec = Specification(goal="Sell books online", capabilities=("sells books", "ships them", "sells gift cards"))
    prompt = design_prompts.render(spec)
    doc = grammar_schema(BlueprintDraft, prompt.examples, prompt.choices)
    agent = doc["$defs"]["AgentDraft"]["properties"]
    assert doc["properties"]["name"]["enum"] == ["sell_books_online"]
    assert agent["name"]["enum"] == ["sells_books", "ships", "sells_gift_cards"]
    assert agent["role"]["enum"] == ["sells books", "ships them", "sells gift cards"]
    assert agent["after"]["enum"] == ["", "sells_books", "ships", "sells_gift_cards"]
    assert agent["kind"]["enum"] == ["worker", "router", "tool", "gate"]


def test_a_criterion_about_something_else_is_re_asked_then_replaced_by_the_reading() -> None:
    from autogenesis.blueprint.build import blueprint_from_draft
    from autogenesis.prompts import hierarchy

    spec = Specification(goal="Teach", capabilities=("adapts the content to learning outcomes",))
    draft = BlueprintDraft(name="teach", agents=[AgentDraft(name="adapts_content", role=spec.capabilities[0])])
    agent = blueprint_from_draft(draft, spec).agents[0]
    # Not a copy of any example, but about another request's candidates.
    elsewhere = CriteriaDraft(criteria="Each candidate gets a 30-day training program.").model_dump_json()
    with collecting() as calls:
        answer = generate(_fake(elsewhere, elsewhere), CriteriaDraft, hierarchy.render(agent), retries=1)
    assert answer.criteria == (
        "The output does what was asked: adapts the content to learning outcomes; it is complete and on topic."
    )
    assert [(c.attempts, c.copies, c.fallback) for c in calls] == [(2, 0, True)]
