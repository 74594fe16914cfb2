"""One test per verifier rule, each with its exact message."""

from __future__ import annotations

import pytest

from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.ir import AgentSpec, Blueprint, Edge, ReviewPair, StateField
from autogenesis.blueprint.names import shadows
from autogenesis.blueprint.verify import (
    MAX_AGENTS,
    MAX_FIELDS,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    Finding,
    scan_project,
    verify,
)


def _bp(
    agents: list[AgentSpec], edges: list[Edge], *, reviews: tuple[ReviewPair, ...] = (), **extra: object
) -> Blueprint:
    fields = {"request"} | {name for a in agents for name in (*a.reads, *a.writes)}
    values: dict[str, object] = {
        "name": "demo",
        "description": "A demo system.",
        "state": tuple(StateField(name=n) for n in sorted(fields)),
        "agents": tuple(agents),
        "edges": tuple(edges),
        "reviews": reviews,
        "entry": agents[0].slug,
        "finish": agents[-1].slug,
    }
    values.update(extra)
    return Blueprint.model_validate(values)


def _agent(slug: str, **extra: object) -> AgentSpec:
    values: dict[str, object] = {
        "slug": slug,
        "role": f"does {slug}",
        "reads": ("request",),
        "writes": (f"{slug}_out",),
    }
    values.update(extra)
    return AgentSpec.model_validate(values)


def _messages(bp: Blueprint) -> list[str]:
    return [str(f) for f in verify(bp)]


def test_a_sequential_reviewed_blueprint_passes() -> None:
    assert verify(linear_blueprint()) == []
    assert verify(linear_blueprint(reviewed=False)) == []


def test_finding_str_is_its_message() -> None:
    assert str(Finding("name", "x", "the message")) == "the message"


def test_limits_are_exported() -> None:
    assert (MAX_AGENTS, MAX_FIELDS, MAX_TEXT_CHARS, MAX_NAME_CHARS) == (24, 64, 4000, 40)


def test_rule_size_agents() -> None:
    agents = [_agent(f"a{i}") for i in range(25)]
    edges = [Edge(source=f"a{i}", target=f"a{i + 1}") for i in range(24)]
    findings = verify(_bp(agents, edges))
    assert [(f.rule, f.element, f.message) for f in findings] == [
        ("size", "agents", "the blueprint has 25 agents; the limit is 24")
    ]


def test_rule_size_fields() -> None:
    bp = _bp([_agent("a")], [])
    extra = tuple(StateField(name=f"f{i}") for i in range(63))
    findings = verify(bp.model_copy(update={"state": bp.state + extra}))
    assert [str(f) for f in findings] == ["the blueprint has 65 state fields; the limit is 64"]


def test_rule_size_text_rejects_a_megabyte_description() -> None:
    bp = _bp([_agent("a")], [], description="x" * 1_000_000)
    findings = verify(bp)
    assert [(f.rule, f.element, f.message) for f in findings] == [
        ("size", "description", "description is 1000000 characters long; the limit is 4000")
    ]


def test_rule_size_text_names_the_agent() -> None:
    assert _messages(_bp([_agent("a", instructions="y" * 4001)], [])) == [
        "agent a instructions is 4001 characters long; the limit is 4000"
    ]


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("../../etc", "agent name '../../etc' contains a path separator"),
        ("a/b", "agent name 'a/b' contains a path separator"),
        ("__init__", "agent name '__init__' contains a double underscore"),
        ("class", "agent name 'class' is a Python keyword"),
        ("match", "agent name 'match' is a Python keyword"),
        ("a" * 41, f"agent name {'a' * 41!r} is longer than 40 characters"),
        (
            "Triage Bot",
            "agent name 'Triage Bot' is not a lowercase Python identifier (letters, digits and single underscores)",
        ),
        ("1st", "agent name '1st' is not a lowercase Python identifier (letters, digits and single underscores)"),
        ("status", "agent name 'status' is reserved for the runtime's state"),
        ("request", "agent name 'request' is also the name of a state field"),
    ],
)
def test_rule_name(slug: str, message: str) -> None:
    findings = verify(_bp([_agent(slug, writes=("out",))], []))
    assert [(f.rule, f.message) for f in findings] == [("name", message)]
    assert findings[0].element == slug


@pytest.mark.parametrize(
    ("name", "shadowed"),
    [
        ("json", "a standard library module"),
        ("requests", "a module generated projects or their tests import"),
        ("pytest", "a module generated projects or their tests import"),
    ],
)
def test_rule_name_project_shadowing_a_module(name: str, shadowed: str) -> None:
    assert _messages(_bp([_agent("a")], [], name=name)) == [
        f"project name {name!r} is the name of {shadowed}, which it would shadow"
    ]


def test_a_project_installed_here_still_verifies_for_its_next_version() -> None:
    # spaCy's import name stands in for a generated project the user installed after v1.
    assert shadows("spacy") == "an installed module"
    assert _messages(_bp([_agent("a")], [], name="spacy")) == []


def test_rule_name_field() -> None:
    bp = _bp([_agent("a", writes=("Bad-Field",))], [])
    assert _messages(bp) == [
        "field name 'Bad-Field' is not a lowercase Python identifier (letters, digits and single underscores)"
    ]


def test_rule_duplicate() -> None:
    bp = _bp([_agent("a"), _agent("b"), _agent("b")], [Edge(source="a", target="b")])
    findings = verify(bp)
    assert [(f.rule, f.element, f.message) for f in findings] == [
        ("duplicate", "b", "agent 'b' is defined more than once"),
    ]


def test_rule_reference() -> None:
    bp = _bp([_agent("a"), _agent("b")], [Edge(source="a", target="b"), Edge(source="a", target="ghost")])
    findings = verify(bp)
    assert [(f.rule, f.element, f.message) for f in findings] == [
        ("reference", "ghost", "edge a -> ghost names unknown agent 'ghost'"),
    ]


def test_rule_reference_unknown_field() -> None:
    bp = _bp([_agent("a")], [])
    bp = bp.model_copy(update={"agents": (_agent("a", reads=("nowhere",)),)})
    assert _messages(bp) == ["agent 'a' reads unknown field 'nowhere'"]


def test_rule_unreachable() -> None:
    bp = _bp(
        [_agent("a"), _agent("island"), _agent("z")], [Edge(source="a", target="z"), Edge(source="island", target="z")]
    )
    findings = verify(bp)
    assert [(f.rule, f.element, f.message) for f in findings] == [
        ("unreachable", "island", "agent 'island' is unreachable from the entry 'a'"),
    ]


def test_rule_dead_end() -> None:
    # An agent with no edge onward ends the run (the last of a route); one caught in a cycle never does.
    ending = _bp(
        [_agent("a"), _agent("ends"), _agent("z")], [Edge(source="a", target="z"), Edge(source="a", target="ends")]
    )
    assert verify(ending) == []
    bp = _bp(
        [_agent("a"), _agent("stuck"), _agent("z")],
        [Edge(source="a", target="z"), Edge(source="a", target="stuck"), Edge(source="stuck", target="stuck")],
    )
    findings = verify(bp)
    assert [(f.rule, f.element, f.message) for f in findings] == [
        ("dead_end", "stuck", "agent 'stuck' cannot reach the finish 'z'"),
        ("unbounded_cycle", "stuck", "cycle stuck -> stuck is not bounded by a review cap"),
    ]


def test_rule_unbounded_cycle() -> None:
    edges = [
        Edge(source="a", target="b"),
        Edge(source="b", target="c"),
        Edge(source="c", target="a"),
        Edge(source="c", target="z"),
    ]
    bp = _bp([_agent("a"), _agent("b"), _agent("c"), _agent("z")], edges)
    findings = verify(bp)
    assert [(f.rule, f.element, f.message) for f in findings] == [
        ("unbounded_cycle", "a", "cycle a -> b -> c -> a is not bounded by a review cap"),
    ]


def test_rule_unbounded_cycle_through_an_approval_edge() -> None:
    bp = linear_blueprint()
    loop = Edge(source="reply", target="triage")
    findings = verify(bp.model_copy(update={"edges": (*bp.edges, loop)}))
    assert [str(f) for f in findings] == [
        "cycle triage -> triage_reviewer -> reply -> triage is not bounded by a review cap"
    ]


def test_review_cycles_are_bounded() -> None:
    bp = linear_blueprint()
    assert {(e.source, e.target, e.condition) for e in bp.edges} >= {("triage_reviewer", "triage", "reject")}
    assert verify(bp) == []


def test_rule_unwritten() -> None:
    bp = _bp([_agent("a", reads=("request", "notes"))], [])
    findings = verify(bp)
    assert [(f.rule, f.element, f.message) for f in findings] == [
        ("unwritten", "notes", "field 'notes' is read by agent 'a' but never written"),
    ]


def test_rule_routing_condition_outside_a_router() -> None:
    bp = _bp([_agent("a"), _agent("z")], [Edge(source="a", target="z", condition="maybe")])
    assert [(f.rule, f.message) for f in verify(bp)] == [
        ("routing", "edge a -> z has a condition but 'a' is not a router")
    ]


def test_rule_routing_finish_has_no_successor() -> None:
    bp = _bp([_agent("a"), _agent("z")], [Edge(source="a", target="z"), Edge(source="z", target="a")])
    assert [(f.rule, f.message) for f in verify(bp)] == [
        ("routing", "the finish 'z' has an edge to 'a'; the graph ends after the finish"),
        ("unbounded_cycle", "cycle a -> z -> a is not bounded by a review cap"),
    ]


def test_scan_project_accepts_plain_code() -> None:
    assert scan_project({"pkg/a.py": "import json\nprint(json.dumps({'x': 1}))\n", "README.md": "hi"}) == []


@pytest.mark.parametrize(
    ("files", "problems"),
    [
        ({"/etc/passwd": ""}, ["'/etc/passwd': path is outside the project"]),
        ({"../x.py": ""}, ["'../x.py': path is outside the project"]),
        ({"a/../../x.py": ""}, ["'a/../../x.py': path is outside the project"]),
        ({"a.py": "def f(:\n"}, ["a.py:1: does not parse: invalid syntax"]),
        ({"a.py": "eval('1')\n"}, ["a.py:1: uses eval, which generated code may not use"]),
        (
            {"a.py": "x = 1\n__import__('os').system('x')\n"},
            [
                "a.py:2: uses __import__, which generated code may not use",
            ],
        ),
        ({"a.py": "import os\nos.system('x')\n"}, ["a.py:2: uses os.system, which generated code may not use"]),
        ({"a.py": "import subprocess\n"}, ["a.py:1: imports subprocess, which generated code may not use"]),
        ({"a.py": "from socket import socket\n"}, ["a.py:1: imports socket, which generated code may not use"]),
        ({"a.py": "exec('x=1')\n"}, ["a.py:1: uses exec, which generated code may not use"]),
        ({"a.py": "compile('1', 'f', 'eval')\n"}, ["a.py:1: uses compile, which generated code may not use"]),
        ({"a.py": "import builtins\nbuiltins.exec('x')\n"}, ["a.py:2: uses exec, which generated code may not use"]),
        ({"a.py": "import re\nre.compile('x')\n"}, []),
    ],
)
def test_scan_project_rejects(files: dict[str, str], problems: list[str]) -> None:
    assert scan_project(files) == problems


def test_rule_routing_review_pairs() -> None:
    bp = linear_blueprint()
    router = bp.agents[0].model_copy(update={"kind": "router"})
    router_approver = bp.agents[1].model_copy(update={"kind": "router"})
    findings = verify(bp.model_copy(update={"agents": (router, router_approver, *bp.agents[2:])}))
    assert [(f.rule, f.message) for f in findings] == [
        ("routing", "approver 'triage_reviewer' must be an llm agent or a person"),
        ("routing", "router 'triage' cannot be the worker of a review pair"),
        ("routing", "router 'triage' has an edge to 'triage_reviewer' without a condition"),
    ]
    person = bp.agents[1].model_copy(update={"kind": "human"})  # a human gate approves triage's work
    assert verify(bp.model_copy(update={"agents": (bp.agents[0], person, *bp.agents[2:])})) == []
