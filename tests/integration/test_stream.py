"""`--stream`: the tokens of each model call, as they come, labelled by the node at work."""

from __future__ import annotations

import io
import json
import math
import re
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from test_cli import HELPDESK, Paused, cli, show_json
from test_progress_pty import COLUMNS, run_in_terminal, screen_lines

from autogenesis.checkpoints import open_persistence
from autogenesis.cli import StreamingProgress
from autogenesis.context import Context
from autogenesis.models.scripted import ScriptedChatModel
from autogenesis.runner import Runner, Token, TokenObserver
from autogenesis.state import Event

MARK = " ▸ "


class Recorder:
    """An observer keeping every event in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def started(self, node: str) -> None:
        self.events.append(("started", node))

    def finished(self, node: str, update: Mapping[str, Any]) -> None:
        self.events.append(("finished", (node, dict(update))))

    def token(self, token: Token) -> None:
        self.events.append(("token", token))

    def calls(self, node: str) -> dict[str, list[Token]]:
        """`node`'s model calls, in order, each with its tokens."""
        found: dict[str, list[Token]] = {}
        for kind, value in self.events:
            if kind == "token" and value.node == node:
                found.setdefault(value.call, []).append(value)
        return found


class Plain:
    """An observer without `token`: the runner streams no messages for it."""

    def __init__(self) -> None:
        self.nodes: list[str] = []

    def started(self, node: str) -> None:
        self.nodes.append(node)

    def finished(self, node: str, update: Mapping[str, Any]) -> None:
        pass


def scripted_pieces(text: str, pieces: int = 3) -> list[str]:
    """How the scripted model splits an answer of `text` into streamed pieces."""
    size = max(1, math.ceil(len(text) / pieces))
    return [text[i : i + size] for i in range(0, len(text), size)]


def test_the_runner_passes_each_token_of_a_call_before_its_nodes_update(tmp_path: Path) -> None:
    recorder = Recorder()
    assert isinstance(recorder, TokenObserver) and not isinstance(Plain(), TokenObserver)
    with open_persistence("memory") as persistence:
        outcome = Runner(persistence, ScriptedChatModel()).start(
            HELPDESK, thread_id="s", context=Context(out_dir=str(tmp_path)), observer=recorder
        )
    assert outcome.status == "approved"
    answers: dict[str, Any] = {}
    for node in ("understand", "design"):
        (tokens,) = recorder.calls(node).values()  # one call each
        text = "".join(t.text for t in tokens)
        # The scripted model's three pieces, then the empty chunk LangChain sends to close the stream.
        assert [t.text for t in tokens] == [*scripted_pieces(text), ""]
        assert [t.last for t in tokens] == [False, False, False, True]
        start = recorder.events.index(("started", node))
        end = next(i for i, (kind, value) in enumerate(recorder.events) if kind == "finished" and value[0] == node)
        positions = [recorder.events.index(("token", t)) for t in tokens]
        assert start < positions[0] and positions[-1] < end
        answers[node] = json.loads(text)

    spec, blueprint = outcome.state["spec"], outcome.state["blueprint"]
    assert answers["understand"]["goal"] == spec.goal == HELPDESK
    assert answers["understand"]["capabilities"] == list(spec.capabilities)
    assert answers["design"]["name"] == blueprint.name
    assert {a["name"] for a in answers["design"]["agents"]} <= {a.slug for a in blueprint.agents}
    # Every model call of the run streamed, under the node that made it.
    nodes = {value.node for kind, value in recorder.events if kind == "token"}
    assert {"understand", "design", "hierarchy", "write_prompt", "review_design"} <= nodes


def test_a_model_that_does_not_stream_gives_its_whole_answer_as_one_last_token(tmp_path: Path) -> None:
    recorder = Recorder()
    with open_persistence("memory") as persistence:
        outcome = Runner(persistence, ScriptedChatModel(disable_streaming=True)).start(
            HELPDESK, thread_id="w", context=Context(out_dir=str(tmp_path)), observer=recorder
        )
    assert outcome.status == "approved"
    (tokens,) = recorder.calls("understand").values()
    assert len(tokens) == 1 and tokens[0].last
    assert json.loads(tokens[0].text)["goal"] == outcome.state["spec"].goal


def test_calls_at_the_same_time_are_shown_one_after_the_other_each_on_its_line() -> None:
    buffer = io.StringIO()
    progress = StreamingProgress(Console(file=buffer, width=80, highlight=False, soft_wrap=True))
    feed = [("a", "x", '{"p":'), ("b", "y", '{"q":'), ("a", "x", "1}"), ("b", "y", "2}")]
    for call, node, text in feed:
        progress.token(Token(node, call, text))
    progress.token(Token("y", "b", "", last=True))
    assert buffer.getvalue() == 'x ▸ {"p":1}'  # y's answer waits for x's call to end
    # So does a progress line due meanwhile (another task of the fan-out is done).
    progress.finished("w", {"events": [Event(node="w", kind="done", duration_s=0.5)]})
    progress.started("z")
    assert buffer.getvalue() == 'x ▸ {"p":1}'
    progress.token(Token("x", "a", "", last=True))
    assert buffer.getvalue() == 'x ▸ {"p":1}\n  • w 0.50s\ny ▸ {"q":2}\n'
    progress.token(Token("z", "c", "[tru"))
    progress.stop()  # a call cut short ends its line
    assert buffer.getvalue().endswith('y ▸ {"q":2}\nz ▸ [tru\n')


def test_an_observer_without_token_gets_no_messages_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    streamed: list[str] = []
    original = ScriptedChatModel._stream

    def spy(self: ScriptedChatModel, *args: Any, **kwargs: Any) -> Any:
        streamed.append("stream")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ScriptedChatModel, "_stream", spy)
    plain = Plain()
    with open_persistence("memory") as persistence:
        outcome = Runner(persistence, ScriptedChatModel()).start(
            HELPDESK, thread_id="p", context=Context(out_dir=str(tmp_path)), observer=plain
        )
    assert outcome.status == "approved" and "understand" in plain.nodes
    assert streamed == []  # without a messages stream, models answer in one piece


def token_lines(stderr: str) -> dict[str, list[str]]:
    """The answers printed after `NODE ▸ `, per node."""
    found: dict[str, list[str]] = {}
    for line in stderr.splitlines():
        node, mark, text = line.partition(MARK)
        if mark and re.fullmatch(r"\w+", node):
            found.setdefault(node, []).append(text)
    return found


def progress_lines(stderr: str, thread: str, out: Path) -> list[str]:
    """Stderr without token lines, with times, the thread id and the output folder made comparable."""
    return [
        re.sub(r"\d+\.\d\ds", "N.NNs", line).replace(str(out.resolve()), "OUT").replace(f" {thread}", " THREAD")
        for line in stderr.splitlines()
        if MARK not in line
    ]


def test_build_stream_prints_each_agents_answer_and_keeps_the_progress_lines(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    args = ("build", HELPDESK, "--model", "scripted", "--db", db)
    streamed = cli(*args, "--thread", "with-tokens", "--out", str(tmp_path / "a"), "--stream")
    assert streamed.returncode == 0, streamed.stderr
    assert streamed.stdout == ""  # tokens go to stderr, with the rest of the progress display
    answers = token_lines(streamed.stderr)

    state = show_json(db, "with-tokens")["state"]
    (understand,) = answers["understand"]
    (design,) = answers["design"]
    spec, blueprint = json.loads(understand), json.loads(design)
    assert (spec["goal"], spec["capabilities"]) == (state["spec"]["goal"], state["spec"]["capabilities"])
    assert blueprint["name"] == state["blueprint"]["name"]
    # Each answer is on the line just before its node's own progress line.
    lines = streamed.stderr.splitlines()
    for node, text in (("understand", understand), ("design", design)):
        at = lines.index(f"{node}{MARK}{text}")
        assert re.fullmatch(rf"  • {node} \d+\.\d\ds", lines[at + 1])
    # One line per model call, each a whole JSON answer: the prompts written side by side never mix,
    # and the progress lines of the tasks done meanwhile wait for the end of the line.
    calls = [c for c in state["calls"] if c["role"] == "design_prompts"]
    assert len(answers["write_prompt"]) == sum(c["attempts"] + c["copies"] for c in calls) > 1
    assert {json.loads(text)["system_prompt"] for text in answers["write_prompt"]} >= {
        prompt["system_prompt"] for prompt in state["prompts"].values()
    }
    for texts in answers.values():
        for text in texts:
            json.loads(text)

    plain = cli(*args, "--thread", "without", "--out", str(tmp_path / "b"))
    assert plain.returncode == 0, plain.stderr
    assert MARK not in plain.stderr and '{"' not in plain.stderr  # no token without --stream
    expected = progress_lines(plain.stderr, "without", tmp_path / "b")
    assert progress_lines(streamed.stderr, "with-tokens", tmp_path / "a") == expected


def test_quiet_stream_prints_only_the_tokens_and_the_outcome(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    proc = cli("build", HELPDESK, "--db", db, "--thread", "q", "--out", str(tmp_path / "o"), "-q", "--stream")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == "building thread q with model scripted"
    assert lines[-2:] == ["approved thread q", f"deployed: {show_json(db, 'q')['state']['deployment']['path']}"]
    assert all(MARK in line for line in lines[1:-2])
    assert [line.partition(MARK)[0] for line in lines[1:4]] == ["understand", "review_understand", "design"]


def test_resume_stream_prints_the_tokens_of_the_rest_of_the_run(tmp_path: Path) -> None:
    db, journal = str(tmp_path / "runs.db"), tmp_path / "j"
    args = ("build", HELPDESK, "--db", db, "--thread", "r", "--out", str(tmp_path / "o"), "--stream")
    paused = Paused("design", journal, *args, log=tmp_path / "build.log")
    paused.wait()
    assert paused.stop(signal.SIGINT) == 130
    log = paused.log.read_text()
    assert "Traceback" not in log
    assert list(token_lines(log)) == ["understand", "review_understand"]
    # The outcome is on a line of its own, after the last complete line of tokens.
    assert "\ncancelled thread r — interrupted by the user\n" in log

    resumed = cli("resume", "r", "--db", db, "--model", "scripted", "--stream")
    assert resumed.returncode == 0, resumed.stderr
    answers = token_lines(resumed.stderr)
    assert "understand" not in answers
    assert json.loads(answers["design"][0])["name"] == show_json(db, "r")["state"]["blueprint"]["name"]


def test_stream_in_a_terminal_prints_each_answer_whole_among_the_progress_lines(tmp_path: Path) -> None:
    code, output = run_in_terminal(
        "build",
        HELPDESK,
        "--model",
        "scripted:reject=design",
        "--db",
        "r.db",
        "--out",
        "out",
        "--thread",
        "tty",
        "--max-retries",
        "design=2",
        "--stream",
        cwd=tmp_path,
    )
    lines = screen_lines(output)
    assert code == 3, "\n".join(lines)
    assert b"\x1b[" in output  # the spinner ran

    # What the same run prints without a terminal, each line as the terminal wraps it.
    piped = cli(
        "build",
        HELPDESK,
        "--model",
        "scripted:reject=design",
        "--db",
        str(tmp_path / "p.db"),
        "--out",
        str(tmp_path / "out"),
        "--thread",
        "tty",
        "--max-retries",
        "design=2",
        "--stream",
    )
    assert piped.returncode == 3, piped.stderr
    expected = [line for line in piped.stderr.splitlines() if not line.startswith("continue with:")]
    assert len(token_lines(piped.stderr)["design"]) == 2

    def rows(texts: list[str]) -> str:
        wrapped = "".join(t.ljust(max(1, math.ceil(len(t) / COLUMNS)) * COLUMNS) for t in texts)
        return re.sub(r"\d+\.\d\ds", "N.NNs", wrapped)

    on_screen = [line for line in lines if not line.startswith("continue with:")]
    assert rows(on_screen) == rows(expected)


@pytest.mark.slow
@pytest.mark.real_model
def test_ctrl_c_during_a_streamed_local_decode_cancels_the_run(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    out = str(tmp_path / "o")
    args = ("build", HELPDESK, "--model", "local", "--db", db, "--thread", "c", "--out", out, "--stream")
    # Started with Python's Ctrl-C handler even when pytest runs with SIGINT ignored (see test_cli.Paused).
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "autogenesis", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert proc.stderr is not None
    seen = b""
    try:
        while f"understand{MARK}".encode() not in seen:  # the first call's tokens are coming: a decode is under way
            chunk = proc.stderr.read1(4096)  # type: ignore[attr-defined]
            assert chunk, f"the build ended before streaming:\n{seen.decode(errors='replace')}"
            seen += chunk
        proc.send_signal(signal.SIGINT)
        seen += proc.stderr.read()
    finally:
        code = proc.wait(timeout=120)
    stderr = seen.decode(errors="replace")
    assert code == 130, stderr
    assert "Traceback" not in stderr and "terminate called" not in stderr
    assert "cancelled thread c — interrupted by the user" in stderr
    assert show_json(db, "c")["run"]["status"] == "cancelled"
