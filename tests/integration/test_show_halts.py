"""`show` explains every halt, an error run's included, and the exit code says whose fault it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from autogenesis import cli as cli_module
from autogenesis.checkpoints import open_persistence
from autogenesis.context import Context
from autogenesis.models.scripted import ScriptedChatModel, ScriptedFault
from autogenesis.runner import Runner

HELPDESK = "a helpdesk that triages tickets, drafts replies and has a reviewer approve them"
REASON = "scripted gave no valid BlueprintDraft for role 'design' in 3 attempts; last error: answer: field required"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autogenesis", *args], capture_output=True, text=True, env=os.environ, timeout=600
    )


def show_json(db: str, thread: str) -> dict[str, Any]:
    proc = cli("show", thread, "--db", db, "--json")
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def test_show_explains_an_error_run_and_resume_finishes_it(tmp_path: Path) -> None:
    db, out = str(tmp_path / "runs.db"), str(tmp_path / "out")
    with open_persistence(db) as persistence:
        failing = ScriptedChatModel(faults={"design": [ScriptedFault(REASON)]})
        outcome = Runner(persistence, failing, model_setting="scripted").start(
            HELPDESK, thread_id="e", context=Context(out_dir=out)
        )
    assert (outcome.status, outcome.message, outcome.exit_code) == ("error:design", REASON, 3)

    table = cli("show", "e", "--db", db)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "e  error:design"
    assert f"halt: error:design — {REASON}" in lines

    shown = show_json(db, "e")
    assert (shown["status"], shown["halt"]) == ("error:design", {"kind": "error", "stage": "design", "detail": REASON})
    assert (shown["run"]["status"], shown["run"]["detail"]) == ("error:design", REASON)
    assert shown["state"].get("halt") is None  # no halt in state: the run stays resumable

    resumed = cli("resume", "e", "--db", db, "-q")
    assert resumed.returncode == 0, resumed.stderr
    final = show_json(db, "e")
    assert (final["status"], final["halt"]["kind"], final["run"]["detail"]) == ("approved", "approved", "")
    assert [c["role"] for c in final["state"]["calls"]].count("understand") == 1


@pytest.mark.parametrize(
    ("fault", "code", "why"),
    [
        (ScriptedFault(REASON), 3, REASON),
        (RuntimeError("boom"), 1, "internal error: RuntimeError: boom"),
    ],
    ids=["model-error", "internal-error"],
)
def test_a_model_error_exits_3_and_only_an_internal_error_exits_1(
    fault: Exception, code: int, why: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, out = str(tmp_path / "runs.db"), str(tmp_path / "out")
    monkeypatch.setattr(cli_module, "resolve_model", lambda setting: ScriptedChatModel(faults={"design": [fault]}))
    result = CliRunner().invoke(cli_module.cli, ["build", HELPDESK, "--db", db, "--out", out, "--thread", "x", "-q"])
    assert result.exit_code == code, result.output
    assert result.stderr.splitlines() == [
        "building thread x with model scripted",
        f"error:design thread x — {why}",
        f"resume with: autogenesis resume x --db {db}",
    ]
    shown = CliRunner().invoke(cli_module.cli, ["show", "x", "--db", db, "--json"])
    assert json.loads(shown.stdout)["halt"] == {"kind": "error", "stage": "design", "detail": why}
