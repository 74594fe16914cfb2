"""Property: every blueprint the verifier accepts renders a project that parses, compiles and passes its tests."""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autogenesis.blueprint.build import blueprint_from_draft
from autogenesis.blueprint.codegen import render_project
from autogenesis.blueprint.hierarchy import add_approvers
from autogenesis.blueprint.ir import Blueprint, Edge, Scenario
from autogenesis.blueprint.verify import scan_project, verify
from autogenesis.drafts import AgentDraft, BlueprintDraft
from autogenesis.models import ScriptedChatModel
from autogenesis.state import Specification

_text = st.text(min_size=1, max_size=60)
_name = st.text(alphabet=st.sampled_from("abcXYZ _-./\\'\"019"), min_size=1, max_size=20)


@st.composite
def blueprints(draw: st.DrawFn) -> Blueprint:
    agents = draw(st.lists(st.builds(AgentDraft, name=_name, role=_text), min_size=1, max_size=4))
    scenarios = draw(st.lists(st.builds(Scenario, name=_name, input=_text, expect=_text), max_size=2))
    spec = Specification(goal=draw(_text), capabilities=("c",), scenarios=tuple(scenarios))
    # Each example its own package name, so in-process imports never see an older example.
    bp = blueprint_from_draft(BlueprintDraft(name=f"gen {draw(_name)}", agents=agents), spec)
    slugs = [a.slug for a in bp.agents]
    if len(slugs) >= 3 and draw(st.booleans()):
        # The first agent becomes a router: one route goes on, the other skips to the finish.
        first = bp.agents[0].model_copy(update={"kind": "router"})
        options = draw(st.lists(_text, min_size=2, max_size=2, unique=True))
        edges = [e for e in bp.edges if e.source != first.slug]
        routes = [
            Edge(source=first.slug, target=slugs[1], condition=options[0]),
            Edge(source=first.slug, target=bp.finish, condition=options[1]),
        ]
        # Either order: the generated tests must script the router to reach a skipped worker.
        edges += routes if draw(st.booleans()) else routes[::-1]
        bp = bp.model_copy(update={"agents": (first, *bp.agents[1:]), "edges": tuple(edges)})
    if len(slugs) >= 2 and draw(st.booleans()):
        human = bp.agents[-1].model_copy(update={"kind": "human"})
        bp = bp.model_copy(update={"agents": (*bp.agents[:-1], human)})
    if draw(st.booleans()):
        bp = add_approvers(bp, {}, max_retries=draw(st.integers(1, 3)))
        if bp.reviews and draw(st.booleans()):
            pairs = (bp.reviews[0].model_copy(update={"on_exhausted": "continue"}), *bp.reviews[1:])
            bp = bp.model_copy(update={"reviews": pairs})
    return Blueprint.model_validate(bp.model_dump())


@contextmanager
def _importable(files: dict[str, str], package: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="autogenesis-prop-") as tmp:
        root = Path(tmp)
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        sys.path.insert(0, str(root))
        try:
            yield root
        finally:
            sys.path.remove(str(root))
            for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
                del sys.modules[name]


def _run_generated_tests(module: ModuleType) -> int:
    ran = 0
    for name, test in vars(module).items():
        if not name.startswith("test_") or not callable(test):
            continue
        marks = getattr(test, "pytestmark", [])
        params: list[Any] = [p for mark in marks if mark.name == "parametrize" for p in mark.args[1]]
        for param in params or [None]:
            test(*param.values) if param is not None else test()
            ran += 1
    return ran


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blueprints())
def test_accepted_blueprints_render_projects_that_work(bp: Blueprint) -> None:
    assume(verify(bp) == [])
    files = render_project(bp, {})
    for path, text in files.items():
        if path.endswith(".py"):
            ast.parse(text, filename=path)
    assert scan_project(files) == []
    with _importable(files, bp.name) as root:
        graph = importlib.import_module(f"{bp.name}.graph")
        app = graph.build_graph(ScriptedChatModel()).compile()
        assert set(app.get_graph().nodes) >= {a.slug for a in bp.agents}
        spec = importlib.util.spec_from_file_location(f"{bp.name}_generated_tests", root / "tests" / "test_graph.py")
        assert spec is not None and spec.loader is not None
        tests = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tests)
        ran = _run_generated_tests(tests)
    routes = [e for e in bp.edges if bp.agent(e.source).kind == "router"]  # one test per route
    assert ran == 1 + len(routes) + len(bp.reviews) + len(bp.scenarios)
    assert inspect.isfunction(graph.run)
