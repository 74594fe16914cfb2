"""Human approval through the CLI: a build waits at its gates, `autogenesis review` answers from any process."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli import HELPDESK, cli

#: What the gate's question says when the CLI asks in place.
QUESTION = b"approve generate? y approves; anything else rejects, as the reason: "
DEADLINE_S = 300.0


def deployed_files(folder: Path) -> dict[str, bytes]:
    """A deployed project's files, without the record naming the run that deployed it."""
    files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    record = json.loads(files.pop(".autogenesis.json"))
    record.pop("run")
    return {**files, ".autogenesis.json": json.dumps(record, sort_keys=True).encode()}


class Reviewed:
    """One build through its design gate, answered twice by `autogenesis review`, each in a new process."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.db, self.prompts = folder, str(folder / "runs.db"), folder / "prompts.jsonl"
        model = f"scripted:prompts={self.prompts}"
        common = ("--db", self.db, "--model", model)
        out = str(folder / "out")
        self.steps = [cli("build", HELPDESK, "--thread", "h", "--out", out, "--human-approval", "design", *common)]
        for answer in (("--reject", "add a billing agent"), ("--approve",)):
            self.steps.append(cli("review", "h", *answer, *common))
        self.again = cli("review", "h", "--approve", "--db", self.db)


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Reviewed:
    return Reviewed(tmp_path_factory.mktemp("reviewed"))


def test_reject_with_a_reason_rework_then_approve_deploys(reviewed: Reviewed) -> None:
    codes = [step.returncode for step in reviewed.steps]
    assert codes == [4, 4, 0], [step.stderr for step in reviewed.steps]
    waiting = [line for step in reviewed.steps for line in step.stderr.splitlines() if "waits for" in line]
    assert waiting == [
        "awaiting_review:design thread h — attempt 1 of design waits for a person's review",
        "design, attempt 1, waits for your review of this work:",
        "awaiting_review:design thread h — attempt 2 of design waits for a person's review",
        "design, attempt 2, waits for your review of this work:",
    ]
    first = reviewed.steps[0].stderr.splitlines()
    assert first[-3:] == [
        "advice of the automatic approver (model): approve: covers 'triages tickets'; covers 'drafts replies'",
        f"approve with: autogenesis review h --db {reviewed.db} --approve",
        f'reject with:  autogenesis review h --db {reviewed.db} --reject "why"',
    ]
    # The person's reason reached the design worker's prompt as a model's rejection does.
    design = [json.loads(line)["feedback"] for line in reviewed.prompts.read_text().splitlines() if '"design"' in line]
    assert design == [[], ["add a billing agent"]]
    assert "  ✗ review_design: attempt 1 rejected by a person: add a billing agent" in reviewed.steps[1].stderr
    done = reviewed.steps[-1].stderr.splitlines()
    deployed = reviewed.folder / "out" / "helpdesk_triages_tickets" / "v1"
    assert done[-2:] == ["approved thread h", f"deployed: {deployed}"]
    assert (deployed / "langgraph.json").is_file()


def test_review_of_a_thread_not_waiting_is_a_usage_error(reviewed: Reviewed) -> None:
    assert reviewed.again.returncode == 2
    assert reviewed.again.stderr == "autogenesis: error: thread 'h' is not waiting for a review (status: approved)\n"


def test_kill_9_while_asking_then_review_from_a_new_process_finishes(reviewed: Reviewed, tmp_path: Path) -> None:
    db, out = str(tmp_path / "runs.db"), tmp_path / "out"
    args = ["build", HELPDESK, "--thread", "k", "--db", db, "--out", str(out), "--human-approval", "generate", "-q"]
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "autogenesis", *args], stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + DEADLINE_S
    try:
        while QUESTION not in output:  # the question is asked: the process waits for a line
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(master, 65536) if ready else b""
            if not chunk:
                proc.kill()
                pytest.fail(f"no question; output so far:\n{output.decode(errors='replace')}")
            output += chunk
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        os.close(master)
    assert b"approve with: autogenesis review k --db " in output

    runs, shown = cli("runs", "--db", db), cli("show", "k", "--db", db)
    assert "awaiting_review:generate" in runs.stdout, runs.stdout + runs.stderr
    assert shown.stdout.splitlines()[:2] == [
        "k  awaiting_review:generate",
        "waiting for a person's review of generate, attempt 1",
    ]
    answered = cli("review", "k", "--approve", "--db", db, "-q")
    deployed = out / "helpdesk_triages_tickets" / "v1"
    assert answered.returncode == 0, answered.stderr
    assert answered.stderr.splitlines()[-2:] == ["approved thread k", f"deployed: {deployed}"]
    # The same project as the build answered without a kill.
    assert deployed_files(deployed) == deployed_files(reviewed.folder / "out" / "helpdesk_triages_tickets" / "v1")
