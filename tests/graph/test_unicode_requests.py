"""Property: any request the intake accepts, in any script and with any character, builds and deploys.

Built with the scripted model through the public API; each deployed project's own tests ran
in the sandbox and passed, its pyproject.toml and langgraph.json parse, and the request is
its description, exactly, in the state, in pyproject.toml and in the README as rendered.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from langgraph.checkpoint.memory import InMemorySaver
from markdown_it import MarkdownIt

from autogenesis import Context, build_graph
from autogenesis.blueprint.literals import markdown_shown
from autogenesis.models.scripted import ScriptedChatModel
from autogenesis.validation import InvalidRequest, validate_request

#: Besides any character: the neighbours of the surrogates, the last of the BMP, astral
#: characters, bidirectional controls, C0 and C1 controls, line separators.
EDGES = "\ud7ff\ue000\uffff\U0001f600\U0010fffd\u202e\u200f\u2066\u05d0\u0627\x01\x1b\x7f\x85\x9b\u2028\u2029\ufeff"


def _accepted(text: str) -> bool:
    """Whether the intake takes `text` (the strategy leaves out what it refuses: see test_validation)."""
    try:
        validate_request(text)
    except InvalidRequest:
        return False
    return True


REQUESTS = st.text(st.characters(exclude_categories=("Cs",)) | st.sampled_from(EDGES), min_size=1, max_size=60).filter(
    _accepted
)


def _build(request: str, out_dir: Path) -> dict[str, Any]:
    app = build_graph(ScriptedChatModel()).compile(checkpointer=InMemorySaver())
    ctx = Context(out_dir=str(out_dir), max_iterations=0)
    config = {"configurable": {"thread_id": "unicode"}, "recursion_limit": ctx.recursion_limit()}
    return app.invoke({"request": request}, config, context=ctx)


def _readme_description(readme: str) -> str:
    """The text of the README's first paragraph (the description) as Markdown renders it."""
    tokens = MarkdownIt("commonmark").parse(readme)
    assert [t.type for t in tokens[:4]] == ["heading_open", "inline", "heading_close", "paragraph_open"]
    return "".join("\n" if c.type == "softbreak" else c.content for c in tokens[4].children)


@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(REQUESTS)
@example("a helpdesk that triages tickets 😀")
@example("מערכת שמסווגת פניות ומנסחת תשובות")
@example("a helpdesk \u202eesrever\u202c that triages \x1b[31mtickets\x1b[0m\x7f and\u2028drafts\x85replies")
@example("a helpdesk that triages tickets \ud7ff\ue000\uffff\U0010fffd")
def test_any_accepted_request_is_built_deployed_and_tested(request: str) -> None:
    with tempfile.TemporaryDirectory(prefix="unicode-") as tmp:
        out = _build(request, Path(tmp))
        assert (out["status"], out["test_report"].ok) == ("approved", True), out.get("halt")
        report = out["test_report"]
        assert report.failed == report.errors == 0 and report.passed > 0
        goal = validate_request(request).rstrip(".").strip()
        blueprint = out["blueprint"]
        assert (out["spec"].goal, blueprint.description) == (goal, goal)
        project = Path(out["deployment"].path)
        pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        assert pyproject["project"]["description"] == " ".join(goal.split())[:200]
        langgraph = json.loads((project / "langgraph.json").read_text(encoding="utf-8"))
        assert langgraph["graphs"] == {blueprint.name: f"./{blueprint.name}/graph.py:graph"}
        assert _readme_description((project / "README.md").read_text(encoding="utf-8")) == markdown_shown(goal)


def test_a_project_built_from_an_emoji_and_rtl_request_installs(tmp_path: Path) -> None:
    out = _build("a helpdesk that triages tickets 😀 \u202eand שלום", tmp_path / "out")
    assert out["status"] == "approved"
    wheel = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(tmp_path),
            ".",
        ],
        cwd=out["deployment"].path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert wheel.returncode == 0, wheel.stderr
    assert [p.name for p in tmp_path.glob("*.whl")] == [f"{out['blueprint'].name}-1.0.0-py3-none-any.whl"]
