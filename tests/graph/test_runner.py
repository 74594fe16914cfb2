"""The runner behind the CLI: typed outcomes whatever happens inside the graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from autogenesis.checkpoints import open_persistence
from autogenesis.context import Context
from autogenesis.models import ModelError
from autogenesis.models.scripted import ScriptedChatModel
from autogenesis.runner import RunError, Runner

HELPDESK = "a helpdesk that triages tickets, drafts replies and has a reviewer approve them"


def test_a_step_bound_that_is_too_small_ends_in_a_typed_halt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Context, "recursion_limit", lambda self: 4)
    with open_persistence("memory") as persistence:
        outcome = Runner(persistence, ScriptedChatModel()).start(
            HELPDESK, thread_id="r", context=Context(out_dir=str(tmp_path))
        )
    assert (outcome.status, outcome.exit_code) == ("loop_detected:design", 3)
    assert outcome.message == "the run took more than 4 steps"


def test_a_model_error_is_an_error_halt_that_resume_continues(tmp_path: Path) -> None:
    with open_persistence("memory") as persistence:
        failing = Runner(persistence, ScriptedChatModel(faults={"design": [ModelError("no valid BlueprintDraft")]}))
        outcome = failing.start(HELPDESK, thread_id="e", context=Context(out_dir=str(tmp_path)))
        assert (outcome.status, outcome.message, outcome.exit_code) == ("error:design", "no valid BlueprintDraft", 3)
        assert failing.registry.get("e").status == "error:design"  # type: ignore[union-attr]
        resumed = Runner(persistence, ScriptedChatModel()).resume("e")
    assert (resumed.status, resumed.exit_code) == ("approved", 0)


def test_unknown_and_existing_threads_are_refused(tmp_path: Path) -> None:
    with open_persistence("memory") as persistence:
        runner = Runner(persistence, ScriptedChatModel())
        with pytest.raises(RunError, match="no run with thread id 'x'"):
            runner.resume("x")
        runner.start(HELPDESK, thread_id="t", context=Context(out_dir=str(tmp_path)))
        with pytest.raises(RunError, match="thread 't' already exists"):
            runner.start(HELPDESK, thread_id="t", context=Context(out_dir=str(tmp_path)))
