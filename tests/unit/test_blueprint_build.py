"""Drafts from the model become safe, sequential blueprints."""

from __future__ import annotations

from autogenesis.blueprint.build import blueprint_from_draft
from autogenesis.blueprint.ir import Edge, Scenario
from autogenesis.blueprint.names import is_slug, slugify, unique
from autogenesis.blueprint.verify import verify
from autogenesis.drafts import AgentDraft, BlueprintDraft
from autogenesis.state import Specification

SPEC = Specification(
    goal="A helpdesk that triages tickets and drafts replies.",
    capabilities=("triage tickets", "draft replies"),
    scenarios=(Scenario(name="Printer on fire!", input="My printer is on fire", expect="a calm reply"),),
)


def _draft(*names: str, name: str = "Help Desk") -> BlueprintDraft:
    return BlueprintDraft(name=name, agents=[AgentDraft(name=n, role=f"role of {n}") for n in names])


def test_sequential_blueprint_from_draft() -> None:
    bp = blueprint_from_draft(_draft("Triage", "Reply Writer"), SPEC, version=3)
    assert bp.name == "help_desk"
    assert bp.version == 3
    assert bp.description == SPEC.goal
    assert [a.slug for a in bp.agents] == ["triage", "reply_writer"]
    assert [(a.reads, a.writes) for a in bp.agents] == [
        (("request",), ("triage_output",)),
        (("request", "triage_output"), ("reply_writer_output", "result")),
    ]
    assert [f.name for f in bp.state] == ["request", "triage_output", "reply_writer_output", "result"]
    assert bp.edges == (Edge(source="triage", target="reply_writer"),)
    assert (bp.entry, bp.finish) == ("triage", "reply_writer")
    assert bp.agents[1].role == "role of Reply Writer"
    assert bp.scenarios == (Scenario(name="printer_on_fire", input="My printer is on fire", expect="a calm reply"),)
    assert verify(bp) == []


def test_hostile_names_are_sanitized() -> None:
    bp = blueprint_from_draft(
        _draft("../../etc", "class", "Triage", "triage", "__import__('os').system('x')", "status", "!!!", name="os"),
        SPEC,
    )
    assert [a.slug for a in bp.agents] == [
        "etc",
        "class_agent_2",
        "triage",
        "triage_2",
        "import_os_system_x",
        "status_agent",
        "agent_7",
    ]
    assert bp.name == "os_system"
    assert all(is_slug(a.slug) for a in bp.agents)
    assert bp.agents[4].role == "role of __import__('os').system('x')"
    assert verify(bp) == []


def test_long_names_leave_room_for_the_reviewer_suffix() -> None:
    bp = blueprint_from_draft(_draft("x" * 64, "x" * 64), SPEC)
    assert [a.slug for a in bp.agents] == ["x" * 31, "x" * 29 + "_2"]


def test_slugify_and_unique() -> None:
    assert slugify("  Hello, World! ", fallback="a") == "hello_world"
    assert slugify("42 things", fallback="agent") == "agent_42_things"
    assert slugify("", fallback="agent") == "agent"
    assert slugify("lambda", fallback="agent") == "lambda_agent"
    assert unique("a", ["a", "a_2"]) == "a_3"
