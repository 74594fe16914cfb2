"""Stage checks: off-topic agents are sent back with the reason; the request's clauses are kept."""

from __future__ import annotations

from autogenesis.blueprint.build import blueprint_from_draft
from autogenesis.drafts import AgentDraft, BlueprintDraft
from autogenesis.nodes.design import design_problems
from autogenesis.state import GenesisState, Specification

SPEC = Specification(goal="Plan projects for small businesses", capabilities=("plan projects", "track progress"))
REQUEST = "a project manager that plans projects and tracks progress"


def state_for(*agents: AgentDraft) -> GenesisState:
    blueprint = blueprint_from_draft(BlueprintDraft(name="pm", agents=list(agents)), SPEC)
    return GenesisState(request=REQUEST, spec=SPEC, blueprint=blueprint)


def test_agents_on_topic_pass() -> None:
    state = state_for(AgentDraft(name="planner", role="Plans each project"), AgentDraft(name="tracker", role="Tracks"))
    assert design_problems(state) == []


def test_one_apt_agent_off_the_request_s_words_passes() -> None:
    state = state_for(
        AgentDraft(name="planner", role="Plans the project."),
        AgentDraft(name="tracker", role="Tracks progress."),
        AgentDraft(name="scheduler", role="Books the meetings."),
    )
    assert design_problems(state) == []


def test_a_design_for_another_request_is_sent_back() -> None:
    state = state_for(
        AgentDraft(name="screener", role="Scores each CV against the job description."),
        AgentDraft(name="planner", role="Plans the project."),
        AgentDraft(name="scheduler", role="Proposes interview slots to shortlisted candidates."),
    )
    assert design_problems(state) == [
        "agents 'screener' (Scores each CV against the job description.), 'scheduler' (Proposes interview slots "
        "to shortlisted candidates.) do not serve the request; it asks for: plan projects; track progress"
    ]


def test_the_request_s_own_clauses_are_never_lost() -> None:
    from autogenesis.nodes.understand import with_request_clauses

    request = "a project manager that plans projects, allocates resources and tracks progress"
    merged = with_request_clauses(request, ["project manager", "plan projects", "curriculum"])
    assert merged == ("plans projects", "allocates resources", "tracks progress", "project manager", "curriculum")
