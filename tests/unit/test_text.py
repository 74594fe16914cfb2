"""Reading a request's clauses: the leading article or verb goes, and only whole words of it."""

from __future__ import annotations

from autogenesis.text import request_clauses


def test_a_leading_article_or_build_verb_is_dropped_as_a_whole_word() -> None:
    assert request_clauses("An on-call assistant that reads an alert and drafts an update") == [
        "reads an alert",
        "drafts an update",
    ]
    assert request_clauses("an assistant") == ["assistant"]
    assert request_clauses("anthology builder") == ["anthology builder"]  # not "nthology builder"
    assert request_clauses("designer tool") == ["designer tool"]  # not "er tool"
    assert request_clauses("Build me a bot that answers questions") == ["answers questions"]
