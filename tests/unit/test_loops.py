"""Loop detection over the reviews in state, and the warmer model of a varied retry."""

from __future__ import annotations

import pytest

from autogenesis import Context
from autogenesis.loops import looping, repetition_note, repetitions
from autogenesis.models.chat import warmed, warmer
from autogenesis.models.scripted import ScriptedChatModel
from autogenesis.state import GenesisState, Review


def _rejected(stage: str, attempt: int, work: str, *reasons: str) -> Review:
    return Review(stage=stage, approved=False, reasons=reasons, attempt=attempt, work=work)  # type: ignore[arg-type]


def test_repetitions_count_only_since_the_stage_was_last_approved() -> None:
    reviews = [
        _rejected("design", 1, "a", "x"),
        _rejected("design", 2, "a", "x"),
        Review(stage="design", approved=True, attempt=3, work="b"),
        _rejected("integrate", 1, "r", "t"),
        _rejected("design", 4, "c", "y"),
        _rejected("design", 5, "d", "y"),
    ]
    assert repetitions(reviews, "design") == 1
    assert repetitions(reviews, "integrate") == 0


def test_an_unknown_digest_is_no_repetition() -> None:
    # Verdicts from a checkpoint written before digests were kept: empty work, other reasons.
    reviews = [_rejected("design", 1, "", "x"), _rejected("design", 2, "", "y")]
    assert repetitions(reviews, "design") == 0


def test_a_stage_loops_at_its_second_repetition_or_its_first_when_it_cannot_vary() -> None:
    once: GenesisState = {"reviews": [_rejected("design", 1, "a", "x"), _rejected("design", 2, "b", "x")]}
    assert not looping(once, "design")
    assert repetition_note(once) == (
        "This is a loop: design attempts 1 and 2 were rejected with the same reasons, "
        "so do not repeat that work; take a different approach."
    )
    twice: GenesisState = {"reviews": [*once["reviews"], _rejected("design", 3, "c", "x")]}
    assert looping(twice, "design")
    generated: GenesisState = {"reviews": [_rejected("generate", 1, "p", "x"), _rejected("generate", 2, "p", "y")]}
    assert looping(generated, "generate")


def test_a_retry_after_a_repetition_runs_warmer_where_the_model_has_a_temperature() -> None:
    class Tempered(ScriptedChatModel):
        temperature: float = 0.0

    cold, hot, plain = Tempered(temperature=0.1), Tempered(temperature=0.9), ScriptedChatModel()
    with warmer(Context().retry_temperature):
        assert warmed(cold).temperature == 0.7  # type: ignore[attr-defined]
        assert warmed(hot) is hot and warmed(plain) is plain
    with warmer(None):
        assert warmed(cold) is cold
    assert cold.temperature == 0.1


def test_the_retry_temperature_is_bounded() -> None:
    with pytest.raises(ValueError, match="retry_temperature must be between 0 and 2, got 3"):
        Context(retry_temperature=3)
