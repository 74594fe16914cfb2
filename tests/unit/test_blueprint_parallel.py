"""Parallel branches from the request's words: the blueprint, the generated graph, a halted branch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from generated import imported, own_tests_without_autogenesis, write_files
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from autogenesis.blueprint.codegen import joins, render_project
from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.hierarchy import add_approvers
from autogenesis.blueprint.ir import Blueprint, Edge
from autogenesis.blueprint.parallel import add_fan_out
from autogenesis.blueprint.verify import verify

REQUEST = "a research desk that takes a question, drafts an outline and lists sources in parallel, then writes a report"
ROLES = (
    ("take", "takes a question"),
    ("outline", "drafts an outline"),
    ("sources", "lists sources"),
    ("report", "writes a report"),
)


def _chain() -> Blueprint:
    return linear_blueprint("research_desk", ROLES, reviewed=False)


def test_the_two_jobs_said_to_run_in_parallel_branch_from_the_one_before_and_join_at_the_next() -> None:
    bp = add_fan_out(_chain(), REQUEST)
    assert bp.edges == (
        Edge(source="take", target="outline"),
        Edge(source="take", target="sources"),
        Edge(source="outline", target="report"),
        Edge(source="sources", target="report"),
    )
    reads = {a.slug: a.reads for a in bp.agents}
    assert reads["sources"] == ("request", "take_output")  # not the outline: it runs beside it
    assert reads["report"] == ("request", "sources_output", "outline_output")
    assert verify(bp) == []
    assert add_fan_out(_chain(), REQUEST.replace(" in parallel", "")) == _chain()  # not said: a chain
    at_the_entry = "a research desk that takes a question and drafts an outline at the same time"
    assert add_fan_out(_chain(), at_the_entry) == _chain()  # nothing before them to branch from: a chain


def _reviewed() -> Blueprint:
    return add_approvers(add_fan_out(_chain(), REQUEST), {}, max_retries=2)


@pytest.fixture
def research(tmp_path: Path) -> Iterator[ModuleType]:
    with imported(write_files(render_project(_reviewed(), {}), tmp_path), "research_desk.graph") as graph:
        yield graph


def test_the_generated_graph_fans_out_after_approval_and_joins_at_a_deferred_gate(research: ModuleType) -> None:
    assert joins(_reviewed()) == {"report": 2}
    drawn = research.graph.get_graph()
    edges = {(e.source, e.target) for e in drawn.edges}
    fan = {("take_reviewer", "outline"), ("take_reviewer", "sources")}
    into_gate = {("outline_reviewer", "report_join"), ("sources_reviewer", "report_join")}
    assert fan | into_gate | {("report_join", "report"), ("report_join", "__end__")} <= edges
    assert not {(s, t) for s, t in edges if t == "report" and s != "report_join" and s != "report_reviewer"}
    assert set(drawn.nodes) == {
        "__start__",
        "__end__",
        *(a.slug for a in _reviewed().agents),
        *(f"{end}-{w}" for w in ("take", "outline", "sources", "report") for end in ("escalate", "loop")),
        "report_join",
    }


def _answers(*texts: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(t) for t in texts]))


APPROVE = '{"approved": true}'
REJECT = '{"approved": false, "reasons": ["no sources cited"]}'


def test_the_join_waits_for_both_branches_and_a_halted_branch_ends_the_run_there(research: ModuleType) -> None:
    models = {
        "take": _answers("q"),
        "take_reviewer": _answers(APPROVE),
        "outline": _answers("1. intro 2. body"),
        "outline_reviewer": _answers(APPROVE),
        # The sources branch takes longer: rejected once, then approved. The join waits for it.
        "sources": _answers("none", "three papers"),
        "sources_reviewer": _answers(REJECT, APPROVE),
        "report": _answers("the report"),
        "report_reviewer": _answers(APPROVE),
    }
    out = research.run("what is RAG?", models)
    assert (out["result"], out["attempts"]) == ("the report", {"take": 1, "outline": 1, "sources": 2, "report": 1})
    halted = dict(models)
    halted.update(sources=_answers("none", "none"), sources_reviewer=_answers(REJECT, REJECT), report=_answers())
    halted.update(take=_answers("q"), take_reviewer=_answers(APPROVE), outline=_answers("o"))
    halted.update(outline_reviewer=_answers(APPROVE))
    out = research.run("what is RAG?", halted)
    assert out["status"] == "escalated:sources"
    assert out["outline_output"] == "o" and "report_output" not in out  # the other branch finished; no report


def test_a_parallel_project_s_own_tests_pass_without_autogenesis(tmp_path: Path) -> None:
    done = own_tests_without_autogenesis(write_files(render_project(_reviewed(), {}), tmp_path))
    assert done.returncode == 0, done.stdout[-3000:]
    assert done.stdout.strip().splitlines()[-1].startswith("6 passed in ")  # approve path + 4 approvers + 1 scenario


def test_the_blueprint_names_parallelization_among_its_patterns() -> None:
    assert _reviewed().patterns() == ("prompt chaining", "parallelization", "evaluator-optimizer")
    assert add_approvers(_chain(), {}, max_retries=2).patterns() == ("prompt chaining", "evaluator-optimizer")
