"""The CLI as a user runs it: subprocesses, exit codes, one-line errors, runs kept intact."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from autogenesis.checkpoints import open_persistence

HELPDESK = "a helpdesk that triages tickets, drafts replies and has a reviewer approve them"


def cli(
    *args: str | bytes, env: dict[str, str] | None = None, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "autogenesis", *args],
        input=stdin,
        cwd=cwd,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


class Paused:
    """A build run in the background with the scripted model paused at `role`'s calls.

    The model writes to an inherited pipe once a call is paused; `wait()` blocks on that pipe,
    so the test goes on exactly when the run has reached the pause, however slow the machine.
    The pipe's end of file means the run exited without reaching it.
    """

    def __init__(self, role: str, journal: Path, *args: str, log: Path) -> None:
        read_end, write_end = os.pipe()
        model = f"scripted:journal={journal},pause_at={role},pause_fd={write_end}"
        self.log = log
        # A child inherits an ignored SIGINT (pytest started in the background, under nohup): with
        # it handled here, the child starts with the default action and Python's Ctrl-C handler.
        inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            with log.open("wb") as stderr:  # a file, not a pipe: a chatty run can never block on it
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "autogenesis", *args, "--model", model],
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    pass_fds=(write_end,),
                )
        finally:
            signal.signal(signal.SIGINT, inherited)
            os.close(write_end)
        self._pipe = os.fdopen(read_end, "rb")

    def wait(self) -> None:
        """Return once the run is paused; fail if it exited first."""
        if not self._pipe.readline():
            self.proc.wait()
            self._pipe.close()
            raise AssertionError(f"the run exited {self.proc.returncode} before pausing:\n{self.log.read_text()}")

    def stop(self, signum: int) -> int:
        """Send `signum`, wait for the exit and return its code; the pipe stays open until then."""
        self.proc.send_signal(signum)
        code = self.proc.wait()
        self._pipe.close()
        return code


def assert_clean_error(proc: subprocess.CompletedProcess[str], code: int, message: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines == [f"autogenesis: error: {message}"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "runs.db")
    return str(request.getfixturevalue("pg_url"))


def show_json(db: str, thread: str) -> dict[str, Any]:
    proc = cli("show", thread, "--db", db, "--json")
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def test_build_runs_and_show(db: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = cli("build", HELPDESK, "--model", "scripted", "--db", db, "--thread", "hd1", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "approved thread hd1" in proc.stderr
    assert f"deployed: {out.resolve()}/helpdesk_triages_tickets/v1" in proc.stderr

    listed = cli("runs", "--db", db, "--json")
    assert listed.returncode == 0
    [record] = json.loads(listed.stdout)
    assert (record["thread_id"], record["status"], record["request"]) == ("hd1", "approved", HELPDESK)

    shown = show_json(db, "hd1")
    assert shown["state"]["status"] == "approved"
    assert shown["state"]["deployment"]["version"] == 1
    assert [r["stage"] for r in shown["state"]["reviews"]][-1] == "feedback"

    table = cli("show", "hd1", "--db", db)
    assert table.returncode == 0
    assert "halt: approved" in table.stdout and "total" in table.stdout


def normalized(state: dict[str, Any]) -> dict[str, Any]:
    """A run's final state without what legitimately differs between two runs: times and paths."""
    state = json.loads(json.dumps(state))
    for event in state["events"]:
        event.pop("at"), event.pop("duration_s")
        if event["kind"] == "halt":
            event["detail"] = event["detail"].split(" to ")[0]
    for call in state["calls"]:
        call.pop("latency_s")
    state["calls"].sort(key=lambda c: c["role"])
    state["events"].sort(key=lambda e: (e["node"], e["kind"], e["detail"]))
    state["deployment"].pop("path")
    state["halt"]["detail"] = state["halt"]["detail"].split(" to ")[0]
    for report in ("test_report",):
        state[report].pop("duration_s")
    state["metrics"].pop("test_seconds")
    return state


def completed_tasks(db: str, thread: str) -> int:
    """Tasks of the interrupted step whose writes were saved before the kill."""
    with open_persistence(db) as persistence:
        saved = persistence.checkpointer.get_tuple({"configurable": {"thread_id": thread}})
    assert saved is not None
    return len({task for task, channel, _ in saved.pending_writes or [] if channel in ("prompts", "spec", "feedback")})


def journal_roles(path: Path) -> Counter[str]:
    return Counter(path.read_text().split()) if path.exists() else Counter()


PAUSE_POINTS = ["understand", "design_prompts", "review:integrate", "feedback"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Counter[str], dict[str, Any]]:
    """The model calls and final state of an uninterrupted build (they do not depend on the backend)."""
    folder = tmp_path_factory.mktemp("reference")
    journal, db = folder / "journal", str(folder / "runs.db")
    model = f"scripted:journal={journal}"
    proc = cli("build", HELPDESK, "--model", model, "--db", db, "--thread", "ref", "--out", str(folder / "o"), "-q")
    assert proc.returncode == 0, proc.stderr
    return journal_roles(journal), normalized(show_json(db, "ref")["state"])


@pytest.mark.parametrize("pause_at", PAUSE_POINTS)
def test_kill_9_then_resume_matches_an_uninterrupted_run(
    db: str, pause_at: str, tmp_path: Path, uninterrupted: tuple[Counter[str], dict[str, Any]]
) -> None:
    reference_calls, reference_state = uninterrupted

    journal = tmp_path / "killed.journal"
    args = ("build", HELPDESK, "--db", db, "--thread", "k", "--out", str(tmp_path / "k"), "-q")
    killed = Paused(pause_at, journal, *args, log=tmp_path / "killed.log")
    killed.wait()
    assert killed.stop(signal.SIGKILL) == -signal.SIGKILL
    started = journal_roles(journal)[pause_at]
    completed = completed_tasks(db, "k")

    runs = json.loads(cli("runs", "--db", db, "--json").stdout)
    assert {r["thread_id"]: r["status"] for r in runs}["k"] == "interrupted"

    resumed = cli("resume", "k", "--db", db, "--model", f"scripted:journal={journal}", "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert "approved thread k" in resumed.stderr

    # No completed task ran again: only the calls cut short were made twice. Killed in the
    # middle of the prompt fan-out, some sibling tasks may have finished and saved their writes.
    assert completed == 0 if pause_at != "design_prompts" else 0 <= completed < started
    assert journal_roles(journal) == reference_calls + Counter({pause_at: started - completed})
    assert normalized(show_json(db, "k")["state"]) == reference_state


def test_resume_of_a_finished_run_changes_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    assert cli("build", HELPDESK, "--db", db, "--thread", "done", "--out", str(tmp_path / "o"), "-q").returncode == 0
    before = show_json(db, "done")
    again = cli("resume", "done", "--db", db, "-q")
    assert again.returncode == 0
    assert "approved thread done — already finished" in again.stderr
    assert show_json(db, "done")["state"] == before["state"]


def test_escalation_exits_3_with_the_reason(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    proc = cli(
        "build",
        HELPDESK,
        "--model",
        "scripted:reject=design",
        "--max-retries",
        "design=2",
        "--db",
        db,
        "--thread",
        "esc",
        "--out",
        str(tmp_path / "o"),
        "-q",
    )
    assert proc.returncode == 3, proc.stderr
    assert "escalated:design thread esc" in proc.stderr
    assert "why: 2 attempts rejected; last reasons: weak on 'triages tickets'" in proc.stderr
    assert show_json(db, "esc")["run"]["status"] == "escalated:design"


@pytest.fixture(scope="module")
def existing(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """A finished run that no bad input may change."""
    folder = tmp_path_factory.mktemp("existing")
    db = str(folder / "runs.db")
    assert cli("build", HELPDESK, "--db", db, "--thread", "keep", "--out", str(folder / "o"), "-q").returncode == 0
    return db, show_json(db, "keep")


class TestBadInput:
    """Each bad input: one line, the documented exit code, no traceback, existing runs untouched."""

    @pytest.fixture(autouse=True)
    def unchanged(self, existing: tuple[str, dict[str, Any]]) -> Any:
        yield
        db, before = existing
        assert show_json(db, "keep") == before
        assert [r["thread_id"] for r in json.loads(cli("runs", "--db", db, "--json").stdout)] == ["keep"]

    def test_empty_request(self, existing: tuple[str, Any], tmp_path: Path) -> None:
        proc = cli("build", "  \n ", "--db", existing[0], "--out", str(tmp_path))
        assert_clean_error(proc, 2, "the request is empty")

    def test_request_over_the_size_limit(self, existing: tuple[str, Any], tmp_path: Path) -> None:
        proc = cli("build", "x" * 8001, "--db", existing[0], "--out", str(tmp_path))
        assert_clean_error(proc, 2, "the request is 8,001 characters; the limit is 8,000")

    def test_invalid_utf8_on_argv(self, existing: tuple[str, Any], tmp_path: Path) -> None:
        proc = cli("build", b"a helpdesk \xff\xfe", "--db", existing[0], "--out", str(tmp_path))
        assert_clean_error(proc, 2, "the request is not valid UTF-8 (at character 12)")

    def test_invalid_utf8_on_stdin(self, existing: tuple[str, Any], tmp_path: Path) -> None:
        proc = cli("build", "-", "--db", existing[0], "--out", str(tmp_path), stdin=b"a helpdesk \xc3\x28")
        assert_clean_error(proc, 2, "the request on standard input is not valid UTF-8 (at byte 12)")

    def test_a_megabyte_of_accented_text_on_stdin_is_too_long(self, existing: tuple[str, Any], tmp_path: Path) -> None:
        stdin = ("é" * 1_000_000).encode()
        proc = cli("build", "-", "--db", existing[0], "--out", str(tmp_path), stdin=stdin)
        assert_clean_error(proc, 2, "the request on standard input is longer than the limit of 8,000 characters")

    def test_a_request_of_zero_width_characters(self, existing: tuple[str, Any], tmp_path: Path) -> None:
        proc = cli("build", "\u200b\u200d\ufeff\u2060", "--db", existing[0], "--out", str(tmp_path))
        message = "the request has no visible character (only spaces, controls or zero-width characters)"
        assert_clean_error(proc, 2, message)

    def test_empty_out(self, existing: tuple[str, Any], tmp_path: Path) -> None:
        proc = cli("build", HELPDESK, "--db", existing[0], "--out", "", cwd=tmp_path)
        assert_clean_error(proc, 2, "--out is empty: name the folder deployed projects are written to")
        assert list(tmp_path.iterdir()) == []

    def test_unknown_thread(self, existing: tuple[str, Any]) -> None:
        db = existing[0]
        assert_clean_error(cli("resume", "nope", "--db", db), 2, f"no run with thread id 'nope' in {db}")
        assert_clean_error(cli("show", "nope", "--db", db), 2, "no run with thread id 'nope'")

    def test_existing_thread_is_not_rebuilt(self, existing: tuple[str, Any], tmp_path: Path) -> None:
        proc = cli("build", HELPDESK, "--db", existing[0], "--thread", "keep", "--out", str(tmp_path))
        assert_clean_error(proc, 2, "thread 'keep' already exists; resume it with `autogenesis resume keep`")

    def test_unwritable_out(self, existing: tuple[str, Any], tmp_path: Path) -> None:
        blocker = tmp_path / "file"
        blocker.write_text("not a folder")
        proc = cli("build", HELPDESK, "--db", existing[0], "--out", str(blocker / "sub"))
        assert_clean_error(proc, 2, f"cannot write to --out {blocker / 'sub'}: Not a directory")

    def test_unknown_model(self, existing: tuple[str, Any], tmp_path: Path) -> None:
        proc = cli("build", HELPDESK, "--db", existing[0], "--model", "gpt-17", "--out", str(tmp_path))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert proc.stderr.startswith("autogenesis: error: unknown model 'gpt-17'")


@pytest.mark.postgres
def test_bad_postgres_urls_are_one_line_errors(tmp_path: Path) -> None:
    unreachable = cli("runs", "--db", "postgresql://u:hunter2@127.0.0.1:1/x")
    assert unreachable.returncode == 2 and "Traceback" not in unreachable.stderr
    assert len(unreachable.stderr.strip().splitlines()) == 1
    assert "hunter2" not in unreachable.stderr
    malformed = cli("build", HELPDESK, "--db", "postgresql://127.0.0.1:notaport/x", "--out", str(tmp_path))
    assert malformed.returncode == 2 and "Traceback" not in malformed.stderr
    assert len(malformed.stderr.strip().splitlines()) == 1


def test_ctrl_c_leaves_a_resumable_run(tmp_path: Path) -> None:
    db, journal = str(tmp_path / "runs.db"), tmp_path / "j"
    args = ("build", HELPDESK, "--db", db, "--thread", "int", "--out", str(tmp_path / "o"))
    paused = Paused("design", journal, *args, log=tmp_path / "build.log")
    paused.wait()
    assert paused.stop(signal.SIGINT) == 130
    stderr = paused.log.read_text()
    assert "Traceback" not in stderr
    assert "cancelled thread int — interrupted by the user" in stderr
    assert f"resume with: autogenesis resume int --db {db}" in stderr
    assert show_json(db, "int")["run"]["status"] == "cancelled"
    resumed = cli("resume", "int", "--db", db, "--model", "scripted", "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert show_json(db, "int")["state"]["status"] == "approved"


@pytest.mark.real_model
def test_an_unreachable_model_halts_and_resume_continues_with_another_model(tmp_path: Path) -> None:
    db, out = str(tmp_path / "runs.db"), str(tmp_path / "o")
    unreachable = "default=scripted,design=openai:http://127.0.0.1:9/v1#absent"
    proc = cli("build", HELPDESK, "--model", unreachable, "--db", db, "--thread", "m", "--out", out, "-q")
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "error:design thread m — " in proc.stderr and "http://127.0.0.1:9/v1" in proc.stderr
    assert f"resume with: autogenesis resume m --db {db}" in proc.stderr
    kept = show_json(db, "m")
    assert kept["run"]["status"] == "error:design" and kept["state"]["spec"]["goal"]

    resumed = cli("resume", "m", "--db", db, "--model", "scripted", "-q")
    assert resumed.returncode == 0, resumed.stderr
    final = show_json(db, "m")
    assert final["state"]["status"] == "approved"
    assert [c["role"] for c in final["state"]["calls"]].count("understand") == 1


#: The node runs of the helpdesk build, in order: the prompt fan-out runs one task per agent.
HELPDESK_NODES = [
    "intake", "understand", "review_understand", "design", "review_design", "hierarchy", "review_hierarchy",
    "design_prompts", "write_prompt", "write_prompt", "write_prompt", "review_design_prompts", "generate",
    "review_generate", "integrate", "review_integrate", "optimize", "review_optimize", "document", "review_document",
    "deploy", "feedback", "review_feedback", "finish",
]  # fmt: skip


def timeline_json(db: str, thread: str) -> list[dict[str, Any]]:
    proc = cli("show", thread, "--db", db, "--timeline", "--json")
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout))


class TestBudgets:
    """`--max-model-calls`, `--max-tokens`, `--max-seconds`: exit 3 before a node, and `resume` with more goes on."""

    def test_a_spent_budget_exits_3_and_a_larger_one_ends_as_an_unlimited_run(
        self, db: str, tmp_path: Path, uninterrupted: tuple[Counter[str], dict[str, Any]]
    ) -> None:
        args = ("--db", db, "-q")
        built = cli("build", HELPDESK, "--thread", "b", "--out", str(tmp_path / "o"), "--max-model-calls", "5", *args)
        assert built.returncode == 3, built.stderr
        message = "model calls: 5 used of 5 allowed; stopped before review_hierarchy"
        assert built.stderr.splitlines()[-2:] == [
            f"budget_exhausted thread b — {message}",
            f"continue with: autogenesis resume b --db {db} --max-model-calls 10",
        ]
        shown = show_json(db, "b")
        assert shown["status"] == "budget_exhausted"
        assert shown["halt"] == {"kind": "budget_exhausted", "stage": None, "detail": message}
        assert shown["budgets"]["model_calls"] == {"used": 5, "allowed": 5}
        assert "budgets: model calls 5 of 5; tokens " in cli("show", "b", "--db", db).stdout

        again = cli("resume", "b", "--max-model-calls", "12", *args)
        assert again.returncode == 3, again.stderr
        assert "budget_exhausted thread b — model calls: 12 used of 12 allowed; stopped before generate" in again.stderr

        resumed = cli("resume", "b", "--max-model-calls", "100", *args)
        assert resumed.returncode == 0, resumed.stderr
        assert normalized(show_json(db, "b")["state"]) == uninterrupted[1]
        # Three processes ran it; the timeline shows each node once, in order.
        assert [row["node"] for row in timeline_json(db, "b")] == HELPDESK_NODES

    @pytest.mark.parametrize(
        ("option", "limit", "node"),
        [("--max-tokens", "1", "review_understand"), ("--max-seconds", "0.001", "review_understand")],
    )
    def test_the_token_and_seconds_budgets_exit_3(self, option: str, limit: str, node: str, tmp_path: Path) -> None:
        db = str(tmp_path / "runs.db")
        built = cli("build", HELPDESK, "--db", db, "--thread", "t", "--out", str(tmp_path / "o"), option, limit, "-q")
        assert built.returncode == 3, built.stderr
        state = show_json(db, "t")["state"]
        # intake (well under a millisecond) and understand ran; the understand call passed either budget.
        assert [e["node"] for e in state["events"] if e["kind"] == "done"] == ["intake", "understand"]
        if option == "--max-tokens":
            [call] = state["calls"]
            used = f"{call['prompt_tokens'] + call['completion_tokens']:,} used of 1 allowed"
            assert f"budget_exhausted thread t — tokens: {used}; stopped before {node}" in built.stderr
            assert f"continue with: autogenesis resume t --db {db} --max-tokens 2" in built.stderr
        else:
            assert f"allowed; stopped before {node}" in built.stderr
            assert "budget_exhausted thread t — seconds of node work: " in built.stderr
            assert f"continue with: autogenesis resume t --db {db} --max-seconds 0.002" in built.stderr

    def test_a_budget_must_be_positive(self, tmp_path: Path) -> None:
        proc = cli("build", HELPDESK, "--db", str(tmp_path / "runs.db"), "--max-model-calls", "0")
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert "Invalid value for '--max-model-calls': 0 is not in the range x>=1." in proc.stderr


class TestTimeline:
    """`show THREAD --timeline`: each node run, as a table, JSON and CSV."""

    def test_the_timeline_of_a_finished_run(self, existing: tuple[str, dict[str, Any]], tmp_path: Path) -> None:
        db, shown = existing
        rows = timeline_json(db, "keep")
        assert [row["node"] for row in rows] == HELPDESK_NODES
        calls = {row["node"]: row["model_calls"] for row in rows}
        assert calls == {
            "intake": 0, "understand": 1, "review_understand": 1, "design": 1, "review_design": 1, "hierarchy": 1,
            "review_hierarchy": 1, "design_prompts": 0, "write_prompt": 1, "review_design_prompts": 3,
            "generate": 0, "review_generate": 1, "integrate": 0, "review_integrate": 1, "optimize": 1,
            "review_optimize": 1, "document": 1, "review_document": 1, "deploy": 0, "feedback": 1,
            "review_feedback": 1, "finish": 0,
        }  # fmt: skip
        recorded = shown["state"]["calls"]
        assert sum(row["model_calls"] for row in rows) == len(recorded) == 20
        assert sum(row["tokens"] for row in rows) == sum(c["prompt_tokens"] + c["completion_tokens"] for c in recorded)
        assert all(row["tokens"] > 0 for row in rows if row["model_calls"])
        verdicts = {row["node"]: row["verdict"] for row in rows if row["verdict"]}
        assert set(verdicts) == {node for node in HELPDESK_NODES if node.startswith("review_")} | {"finish"}
        assert verdicts["review_design"] == "attempt 1 approved"
        assert verdicts["finish"].startswith("approved: deployed version 1 to ")
        starts = [row["start"] for row in rows]
        assert all(row["duration_s"] >= 0 for row in rows) and starts[0] <= starts[-1]

        exported = tmp_path / "timeline.csv"
        table = cli("show", "keep", "--db", db, "--timeline", "--csv", str(exported))
        assert table.returncode == 0, table.stderr
        with exported.open(newline="") as f:
            assert list(csv.DictReader(f)) == [{k: str(v) for k, v in row.items()} for row in rows]
        assert cli("show", "keep", "--db", db, "--csv", "-").stdout == exported.read_text()
        lines = [line.split() for line in table.stdout.splitlines()]
        assert lines[0] == ["node", "start", "seconds", "model", "calls", "tokens", "verdict"]
        assert [line[0] for line in lines[1:]] == [*HELPDESK_NODES, "total"]
        review_design = rows[HELPDESK_NODES.index("review_design")]
        expected = ["1", str(review_design["tokens"]), "attempt", "1", "approved"]
        assert lines[1 + HELPDESK_NODES.index("review_design")][3:] == expected
        assert lines[-1][2:] == ["20", str(sum(row["tokens"] for row in rows))]
