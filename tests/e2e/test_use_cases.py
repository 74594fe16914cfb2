"""The paper's four use cases, built end to end with the scripted model: tested, deployed, runnable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from autogenesis import Context, ScriptedModel, build_graph
from autogenesis.use_cases import USE_CASES


@pytest.mark.parametrize("case", sorted(USE_CASES))
def test_use_case_builds_a_tested_deployed_runnable_project(case: str, tmp_path: Path) -> None:
    app = build_graph(ScriptedModel()).compile(checkpointer=InMemorySaver())
    ctx = Context(out_dir=str(tmp_path))
    config = {"configurable": {"thread_id": case}, "recursion_limit": ctx.recursion_limit()}
    out = app.invoke({"request": USE_CASES[case]}, config, context=ctx)

    assert out["status"] == "approved"
    blueprint, report = out["blueprint"], out["test_report"]
    workers = [a for a in blueprint.agents if not a.slug.endswith("_reviewer")]
    assert len(workers) == len(out["spec"].capabilities)
    assert {pair.worker for pair in blueprint.reviews} == {w.slug for w in workers}
    # the generated suite: the approve path, one reject-until-cap path per review pair, one test per scenario
    assert (report.passed, report.failed, report.errors) == (
        1 + len(blueprint.reviews) + len(blueprint.scenarios),
        0,
        0,
    )
    assert "no network (new network namespace via unshare -n)" in report.sandbox

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
