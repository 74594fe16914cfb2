"""The user's feedback on a finished build: `feedback` deploys v2 beside an untouched v1, `show --diff`
names what changed, and the iteration cap holds. One scripted build serves every test."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from generated import own_tests_without_autogenesis

from autogenesis import cli as cli_module
from autogenesis.models.base import Prompt
from autogenesis.prompts import design as design_prompts
from autogenesis.use_cases import USE_CASES

REQUEST = USE_CASES["project_management"]
FEEDBACK = "give the planner a budget agent"
PACKAGE = "project_manager_small"
ORIGINAL_AGENTS = ["plans_projects", "allocates_resources", "estimates_effort", "tracks_progress"]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli_module.cli, list(args))


def hashes(folder: Path) -> dict[str, str]:
    """Every file under `folder`, by relative path, with the SHA-256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@dataclass(frozen=True)
class Iterated:
    db: str
    out: Path
    v1_before: dict[str, str]
    v1_after: dict[str, str]
    feedback: Result
    state: dict[str, Any]
    design_prompts: list[Prompt]


def show_json(db: str, *extra: str) -> dict[str, Any]:
    shown = run("show", "pm", "--db", db, "--json", *extra)
    assert shown.exit_code == 0, shown.output
    return dict(json.loads(shown.stdout))


@pytest.fixture(scope="module")
def iterated(tmp_path_factory: pytest.TempPathFactory) -> Iterated:
    """A scripted build of the small-business use case, then the user's feedback on it."""
    root = tmp_path_factory.mktemp("feedback")
    db, out = str(root / "runs.db"), root / "out"
    built = run("build", REQUEST, "--model", "scripted", "--db", db, "--out", str(out), "--thread", "pm", "-q")
    assert built.exit_code == 0, built.output
    v1 = out / PACKAGE / "v1"
    before = hashes(v1)
    seen: list[Prompt] = []
    original = design_prompts.render

    def render(*args: Any, **kwargs: Any) -> Prompt:
        seen.append(original(*args, **kwargs))
        return seen[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(design_prompts, "render", render)
        result = run("feedback", "pm", FEEDBACK, "--db", db, "-q")
    return Iterated(db, out, before, hashes(v1), result, show_json(db)["state"], seen)


def test_feedback_deploys_v2_shaped_by_the_text_beside_an_untouched_v1(iterated: Iterated) -> None:
    assert iterated.feedback.exit_code == 0, iterated.feedback.output
    v2 = iterated.out.resolve() / PACKAGE / "v2"
    assert iterated.feedback.stderr.splitlines() == ["approved thread pm", f"deployed: {v2}"]
    assert iterated.v1_after == iterated.v1_before and len(iterated.v1_before) > 20
    state = iterated.state
    assert (state["status"], state["iteration"], state["deployment"]["version"]) == ("approved", 1, 2)
    assert state["request"] == f"{REQUEST}. The planner has a budget agent."
    assert state["blueprint"]["version"] == 2
    workers = [a["slug"] for a in state["blueprint"]["agents"] if not a["slug"].endswith("_reviewer")]
    assert workers == [*ORIGINAL_AGENTS, "budget_agent"]  # all the request asked, plus the change
    assert state["feedback"]["source"] == "self"  # the pipeline's own reflection on v2 came last
    assert state["test_report"]["failed"] == 0 and state["test_report"]["passed"] > 0


def test_the_design_prompt_of_v2_carries_the_feedback(iterated: Iterated) -> None:
    [prompt] = iterated.design_prompts
    assert prompt.feedback == (FEEDBACK,)
    assert "- estimates effort\n- tracks progress\n- has a budget agent\n" in prompt.input
    shown = run("show", "pm", "--db", iterated.db, "--timeline", "--json")
    rows = [(row["node"], row["verdict"]) for row in json.loads(shown.stdout)]
    at = rows.index(("user_feedback", f"iteration 1: {FEEDBACK}"))
    assert rows[at - 1] == ("finish", "approved: deployed version 1 to " + str(iterated.out.resolve() / PACKAGE / "v1"))
    assert rows[at + 1][0] == "understand" and rows[-1][0] == "finish"
    design_calls = [c for c in iterated.state["calls"] if c["role"] == "design"]
    assert len(design_calls) == 2  # one per version, nothing rejected


def test_v2_s_own_tests_pass(iterated: Iterated) -> None:
    proc = own_tests_without_autogenesis(iterated.out / PACKAGE / "v2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "budget_agent" in (iterated.out / PACKAGE / "v2" / PACKAGE / "graph.py").read_text()


DIFF = {
    "from": 1,
    "to": 2,
    "agents": {
        "added": [
            {"agent": "budget_agent", "role": "has a budget agent", "kind": "llm"},
            {
                "agent": "budget_agent_reviewer",
                "role": "Approves or sends back the work of budget_agent: has a budget agent.",
                "kind": "llm",
            },
        ],
        # The system's answer is reviewed before it leaves: that review moves to the new last agent.
        "removed": [
            {
                "agent": "tracks_progress_reviewer",
                "role": "Approves or sends back the work of tracks_progress: tracks progress.",
                "kind": "llm",
            }
        ],
        "changed": [],
    },
    "edges": {
        "added": [
            "budget_agent -> budget_agent_reviewer",
            "budget_agent_reviewer -> budget_agent [reject]",
            "tracks_progress -> budget_agent",
        ],
        "removed": [
            "tracks_progress -> tracks_progress_reviewer",
            "tracks_progress_reviewer -> tracks_progress [reject]",
        ],
    },
    "prompts": {
        "added": ["budget_agent", "budget_agent_reviewer"],
        "removed": ["tracks_progress_reviewer"],
        "changed": [],
    },
    "files": {
        "added": [
            f"{PACKAGE}/nodes/budget_agent.py",
            f"{PACKAGE}/nodes/budget_agent_reviewer.py",
            f"{PACKAGE}/prompts/budget_agent.py",
            f"{PACKAGE}/prompts/budget_agent_reviewer.py",
        ],
        "removed": [f"{PACKAGE}/nodes/tracks_progress_reviewer.py", f"{PACKAGE}/prompts/tracks_progress_reviewer.py"],
        "changed": [
            "README.md",
            f"{PACKAGE}/__init__.py",
            f"{PACKAGE}/graph.py",
            f"{PACKAGE}/nodes/__init__.py",
            f"{PACKAGE}/nodes/tracks_progress.py",
            f"{PACKAGE}/state.py",
            "pyproject.toml",
            "tests/test_graph.py",
        ],
    },
}


def test_show_diff_names_the_added_agent_its_edges_prompt_and_files(iterated: Iterated) -> None:
    assert show_json(iterated.db, "--diff") == DIFF
    assert show_json(iterated.db, "--diff", "1..2") == DIFF
    text = run("show", "pm", "--db", iterated.db, "--diff")
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[0] == "v1 -> v2"
    assert lines[1] == (
        "agents added: budget_agent (llm: has a budget agent); budget_agent_reviewer "
        "(llm: Approves or sends back the work of budget_agent: has a budget agent.)"
    )
    assert "prompts added: budget_agent; budget_agent_reviewer" in lines
    assert (
        "edges added: budget_agent -> budget_agent_reviewer; budget_agent_reviewer -> budget_agent [reject]; "
        "tracks_progress -> budget_agent" in lines
    )


def test_show_diff_refuses_a_version_never_deployed(iterated: Iterated) -> None:
    shown = run("show", "pm", "--db", iterated.db, "--diff", "1..3")
    assert shown.exit_code == 2
    assert shown.stderr == "autogenesis: error: the run has no version v3 (deployed: v1, v2)\n"


def test_feedback_beyond_the_cap_exits_2_and_changes_nothing(iterated: Iterated) -> None:
    files, state = hashes(iterated.out), show_json(iterated.db)
    refused = run("feedback", "pm", "add a reporting agent", "--db", iterated.db, "-q")
    assert refused.exit_code == 2
    assert refused.stderr == (
        "autogenesis: error: the run has made 1 of its 1 iteration(s); raise the cap with --max-iterations 2\n"
    )
    assert hashes(iterated.out) == files
    assert show_json(iterated.db) == state


def test_feedback_on_a_run_that_did_not_end_approved_exits_2(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    stopped = run(
        "build",
        REQUEST,
        "--model",
        "scripted",
        "--db",
        db,
        "--out",
        str(tmp_path),
        "--thread",
        "b",
        "--max-model-calls",
        "1",
        "-q",
    )
    assert stopped.exit_code == 3, stopped.output
    refused = run("feedback", "b", FEEDBACK, "--db", db, "-q")
    assert refused.exit_code == 2
    assert refused.stderr == (
        "autogenesis: error: only a build that ended approved takes feedback; thread 'b' is budget_exhausted\n"
    )
    nothing = run("show", "b", "--db", db, "--diff")
    assert nothing.exit_code == 2
    assert nothing.stderr == "autogenesis: error: the run deployed 0 version(s); a diff needs two\n"
