"""Text from a request, a model or a run reaches the terminal escaped: ESC and BEL shown, never sent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

RED = "\x1b[31mred\x1b[0m"
TITLE = "\x1b]0;title\x07"
REQUEST = f"a helpdesk that triages {RED} tickets {TITLE} and drafts replies"
RED_SHOWN = r"\x1b[31mred\x1b[0m"
TITLE_SHOWN = r"\x1b]0;title\x07"
CLAUSE_SHOWN = f"'triages {RED_SHOWN} tickets {TITLE_SHOWN}'"


def cli(*args: str) -> tuple[int, str, str]:
    """Exit code, standard output and standard error, after checking no raw ESC or BEL byte is in either."""
    env = {**os.environ, "COLUMNS": "300"}  # table cells on one line each
    proc = subprocess.run([sys.executable, "-m", "autogenesis", *args], capture_output=True, env=env, timeout=600)
    for stream in (proc.stdout, proc.stderr):
        assert b"\x1b" not in stream and b"\x07" not in stream, stream
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def test_a_request_with_escape_sequences_is_shown_escaped_by_build_runs_and_show(tmp_path: Path) -> None:
    db, out = str(tmp_path / "runs.db"), str(tmp_path / "out")
    code, _, built = cli("build", REQUEST, "--model", "scripted", "--db", db, "--out", out, "--thread", "ok")
    assert code == 0, built
    assert built.splitlines()[-2] == "approved thread ok"

    code, _, halted = cli(
        "build", REQUEST, "--model", "scripted:reject=understand", "--max-retries", "1", "--db", db, "--out", out,
        "--thread", "halted", "--stream",
    )  # fmt: skip
    reasons = f"1 attempts rejected; last reasons: weak on {CLAUSE_SHOWN}"
    lines = halted.splitlines()
    assert code == 3, halted
    assert f"  ✗ review_understand: attempt 1 rejected: weak on {CLAUSE_SHOWN}" in lines
    assert f"  ■ escalated:understand: {reasons}" in lines
    assert lines[-3:] == [
        "escalated:understand thread halted",
        f"why: {reasons}",
        f"continue with: autogenesis resume halted --db {db} --max-retries understand=2",
    ]
    # The model's streamed answer (JSON) names the request too: shown with JSON's own escapes.
    (answer,) = [line.partition(" ▸ ")[2] for line in lines if line.startswith("understand ▸ ")]
    assert RED in json.loads(answer)["goal"]

    code, listed, _ = cli("runs", "--db", db)
    assert code == 0
    requests = [line.split(maxsplit=4)[4].rstrip() for line in listed.splitlines()[1:]]
    assert requests == [f"a helpdesk that triages {RED_SHOWN} tickets {TITLE_SHOWN} and…"] * 2

    code, shown, _ = cli("show", "halted", "--db", db)
    assert code == 0
    lines = [line.strip() for line in shown.splitlines()]
    assert f"request: a helpdesk that triages {RED_SHOWN} tickets {TITLE_SHOWN} and drafts replies" in lines
    assert f"triages {RED_SHOWN} tickets {TITLE_SHOWN}" in lines
    assert f"halt: escalated:understand — {reasons}" in lines
    assert any(line.startswith("understand") and line.endswith(f"weak on {CLAUSE_SHOWN}") for line in lines)

    code, shown, _ = cli("show", "ok", "--db", db)
    lines = [" ".join(line.split()) for line in shown.splitlines()]
    assert f"understand 1 ✓ covers {CLAUSE_SHOWN}; covers 'drafts replies'" in lines

    # --json is JSON: its own escapes, the text exact once parsed.
    code, listed_json, _ = cli("runs", "--db", db, "--json")
    assert [run["request"] for run in json.loads(listed_json)] == [REQUEST, REQUEST]
    code, shown_json, _ = cli("show", "halted", "--db", db, "--json")
    assert json.loads(shown_json)["run"]["request"] == REQUEST


def test_an_error_message_shows_the_text_it_quotes_escaped(tmp_path: Path) -> None:
    code, _, error = cli("show", f"no{TITLE}", "--db", str(tmp_path / "runs.db"))
    assert (code, error) == (
        2,
        "autogenesis: error: the thread id must be printable text, not 'no\\\\x1b]0;title\\\\x07'\n",
    )
    code, _, error = cli("show", "no[red]", "--db", str(tmp_path / "runs.db"))
    assert (code, error) == (2, "autogenesis: error: no run with thread id 'no[red]'\n")
