"""The user's feedback as a change clause of the request, and `show --diff`'s version ranges."""

from __future__ import annotations

import pytest

from autogenesis.iterations import amended_request, change_clause, parse_range
from autogenesis.validation import InvalidRequest


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("give the planner a budget agent", "The planner has a budget agent."),
        ("Please give the triage agent an escalation step.", "The triage agent has an escalation step."),
        ("add a budget agent", "It has a budget agent."),
        ("add an auditor to the planner", "The planner has an auditor."),
        ("  the replies   must be shorter! ", "The replies must be shorter."),
    ],
)
def test_change_clause(text: str, clause: str) -> None:
    assert change_clause(text) == clause


def test_amended_request_adds_the_clause_after_the_request() -> None:
    assert amended_request("a helpdesk that triages tickets.", "add a billing agent") == (
        "a helpdesk that triages tickets. It has a billing agent."
    )
    with pytest.raises(InvalidRequest):
        amended_request("x" * 7_990, "add a billing agent")


def test_parse_range() -> None:
    assert parse_range("last", [1, 2, 3]) == (2, 3)
    assert parse_range("1..3", [1, 2, 3]) == (1, 3)
    with pytest.raises(ValueError, match=r"^the run deployed 1 version\(s\); a diff needs two$"):
        parse_range("last", [1])
    with pytest.raises(ValueError, match=r"^--diff takes two versions as A\.\.B \(e\.g\. 1\.\.2\), not '2'$"):
        parse_range("2", [1, 2])
    with pytest.raises(ValueError, match=r"^the run has no version v4 \(deployed: v1, v2\)$"):
        parse_range("1..4", [1, 2])
