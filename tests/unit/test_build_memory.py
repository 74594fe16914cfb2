"""The build memory: which past build a request is shown, how requests are compared, what an end node keeps."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from autogenesis import Context, build_graph
from autogenesis import memory as memory_module
from autogenesis.blueprint.ir import AgentSpec, Blueprint, Edge, ReviewPair
from autogenesis.memory import (
    EXAMPLE_AGENTS,
    EXAMPLE_REQUEST_CHARS,
    EXAMPLE_ROLE_CHARS,
    SIMILAR_WORDS,
    BuildMemory,
    BuildOutcome,
    BuildRecord,
    Recalled,
    as_draft,
    example_text,
)
from autogenesis.models.scripted import Script, ScriptedChatModel

HELPDESK = "a helpdesk that triages tickets, drafts replies and has a reviewer approve them"


def blueprint(*agents: AgentSpec, edges: tuple[Edge, ...] = (), reviews: tuple[ReviewPair, ...] = ()) -> Blueprint:
    return Blueprint(
        name="helpdesk", description="", state=(), agents=agents, edges=edges, reviews=reviews, entry="a", finish="b"
    )


SMALL = blueprint(AgentSpec(slug="a", role="triages tickets"))


def record(
    build_id: str, request: str, status: str = "approved", passed: int = 4, *, design: bool = True
) -> BuildRecord:
    outcome = BuildOutcome(status=status, tests_passed=passed)
    return BuildRecord(id=build_id, request=request, blueprint=SMALL if design else None, outcome=outcome)


@pytest.fixture
def scores(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """Each past request's similarity to any new one, as the test sets it (threshold 0.6)."""
    table: dict[str, float] = {}
    monkeypatch.setattr(memory_module, "similarity", lambda _request, others: ([table[o] for o in others], 0.6))
    return table


def test_recall_prefers_an_approved_build_then_more_tests_passed_then_the_more_similar(
    scores: dict[str, float],
) -> None:
    memory = BuildMemory(InMemoryStore())
    for build_id, status, passed, similar in [
        ("escalated", "escalated:integrate", 9, 0.95),
        ("fewer-tests", "approved", 3, 0.9),
        ("close", "approved", 4, 0.8),
        ("closer", "approved", 4, 0.85),
        ("dissimilar", "approved", 9, 0.59),
    ]:
        memory.put(record(build_id, build_id, status, passed))
        scores[build_id] = similar
    recalled = memory.recall("a new request")
    assert recalled is not None and (recalled.record.id, recalled.similarity) == ("closer", 0.85)
    memory.forget("closer")
    assert memory.recall("a new request").record.id == "close"  # type: ignore[union-attr]


def test_recall_skips_the_thread_itself_builds_without_an_approved_blueprint_and_dissimilar_ones(
    scores: dict[str, float],
) -> None:
    memory = BuildMemory(InMemoryStore())
    memory.put(record("me", "me"))
    memory.put(record("undesigned", "undesigned", "escalated:design", design=False))
    memory.put(record("far", "far"))
    scores.update(me=1.0, undesigned=1.0, far=0.2)
    assert memory.recall("a new request", exclude="me") is None
    assert memory.recall("a new request").record.id == "me"  # type: ignore[union-attr]
    assert memory.forget("nothing") is False


def test_without_the_embedding_model_requests_are_compared_by_their_word_stems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("autogenesis.coverage.similarities", lambda _text, _others: None)
    monkeypatch.setattr(memory_module.importlib.util, "find_spec", lambda _name: None)
    similar = "a support desk that triages customer tickets and drafts answers that a reviewer approves"
    unrelated = "a recipe planner that suggests weekly meals and builds a shopping list"
    # helpdesk: appr draf help repl revi tick tria; similar: answ appr cust desk draf revi supp tick tria.
    assert memory_module.similarity(HELPDESK, [similar, unrelated]) == ([5 / 11, 0.0], SIMILAR_WORDS)
    assert memory_module.method() == f"words (Jaccard of word stems >= {SIMILAR_WORDS}; no embedding model installed)"


def test_the_worked_example_is_the_blueprint_as_the_design_agent_writes_it_and_bounded() -> None:
    roles = [f"handles step {i} " + "with great care " * 10 for i in range(12)]
    agents = [AgentSpec(slug=f"s{i}", role=role, kind="tool" if i == 0 else "llm") for i, role in enumerate(roles)]
    gate, router = (
        AgentSpec(slug="boss", role="approves", kind="human"),
        AgentSpec(slug="pick", role="x", kind="router"),
    )
    edges = (
        Edge(source="pick", target="s0", condition="first"),
        Edge(source="s0", target="boss"),
        Edge(source="boss", target="s0", condition="reject"),
        Edge(source="boss", target="s1"),
    )
    reviews = (ReviewPair(worker="s0", approver="boss"),)
    big = blueprint(router, *agents, gate, edges=edges, reviews=reviews)
    draft = as_draft(big)
    assert [(a.name, a.kind, a.after) for a in draft.agents[:3]] == [
        ("pick", "router", ""),
        ("s0", "gate", "pick"),  # a person approves its work
        ("s1", "worker", "s0"),  # after the approver: after the work it approved
    ]
    assert len(draft.agents) == EXAMPLE_AGENTS and "boss" not in {a.name for a in draft.agents}
    assert all(len(a.role) <= EXAMPLE_ROLE_CHARS for a in draft.agents)
    past = BuildRecord(id="big", request="word " * 2000, blueprint=big, outcome=BuildOutcome(status="approved"))
    text = example_text(Recalled(past, 0.912))
    request_line = text.splitlines()[2]
    assert (
        request_line.startswith("Request: word word") and len(request_line) <= len("Request: ") + EXAMPLE_REQUEST_CHARS
    )
    assert text.splitlines()[0].startswith(
        "Worked example: a past build of a similar request (approved, 0 tests passed"
    )
    assert "similarity 0.91)" in text and text.splitlines()[1] == "<<< past build big"
    assert text.endswith("\n>>> end of past build") and len(text) < 2500


def _escalating(store: InMemoryStore, checkpointer: InMemorySaver | None, tmp_path: Path, thread: str | None) -> dict:
    model = ScriptedChatModel(Script(reject=["understand"]))
    app = build_graph(model).compile(checkpointer=checkpointer, store=store)
    context = Context(out_dir=str(tmp_path), max_retries={"understand": 1})
    config = {"configurable": {"thread_id": thread}} if thread else {}
    return dict(app.invoke({"request": HELPDESK}, config, context=context))


def test_an_escalated_build_is_kept_without_a_blueprint_and_a_run_without_a_thread_keeps_nothing(
    tmp_path: Path,
) -> None:
    store = InMemoryStore()
    assert _escalating(store, None, tmp_path, None)["status"] == "escalated:understand"
    assert BuildMemory(store).list() == []
    out = _escalating(store, InMemorySaver(), tmp_path, "t1")
    assert out["status"] == "escalated:understand"
    [kept] = BuildMemory(store).list()
    assert (kept.id, kept.request, kept.spec, kept.blueprint) == ("t1", HELPDESK, None, None)
    assert kept.outcome.status == "escalated:understand"
    assert kept.outcome.detail == "1 attempts rejected; last reasons: weak on 'triages tickets'"
    assert [(r.stage, r.attempt, r.approved) for r in kept.outcome.reviews] == [("understand", 1, False)]
    assert BuildMemory(store).recall(HELPDESK) is None  # no approved blueprint to show
