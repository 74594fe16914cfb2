"""`autogenesis resume THREAD --max-retries ...`: an escalated run goes on under a higher cap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HELPDESK = "a helpdesk that triages tickets, drafts replies and has a reviewer approve them"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autogenesis", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
        timeout=600,
    )


def test_an_escalated_run_continues_with_a_higher_cap(tmp_path: Path) -> None:
    db, out = str(tmp_path / "runs.db"), str(tmp_path / "out")
    built = cli(
        "build", HELPDESK, "--model", "scripted:reject=design", "--max-retries", "design=2", "--db", db,
        "--thread", "esc", "--out", out, "-q",
    )  # fmt: skip
    assert built.returncode == 3, built.stderr
    assert "escalated:design thread esc" in built.stderr
    assert f"continue with: autogenesis resume esc --db {db} --max-retries design=3" in built.stderr

    same_cap = cli("resume", "esc", "--db", db, "--model", "scripted", "-q")
    assert same_cap.returncode == 3, same_cap.stderr
    assert "already finished; raise its cap to go on: resume --max-retries" in same_cap.stderr

    too_low = cli("resume", "esc", "--db", db, "--model", "scripted", "--max-retries", "design=2", "-q")
    assert too_low.returncode == 2
    assert too_low.stderr.strip().splitlines() == [
        "autogenesis: error: the design stage escalated after 2 attempt(s); "
        "continue with --max-retries design=3 or more"
    ]

    resumed = cli("resume", "esc", "--db", db, "--model", "scripted", "--max-retries", "design=3", "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert "approved thread esc" in resumed.stderr
    shown = json.loads(cli("show", "esc", "--db", db, "--json").stdout)
    assert shown["run"]["status"] == "approved"
    assert shown["run"]["context"]["max_retries"] == {"design": 3}
    assert [r["approved"] for r in shown["state"]["reviews"] if r["stage"] == "design"] == [False, False, True]
