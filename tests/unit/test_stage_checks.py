"""Approvers' deterministic checks: off-topic capabilities and agents are sent back with the reason."""

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


def test_a_copied_example_agent_is_sent_back() -> None:
    state = state_for(
        AgentDraft(name="planner", role="Plans the project."),
        AgentDraft(name="screener", role="Scores each CV against the job description."),
    )
    assert design_problems(state) == [
        "agent 'screener' (Scores each CV against the job description.) does not serve the request; "
        "it asks for: plan projects; track progress"
    ]


def test_a_capability_not_in_the_request_is_sent_back() -> None:
    from autogenesis.nodes.understand import spec_problems

    spec = Specification(goal="Plan projects", capabilities=("plan projects", "screen CVs against the job"))
    state = GenesisState(request=REQUEST, spec=spec)
    assert spec_problems(state) == [
        "capability 'screen CVs against the job' is not in the request; restate what the request asks for"
    ]
