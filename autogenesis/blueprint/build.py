"""Blueprint drafts from the model become Blueprints here, deterministically.

The model proposes a project name and agents as `name: role` pairs. Names become unique slugs;
roles and the specification's text are kept as data (prompts, descriptions, scenarios) only.
"""

from __future__ import annotations

import itertools

from autogenesis.blueprint.ir import AgentSpec, Blueprint, Edge, Scenario, StateField
from autogenesis.blueprint.names import (
    INPUT_FIELD,
    RESULT_FIELD,
    RUNTIME_FIELDS,
    slugify,
    unique,
    unshadowed,
)
from autogenesis.drafts import BlueprintDraft
from autogenesis.state import Specification

#: Agent slugs that would collide with a state key of every generated system.
_RESERVED_AGENT_NAMES = frozenset({INPUT_FIELD, RESULT_FIELD}) | RUNTIME_FIELDS
_OUTPUT_SUFFIX = "_output"


def project_name(text: str) -> str:
    """A package (and distribution) name for the generated project that shadows nothing (`shadows`)."""
    return unshadowed(slugify(text, fallback="system"))


def agent_slugs(draft: BlueprintDraft) -> list[str]:
    """The slug of each agent the draft proposes, in its order: unique, and free of reserved names."""
    # Room for the `_output` field and a `_reviewer` approver built from the slug.
    max_chars = 40 - len("_reviewer")
    slugs: list[str] = []
    for i, agent in enumerate(draft.agents, start=1):
        slug = slugify(agent.name, fallback=f"agent_{i}", max_chars=max_chars)
        if slug in _RESERVED_AGENT_NAMES or slug.endswith(_OUTPUT_SUFFIX):
            slug = slugify(f"{slug}_agent", fallback="agent", max_chars=max_chars)
        slugs.append(unique(slug, slugs, max_chars=max_chars))
    return slugs


def _scenarios(spec: Specification) -> tuple[Scenario, ...]:
    scenarios: list[Scenario] = []
    names: list[str] = []
    for i, scenario in enumerate(spec.scenarios, start=1):
        name = unique(slugify(scenario.name, fallback=f"scenario_{i}"), names)
        names.append(name)
        scenarios.append(Scenario(name=name, input=scenario.input, expect=scenario.expect))
    return tuple(scenarios)


def blueprint_from_draft(draft: BlueprintDraft, spec: Specification, *, version: int = 1) -> Blueprint:
    """A sequential Blueprint: `request` flows through the agents in order; the last one finishes."""
    slugs = agent_slugs(draft)
    agents: list[AgentSpec] = []
    previous: str | None = None
    for slug, proposed in zip(slugs, draft.agents, strict=True):
        reads = (INPUT_FIELD,) if previous is None else (INPUT_FIELD, f"{previous}{_OUTPUT_SUFFIX}")
        writes: tuple[str, ...] = (f"{slug}{_OUTPUT_SUFFIX}",)
        if slug == slugs[-1]:
            writes += (RESULT_FIELD,)
        agents.append(AgentSpec(slug=slug, role=proposed.role, instructions=proposed.role, reads=reads, writes=writes))
        previous = slug
    state = (
        StateField(name=INPUT_FIELD, description="The input the system was given."),
        *(StateField(name=f"{a.slug}{_OUTPUT_SUFFIX}", description=f"What {a.slug} produced.") for a in agents),
        StateField(name=RESULT_FIELD, description="The system's final answer."),
    )
    edges = tuple(Edge(source=a.slug, target=b.slug) for a, b in itertools.pairwise(agents))
    return Blueprint(
        name=project_name(draft.name),
        description=spec.goal,
        state=state,
        agents=tuple(agents),
        edges=edges,
        entry=slugs[0],
        finish=slugs[-1],
        scenarios=_scenarios(spec),
        version=version,
    )
