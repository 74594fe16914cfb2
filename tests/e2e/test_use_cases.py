"""The paper's four use cases, built end to end with the scripted model: tested, deployed, runnable."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph_sdk import get_sync_client

from autogenesis import Context, ScriptedChatModel, build_graph
from autogenesis.use_cases import USE_CASES

ANSWER = "its output is the system's answer, which leaves the system"
#: Per use case, the work that is reviewed and why: the answer, and a job acting outside the system.
REVIEWED = {
    "education": [("adapts_content_learning", ANSWER)],
    "healthcare": [("schedules_follow_ups", ANSWER)],
    "project_management": [("tracks_progress", ANSWER)],
    "software": [("merges_code_changes", 'it acts outside the system ("merges")'), ("manages_deployments", ANSWER)],
}


@pytest.mark.parametrize("case", sorted(USE_CASES))
def test_use_case_builds_a_tested_deployed_runnable_project(case: str, tmp_path: Path) -> None:
    app = build_graph(ScriptedChatModel()).compile(checkpointer=InMemorySaver())
    ctx = Context(out_dir=str(tmp_path))
    config = {"configurable": {"thread_id": case}, "recursion_limit": ctx.recursion_limit()}
    out = app.invoke({"request": USE_CASES[case]}, config, context=ctx)

    assert out["status"] == "approved"
    blueprint, report = out["blueprint"], out["test_report"]
    approvers = {pair.approver for pair in blueprint.reviews}
    workers = [a for a in blueprint.agents if a.slug not in approvers]
    assert len(workers) == len(out["spec"].capabilities)
    assert [(pair.worker, pair.reason) for pair in blueprint.reviews] == REVIEWED[case]
    # the generated suite: the approve path, one reject-until-cap path per review pair, one test per scenario
    assert (report.passed, report.failed, report.errors) == (
        1 + len(blueprint.reviews) + len(blueprint.scenarios),
        0,
        0,
    )
    assert report.sandbox.startswith(
        "bubblewrap: a uid of its own, own pid/mount/network namespaces"
    )  # root, bwrap installed

    deployed = Path(out["deployment"].path)
    assert deployed == (tmp_path / blueprint.name / "v1").resolve()
    proc = subprocess.run(
        [sys.executable, "-m", blueprint.name, USE_CASES[case], "--model", "scripted"],
        cwd=deployed,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(deployed)},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()


def test_a_generated_project_serves_under_langgraph_dev(
    langgraph_dev: Callable[..., AbstractContextManager[str]], tmp_path: Path
) -> None:
    app = build_graph(ScriptedChatModel()).compile(checkpointer=InMemorySaver())
    ctx = Context(out_dir=str(tmp_path / "out"))
    config = {"configurable": {"thread_id": "serve"}, "recursion_limit": ctx.recursion_limit()}
    out = app.invoke({"request": USE_CASES["project_management"]}, config, context=ctx)
    assert out["status"] == "approved"
    project, name = Path(out["deployment"].path), out["blueprint"].name

    env = {"PYTHONPATH": str(project), f"{name.upper()}_MODEL": "scripted"}
    with langgraph_dev(project, tmp_path, env) as url:
        client = get_sync_client(url=url)
        assert [a["graph_id"] for a in client.assistants.search()] == [name]
        thread = client.threads.create()
        result = client.runs.wait(thread["thread_id"], name, input={"request": "plan a shop refit in March"})
        state = client.threads.get_state(thread["thread_id"])
    assert isinstance(result, dict) and state["next"] == []
    assert "status" not in result  # set only when a review pair escalates
    assert result["result"]
    workers = [a.slug for a in out["blueprint"].agents if not a.slug.endswith("_reviewer")]
    assert all(result[f"{slug}_output"] for slug in workers)
