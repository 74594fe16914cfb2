"""Editing a run's state as Studio does (`update_state`) and raising a finished run's caps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from autogenesis import Context, build_graph
from autogenesis.checkpoints import open_persistence
from autogenesis.checkpoints.serde import serializer
from autogenesis.models.scripted import ScriptedChatModel
from autogenesis.runner import RunError, Runner
from autogenesis.state import REVIEWED_STAGES

HELPDESK = "a helpdesk that triages tickets, drafts replies and has a reviewer approve them"


def _finished_build(tmp_path: Path) -> tuple[Any, Context, dict[str, Any]]:
    app = build_graph(ScriptedChatModel()).compile(checkpointer=InMemorySaver(serde=serializer()))
    ctx = Context(out_dir=str(tmp_path / "out"))
    config = {"configurable": {"thread_id": "t"}, "recursion_limit": ctx.recursion_limit()}
    assert app.invoke({"request": HELPDESK}, config, context=ctx)["status"] == "approved"
    return app, ctx, config


def test_every_checkpoint_of_a_finished_build_can_be_edited(tmp_path: Path) -> None:
    app, _, config = _finished_build(tmp_path)
    history = list(app.get_state_history(config))
    verdicts = [len(s.values.get("reviews", [])) for s in history]
    after_a_verdict = [s for s, n, older in zip(history, verdicts, verdicts[1:], strict=False) if n > older]
    assert len(after_a_verdict) == len(REVIEWED_STAGES)
    for snapshot in history:
        edited = app.update_state(snapshot.config, {"request": f"{HELPDESK}, edited"})
        assert app.get_state(edited).values["request"] == f"{HELPDESK}, edited"


def test_a_run_continued_from_an_edited_approved_design_deploys_the_edit(tmp_path: Path) -> None:
    app, ctx, config = _finished_build(tmp_path)
    approved_design = next(s for s in app.get_state_history(config) if s.next == ("hierarchy",))
    assert approved_design.values["reviews"][-1].stage == "design"
    assert approved_design.values["reviews"][-1].approved
    blueprint = approved_design.values["blueprint"]
    edited = blueprint.model_copy(update={"description": "Edited in Studio: triage first, then reply."})
    # Studio and langgraph_sdk send the edit as JSON; the state's reducer types it again.
    fork = app.update_state(approved_design.config, {"blueprint": edited.model_dump(mode="json")})
    assert app.get_state(fork).values["blueprint"] == edited

    out = app.invoke(None, {**fork, "recursion_limit": ctx.recursion_limit()}, context=ctx)

    assert out["status"] == "approved"
    assert out["deployment"].version == 2
    readme = (Path(out["deployment"].path) / "README.md").read_text()
    assert "Edited in Studio: triage first, then reply." in readme


def test_caps_are_kept_in_state_for_the_routers(tmp_path: Path) -> None:
    app = build_graph(ScriptedChatModel(reject={"design": 5})).compile(checkpointer=InMemorySaver())
    ctx = Context(out_dir=str(tmp_path), max_retries={"design": 2}, max_iterations=0)
    config = {"configurable": {"thread_id": "c"}, "recursion_limit": ctx.recursion_limit()}
    out = app.invoke({"request": HELPDESK}, config, context=ctx)
    assert out["status"] == "escalated:design"
    assert out["caps"] == {**dict.fromkeys(REVIEWED_STAGES, 3), "design": 2, "iterations": 0}
    assert out["attempts"]["design"] == 2


@pytest.mark.parametrize("db", ["memory", "sqlite"])
def test_resume_with_a_higher_cap_continues_an_escalated_run(db: str, tmp_path: Path) -> None:
    target = "memory" if db == "memory" else str(tmp_path / "runs.db")
    with open_persistence(target) as persistence:
        rejecting = Runner(persistence, ScriptedChatModel(reject={"design": 2}))
        first = rejecting.start(
            HELPDESK, thread_id="e", context=Context(out_dir=str(tmp_path / "out"), max_retries={"design": 2})
        )
        assert (first.status, first.state["attempts"]["design"]) == ("escalated:design", 2)

        again = Runner(persistence, ScriptedChatModel()).resume("e")
        assert (again.status, again.message) == (
            "escalated:design",
            "already finished; raise its cap to go on: resume --max-retries",
        )
        with pytest.raises(RunError, match=r"continue with --max-retries design=3 or more"):
            Runner(persistence, ScriptedChatModel()).resume("e", caps={"max_retries": {"design": 2}})

        resumed = Runner(persistence, ScriptedChatModel()).resume("e", caps={"max_retries": {"design": 4}})
        assert (resumed.status, resumed.exit_code) == ("approved", 0)
        assert resumed.state["attempts"]["design"] == 3
        assert [(r.stage, r.approved) for r in resumed.state["reviews"] if r.stage == "design"] == [
            ("design", False),
            ("design", False),
            ("design", True),
        ]
        record = Runner(persistence, ScriptedChatModel()).registry.get("e")
        assert record is not None
        assert (record.status, record.context["max_retries"]) == ("approved", {"design": 4})
