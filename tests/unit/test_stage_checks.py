"""Stage checks: off-topic agents and missing jobs or approvers are sent back with the reason."""

from __future__ import annotations

from autogenesis.blueprint.build import blueprint_from_draft
from autogenesis.blueprint.hierarchy import add_approvers
from autogenesis.drafts import AgentDraft, BlueprintDraft
from autogenesis.nodes.design import design_problems
from autogenesis.nodes.hierarchy import hierarchy_problems
from autogenesis.nodes.integrate import test_problems
from autogenesis.state import GenesisState, Specification, TestFailure, TestReport

SPEC = Specification(goal="Plan projects for small businesses", capabilities=("plan projects", "track progress"))
REQUEST = "a project manager that plans projects and tracks progress"


def state_for(*agents: AgentDraft) -> GenesisState:
    blueprint = blueprint_from_draft(BlueprintDraft(name="pm", agents=list(agents)), SPEC)
    return GenesisState(request=REQUEST, spec=SPEC, blueprint=blueprint)


def test_agents_on_topic_pass() -> None:
    state = state_for(AgentDraft(name="planner", role="Plans each project"), AgentDraft(name="tracker", role="Tracks"))
    assert design_problems(state) == []


def test_an_agent_about_nothing_the_request_mentions_is_sent_back_by_name() -> None:
    state = state_for(
        AgentDraft(name="planner", role="Plans the project."),
        AgentDraft(name="tracker", role="Tracks progress."),
        AgentDraft(name="scheduler", role="Books the meetings."),
    )
    assert design_problems(state) == ["agent 'scheduler' (Books the meetings.) does nothing the request asks for"]


def test_a_design_for_another_request_is_sent_back() -> None:
    state = state_for(
        AgentDraft(name="screener", role="Scores each CV against the job description."),
        AgentDraft(name="planner", role="Plans the project."),
        AgentDraft(name="scheduler", role="Proposes interview slots to shortlisted candidates."),
    )
    assert design_problems(state) == [
        "no agent does 'tracks progress', which the request asks for",
        "agent 'screener' (Scores each CV against the job description.) does nothing the request asks for",
        "agent 'scheduler' (Proposes interview slots to shortlisted candidates.) does nothing the request asks for",
    ]


def test_a_design_covering_four_of_five_requested_jobs_goes_back_with_the_fifth_named() -> None:
    request = "a shop assistant that takes orders, checks stock, packs parcels, sends invoices and answers questions"
    spec = Specification(goal="Run a small shop", capabilities=("take orders",))
    roles = (("orders", "Takes the orders."), ("stock", "Checks the stock."), ("packer", "Packs parcels."))
    agents = [AgentDraft(name=n, role=r) for n, r in (*roles, ("billing", "Sends the invoices."))]
    blueprint = blueprint_from_draft(BlueprintDraft(name="shop", agents=agents), spec)
    state = GenesisState(request=request, spec=spec, blueprint=blueprint)
    assert design_problems(state) == ["no agent does 'answers questions', which the request asks for"]
    helpdesk = AgentDraft(name="helpdesk", role="Answers customer questions.")
    blueprint = blueprint_from_draft(BlueprintDraft(name="shop", agents=[*agents, helpdesk]), spec)
    assert design_problems(GenesisState(request=request, spec=spec, blueprint=blueprint)) == []


def test_the_request_s_own_clauses_are_never_lost_and_the_model_adds_only_from_the_request() -> None:
    from autogenesis.nodes.understand import with_request_clauses

    request = "a project manager that plans projects, allocates resources and tracks progress"
    merged = with_request_clauses(request, ["project manager", "plan projects", "curriculum", "screens CVs"])
    assert merged == ("plans projects", "allocates resources", "tracks progress", "project manager")


def test_a_requested_approver_missing_from_the_blueprint_is_rejected() -> None:
    request = "an incident desk that reads the alert and drafts an update that a senior reviewer must approve"
    spec = Specification(goal="Handle incidents", capabilities=("read the alert", "draft an update"))
    agents = [AgentDraft(name="reader", role="Reads the alert."), AgentDraft(name="update", role="Drafts an update.")]
    bare = blueprint_from_draft(BlueprintDraft(name="incident", agents=agents), spec)
    said = 'the request says "a senior reviewer must approve"'
    assert hierarchy_problems(GenesisState(request=request, spec=spec, blueprint=bare)) == [
        f"agent 'update' has no approver, and {said}"
    ]
    by_a_model = add_approvers(bare, {}, max_retries=2, only=("update",))
    assert hierarchy_problems(GenesisState(request=request, spec=spec, blueprint=by_a_model)) == [
        f"agent 'update' is approved by a model, but {said}"
    ]
    by_the_person = add_approvers(bare, {}, max_retries=2, people={"update": "senior reviewer"})
    assert hierarchy_problems(GenesisState(request=request, spec=spec, blueprint=by_the_person)) == []


def test_a_capability_chosen_twice_is_one_agent() -> None:
    from autogenesis.nodes.design import one_agent_per_role

    draft = BlueprintDraft(
        name="helpdesk",
        agents=[
            AgentDraft(name="triages_tickets", role="triages tickets"),
            AgentDraft(name="drafts_replies", role="drafts replies", after="triages_tickets"),
            AgentDraft(name="drafts_replies", role="drafts replies", after="drafts_replies"),
            AgentDraft(name="sends", role="drafts replies", after="drafts_replies"),
            AgentDraft(name="closes", role="closes tickets", after="sends"),
        ],
    )
    assert [(a.name, a.role, a.after) for a in one_agent_per_role(draft).agents] == [
        ("triages_tickets", "triages tickets", ""),
        ("drafts_replies", "drafts replies", "triages_tickets"),
        ("closes", "closes tickets", "drafts_replies"),
    ]


def test_the_design_has_every_capability_in_the_request_s_order_and_keeps_the_model_s_choices() -> None:
    from autogenesis.nodes.design import every_capability

    spec = Specification(goal="Help", capabilities=("triages tickets", "drafts replies", "closes tickets"))
    chose = BlueprintDraft(
        name="help",
        agents=[
            AgentDraft(name="closes_tickets", role="closes tickets", kind="gate", after="triages_tickets"),
            AgentDraft(name="triages_tickets", role="triages tickets", kind="router"),
        ],
    )
    assert [(a.name, a.role, a.kind, a.after) for a in every_capability(chose, spec).agents] == [
        ("triages_tickets", "triages tickets", "router", ""),
        ("drafts_replies", "drafts replies", "worker", ""),
        ("closes_tickets", "closes tickets", "gate", "triages_tickets"),
    ]


def test_criteria_about_something_the_request_does_not_mention_are_sent_back() -> None:
    state = state_for(
        AgentDraft(name="planner", role="Plans projects"), AgentDraft(name="tracker", role="Tracks progress")
    )
    copied = add_approvers(
        state["blueprint"], {"tracker": "Each shortlisted candidate gets two or more interview slots."}, max_retries=2
    )
    assert hierarchy_problems(GenesisState(request=REQUEST, spec=SPEC, blueprint=copied)) == [
        "the criteria for 'tracker' (Each shortlisted candidate gets two or more interview slots.) are about "
        "nothing the request mentions"
    ]


def test_a_prompt_about_something_the_request_does_not_mention_is_sent_back_before_a_model_sees_it() -> None:
    from autogenesis.models.scripted import ScriptedChatModel
    from autogenesis.nodes.review import review_prompts
    from autogenesis.state import AgentPrompt

    state = state_for(AgentDraft(name="planner", role="Plans projects"))
    prompts = {
        "planner": AgentPrompt(agent="planner", system_prompt="You score each CV against the job description."),
    }
    model = ScriptedChatModel()
    out = review_prompts(
        GenesisState(**state, prompts=prompts, attempts={"design_prompts": 1}),
        None,
        model=model,  # type: ignore[arg-type]
    )
    [review] = out["reviews"]
    assert (review.approved, review.reviewer, review.subjects, review.reasons) == (
        False,
        "model",
        ("planner",),
        ("planner: the prompt is about nothing the request or the agent's role mentions",),
    )
    assert model.calls == []  # no model was asked


# What pytest printed when a generated package named `pluggy` hid the real one from pytest.
_PLUGGY_TRACEBACK = """  File "<frozen runpy>", line 112, in _get_module_details
  File "/venv/lib/python3.11/site-packages/_pytest/config/__init__.py", line 46, in <module>
    from pluggy import HookimplMarker
ImportError: cannot import name 'HookimplMarker' from 'pluggy' (/tmp/sandbox/project/pluggy/__init__.py)
"""


def _reasons(*failures: TestFailure, passed: int = 0) -> list[str]:
    report = TestReport(passed=passed, failed=0, errors=len(failures), duration_s=1.0, failures=failures)
    return test_problems(GenesisState(test_report=report))


def test_a_traceback_in_a_test_report_becomes_a_one_line_reason_naming_its_cause() -> None:
    assert _reasons(TestFailure(test="sandbox", message=_PLUGGY_TRACEBACK)) == [
        "sandbox failed: ImportError: cannot import name 'HookimplMarker' from 'pluggy' "
        "(/tmp/sandbox/project/pluggy/__init__.py)"
    ]
    headed = "pytest exited 4 without a report: Traceback (most recent call last):\n" + _PLUGGY_TRACEBACK
    assert _reasons(TestFailure(test="tests/test_graph.py::test_runs", message=headed), passed=1) == [
        "tests/test_graph.py::test_runs failed: pytest exited 4 without a report: ImportError: cannot import "
        "name 'HookimplMarker' from 'pluggy' (/tmp/sandbox/project/pluggy/__init__.py)"
    ]


def test_a_one_line_failure_is_a_reason_as_it_is() -> None:
    message = "collection failure: E   ImportError: cannot import name 'BaseMessage'"
    assert _reasons(TestFailure(test="tests.test_graph", message=message), passed=1) == [
        f"tests.test_graph failed: {message}"
    ]
