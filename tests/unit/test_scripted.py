"""The scripted model: deterministic answers, scripted rejections and faults, and loud complaints."""

from __future__ import annotations

from pathlib import Path

import pytest

from autogenesis.drafts import SpecDraft, Verdict
from autogenesis.models import ModelError, Prompt, UnexpectedCall
from autogenesis.models.scripted import Script

REVIEW = Prompt(role="review:design", task="judge", input="work")
SPEC = Prompt(role="understand", task="restate", input="x", data={"request": "a shop that sells books and ships them"})


def test_default_answers_follow_the_request() -> None:
    spec = Script().generate(SpecDraft, SPEC)
    assert spec.capabilities == ["sells books", "ships them"]
    assert spec.goal == "a shop that sells books and ships them"


def test_rejections_are_counted_then_approvals_resume() -> None:
    model = Script(reject={"design": 2})
    verdicts = [model.generate(Verdict, REVIEW).approved for _ in range(3)]
    assert verdicts == [False, False, True]
    model.assert_consumed()


def test_unconsumed_rejections_are_reported() -> None:
    model = Script(reject={"design": 2})
    model.generate(Verdict, REVIEW)
    with pytest.raises(AssertionError, match=r"never asked for: \{'review:design': 1\}"):
        model.assert_consumed()


def test_scripted_responses_then_unexpected_call() -> None:
    model = Script(responses={"review:design": [Verdict(approved=False, reasons=["no"])]}, defaults=False)
    assert model.generate(Verdict, REVIEW).reasons == ["no"]
    with pytest.raises(UnexpectedCall, match="no scripted response left for role 'review:design'"):
        model.generate(Verdict, REVIEW)
    with pytest.raises(UnexpectedCall, match="no scripted response left for role 'understand'"):
        model.generate(SpecDraft, SPEC)


def test_a_response_of_the_wrong_type_is_refused() -> None:
    model = Script(responses={"understand": [Verdict(approved=True)]})
    with pytest.raises(UnexpectedCall, match="is a Verdict, not a SpecDraft"):
        model.generate(SpecDraft, SPEC)


def test_faults_are_raised_once_in_order() -> None:
    model = Script(faults={"review:design": [ModelError("first")]})
    with pytest.raises(ModelError, match="first"):
        model.generate(Verdict, REVIEW)
    assert model.generate(Verdict, REVIEW).approved


def test_journal_records_every_call(tmp_path: Path) -> None:
    journal = tmp_path / "calls"
    model = Script.from_spec(f"journal={journal}")
    model.generate(Verdict, REVIEW)
    model.generate(SpecDraft, SPEC)
    assert journal.read_text() == "review:design\nunderstand\n"


def test_cli_options_are_checked() -> None:
    assert Script.from_spec("reject=design").generate(Verdict, REVIEW).approved is False
    with pytest.raises(ValueError, match="unknown scripted model option 'colour'"):
        Script.from_spec("colour=red")
