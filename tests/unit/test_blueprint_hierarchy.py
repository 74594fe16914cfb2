"""The hierarchy transform: capped approvers where the request or the risk calls for one."""

from __future__ import annotations

from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.hierarchy import (
    Needed,
    add_approvers,
    approvers_needed,
    people_approving,
    workers_needing_approvers,
)
from autogenesis.blueprint.ir import AgentSpec, Edge, ReviewPair
from autogenesis.blueprint.verify import verify
from autogenesis.text import Approval, approvals_asked, person_approvals, request_clauses


def test_workers_needing_approvers() -> None:
    bp = linear_blueprint(reviewed=False)
    assert [a.slug for a in workers_needing_approvers(bp)] == ["triage", "reply"]
    assert workers_needing_approvers(add_approvers(bp, {}, max_retries=2)) == []


def test_add_approvers_rewires_edges() -> None:
    bp = add_approvers(linear_blueprint(reviewed=False), {"triage": "Tickets get one label each."}, max_retries=4)
    assert [a.slug for a in bp.agents] == ["triage", "triage_reviewer", "reply", "reply_reviewer"]
    assert bp.agent("triage_reviewer") == AgentSpec(
        slug="triage_reviewer",
        role="Approves or sends back the work of triage: Sort incoming tickets.",
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


INCIDENT = (
    "an on-call incident response assistant that reads an alert, gathers deploy logs, proposes a cause "
    "and drafts a status update that a senior reviewer must approve"
)


def test_a_request_s_own_words_name_the_person_who_approves() -> None:
    assert person_approvals(INCIDENT) == [("senior reviewer", "drafts a status update")]
    assert person_approvals("a newsletter writer whose drafts must be approved by the editor") == [
        ("editor", "a newsletter writer whose drafts")
    ]
    assert person_approvals("a contract checker; a lawyer signs off on every summary") == [("lawyer", "")]
    assert person_approvals("a planner where a person approves the plan") == [("person", "a planner")]
    # A reviewer the request names without saying a person decides stays a model's review.
    assert person_approvals("a helpdesk that triages tickets, drafts replies and has a reviewer approve them") == []
    assert person_approvals("a tool that approves expenses") == []


def test_the_approved_work_goes_to_the_matching_worker_or_else_the_last() -> None:
    bp = linear_blueprint(
        "incident",
        (("read_alert", "Reads the alert"), ("draft_update", "Drafts a status update"), ("notify", "Sends it")),
        reviewed=False,
    )
    assert people_approving(bp, INCIDENT) == {"draft_update": "senior reviewer"}
    assert people_approving(bp, "an incident tool; a manager signs off") == {"notify": "manager"}
    gated = add_approvers(bp, {}, max_retries=3, people=people_approving(bp, INCIDENT))
    assert [(a.slug, a.kind) for a in gated.agents] == [
        ("read_alert", "llm"),
        ("read_alert_reviewer", "llm"),
        ("draft_update", "llm"),
        ("senior_reviewer", "human"),
        ("notify", "llm"),
        ("notify_reviewer", "llm"),
    ]
    assert gated.agent("senior_reviewer").role == (
        "A person, the senior reviewer, approves or sends back the work of draft_update: Drafts a status update."
    )
    assert gated.review_of("draft_update") == ReviewPair(
        worker="draft_update",
        approver="senior_reviewer",
        max_retries=3,
        criteria="The output does the job it was asked to do (Drafts a status update); "
        "it is complete, correct and on topic.",
    )
    assert verify(gated) == []


HELPDESK = "a helpdesk that triages tickets, drafts replies and has a reviewer approve them"


def test_a_named_reviewer_asks_for_a_model_s_review_and_is_no_capability() -> None:
    assert approvals_asked(HELPDESK) == [Approval("reviewer", "", "a reviewer approve", person=False)]
    assert request_clauses(HELPDESK) == ["triages tickets", "drafts replies"]
    assert approvals_asked("a blog tool that writes posts and an editor checks the drafts") == [
        Approval("editor", "the drafts", "an editor checks", person=False)
    ]
    assert approvals_asked("a newsroom that writes articles that are reviewed by a fact checker") == [
        Approval("fact checker", "writes articles", "are reviewed by a fact checker", person=False)
    ]
    # A person's approval comes first, whatever the order; the approval is cut from its clause.
    assert approvals_asked(INCIDENT) == [
        Approval("senior reviewer", "drafts a status update", "a senior reviewer must approve", person=True)
    ]
    assert request_clauses(INCIDENT)[-1] == "drafts a status update"
    assert approvals_asked("a tool that approves expenses") == []


def test_approvers_go_where_the_request_asks_and_on_work_that_leaves_the_system() -> None:
    bp = linear_blueprint(
        "incident",
        (
            ("read_alert", "Reads the alert"),
            ("merge_fix", "Merges the fix"),
            ("draft_update", "Drafts a status update"),
            ("summary", "Summarises the incident"),
        ),
        reviewed=False,
    )
    assert approvers_needed(bp, INCIDENT) == {
        "merge_fix": Needed("merge_fix", None, 'it acts outside the system ("merges")'),
        "draft_update": Needed("draft_update", "senior reviewer", 'the request says "a senior reviewer must approve"'),
        "summary": Needed("summary", None, "its output is the system's answer, which leaves the system"),
    }
    # The reviewer the request names, without a subject, reviews the last worker: no second one.
    assert approvers_needed(bp, "an incident tool; has a reviewer check them") == {
        "merge_fix": Needed("merge_fix", None, 'it acts outside the system ("merges")'),
        "summary": Needed("summary", None, 'the request says "a reviewer check"'),
    }
    needed = approvers_needed(bp, INCIDENT)
    reviewed = add_approvers(
        bp,
        {},
        max_retries=2,
        people={s: n.person for s, n in needed.items() if n.person},
        only=needed,
        reasons={s: n.reason for s, n in needed.items()},
    )
    assert [(a.slug, a.kind) for a in reviewed.agents] == [
        ("read_alert", "llm"),
        ("merge_fix", "llm"),
        ("merge_fix_reviewer", "llm"),
        ("draft_update", "llm"),
        ("senior_reviewer", "human"),
        ("summary", "llm"),
        ("summary_reviewer", "llm"),
    ]
    assert [(p.worker, p.reason) for p in reviewed.reviews] == [(s, n.reason) for s, n in needed.items()]
    assert approvers_needed(reviewed, INCIDENT) == needed  # the same answer once they are there
    assert verify(reviewed) == []
