"""A full build with the real embedded model (Gemma 3 270M on the CPU), the default when no --model is given."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.real_model]

REQUEST = "a customer-support helpdesk that triages tickets, drafts replies and has a reviewer approve them"
TYPED_HALTS = ("escalated", "loop_detected", "budget_exhausted")


def test_build_with_the_embedded_default_model(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AUTOGENESIS_MODEL"}
    env["HF_HUB_OFFLINE"] = "1"
    db, out = str(tmp_path / "runs.db"), str(tmp_path / "generated")
    build = subprocess.run(
        [sys.executable, "-m", "autogenesis", "build", REQUEST, "--db", db, "--out", out, "--thread", "real", "-q"],
        capture_output=True,
        text=True,
        env=env,
        timeout=1500,
    )
    assert build.returncode in (0, 3), build.stderr
    assert "Traceback" not in build.stderr
    shown = subprocess.run(
        [sys.executable, "-m", "autogenesis", "show", "real", "--db", db, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    run, state = json.loads(shown.stdout).values()
    assert run["model"] == "local"
    status = state["status"]
    assert status == "approved" or status.split(":")[0] in TYPED_HALTS, status
    assert (build.returncode == 0) == (status == "approved")
    calls = state["calls"]
    assert calls and {c["model"] for c in calls} == {"local"}
    # valid by construction: every call decoded under the schema's grammar, none needed a second decode
    assert all(c["constrained"] for c in calls)
    assert [c["role"] for c in calls if c["attempts"] != 1] == []
    if status == "approved":
        assert Path(state["deployment"]["path"]).is_dir()
        assert state["test_report"]["failed"] == 0
    else:
        assert state["halt"]["detail"]
