"""Small, valid blueprints for tests, demos and documentation."""

from __future__ import annotations

from collections.abc import Sequence

from autogenesis.blueprint.build import blueprint_from_draft
from autogenesis.blueprint.hierarchy import add_approvers
from autogenesis.blueprint.ir import Blueprint, Scenario
from autogenesis.drafts import AgentDraft, BlueprintDraft
from autogenesis.state import Specification


def linear_blueprint(
    name: str = "helpdesk",
    roles: Sequence[tuple[str, str]] = (("triage", "Sort incoming tickets"), ("reply", "Draft a reply")),
    *,
    reviewed: bool = True,
    max_retries: int = 2,
    scenarios: Sequence[Scenario] = (Scenario(name="simple", input="My printer is on fire", expect="a reply"),),
) -> Blueprint:
    """A sequential blueprint of `roles` (name, role), each with an approver when `reviewed`."""
    draft = BlueprintDraft(name=name, agents=[AgentDraft(name=n, role=r) for n, r in roles])
    spec = Specification(goal=f"A {name} system.", capabilities=tuple(r for _, r in roles), scenarios=tuple(scenarios))
    bp = blueprint_from_draft(draft, spec)
    return add_approvers(bp, {}, max_retries=max_retries) if reviewed else bp
