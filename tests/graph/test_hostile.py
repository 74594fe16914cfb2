"""Hostile model output through the whole pipeline: sanitized names, quoted text, nothing executed."""

from __future__ import annotations

import ast
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from autogenesis import Context, build_graph
from autogenesis.drafts import AgentDraft, BlueprintDraft
from autogenesis.models.scripted import ScriptedChatModel


def test_hostile_names_and_text_stay_data(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    draft = BlueprintDraft(
        name="../../etc",
        agents=[
            AgentDraft(name="../../etc/passwd", role=payload),
            AgentDraft(name='x"""; import os; os.system("id"); """', role=f'"""\n{payload}\n"""'),
        ],
    )
    # Asked three times (two retries), the model answers outside the names and roles the request grounds.
    model = ScriptedChatModel(responses={"design": [draft] * 3})
    out_dir = tmp_path / "out"
    ctx = Context(out_dir=str(out_dir))
    app = build_graph(model).compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "hostile"}, "recursion_limit": ctx.recursion_limit()}
    out = app.invoke({"request": "a system that " + payload}, config, context=ctx)

    assert out["status"] == "approved"
    # None of the model's names or roles was taken: the design is the request's reading, recorded as such.
    assert [(c.attempts, c.fallback) for c in out["calls"] if c.role == "design"] == [(3, True)]
    assert "etc" not in out["blueprint"].name and not any("passwd" in a.slug for a in out["blueprint"].agents)
    slugs = [a.slug for a in out["blueprint"].agents]
    assert all(slug.isidentifier() and "/" not in slug and "." not in slug for slug in slugs)
    assert out["blueprint"].name.isidentifier()
    # the payload reached the project only as text, never as a call
    files = out["project"].files
    assert any(payload in text for text in files.values())
    for path, text in files.items():
        if path.endswith(".py"):
            calls = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call)]
            names = {getattr(c.func, "id", getattr(c.func, "attr", "")) for c in calls}
            assert not names & {"__import__", "system", "eval", "exec"}, path
    assert not marker.exists()
    written = {p.resolve() for p in tmp_path.rglob("*")}
    assert all(p == out_dir.resolve() or out_dir.resolve() in p.parents for p in written if p != marker)
