"""The `autogenesis` command: parse, open the checkpointer, call the library, print."""

from __future__ import annotations

import json
import shlex
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NoReturn, TextIO, cast
from urllib.parse import urlsplit, urlunsplit

import click
from pydantic import BaseModel
from rich.cells import cell_len
from rich.console import Console
from rich.file_proxy import FileProxy
from rich.table import Table
from rich.text import Text

from autogenesis import human
from autogenesis.budgets import OPTIONS, amount
from autogenesis.checkpoints import (
    MEMORY,
    Persistence,
    PersistenceError,
    PersistenceUnavailable,
    RunRegistry,
    StorageFailure,
    open_persistence,
    resolve_db,
    storage_failure,
)
from autogenesis.context import Context
from autogenesis.models import DEFAULT_MODEL, MODEL_ENV, ModelConfigError, model_setting, resolve_model
from autogenesis.models.local import Preparation, watch_preparation
from autogenesis.models.scripted import ScriptedChatModel
from autogenesis.report import for_terminal, plain
from autogenesis.runner import Ask, Outcome, RunError, Runner, Token
from autogenesis.secrets import redact
from autogenesis.state import REVIEWED_STAGES, PendingReview
from autogenesis.validation import InvalidRequest, read_request, validate_request

EXIT_USAGE = 2
#: sysexits EX_IOERR: the database is full, corrupt, or cannot be read or written.
EXIT_STORAGE = 74
#: sysexits EX_TEMPFAIL: the database is busy or went away; the same command may work later.
EXIT_UNAVAILABLE = 75
EXIT_CANCELLED = 130
#: Signals that stop a run as Ctrl-C does: cancelled, resumable, with the resume command printed.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class _Masked:
    """Standard output or error, with every secret masked (`autogenesis.secrets.redact`) in what is written.

    The stream is looked up at each write, so a caller that swaps `sys.stdout` (a test runner) is obeyed;
    rich's own stand-in (a live display's `FileProxy`, which prints through this console) is seen through,
    or each write would come back here.
    """

    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def _stream(self) -> TextIO:
        stream: TextIO = getattr(sys, self._name)
        while isinstance(stream, FileProxy):
            stream = cast(TextIO, stream.rich_proxied_file)
        return stream

    @property
    def encoding(self) -> str:
        return self._stream.encoding or "utf-8"

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()


out = Console(file=cast(IO[str], _Masked("stdout")), highlight=False, soft_wrap=True)
err = Console(file=cast(IO[str], _Masked("stderr")), highlight=False, soft_wrap=True)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print a one-line error and exit with `code`."""
    err.print(plain(f"autogenesis: error: {message}"))
    sys.exit(code)


@contextmanager
def _runner(db: str | None, model: str | None) -> Iterator[Runner]:
    setting = model_setting(model)
    try:
        resolved = resolve_model(setting)
    except (ModelConfigError, ValueError) as exc:
        fail(str(exc))
    with _persistence(db) as persistence:
        yield Runner(persistence, resolved, model_setting=setting)


@contextmanager
def _inspector(db: str | None) -> Iterator[Runner]:
    """A runner for reading runs only: its model refuses every call."""
    with _persistence(db) as persistence:
        yield Runner(persistence, ScriptedChatModel(defaults=False), model_setting="none")


@contextmanager
def _persistence(db: str | None) -> Iterator[Persistence]:
    try:
        with open_persistence(db) as persistence:
            try:
                yield persistence
            except Exception as exc:
                failure = storage_failure(exc, persistence.location)
                if failure is None:
                    raise
                raise failure from None
    except PersistenceError as exc:
        fail(str(exc))
    except PersistenceUnavailable as exc:
        fail(str(exc), code=EXIT_UNAVAILABLE)
    except StorageFailure as exc:
        fail(str(exc), code=EXIT_STORAGE)


class _Preparing:
    """The spinner's text while a model is prepared: its step, and the time so far, redrawn in place."""

    def __init__(self, event: Preparation, clock: Callable[[], float] = time.monotonic) -> None:
        self.event = event
        self.clock = clock
        self.since = clock()

    def __rich__(self) -> Text:
        event, elapsed = self.event, int(self.clock() - self.since)
        items = f" ({event.items})" if event.items else ""
        # A preparation of several steps has its label on a line of its own already.
        where = f"step {event.done + 1}/{event.total}" if event.total > 1 else event.label
        return Text.assemble((where, "bold"), f": {event.step}{items} · {elapsed // 60}:{elapsed % 60:02d}")


class Progress:
    """The live display: which agent is working, a model being prepared, and each verdict as it comes.

    In a terminal a spinner says what is under way; every line is printed whole in one call,
    because the spinner is redrawn between two calls and would erase a line printed in parts.
    """

    def __init__(self, console: Console, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self._status = console.status("") if console.is_terminal and not quiet else None
        self._working: Text = Text("working…")
        self._preparing: _Preparing | None = None
        self._lock = threading.Lock()  # model preparation is reported from the node's worker thread
        self._unwatch = watch_preparation(self.preparing) if not quiet else None
        if self._status is not None:
            self._status.start()

    def started(self, node: str) -> None:
        with self._lock:
            self._working = Text.assemble((node, "bold"), " working…")
            if self._status is not None and self._preparing is None:
                self._status.update(self._idle())

    def finished(self, node: str, update: Mapping[str, Any]) -> None:
        if self.quiet:
            return
        for event in update.get("events", []):
            if event.kind == "verdict":
                mark = ("✓", "green") if " approved" in event.detail else ("✗", "red")
                self._line("  ", mark, f" {event.node}: {event.detail}")
            elif event.kind == "done" and not node.startswith("review_") and node != human.NODE:
                load = sum(call.load_s for call in update.get("calls", []))
                loaded = f" (model load {load:.2f}s)" if load else ""
                self._line("  ", ("•", "cyan"), f" {node} ", (f"{event.duration_s:.2f}s{loaded}", "dim"))
            elif event.kind == "halt":
                self._line("  ", ("■", "bold"), f" {event.detail}")

    def preparing(self, event: Preparation) -> None:
        """A model is being converted or loaded: in place in a terminal, a plain line per step otherwise."""
        with self._lock:
            if event.finished:
                self._preparing = None
                if self._status is not None:
                    self._status.update(self._idle())
                self._line("  ", ("•", "cyan"), f" {event.step} ", (f"{event.elapsed_s:.1f}s", "dim"))
                return
            new = self._preparing is None or self._preparing.event.label != event.label
            if new and event.total > 1:  # a long preparation (a conversion) is named on a line of its own
                self._line("  ", ("…", "cyan"), f" {event.label}")
            if self._status is not None:
                self._preparing = _Preparing(event) if new or self._preparing is None else self._preparing
                self._preparing.event = event
                self._status.update(self._preparing)
            elif new or self._preparing is None or self._preparing.event.done != event.done:
                if event.total > 1:
                    self._line(f"      {event.done + 1}/{event.total} {event.step}")
                self._preparing = _Preparing(event)

    def _idle(self) -> Text:
        """The spinner's text when no model is being prepared."""
        return self._working

    @contextmanager
    def suspended(self) -> Iterator[None]:
        """The spinner stopped meanwhile: a question asked in place is not redrawn over."""
        if self._status is not None:
            self._status.stop()
        try:
            yield
        finally:
            if self._status is not None:
                self._status.start()

    def _line(self, *parts: str | tuple[str, str]) -> None:
        # One print per line, as Text: a reason or a path in brackets is never read as markup.
        self.console.print(_assemble(*parts))

    def stop(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
        if self._status is not None:
            self._status.stop()


@dataclass
class _Call:
    """A model call whose tokens are not all on screen yet."""

    node: str
    parts: list[str] = field(default_factory=list)
    shown: int = 0
    done: bool = False


#: Between a node's name and its model's tokens.
TOKENS_MARK = " ▸ "


class StreamingProgress(Progress):
    """The live display plus the tokens of each model call: `NODE ▸ ` and the answer as it comes.

    Without a terminal the tokens are written as they arrive and the line ends with the call;
    a progress line due meanwhile (another task of a fan-out finished) waits for that end. In a
    terminal the spinner's line shows the latest tokens, and the whole answer is printed when
    the call ends (a line printed in parts would be erased by the spinner). Calls running at the
    same time (a fan-out) are shown one after the other: the others' tokens wait their turn.
    """

    def __init__(self, console: Console, quiet: bool = False) -> None:
        self._calls: dict[str, _Call] = {}
        self._shown: str | None = None  # the call whose tokens are on screen
        self._open = False  # without a terminal: a line of tokens is not ended yet
        self._waiting: list[Text] = []  # progress lines due while it was open
        super().__init__(console, quiet)

    def token(self, token: Token) -> None:
        with self._lock:
            call = self._calls.setdefault(token.call, _Call(token.node))
            call.parts.append(token.text)
            call.done = call.done or token.last
            if self._shown is None:
                self._shown = token.call
            if self._shown == token.call:
                self._show(call)
            self._advance()

    def finished(self, node: str, update: Mapping[str, Any]) -> None:
        with self._lock:  # tokens of a fan-out's other tasks come from worker threads meanwhile
            super().finished(node, update)

    def _show(self, call: _Call) -> None:
        """Put the call's tokens not shown yet on screen: after its label, on a call's first."""
        new, first = "".join(call.parts[call.shown :]), call.shown == 0
        call.shown = len(call.parts)
        if self._status is not None:
            self._status.update(self._idle())
        elif first or new:
            shown = _answer(new)
            self.console.print(_assemble((call.node, "bold"), TOKENS_MARK, shown) if first else shown, end="")
            self._open = True

    def _advance(self) -> None:
        """End the lines of finished calls on screen and show the next waiting call, in order."""
        while self._shown is not None and self._calls[self._shown].done:
            call = self._calls.pop(self._shown)
            self._shown = next(iter(self._calls), None)
            if self._status is not None:
                # The spinner first, or it would be drawn again below the answer with its tokens.
                self._status.update(self._idle())
                self.console.print(_assemble((call.node, "bold"), TOKENS_MARK, _answer("".join(call.parts))))
            else:
                self._end_line()
                if self._shown is not None:
                    self._show(self._calls[self._shown])

    def _end_line(self) -> None:
        if self._open:
            self.console.print()
            self._open = False
        while self._waiting:
            self.console.print(self._waiting.pop(0))

    def _idle(self) -> Text:
        if self._shown is None:
            return super()._idle()
        call = self._calls[self._shown]
        text = for_terminal("".join(call.parts).replace("\n", " "), backslashes=False)
        # The spinner's line is cut at the terminal's width: it shows the latest tokens.
        room = max(10, self.console.width - cell_len(call.node) - cell_len(TOKENS_MARK) - 4)
        tail = text if cell_len(text) <= room else "…" + text[-(room - 1) :]
        return _assemble((call.node, "bold"), TOKENS_MARK, Text(tail))

    def _line(self, *parts: str | tuple[str, str]) -> None:
        if self._open:  # a progress line never lands in the middle of a line of tokens
            self._waiting.append(_assemble(*parts))
        else:
            super()._line(*parts)

    def stop(self) -> None:
        with self._lock:
            for call in self._calls.values():
                call.done = True
            self._advance()
            self._end_line()
        super().stop()


def _assemble(*parts: str | tuple[str, str] | Text) -> Text:
    """One line of the display, each part's text escaped for the terminal (`for_terminal`); a `Text` is already."""
    return Text.assemble(*(_escaped_part(part) for part in parts))


def _escaped_part(part: str | tuple[str, str] | Text) -> str | tuple[str, str] | Text:
    if isinstance(part, str):
        return for_terminal(part)
    if isinstance(part, tuple):
        text, style = part
        return for_terminal(text), style
    return part


def _answer(tokens: str) -> Text:
    """A model's tokens for the terminal: mostly JSON, whose backslashes are its own escapes, kept single."""
    return Text(for_terminal(tokens, backslashes=False))


def _progress(quiet: bool, stream: bool) -> Progress:
    """The live display on standard error; with `stream`, the models' tokens too (even when quiet)."""
    return StreamingProgress(err, quiet) if stream else Progress(err, quiet)


def _parse_retries(values: tuple[str, ...]) -> dict[str, Any]:
    caps: dict[str, int] = {}
    default: int | None = None
    for value in values:
        stage, eq, number = value.rpartition("=")
        try:
            cap = int(number)
        except ValueError:
            fail(f"--max-retries takes N or STAGE=N, not {value!r}")
        if not eq:
            default = cap
        elif stage in REVIEWED_STAGES:
            caps[stage] = cap
        else:
            fail(f"--max-retries: unknown stage {stage!r} (stages: {', '.join(REVIEWED_STAGES)})")
    return {"max_retries": caps, **({"default_retries": default} if default is not None else {})}


def _check_out_dir(path: str) -> str:
    if not path.strip():  # Path("") is the current folder
        fail("--out is empty: name the folder deployed projects are written to")
    target = Path(path).expanduser()
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target, prefix=".autogenesis-probe-"):
            pass
    except OSError as exc:
        fail(f"cannot write to --out {path}: {exc.strerror or exc}")
    return str(target.resolve())


def _read_request(request: str) -> str:
    try:
        return read_request(sys.stdin.buffer) if request == "-" else validate_request(request)
    except InvalidRequest as exc:
        fail(str(exc))


def _report(outcome: Outcome, db: str | None) -> NoReturn:
    status = outcome.status
    style = "green" if status == "approved" else "yellow" if outcome.exit_code in (3, 130) else "red"
    message = f" — {outcome.message}" if outcome.message else ""
    err.print(_assemble((status, style), f" thread {outcome.thread_id}{message}"))
    deployment = outcome.state.get("deployment")
    if status == "approved" and deployment is not None:
        err.print(plain(f"deployed: {deployment.path}"))
        for label, paths in (
            ("your edits carried over from the previous version", deployment.carried),
            ("your edits kept beside ours as <file>.yours-vN (both changed)", deployment.conflicts),
            ("your edits to generated wiring, regenerated", deployment.not_carried),
        ):
            if paths:
                err.print(plain(f"  {label}: {', '.join(paths)}"))
    if outcome.pending is not None:
        _show_pending(outcome.thread_id, outcome.pending, db)
        sys.exit(outcome.exit_code)
    halt = outcome.state.get("halt")
    if halt is not None and status != "approved":
        err.print(plain(f"why: {halt.detail}"))
    command = _resume_command(outcome.thread_id, db)
    if command is not None and halt is not None and halt.kind == "escalated" and halt.stage:
        raised = f"{halt.stage}={outcome.state.get('attempts', {}).get(halt.stage, 0) + 1}"
        err.print(plain(f"continue with: {command} --max-retries {raised}{_password_note(db)}"))
    elif command is not None and outcome.spent is not None:
        larger = f"{OPTIONS[outcome.spent.budget]} {amount(2 * outcome.spent.allowed).replace(',', '')}"
        err.print(plain(f"continue with: {command} {larger}{_password_note(db)}"))
    elif command is not None and outcome.exit_code in (1, 3, EXIT_CANCELLED):
        err.print(plain(f"resume with: {command}{_password_note(db)}"))
    sys.exit(outcome.exit_code)


def _show_pending(thread_id: str, pending: PendingReview, db: str | None) -> None:
    """The work a gate waits on, the automatic approver's advice, and the commands that answer it."""
    err.print(plain(f"{pending.stage}, attempt {pending.attempt}, waits for your review of this work:"))
    for line in pending.work.splitlines():
        err.print(plain(f"  {line}"))
    advice = pending.advice
    verdict = "approve" if advice.approved else "reject"
    reasons = f": {'; '.join(advice.reasons)}" if advice.reasons else ""
    err.print(plain(f"advice of the automatic approver ({advice.reviewer}): {verdict}{reasons}"))
    command = _review_command(thread_id, db)
    if command is None:
        err.print(plain("nothing answers it later: --db memory keeps no run once this process ends"))
        return
    note = _password_note(db)
    err.print(plain(f"approve with: {command} --approve{note}"))
    err.print(plain(f'reject with:  {command} --reject "why"{note}'))


def _review_command(thread_id: str, db: str | None) -> str | None:
    """The command answering `thread_id`'s gate; None where no other process can (`--db memory`)."""
    command = _resume_command(thread_id, db)
    return None if command is None else command.replace("autogenesis resume ", "autogenesis review ", 1)


def _asker(progress: Progress, db: str | None) -> Ask | None:
    """With a terminal on standard input, a gate is answered in place: the question waits for a line.

    "y" (or "approve") approves; any other text rejects, as the reason. Ctrl-C or the end of input
    leaves the run waiting, to be answered later with `autogenesis review`.
    """
    if not sys.stdin.isatty():
        return None

    def ask(thread_id: str, pending: PendingReview) -> Any:
        with progress.suspended():
            _show_pending(thread_id, pending, db)
            while True:
                try:
                    line = input(f"approve {pending.stage}? y approves; anything else rejects, as the reason: ")
                except (EOFError, KeyboardInterrupt):
                    err.print()
                    return None
                try:
                    approved, reason = human.answer("approve" if line.strip().lower() == "y" else line)
                except human.InvalidAnswer:
                    continue
                return {"approve": approved, "reason": reason}

    return ask


def _resume_command(thread_id: str, db: str | None) -> str | None:
    """The command resuming `thread_id`, as it can be typed; None where nothing can resume (`--db memory`).

    A database URL is shown without its password (see `_password_note`).
    """
    if resolve_db(db) == MEMORY:
        return None
    command = f"autogenesis resume {shlex.quote(thread_id)}"
    # Without --db the same $AUTOGENESIS_DB or default database is found again.
    return f"{command} --db {shlex.quote(_without_password(db.strip()))}" if db and db.strip() else command


def _without_password(db: str) -> str:
    if "://" not in db:
        return db
    try:
        parts = urlsplit(db)
        if parts.password is None and "password" not in parts.query.lower():
            return db
        query = "&".join(p for p in parts.query.split("&") if not p.lower().startswith("password="))
        host = parts.netloc.rpartition("@")[2]
        netloc = f"{parts.username}@{host}" if parts.username else host
        return urlunsplit(parts._replace(netloc=netloc, query=query))
    except ValueError:
        return redact(db)


def _password_note(db: str | None) -> str:
    """Where the password left out of a printed URL goes: libpq reads `$PGPASSWORD` for a URL without one."""
    return " (with the database password in $PGPASSWORD)" if db and _without_password(db.strip()) != db.strip() else ""


def _storage_failed(exc: StorageFailure | PersistenceUnavailable, thread_id: str, db: str | None) -> NoReturn:
    """The database failed under a run: why, and how to go on once fixed (nothing resumes from a corrupt file)."""
    code = EXIT_UNAVAILABLE if isinstance(exc, PersistenceUnavailable) else EXIT_STORAGE
    err.print(plain(f"autogenesis: error: {exc}"))
    command = None if isinstance(exc, StorageFailure) and exc.corrupt else _resume_command(thread_id, db)
    if command is not None:
        err.print(plain(f"once that is fixed, resume with: {command}{_password_note(db)}"))
    sys.exit(code)


def _checked_thread_id(thread_id: str) -> str:
    """`thread_id` as given on the command line; a usage error unless it is printable UTF-8 text."""
    try:
        thread_id.encode("utf-8")
    except UnicodeEncodeError:
        fail("the thread id is not valid UTF-8")
    if not thread_id.strip() or not thread_id.isprintable():
        fail(f"the thread id must be printable text, not {thread_id!r}")
    return thread_id


MODEL_HELP = (
    "Model: local, scripted, hf:PATH, openai:URL#MODEL, or any provider:model of LangChain's init_chat_model "
    "(openai:gpt-4o-mini, anthropic:..., ollama:...); per role as ROLE=MODEL,... "
    f"(default: ${MODEL_ENV} or {DEFAULT_MODEL})."
)
STREAM_HELP = "Show the tokens of each model call as they come, after the name of the agent at work."
DB_HELP = (
    "Checkpoint database: memory, a SQLite path or a postgresql:// URL "
    "(default: $AUTOGENESIS_DB or the user data folder)."
)


def _budget_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`--max-model-calls`, `--max-tokens` and `--max-seconds`: the run's budgets (unset: unlimited)."""
    for option in reversed(
        (
            click.option("--max-model-calls", type=click.IntRange(min=1), help="Model calls the run may make."),
            click.option("--max-tokens", type=click.IntRange(min=1), help="Prompt plus completion tokens."),
            click.option(
                "--max-seconds",
                type=click.FloatRange(min=0, min_open=True),
                help="Seconds of node work (time between a kill and a resume is not counted).",
            ),
        )
    ):
        fn = option(fn)
    return fn


def _budgets(max_model_calls: int | None, max_tokens: int | None, max_seconds: float | None) -> dict[str, Any]:
    """The budgets given on the command line, as `Context` fields."""
    given = {"max_model_calls": max_model_calls, "max_tokens": max_tokens, "max_seconds": max_seconds}
    return {key: value for key, value in given.items() if value is not None}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="autogenesis")
def cli() -> None:
    """AutoGenesis: describe a multi-agent system; get a tested, deployed LangGraph project."""


def main() -> None:
    """Console entry point: no traceback reaches the user; internal errors exit 1.

    SIGTERM and SIGHUP stop the command as Ctrl-C does: a run under way ends `cancelled`,
    resumable, with the command that resumes it printed; anything else exits 130.
    """
    for signum in STOP_SIGNALS:
        signal.signal(signum, _stop)
    try:
        code = cli.main(standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:  # Click's form of a KeyboardInterrupt outside a run
        fail("cancelled", code=EXIT_CANCELLED)
    except Exception as exc:
        fail(f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}", code=1)
    sys.exit(code if isinstance(code, int) else 0)


def _stop(signum: int, frame: object) -> None:
    # Once: a second signal must not cut short the wind-up that records the run as cancelled.
    for other in STOP_SIGNALS:
        signal.signal(other, signal.SIG_IGN)
    raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name}")


@cli.command()
@click.argument("request")
@click.option("--model", help=MODEL_HELP)
@click.option("--db", help=DB_HELP)
@click.option("--thread", "thread_id", help="Thread id for the run (default: a new one).")
@click.option("--out", default="generated", show_default=True, help="Folder deployed projects are written to.")
@click.option("--max-retries", multiple=True, metavar="N|STAGE=N", help="Attempts per stage before escalating.")
@click.option("--max-iterations", type=click.IntRange(0, 10), default=1, show_default=True, help="Feedback iterations.")
@_budget_options
@click.option(
    "--human-approval",
    metavar="STAGE[,STAGE...]",
    help="Stages a person approves instead of a model: the run waits there (answer with `autogenesis review`).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@click.option("--stream", is_flag=True, help=STREAM_HELP)
def build(
    request: str,
    model: str | None,
    db: str | None,
    thread_id: str | None,
    out: str,
    max_retries: tuple[str, ...],
    max_iterations: int,
    max_model_calls: int | None,
    max_tokens: int | None,
    max_seconds: float | None,
    human_approval: str | None,
    quiet: bool,
    stream: bool,
) -> None:
    """Build the multi-agent system REQUEST describes ('-' reads it from standard input)."""
    text = _read_request(request)
    try:
        context = Context(
            out_dir=_check_out_dir(out),
            max_iterations=max_iterations,
            **_parse_retries(max_retries),
            **_budgets(max_model_calls, max_tokens, max_seconds),
            human_approval=tuple(human_approval.split(",")) if human_approval else (),
        )
    except ValueError as exc:
        fail(str(exc))
    thread_id = uuid.uuid4().hex[:12] if thread_id is None else _checked_thread_id(thread_id)
    with _runner(db, model) as runner:
        try:
            runner.ensure_new(thread_id)
        except RunError as exc:
            fail(str(exc))
        progress = _progress(quiet, stream)
        err.print(plain(f"building thread {thread_id} with model {runner.model_setting}"))
        _drive(
            lambda ask: runner.start(text, thread_id=thread_id, context=context, observer=progress, ask=ask),
            progress,
            thread_id,
            db,
            refused=(RunError, InvalidRequest),
        )


@cli.command()
@click.argument("thread_id")
@click.option("--model", help=MODEL_HELP + " Defaults to the model the run used.")
@click.option("--db", help=DB_HELP)
@click.option(
    "--max-retries",
    multiple=True,
    metavar="N|STAGE=N",
    help="New attempt caps from now on; an escalated run goes on when its stage's cap is raised.",
)
@click.option("--max-iterations", type=click.IntRange(0, 10), help="New cap on feedback iterations.")
@_budget_options
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@click.option("--stream", is_flag=True, help=STREAM_HELP)
def resume(
    thread_id: str,
    model: str | None,
    db: str | None,
    max_retries: tuple[str, ...],
    max_iterations: int | None,
    max_model_calls: int | None,
    max_tokens: int | None,
    max_seconds: float | None,
    quiet: bool,
    stream: bool,
) -> None:
    """Continue an interrupted run from its last checkpoint, an escalated one with a higher cap, or
    one that used up a budget with a larger budget (the budgets given replace the run's)."""
    thread_id = _checked_thread_id(thread_id)
    caps = _parse_retries(max_retries) if max_retries else {}
    if max_iterations is not None:
        caps["max_iterations"] = max_iterations
    caps.update(_budgets(max_model_calls, max_tokens, max_seconds))
    with _runner(db, model or _recorded_model(db, thread_id)) as runner:
        progress = _progress(quiet, stream)
        _drive(
            lambda ask: runner.resume(thread_id, observer=progress, caps=caps, ask=ask),
            progress,
            thread_id,
            db,
            refused=(ValueError, RunError),
        )


@cli.command()
@click.argument("thread_id")
@click.argument("text")
@click.option("--model", help=MODEL_HELP + " Defaults to the model the run used.")
@click.option("--db", help=DB_HELP)
@click.option(
    "--max-iterations",
    type=click.IntRange(0, 10),
    help="New cap on iterations (the pipeline's and yours; the run's own is 1 unless set).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@click.option("--stream", is_flag=True, help=STREAM_HELP)
def feedback(
    thread_id: str,
    text: str,
    model: str | None,
    db: str | None,
    max_iterations: int | None,
    quiet: bool,
    stream: bool,
) -> None:
    """Build the next version of a finished, approved run, changed as TEXT says (it is added to the request)."""
    from autogenesis.validation import validate_request

    thread_id = _checked_thread_id(thread_id)
    try:
        validate_request(text)
    except InvalidRequest as exc:
        fail(f"feedback: {exc}")
    caps = {} if max_iterations is None else {"max_iterations": max_iterations}
    with _runner(db, model or _recorded_model(db, thread_id)) as runner:
        progress = _progress(quiet, stream)
        _drive(
            lambda ask: runner.feedback(thread_id, text, observer=progress, caps=caps, ask=ask),
            progress,
            thread_id,
            db,
            refused=(ValueError, RunError),
        )


@cli.command()
@click.argument("thread_id")
@click.option("--approve", is_flag=True, help="Approve the work the run waits on.")
@click.option("--reject", "reason", metavar="WHY", help="Reject it: WHY goes back to the stage's worker.")
@click.option("--model", help=MODEL_HELP + " Defaults to the model the run used.")
@click.option("--db", help=DB_HELP)
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@click.option("--stream", is_flag=True, help=STREAM_HELP)
def review(
    thread_id: str, approve: bool, reason: str | None, model: str | None, db: str | None, quiet: bool, stream: bool
) -> None:
    """Answer the review a run waits on (`awaiting_review:<stage>`), then go on with the run."""
    thread_id = _checked_thread_id(thread_id)
    if approve == (reason is not None):
        fail('give one of --approve or --reject "why"')
    try:
        approved, why = human.answer({"approve": approve, "reason": reason or ""})
    except human.InvalidAnswer as exc:
        fail(str(exc))
    with _runner(db, model or _recorded_model(db, thread_id)) as runner:
        progress = _progress(quiet, stream)
        answer = {"approve": approved, "reason": why}
        _drive(
            lambda ask: runner.review(thread_id, answer, observer=progress, ask=ask),
            progress,
            thread_id,
            db,
            refused=(RunError,),
        )


def _drive(
    run: Callable[[Ask | None], Outcome],
    progress: Progress,
    thread_id: str,
    db: str | None,
    *,
    refused: tuple[type[Exception], ...],
) -> NoReturn:
    """Drive a thread with `run` under the progress display, then report how it stopped (and exit).
    `run` gets the asker of a human gate (`_asker`: on a terminal, the question waits for a line).

        What `run` raises of the `refused` kinds is the user's error (exit 2); a storage failure
        exits as `_storage_failed` says, with the resume hint where resuming can work.
    """
    try:
        outcome = run(_asker(progress, db))
    except refused as exc:
        fail(str(exc))
    except (StorageFailure, PersistenceUnavailable) as exc:
        _storage_failed(exc, thread_id, db)
    finally:
        progress.stop()
    _report(outcome, db)


def _recorded_model(db: str | None, thread_id: str) -> str:
    with _persistence(db) as persistence:
        record = RunRegistry(persistence.store).get(thread_id)
    if record is None:
        fail(f"no run with thread id {thread_id!r} in {resolve_db(db)}")
    return record.model


@cli.command()
@click.option("--db", help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def runs(db: str | None, as_json: bool) -> None:
    """List runs: id, request, status, last update."""
    with _inspector(db) as runner:
        records = runner.runs()
    if as_json:
        click.echo(redact(json.dumps([r.model_dump(mode="json") for r in records], indent=2)))
        return
    table = Table("thread", "status", "updated", "request", box=None)
    for r in records:
        table.add_row(plain(r.thread_id), plain(r.status), _when(r.updated), plain(_short(r.request, 60)))
    out.print(table)


@cli.command()
@click.argument("thread_id")
@click.option("--db", help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--timeline", is_flag=True, help="Each node run instead: start, duration, model calls, tokens, verdict.")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="Write the timeline as CSV to this file ('-': standard output); implies --timeline.",
)
@click.option(
    "--diff",
    "diff_range",
    is_flag=False,
    flag_value="last",
    metavar="[A..B]",
    help="What changed between two deployed versions (default: the last two): agents, edges, prompts, files.",
)
def show(
    thread_id: str, db: str | None, as_json: bool, timeline: bool, csv_file: str | None, diff_range: str | None
) -> None:
    """Show a run stage by stage: attempts, verdicts, halt reason, budgets, deployment, model calls."""
    thread_id = _checked_thread_id(thread_id)
    with _inspector(db) as runner:
        try:
            record, state = runner.state(thread_id)
            if diff_range is not None:
                _show_diff(runner, thread_id, diff_range, as_json)
                return
        except RunError as exc:
            fail(str(exc))
    from autogenesis.report import budget_use, reading, render_run, run_halt

    if timeline or csv_file is not None:
        _show_timeline(state, as_json, csv_file)
        return
    if as_json:
        # `status` and `halt` first: an error or cancelled run has no halt in its state, only in its record.
        shown = {
            "status": record.status,
            "halt": _jsonable(run_halt(record, state)),
            "run": record.model_dump(mode="json"),
            "reading": reading(state.get("request") or record.request, state.get("blueprint")),
            "budgets": budget_use(record, state),
            "state": _jsonable(state),
        }
        click.echo(redact(json.dumps(shown, indent=2)))
        return
    render_run(out, record, state)


def _show_diff(runner: Runner, thread_id: str, diff_range: str, as_json: bool) -> None:
    """The changes between two versions of the run, read from its checkpoints, as JSON or text."""
    from autogenesis.iterations import parse_range, render_diff, version_diff, versions

    found = versions(runner.app, {"configurable": {"thread_id": thread_id}})
    try:
        old, new = parse_range(diff_range, sorted(found))
    except ValueError as exc:
        fail(str(exc))
    diff = version_diff(found[old], found[new])
    if as_json:
        click.echo(redact(json.dumps(diff, indent=2)))
    else:
        render_diff(out, diff)


def _show_timeline(state: dict[str, Any], as_json: bool, csv_file: str | None) -> None:
    """The timeline as CSV to `csv_file` when given ('-': standard output, and nothing else there),
    and on standard output as JSON or a table."""
    from autogenesis.report import render_timeline, timeline, timeline_csv

    rows = timeline(state)
    if csv_file is not None:
        text = redact(timeline_csv(rows))
        if csv_file == "-":
            click.echo(text, nl=False)
            return
        try:
            Path(csv_file).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            fail(f"cannot write the timeline to {csv_file}: {exc.strerror or exc}")
    if as_json:
        click.echo(redact(json.dumps(rows, indent=2)))
    else:
        render_timeline(out, rows)


@cli.command()
def graph() -> None:
    """Print the pipeline as a Mermaid diagram."""
    from autogenesis.graph import build_graph

    click.echo(build_graph(ScriptedChatModel()).compile().get_graph().draw_mermaid())


@cli.command()
def models() -> None:
    """List model providers and what is cached."""
    from autogenesis.report import render_models

    render_models(out)


# autogenesis memory: the past builds a new design learns from (`autogenesis.memory`).


@cli.group()
def memory() -> None:
    """Past builds kept in the store: a new request's design is shown the best one for a similar request."""


@memory.command("list")
@click.option("--db", help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def memory_list(db: str | None, as_json: bool) -> None:
    """List past builds: id, outcome, tests, request; and how requests are compared."""
    from autogenesis.memory import BuildMemory, method

    with _persistence(db) as persistence:
        records = BuildMemory(persistence.store).list()
    if as_json:
        builds = [
            {
                "id": r.id,
                "request": r.request,
                "status": r.outcome.status,
                "tests_passed": r.outcome.tests_passed,
                "tests_failed": r.outcome.tests_failed,
                "example": r.blueprint is not None,
                "updated": r.updated,
            }
            for r in records
        ]
        click.echo(redact(json.dumps({"similarity": method(), "builds": builds}, indent=2)))
        return
    out.print(plain(f"similarity: {method()}"))
    table = Table("id", "outcome", "tests", "updated", "request", box=None)
    for r in records:
        tests = f"{r.outcome.tests_passed}/{r.outcome.tests_passed + r.outcome.tests_failed + r.outcome.test_errors}"
        table.add_row(plain(r.id), plain(r.outcome.status), tests, _when(r.updated), plain(_short(r.request, 60)))
    out.print(table)


@memory.command("show")
@click.argument("build_id")
@click.option("--db", help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def memory_show(build_id: str, db: str | None, as_json: bool) -> None:
    """Show what is kept of past build BUILD_ID: request, outcome, specification, blueprint."""
    from autogenesis.memory import BuildMemory, describe

    build_id = _checked_thread_id(build_id)
    with _persistence(db) as persistence:
        record = BuildMemory(persistence.store).get(build_id)
    if record is None:
        _no_past_build(build_id, db)
    if as_json:
        click.echo(redact(json.dumps(record.model_dump(mode="json"), indent=2)))
        return
    for line in describe(record):
        out.print(plain(line))


@memory.command("forget")
@click.argument("build_id")
@click.option("--db", help=DB_HELP)
def memory_forget(build_id: str, db: str | None) -> None:
    """Remove past build BUILD_ID: no later design is shown it. The run itself is kept."""
    from autogenesis.memory import BuildMemory

    build_id = _checked_thread_id(build_id)
    with _persistence(db) as persistence:
        forgotten = BuildMemory(persistence.store).forget(build_id)
    if not forgotten:
        _no_past_build(build_id, db)
    out.print(plain(f"forgot build {build_id}"))


def _no_past_build(build_id: str, db: str | None) -> NoReturn:
    fail(f"no past build {build_id!r} in {redact(resolve_db(db))} (autogenesis memory list shows them)")


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _when(timestamp: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
