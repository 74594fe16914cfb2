"""Human approval in the pipeline: a gated stage waits on `interrupt()`; `Command(resume=...)` answers it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from test_pipeline import HELPDESK, Recording

from autogenesis import Context, build_graph
from autogenesis.checkpoints import open_persistence
from autogenesis.human import InvalidAnswer, answer
from autogenesis.models.scripted import ScriptedChatModel
from autogenesis.runner import RunError, Runner
from autogenesis.state import PendingReview


class Gated:
    """A build with gates, driven one answer at a time; `asked` is every interrupt's value, in order."""

    def __init__(self, tmp_path: Path, **context: Any) -> None:
        self.script = Recording()
        self.app = build_graph(ScriptedChatModel(self.script)).compile(checkpointer=InMemorySaver())
        self.ctx = Context(out_dir=str(tmp_path / "out"), **context)
        self.config: Any = {"configurable": {"thread_id": "t"}, "recursion_limit": self.ctx.recursion_limit()}
        self.asked: list[dict[str, Any]] = []
        self.out = self._go({"request": HELPDESK})

    def _go(self, value: Any) -> dict[str, Any]:
        out = self.app.invoke(value, self.config, context=self.ctx)
        self.asked += [i.value for i in out.get("__interrupt__", ())]
        return out

    def reply(self, resume: Any) -> dict[str, Any]:
        self.out = self._go(Command(resume=resume))
        return self.out


def test_a_rejection_with_a_reason_reworks_and_an_approval_goes_on_to_the_next_gate(tmp_path: Path) -> None:
    run = Gated(tmp_path, human_approval=("design", "generate"))
    assert run.app.get_state(run.config).next == ("human_review",)
    first = run.asked[0]
    assert (first["stage"], first["attempt"]) == ("design", 1)
    assert first["work"].startswith("blueprint: {") and '"triages_tickets"' in first["work"]
    assert first["advice"] == {
        "approved": True,
        "reasons": ["covers 'triages tickets'", "covers 'drafts replies'"],
        "by": "model",
    }
    assert run.script.feedback("design") == [()]

    run.reply({"approve": False, "reason": "add a billing agent"})
    assert [(a["stage"], a["attempt"]) for a in run.asked] == [("design", 1), ("design", 2)]
    # The person's reason reaches the worker as a model's rejection does: unprefixed.
    assert run.script.feedback("design") == [(), ("add a billing agent",)]

    out = run.reply({"approve": True})
    assert [(a["stage"], a["attempt"]) for a in run.asked][-1] == ("generate", 1)
    assert run.asked[-1]["work"].startswith("system agents: triages_tickets (")
    assert out["pending_review"].stage == "generate" and out["status"] == "running"
    people = [(r.stage, r.attempt, r.approved, r.reasons) for r in out["reviews"] if r.reviewer == "human"]
    assert people == [("design", 1, False, ("add a billing agent",)), ("design", 2, True, ())]
    # No model judged a gated stage's work for the record: the stage's only verdicts are the person's.
    assert [r.reviewer for r in out["reviews"] if r.stage == "design"] == ["human"] * 2
    assert [e.detail for e in out["events"] if e.kind == "verdict" and e.node == "review_design"] == [
        "attempt 1 rejected by a person: add a billing agent",
        "attempt 2 approved by a person",
    ]


def test_the_same_rejection_of_the_same_generated_code_is_a_loop(tmp_path: Path) -> None:
    run = Gated(tmp_path, human_approval=("generate",))
    run.reply({"approve": False, "reason": "too few tests"})
    out = run.reply({"approve": False, "reason": "too few tests"})
    assert out["status"] == "loop_detected:generate"
    assert out["attempts"]["generate"] == 2 and len(run.asked) == 2


def test_a_person_s_rejections_escalate_at_the_cap(tmp_path: Path) -> None:
    run = Gated(tmp_path, human_approval=("understand",), max_retries={"understand": 2})
    run.reply({"approve": False, "reason": "name the actors"})
    out = run.reply({"approve": False, "reason": "state the constraints"})
    assert out["status"] == "escalated:understand" and len(run.asked) == 2
    assert run.script.feedback("understand") == [(), ("name the actors",)]


def test_an_answer_that_is_no_verdict_asks_again_saying_why(tmp_path: Path) -> None:
    run = Gated(tmp_path, human_approval=("understand", "design"))
    run.reply({"approve": False})
    assert run.asked[-1]["problem"] == 'a rejection needs a reason: {"approve": false, "reason": "why"}'
    assert run.app.get_state(run.config).next == ("human_review",)
    out = run.reply(True)
    assert [(a["stage"], a["attempt"]) for a in run.asked] == [("understand", 1), ("understand", 1), ("design", 1)]
    assert [(r.stage, r.approved, r.reviewer) for r in out["reviews"]] == [("understand", True, "human")]


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        ({"approve": True}, (True, "")),
        ({"approve": False, "reason": " why "}, (False, "why")),
        ("Approve", (True, "")),
        ("add a billing agent", (False, "add a billing agent")),
        (True, (True, "")),
    ],
)
def test_answers(value: Any, verdict: tuple[bool, str]) -> None:
    assert answer(value) == verdict


@pytest.mark.parametrize("value", [{"approve": False, "reason": ""}, "  ", None, {"approve": "yes"}, False])
def test_answers_that_are_no_verdict(value: Any) -> None:
    with pytest.raises(InvalidAnswer):
        answer(value)


def test_human_approval_names_reviewed_stages() -> None:
    assert Context(human_approval=["generate", "design", "generate"]).human_approval == ("generate", "design")  # type: ignore[arg-type]
    assert Context(human_approval="design,generate").human_approval == ("design", "generate")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"unknown stage\(s\) in human_approval: deploy \(stages: understand,"):
        Context(human_approval=("deploy",))


def test_the_runner_reports_a_waiting_run_resume_keeps_its_gates_and_review_answers(tmp_path: Path) -> None:
    asked: list[tuple[str, int]] = []

    def leave_waiting(thread_id: str, pending: PendingReview) -> None:
        asked.append((pending.stage, pending.attempt))

    with open_persistence("memory") as persistence:
        runner = Runner(persistence, ScriptedChatModel())
        context = Context(out_dir=str(tmp_path), human_approval=("understand", "design"))
        first = runner.start(HELPDESK, thread_id="w", context=context)
        assert (first.status, first.exit_code) == ("awaiting_review:understand", 4)
        assert first.pending is not None and first.pending.attempt == 1
        assert first.message == "attempt 1 of understand waits for a person's review"
        assert runner.registry.get("w").status == "awaiting_review:understand"  # type: ignore[union-attr]
        # The run's gates are kept in its record: a resume waits at the same gate again.
        again = runner.resume("w")
        assert (again.status, again.pending) == ("awaiting_review:understand", first.pending)
        answered = runner.review("w", {"approve": True}, ask=leave_waiting)
        assert (answered.status, asked) == ("awaiting_review:design", [("design", 1)])
        assert [(r.stage, r.reviewer) for r in answered.state["reviews"]] == [("understand", "human")]
        with pytest.raises(RunError, match="no run with thread id 'x'"):
            runner.review("x", {"approve": True})
