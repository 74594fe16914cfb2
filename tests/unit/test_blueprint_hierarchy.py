"""The hierarchy transform gives every worker a capped approver."""

from __future__ import annotations

from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.hierarchy import add_approvers, workers_needing_approvers
from autogenesis.blueprint.ir import AgentSpec, Edge, ReviewPair
from autogenesis.blueprint.verify import verify


def test_workers_needing_approvers() -> None:
    bp = linear_blueprint(reviewed=False)
    assert [a.slug for a in workers_needing_approvers(bp)] == ["triage", "reply"]
    assert workers_needing_approvers(add_approvers(bp, {}, max_retries=2)) == []


def test_add_approvers_rewires_edges() -> None:
    bp = add_approvers(linear_blueprint(reviewed=False), {"triage": "Tickets get one label each."}, max_retries=4)
    assert [a.slug for a in bp.agents] == ["triage", "triage_reviewer", "reply", "reply_reviewer"]
    assert bp.agent("triage_reviewer") == AgentSpec(
        slug="triage_reviewer",
        role="Approves or sends back the work of triage.",
        instructions="Tickets get one label each.",
        reads=("triage_output",),
        writes=(),
        kind="llm",
    )
    assert bp.edges == (
        Edge(source="triage_reviewer", target="reply", condition="approve"),
        Edge(source="triage", target="triage_reviewer"),
        Edge(source="triage_reviewer", target="triage", condition="reject"),
        Edge(source="reply", target="reply_reviewer"),
        Edge(source="reply_reviewer", target="reply", condition="reject"),
    )
    assert bp.reviews == (
        ReviewPair(worker="triage", approver="triage_reviewer", max_retries=4, criteria="Tickets get one label each."),
        ReviewPair(
            worker="reply",
            approver="reply_reviewer",
            max_retries=4,
            criteria="The output does the job it was asked to do (Draft a reply); "
            "it is complete, correct and on topic.",
        ),
    )
    assert (bp.entry, bp.finish) == ("triage", "reply_reviewer")
    assert verify(bp) == []


def test_add_approvers_is_idempotent_and_avoids_taken_names() -> None:
    bp = linear_blueprint(roles=(("triage", "a"), ("triage_reviewer", "b")), reviewed=False)
    once = add_approvers(bp, {}, max_retries=2)
    assert [p.approver for p in once.reviews] == ["triage_reviewer_2", "triage_reviewer_reviewer"]
    assert add_approvers(once, {}, max_retries=2) == once
    assert verify(once) == []
