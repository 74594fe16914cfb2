"""The pipeline graph with the scripted model: exact outcomes for approvals, rejections, caps and faults."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from generated import imported, write_files
from langgraph.checkpoint.memory import InMemorySaver

from autogenesis import Context, build_graph
from autogenesis.drafts import DocsDraft, FeedbackDraft, Verdict
from autogenesis.models import ModelError, TransientModelError
from autogenesis.models.base import Prompt, T
from autogenesis.models.scripted import Script, ScriptedChatModel
from autogenesis.state import REVIEWED_STAGES
from autogenesis.use_cases import USE_CASES

HELPDESK = "a helpdesk that triages tickets, drafts replies and has a reviewer approve them"


def run(
    model: ScriptedChatModel, tmp_path: Path, thread: str = "t1", request: str = HELPDESK, **context: Any
) -> tuple[Any, dict[str, Any]]:
    app = build_graph(model).compile(checkpointer=InMemorySaver())
    ctx = Context(out_dir=str(tmp_path / "out"), **context)
    config = {"configurable": {"thread_id": thread}, "recursion_limit": ctx.recursion_limit()}
    return app, app.invoke({"request": request}, config, context=ctx)


def test_full_build_is_approved_and_deployed(tmp_path: Path) -> None:
    model = ScriptedChatModel()
    _, out = run(model, tmp_path)
    assert out["status"] == "approved"
    assert str(out["halt"]) == "approved"
    assert out["attempts"] == dict.fromkeys(REVIEWED_STAGES, 1)
    assert [(r.stage, r.approved) for r in out["reviews"]] == [(s, True) for s in REVIEWED_STAGES]
    blueprint = out["blueprint"]
    # "has a reviewer approve them" is a review of the replies, not a third worker.
    assert [a.slug for a in blueprint.agents] == ["triages_tickets", "drafts_replies", "drafts_replies_reviewer"]
    assert [(p.worker, p.reason) for p in blueprint.reviews] == [
        ("drafts_replies", 'the request says "a reviewer approve"')
    ]
    assert set(out["prompts"]) == {a.slug for a in blueprint.agents}
    assert out["test_report"].ok and out["test_report"].failed == 0
    deployment = out["deployment"]
    assert deployment.version == 1
    assert Path(deployment.path) == (tmp_path / "out" / blueprint.name / "v1").resolve()
    assert (Path(deployment.path) / "README.md").read_text() == out["project"].files["README.md"]
    # every model call went through the accounting point
    assert Counter(c.role for c in out["calls"]) == model.count()
    assert model.count() == Counter(
        {
            "understand": 1,
            "design": 1,
            "hierarchy": 1,
            "design_prompts": 3,
            "optimize": 1,
            "document": 1,
            "feedback": 1,
            **{f"review:{s}": 1 for s in REVIEWED_STAGES if s != "design_prompts"},
            "review:design_prompts": 3,
        }
    )


def test_a_person_the_request_names_approves_as_a_human_gate(tmp_path: Path) -> None:
    request = (
        "an on-call incident response assistant that reads an alert, gathers deploy logs, proposes a cause "
        "and drafts a status update that a senior reviewer must approve"
    )
    model = ScriptedChatModel()
    _, out = run(model, tmp_path, request=request)
    assert out["status"] == "approved"
    blueprint = out["blueprint"]
    # Reviewers only where the request asked: the person's gate on the update, no model reviewer.
    assert [(a.slug, a.kind) for a in blueprint.agents] == [
        ("reads_alert", "tool"),
        ("gathers_deploy_logs", "tool"),
        ("proposes_cause", "llm"),
        ("drafts_status_update", "llm"),
        ("senior_reviewer", "human"),
    ]
    assert blueprint.finish == "senior_reviewer"
    assert [(p.worker, p.approver, p.reason) for p in blueprint.reviews] == [
        ("drafts_status_update", "senior_reviewer", 'the request says "a senior reviewer must approve"')
    ]
    # The gate asks no model what to approve but the criteria the person is shown.
    assert model.count()["hierarchy"] == 1
    files = out["project"].files
    assert "interrupt(" in files["on_call_incident/runtime.py"]
    assert "ask_approval(" in files["on_call_incident/nodes/senior_reviewer.py"]
    # "reads an alert" and "gathers deploy logs" fetch outside data: tool agents with their tools.
    assert [(t.name, t.agent, t.source) for t in blueprint.tools] == [
        ("read_alert", "reads_alert", "alert"),
        ("gather_deploy_logs", "gathers_deploy_logs", "deploy_logs"),
    ]
    assert blueprint.patterns() == ("prompt chaining", "tool-using agent", "human-in-the-loop")
    assert out["test_report"].ok and out["test_report"].passed == 1 + len(blueprint.reviews) + len(blueprint.scenarios)


def test_jobs_the_request_runs_in_parallel_branch_and_join(tmp_path: Path) -> None:
    request = (
        "a research assistant that takes a question, searches the web and reads papers in parallel, "
        "then writes a summary"
    )
    _, out = run(ScriptedChatModel(), tmp_path, request=request)
    assert out["status"] == "approved"
    blueprint = out["blueprint"]
    assert blueprint.patterns() == ("prompt chaining", "parallelization", "evaluator-optimizer", "tool-using agent")
    assert {(e.source, e.target, e.condition) for e in blueprint.edges} == {
        ("takes_question", "searches_web", None),
        ("takes_question", "reads_papers", None),
        ("searches_web", "writes_summary", None),
        ("reads_papers", "writes_summary", None),
        ("writes_summary", "writes_summary_reviewer", None),
        ("writes_summary_reviewer", "writes_summary", "reject"),
    }
    # The summary is the system's answer: the one reviewed step.
    assert [(p.worker, p.reason) for p in blueprint.reviews] == [
        ("writes_summary", "its output is the system's answer, which leaves the system")
    ]
    assert out["test_report"].ok and out["test_report"].passed == 1 + len(blueprint.reviews) + len(blueprint.scenarios)
    assert 'add_join(builder, agent="writes_summary")' in out["project"].files[f"{blueprint.name}/graph.py"]


class Recording(Script):
    """The scripted model's script, also keeping every prompt it was asked."""

    def __init__(self, **scripting: Any) -> None:
        super().__init__(**scripting)
        self.prompts: list[Prompt] = []

    def generate(self, schema: type[T], prompt: Prompt) -> T:
        self.prompts.append(prompt)
        return super().generate(schema, prompt)

    def feedback(self, role: str) -> list[tuple[str, ...]]:
        """The feedback of each prompt asked of `role`, in order."""
        return [p.feedback for p in self.prompts if p.role == role]


TRIAGE, REPLIES = "weak on 'triages tickets'", "weak on 'drafts replies'"
#: Three rejections of the helpdesk, each for other reasons (an approver cites the request's clauses).
DISTINCT = [(TRIAGE,), (REPLIES,), (TRIAGE, REPLIES)]


def _rejections(reasons: list[tuple[str, ...]]) -> list[Verdict]:
    return [Verdict(approved=False, reasons=list(r)) for r in reasons]


def _loop_note(stage: str, first: int, what: str) -> str:
    return (
        f"This is a loop: {stage} attempts {first} and {first + 1} were rejected with {what}, "
        "so do not repeat that work; take a different approach."
    )


@pytest.mark.parametrize("stage", ["document", "feedback"])
def test_distinct_rejections_of_distinct_work_escalate_at_exactly_the_cap(stage: str, tmp_path: Path) -> None:
    work: dict[str, list[Any]] = {
        "document": [DocsDraft(overview=f"overview {n}", user_guide="run it", operations="ops") for n in (1, 2, 3)],
        "feedback": [FeedbackDraft(summary=f"summary {n}") for n in (1, 2, 3)],
    }
    model = ScriptedChatModel(responses={stage: work[stage], f"review:{stage}": _rejections(DISTINCT)})
    _, out = run(model, tmp_path)
    assert out["status"] == f"escalated:{stage}"
    assert out["attempts"][stage] == 3
    assert [r.reasons for r in out["reviews"] if r.stage == stage] == DISTINCT
    model.assert_consumed()


@pytest.mark.parametrize("stage", REVIEWED_STAGES)
def test_identical_rejections_end_loop_detected_before_the_cap(stage: str, tmp_path: Path) -> None:
    model = ScriptedChatModel(reject={stage: None})
    _, out = run(model, tmp_path, max_retries={stage: 5})
    assert out["status"] == f"loop_detected:{stage}"
    assert out["halt"].kind == "loop_detected" and out["halt"].stage == stage
    # Varied once, then stopped; generate renders without a model, so it has nothing to vary.
    judgments = 2 if stage == "generate" else 3
    assert out["attempts"][stage] == judgments
    verdicts = [r for r in out["reviews"] if r.stage == stage]
    assert [(r.attempt, r.approved) for r in verdicts] == [(n, False) for n in range(1, judgments + 1)]
    assert len({r.reasons for r in verdicts}) == 1 and all(r.work for r in verdicts)
    assert ("deployment" in out) == (stage == "feedback")


@pytest.mark.parametrize("stage", [s for s in REVIEWED_STAGES if s != "generate"])
def test_a_cap_reached_before_the_second_repetition_escalates(stage: str, tmp_path: Path) -> None:
    model = ScriptedChatModel(reject={stage: None})
    _, out = run(model, tmp_path, max_retries={stage: 2})
    assert out["status"] == f"escalated:{stage}"
    assert out["halt"].kind == "escalated" and out["halt"].stage == stage
    assert out["attempts"][stage] == 2
    verdicts = [r for r in out["reviews"] if r.stage == stage]
    assert [(r.attempt, r.approved) for r in verdicts] == [(1, False), (2, False)]
    assert ("deployment" in out) == (stage == "feedback")


def test_a_detected_loop_takes_precedence_over_the_cap(tmp_path: Path) -> None:
    model = ScriptedChatModel(reject={"generate": None})
    _, out = run(model, tmp_path, max_retries={"generate": 2})
    assert (out["status"], out["attempts"]["generate"]) == ("loop_detected:generate", 2)


def test_a_worker_repeating_its_work_is_varied_then_stopped(tmp_path: Path) -> None:
    script = Recording(responses={"review:design": _rejections(DISTINCT)})
    _, out = run(ScriptedChatModel(script), tmp_path, max_retries={"design": 5})
    assert script.feedback("design") == [(), (TRIAGE,), (REPLIES, _loop_note("design", 1, "the same work"))]
    assert out["status"] == "loop_detected:design"
    assert out["halt"].detail == (
        f"attempt 2 repeated 1 (the same work), attempt 3 repeated 2 (the same work); last reasons: {TRIAGE}; {REPLIES}"
    )
    script.assert_consumed()


def test_an_approver_repeating_its_reasons_is_varied_then_stopped(tmp_path: Path) -> None:
    summaries = [FeedbackDraft(summary=f"summary {n}") for n in (1, 2, 3)]
    script = Recording(responses={"feedback": summaries}, reject={"feedback": None})
    _, out = run(ScriptedChatModel(script), tmp_path, max_retries={"feedback": 5})
    assert script.feedback("feedback") == [(), (TRIAGE,), (TRIAGE, _loop_note("feedback", 1, "the same reasons"))]
    assert out["status"] == "loop_detected:feedback" and out["attempts"]["feedback"] == 3
    script.assert_consumed()


def test_integration_and_design_handing_back_the_same_failures_is_a_loop(tmp_path: Path) -> None:
    script = Recording(reject={"integrate": None})
    _, out = run(ScriptedChatModel(script), tmp_path, max_retries={"integrate": 5})
    assert script.feedback("design") == [
        (),
        (TRIAGE,),
        (TRIAGE, _loop_note("integrate", 1, "the same work and the same reasons")),
    ]
    assert [c for c in script.calls if c in ("design", "review:integrate")] == ["design", "review:integrate"] * 3
    assert out["status"] == "loop_detected:integrate"
    assert (out["attempts"]["integrate"], out["attempts"]["design"]) == (3, 3)


def test_small_business_build_rejecting_identical_code_ends_after_two_judgments(tmp_path: Path) -> None:
    model = ScriptedChatModel(reject={"generate": None})
    _, out = run(model, tmp_path, request=USE_CASES["project_management"])
    assert out["status"] == "loop_detected:generate"
    assert model.count()["review:generate"] == 2 and out["attempts"]["generate"] == 2
    assert out["halt"].detail == (
        "attempt 2 repeated 1 (the same work and the same reasons); last reasons: weak on 'plans projects'"
    )


def test_a_rejection_goes_back_with_its_reasons(tmp_path: Path) -> None:
    model = ScriptedChatModel(reject={"design": 1})
    _, out = run(model, tmp_path)
    assert out["status"] == "approved"
    assert out["attempts"]["design"] == 2
    assert model.count()["design"] == 2
    model.assert_consumed()


def test_integration_failures_send_the_run_back_to_design(tmp_path: Path) -> None:
    model = ScriptedChatModel(reject={"integrate": 1})
    _, out = run(model, tmp_path)
    assert out["status"] == "approved"
    assert out["attempts"]["integrate"] == 2 and out["attempts"]["design"] == 2
    assert model.count()["design"] == 2


def test_an_empty_request_ends_with_a_typed_halt(tmp_path: Path) -> None:
    model = ScriptedChatModel()
    app = build_graph(model).compile(checkpointer=InMemorySaver())
    out = app.invoke({"request": "   "}, {"configurable": {"thread_id": "e"}}, context=Context(out_dir=str(tmp_path)))
    assert out["status"] == "error:intake"
    assert out["halt"].detail == "the request is empty"
    assert model.calls == []


def test_a_transient_fault_is_retried_in_place(tmp_path: Path) -> None:
    model = ScriptedChatModel(faults={"design": [TransientModelError("connection reset")]})
    _, out = run(model, tmp_path)
    assert out["status"] == "approved"
    assert model.count()["design"] == 2


def test_a_model_error_stops_the_run_resumably(tmp_path: Path) -> None:
    model = ScriptedChatModel(faults={"design": [ModelError("no valid answer")]})
    app = build_graph(model).compile(checkpointer=InMemorySaver())
    ctx = Context(out_dir=str(tmp_path))
    config = {"configurable": {"thread_id": "f"}, "recursion_limit": ctx.recursion_limit()}
    with pytest.raises(ModelError):
        app.invoke({"request": HELPDESK}, config, context=ctx)
    assert app.get_state(config).next == ("design",)
    out = app.invoke(None, config, context=ctx)
    assert out["status"] == "approved"
    assert model.count()["understand"] == 1 and model.count()["design"] == 2


def test_feedback_can_iterate_to_a_second_version(tmp_path: Path) -> None:
    from autogenesis.drafts import FeedbackDraft

    iterate = FeedbackDraft(summary="needs a validator", improvements=["add a validator"], iterate=True)
    done = FeedbackDraft(summary="good", improvements=[], iterate=False)
    model = ScriptedChatModel(responses={"feedback": [iterate, done]})
    _, out = run(model, tmp_path, max_iterations=1)
    assert out["status"] == "approved"
    assert out["iteration"] == 1
    assert out["blueprint"].version == 2 and out["deployment"].version == 2
    assert sorted(p.name for p in (tmp_path / "out" / out["blueprint"].name).iterdir()) == ["v1", "v2"]
    model.assert_consumed()


def test_recursion_limit_is_derived_from_the_caps() -> None:
    small, large = Context(default_retries=1, max_iterations=0), Context(default_retries=5, max_iterations=2)
    assert small.recursion_limit() < large.recursion_limit() < 10_000
    # defaults: cap 3 everywhere, one iteration: (6 + 3 * (6 + 6 + 9 + 6 + 2) + 18 + 8) * 2 + 8
    assert Context().recursion_limit() == 246


def test_unknown_stage_in_caps_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown stage"):
        Context(max_retries={"desing": 2})


@pytest.mark.parametrize("approved", [False, True], ids=["rejection", "approval"])
def test_a_verdict_copied_from_the_worked_example_on_every_attempt_approves_nothing(
    tmp_path: Path, approved: bool
) -> None:
    from autogenesis.drafts import Verdict
    from autogenesis.prompts.review import EXAMPLES

    copied = Verdict(approved=approved, reasons=list(EXAMPLES[0 if approved else 1].output.reasons))
    # Asked three times (two retries), copied each time; then a verdict of the model's own.
    model = ScriptedChatModel(responses={"review:design": [copied] * 3 + [Verdict(approved=True)]})
    _, out = run(model, tmp_path)
    assert out["status"] == "approved"
    said = copied.reasons[0]
    assert [(r.approved, r.reviewer, r.reasons) for r in out["reviews"] if r.stage == "design"] == [
        (
            False,
            "checks",
            (
                f"the model gave no judgment of its own (scripted's review:design answer copied {said!r} on every "
                "attempt); the work is not approved on a copy",
            ),
        ),
        (True, "model", ()),
    ]
    assert [c.copies for c in out["calls"] if c.role == "review:design"] == [2, 0]
    model.assert_consumed()


def test_a_verdict_cites_the_request_s_clauses_and_a_grounded_rejection_counts(tmp_path: Path) -> None:
    from autogenesis.drafts import Verdict

    # A reason naming no clause of the request is not among those offered: re-asked.
    vague = Verdict(approved=False, reasons=["no agent drafts the replies"])
    weak = Verdict(approved=False, reasons=["weak on 'drafts replies'"])
    model = ScriptedChatModel(responses={"review:design": [vague, weak, Verdict(approved=True)]})
    _, out = run(model, tmp_path)
    assert out["status"] == "approved"
    assert [(r.approved, r.reviewer, r.reasons) for r in out["reviews"] if r.stage == "design"] == [
        (False, "model", ("weak on 'drafts replies'",)),
        (True, "model", ()),
    ]
    assert [c.attempts for c in out["calls"] if c.role == "review:design"] == [2, 1]
    model.assert_consumed()


def test_a_rejection_saying_the_work_misses_a_clause_it_states_is_refuted_by_the_work(tmp_path: Path) -> None:
    from autogenesis.drafts import Verdict

    false_claim = Verdict(approved=False, reasons=["misses 'drafts replies'"])  # the design has drafts_replies
    model = ScriptedChatModel(responses={"review:design": [false_claim]})
    _, out = run(model, tmp_path)
    assert out["status"] == "approved"
    assert [(r.approved, r.reviewer, r.reasons) for r in out["reviews"] if r.stage == "design"] == [
        (
            True,
            "checks",
            ("the model's rejection cited misses 'drafts replies', which the work states; the checks passed",),
        ),
    ]
    model.assert_consumed()


def test_model_calls_do_not_depend_on_how_long_the_generated_tests_took(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A loaded machine runs the generated tests slower: no prompt may quote those seconds, or two
    # builds of one request (an uninterrupted run and a resumed one) would differ in their calls.
    from autogenesis import sandbox
    from autogenesis.nodes import integrate, optimize

    calls = []
    for seconds in (1.5, 123.456):

        def timed(files: dict[str, str], seconds: float = seconds, **limits: Any) -> Any:
            return sandbox.run_project_tests(files, **limits).model_copy(update={"duration_s": seconds})

        monkeypatch.setattr(integrate, "run_project_tests", timed)
        monkeypatch.setattr(optimize, "run_project_tests", timed)
        _, out = run(ScriptedChatModel(), tmp_path / str(seconds))
        assert out["metrics"].test_seconds == seconds
        calls.append([call.model_copy(update={"latency_s": 0.0}) for call in out["calls"]])
    assert calls[0] == calls[1]


def test_a_feedback_iteration_keeps_the_user_s_edits_of_tools_and_prompts(tmp_path: Path) -> None:
    from autogenesis.drafts import FeedbackDraft

    request = "an incident helper that gathers deploy logs and drafts a status update"
    iterate = FeedbackDraft(summary="more detail", improvements=["say which deploy"], iterate=True)
    done = FeedbackDraft(summary="good", improvements=[], iterate=False)
    model = ScriptedChatModel(responses={"feedback": [iterate, done]})
    app = build_graph(model).compile(checkpointer=InMemorySaver(), interrupt_after=["deploy"])
    ctx = Context(out_dir=str(tmp_path / "out"), max_iterations=1)
    config = {"configurable": {"thread_id": "edits"}, "recursion_limit": ctx.recursion_limit()}
    app.invoke({"request": request}, config, context=ctx)
    v1 = Path(app.get_state(config).values["deployment"].path)
    name = v1.parent.name
    tools, prompt, graph = (
        v1 / name / "tools.py",
        v1 / name / "prompts" / "drafts_status_update.py",
        v1 / name / "graph.py",
    )
    edited_tool = tools.read_text().replace("return lookup(", "return 'from our log store: ' + lookup(", 1)
    tools.write_text(edited_tool)
    prompt.write_text(prompt.read_text() + "\n# tuned by hand\n")
    graph.write_text(graph.read_text() + "\n# wiring edited by hand\n")
    app.invoke(None, config, context=ctx)  # on to the feedback, a second design, and deploy v2
    deployment = app.get_state(config).values["deployment"]
    v2 = Path(deployment.path)
    assert (v2.name, deployment.carried) == ("v2", (f"{name}/prompts/drafts_status_update.py", f"{name}/tools.py"))
    assert (deployment.conflicts, deployment.not_carried) == ((), (f"{name}/graph.py",))
    assert (v2 / name / "tools.py").read_text() == edited_tool
    assert (v2 / name / "prompts" / "drafts_status_update.py").read_text().endswith("# tuned by hand\n")
    assert "# wiring edited by hand" not in (v2 / name / "graph.py").read_text()
    app.invoke(None, config, context=ctx)
    assert app.get_state(config).values["status"] == "approved"


def test_a_tool_using_job_fans_out_to_parallel_branches_once_it_answers(tmp_path: Path) -> None:
    request = (
        "an on-call assistant that reads an alert, gathers deploy logs and checks the runbook in parallel, "
        "then drafts a status update that a senior reviewer must approve"
    )
    _, out = run(ScriptedChatModel(), tmp_path, request=request)
    assert out["status"] == "approved"
    blueprint = out["blueprint"]
    assert [(a.slug, a.kind) for a in blueprint.agents] == [
        ("reads_alert", "tool"),
        ("gathers_deploy_logs", "tool"),
        ("checks_runbook", "llm"),
        ("drafts_status_update", "llm"),
        ("senior_reviewer", "human"),
    ]
    with imported(write_files(out["project"].files, tmp_path / "project"), f"{blueprint.name}.graph") as graph:
        drawn = {
            (e.source, e.target, e.conditional) for e in graph.graph.get_graph().edges if e.source == "reads_alert"
        }
    assert drawn == {
        ("reads_alert", "reads_alert_tools", True),
        ("reads_alert", "gathers_deploy_logs", True),
        ("reads_alert", "checks_runbook", True),
    }
    assert out["test_report"].ok and out["test_report"].passed == 1 + len(blueprint.reviews) + len(blueprint.scenarios)


LONG_REQUESTS = {
    "one clause": "a helpdesk that " + " ".join(["triages the tickets of every customer"] * 400),
    "a clause repeated": "a helpdesk, " + "which triages tickets and " * 400,
    "many sentences": 2
    * " ".join(
        f"The system then {verb} the {noun} of each {item}."
        for verb in ("reads", "checks", "files", "summarises")
        for noun in ("tickets", "invoices", "reports", "claims", "orders")
        for item in ("customer", "supplier", "region", "team", "month", "quarter")
    ),
}


@pytest.mark.parametrize("kind", sorted(LONG_REQUESTS))
def test_the_scripted_model_deploys_a_request_of_the_longest_size(kind: str, tmp_path: Path) -> None:
    request = LONG_REQUESTS[kind][:8000].strip()
    assert len(request) > 7900
    _, out = run(ScriptedChatModel(), tmp_path, request=request, max_iterations=0)
    assert (out["status"], out["test_report"].ok) == ("approved", True)
    capabilities = out["spec"].capabilities  # each a worker's role, within the draft's limit
    assert len(set(capabilities)) == len(capabilities) and max(map(len, capabilities)) <= 300


@pytest.mark.parametrize("request_text", ["requests", "pluggy", "yaml"])
def test_a_request_named_after_an_installed_package_deploys_under_a_name_that_shadows_nothing(
    tmp_path: Path, request_text: str
) -> None:
    _, out = run(ScriptedChatModel(), tmp_path, request=request_text)
    package = f"{request_text}_system"
    assert out["status"] == "approved"
    assert out["blueprint"].name == package
    report = out["test_report"]
    blueprint = out["blueprint"]
    assert (report.passed, report.failed, report.errors, report.failures) == (
        1 + len(blueprint.reviews) + len(blueprint.scenarios),
        0,
        0,
        (),
    )
    deployed = Path(out["deployment"].path)
    assert deployed == (tmp_path / "out" / package / "v1").resolve()
    assert (deployed / package / "__init__.py").is_file()
    assert not (deployed / request_text).exists()
    pyproject = (deployed / "pyproject.toml").read_text()
    assert f'name = "{package}"' in pyproject and f'{package} = "{package}.__main__:main"' in pyproject
