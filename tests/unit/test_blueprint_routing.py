"""Routes and per-item workers from the request's words: the blueprint, the verifier, the generated graph."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from generated import imported, write_files
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from autogenesis.blueprint.build import blueprint_from_draft
from autogenesis.blueprint.codegen import render_project
from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.ir import Blueprint, Edge, StateField
from autogenesis.blueprint.routing import add_each, add_proposed_shape, add_routes
from autogenesis.blueprint.verify import ends, verify
from autogenesis.drafts import AgentDraft, BlueprintDraft
from autogenesis.state import Specification
from autogenesis.text import choice_clauses, each_clause, request_clauses

ROUTED = "a support desk that classifies each message, then either answers billing questions or fixes bugs"
EACH = "a report writer that plans the sections, drafts a paragraph for each section and assembles the report"


def test_the_request_s_words_name_the_alternatives_and_the_per_item_job() -> None:
    assert request_clauses(ROUTED) == ["classifies each message", "answers billing questions", "fixes bugs"]
    assert choice_clauses(ROUTED) == [1, 2]
    said_after = "a helpdesk that answers billing questions or fixes bugs depending on the topic, then logs it"
    assert (request_clauses(said_after), choice_clauses(said_after)) == (
        ["answers billing questions", "fixes bugs", "logs it"],
        [0, 1],
    )
    assert choice_clauses("a helpdesk that answers questions or complaints") == []  # no choice said: one job
    objects = "a helpdesk that answers questions or complaints depending on the topic"
    assert (request_clauses(objects), choice_clauses(objects)) == (["answers questions or complaints"], [])
    assert each_clause(EACH) == (1, "section")
    assert each_clause("a helpdesk that classifies each message") is None  # "each" alone runs nothing per item


def _routed_chain() -> Blueprint:
    return linear_blueprint(
        "support_desk",
        (("classify", "classifies each message"), ("billing", "answers billing questions"), ("bugs", "fixes bugs")),
        reviewed=False,
    )


def test_a_deciding_job_becomes_the_router_and_each_alternative_ends_the_run() -> None:
    bp = add_routes(_routed_chain(), ROUTED)
    assert [(a.slug, a.kind) for a in bp.agents] == [("classify", "router"), ("billing", "llm"), ("bugs", "llm")]
    assert bp.edges == (
        Edge(source="classify", target="billing", condition="billing"),
        Edge(source="classify", target="bugs", condition="bugs"),
    )
    assert bp.agent("billing").reads == ("request", "classify_output")  # the input and the route chosen
    assert bp.agent("billing").writes == ("billing_output", "result")  # either one gives the answer
    assert ends(bp) == ["bugs", "billing"]
    assert bp.patterns() == ("prompt chaining", "routing")
    assert verify(bp) == []
    assert add_routes(_routed_chain(), ROUTED.replace("either ", "").replace(" or ", " and ")) == _routed_chain()


def test_without_a_deciding_job_a_router_is_added_and_the_routes_meet_again() -> None:
    chain = linear_blueprint(
        "helpdesk",
        (("billing", "answers billing questions"), ("bugs", "fixes bugs"), ("log", "logs it")),
        reviewed=False,
    )
    bp = add_routes(
        chain, "a helpdesk that answers billing questions or fixes bugs depending on the topic, then logs it"
    )
    assert [(a.slug, a.kind) for a in bp.agents] == [
        ("router", "router"),
        ("billing", "llm"),
        ("bugs", "llm"),
        ("log", "llm"),
    ]
    assert (bp.entry, bp.finish) == ("router", "log")
    assert bp.edges == (
        Edge(source="router", target="billing", condition="billing"),
        Edge(source="router", target="bugs", condition="bugs"),
        Edge(source="billing", target="log"),
        Edge(source="bugs", target="log"),
    )
    assert bp.agent("log").reads == ("request", "billing_output", "bugs_output")  # whichever ran
    assert verify(bp) == []


def _each_chain() -> Blueprint:
    return linear_blueprint(
        "report_writer",
        (
            ("plan", "plans the sections"),
            ("draft", "drafts a paragraph for each section"),
            ("assemble", "assembles it"),
        ),
        reviewed=False,
    )


def test_the_job_done_for_each_item_is_sent_once_per_item_and_collected() -> None:
    bp = add_each(_each_chain(), EACH)
    assert bp.edges == (
        Edge(source="plan", target="draft", each="plan_output", item="draft_item"),
        Edge(source="draft", target="assemble"),
    )
    fields = {f.name: f for f in bp.state}
    assert (fields["plan_output"].type, fields["plan_output"].collects) == ("list[str]", False)
    assert (fields["draft_output"].type, fields["draft_output"].collects) == ("list[str]", True)
    assert fields["draft_item"] == StateField(name="draft_item", description="The one section a run of draft works on.")
    assert bp.agent("draft").reads == ("request", "draft_item")
    assert bp.agent("plan").instructions == "plans the sections. List each section on its own line."
    assert bp.patterns() == ("prompt chaining", "orchestrator-workers")
    assert verify(bp) == []
    # Nothing after it to join the items: a chain.
    two = linear_blueprint(
        "report_writer", (("plan", "plans the sections"), ("draft", "drafts a paragraph")), reviewed=False
    )
    assert add_each(two, "a report writer that plans the sections and drafts a paragraph for each section") == two


def test_the_verifier_proves_each_per_item_edge() -> None:
    bp = add_each(_each_chain(), EACH)
    unlisted = bp.model_copy(update={"edges": (bp.edges[0].model_copy(update={"each": "request"}), bp.edges[1])})
    not_collected = bp.model_copy(update={"state": tuple(f.model_copy(update={"collects": False}) for f in bp.state)})
    assert [(f.rule, f.message) for f in verify(unlisted)] == [
        ("each", "edge plan -> draft sends items of 'request', not a list its source writes"),
    ]
    assert [(f.rule, f.message) for f in verify(not_collected)] == [
        ("each", "'draft_output' is written by every run of draft: it must collect"),
    ]


def _fake(*texts: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(t) for t in texts]))


def test_the_generated_graph_runs_one_worker_per_item_and_stops_on_an_empty_list(tmp_path: Path) -> None:
    with imported(write_files(render_project(add_each(_each_chain(), EACH), {}), tmp_path), "report_writer.graph") as g:
        drawn = g.graph.get_graph()
        assert {(e.source, e.target, e.conditional) for e in drawn.edges} == {
            ("__start__", "plan", False),
            ("plan", "draft", True),
            ("draft", "assemble", False),
            ("assemble", "__end__", False),
        }
        models = {"plan": _fake("- intro\n- method\n- results"), "draft": _fake("p", "p", "p"), "assemble": _fake("r")}
        out = g.run("a report on bees", models)
        assert out["plan_output"] == ["intro", "method", "results"]
        assert out["draft_output"] == ["p", "p", "p"]  # one paragraph per section, collected
        assert out["result"] == "r"
        with pytest.raises(
            sys.modules["report_writer.runtime"].AgentError, match="the plan agent listed nothing for draft to work on"
        ):
            g.run("a report on bees", {"plan": _fake("-\n-"), "draft": _fake(), "assemble": _fake()})


def _draft(*agents: tuple[str, str, str, str]) -> BlueprintDraft:
    return BlueprintDraft(
        name="desk",
        agents=[AgentDraft(name=n, role=r, kind=k, after=a) for n, r, k, a in agents],  # type: ignore[arg-type]
    )


def _shaped(draft: BlueprintDraft) -> Blueprint:
    spec = Specification(goal="A desk.", capabilities=("c",))
    return add_proposed_shape(blueprint_from_draft(draft, spec), draft)


def test_the_design_model_s_proposed_router_and_branches_apply_where_grounded() -> None:
    routed = _shaped(
        _draft(
            ("classifier", "Classifies each message by topic.", "router", ""),
            ("billing", "Answers billing questions.", "worker", "classifier"),
            ("bugs", "Fixes bugs.", "worker", "classifier"),
        )
    )
    assert [(a.slug, a.kind) for a in routed.agents] == [("classifier", "router"), ("billing", "llm"), ("bugs", "llm")]
    assert {(e.source, e.target, e.condition) for e in routed.edges} == {
        ("classifier", "billing", "billing"),
        ("classifier", "bugs", "bugs"),
    }
    # A "router" whose job decides nothing is not one: the chain stays.
    ungrounded = _draft(
        ("writer", "Writes the answer.", "router", ""),
        ("billing", "Answers billing questions.", "worker", "writer"),
        ("bugs", "Fixes bugs.", "worker", "writer"),
    )
    assert _shaped(ungrounded).edges == (Edge(source="writer", target="billing"), Edge(source="billing", target="bugs"))
    branched = _shaped(
        _draft(
            ("intake", "Takes the question.", "worker", ""),
            ("web", "Searches the web.", "worker", "intake"),
            ("papers", "Reads papers.", "worker", "intake"),
            ("summary", "Writes a summary.", "worker", "papers"),
        )
    )
    assert {(e.source, e.target) for e in branched.edges} == {
        ("intake", "web"),
        ("intake", "papers"),
        ("web", "summary"),
        ("papers", "summary"),
    }
    assert verify(routed) == verify(branched) == []
