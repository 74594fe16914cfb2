"""Starting, resuming and inspecting runs: the library behind the CLI.

A run is a checkpointed thread plus a record in the run registry. Whatever happens inside,
the caller gets an `Outcome` with a typed status, never a bare exception from the graph.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol, TypeVar, runtime_checkable
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, GenerationChunk, LLMResult
from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphRecursionError
from langgraph.types import Command, StreamMode

from autogenesis.budgets import BudgetExhausted, Spent
from autogenesis.checkpoints import Persistence, RunRecord, RunRegistry, ThreadBusy, storage_failure
from autogenesis.context import Context
from autogenesis.deploy import DeployError
from autogenesis.graph import compile_graph
from autogenesis.human import AWAITING, waiting
from autogenesis.models.base import ModelConfigError, ModelError
from autogenesis.models.chat import answer_text, model_name
from autogenesis.secrets import redact
from autogenesis.state import Halt, InputState, PendingReview
from autogenesis.validation import validate_request

_STREAM_MODES: list[StreamMode] = ["tasks", "updates"]

#: Statuses of runs that can go on with `resume`.
RESUMABLE = ("running", "cancelled")

#: The exit code of a run waiting for a person's verdict at a gate (`autogenesis review` answers it).
EXIT_AWAITING = 4

#: Asks a person for a gate's verdict in place: a resume value (`human.answer`), or None to leave it waiting.
Ask = Callable[[str, PendingReview], Any]

#: `resume` settings that change loop bounds (the others are budgets).
_CAP_KEYS = ("max_retries", "default_retries", "max_iterations")


class RunError(Exception):
    """A run cannot be started or resumed as asked (unknown thread, thread exists...)."""


@dataclass(frozen=True)
class Token:
    """A piece of a model's answer, as the model streams it.

    `call` is the same for every piece of one model call (a node may make several calls, and
    the tasks of a fan-out share their node's name); `last` marks the call's end.
    """

    node: str
    call: str
    text: str
    last: bool = False


class Observer(Protocol):
    """Receives progress as the graph runs (the CLI's live display implements it)."""

    def started(self, node: str) -> None: ...

    def finished(self, node: str, update: Mapping[str, Any]) -> None: ...


@runtime_checkable
class TokenObserver(Observer, Protocol):
    """An observer that also wants the tokens of each model call as they come.

    `token` is called from the thread making the call: the main thread, or a worker thread
    when a step runs several tasks at once (a fan-out), so it must be thread-safe.
    """

    def token(self, token: Token) -> None: ...


_T = TypeVar("_T")


class _TokenRelay(BaseCallbackHandler):
    """Hands the tokens of every model call of a run to a `TokenObserver`, labelled by node.

    Its `tap_output_iter`/`tap_output_aiter` make it a streaming handler to LangChain (the
    `_StreamingCallbackHandler` protocol, as LangGraph's `stream_mode="messages"` handler is), so
    chat models answer through their `_stream`. Not `stream_mode="messages"` itself: with it
    LangGraph runs every task in a worker thread so the caller can read chunks meanwhile, and
    Ctrl-C would then wait for the model call under way to end (forever for a paused call).
    Here every task runs where it would without tokens (a step's only task in the caller's
    thread), and a call's node comes from the `langgraph_node` metadata of the runs in a task.
    """

    def __init__(self, observer: TokenObserver) -> None:
        self.observer = observer
        self._nodes: dict[UUID, str] = {}
        self._streamed: dict[UUID, bool] = {}  # calls that streamed tokens: whether their last one came

    def tap_output_iter(self, run_id: UUID, output: Iterator[_T]) -> Iterator[_T]:
        return output

    def tap_output_aiter(self, run_id: UUID, output: AsyncIterator[_T]) -> AsyncIterator[_T]:
        return output

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._nodes[run_id] = str((metadata or {}).get("langgraph_node", ""))

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        node = self._nodes.get(run_id)
        if node is None:
            return
        text, last = token if isinstance(token, str) else "", False
        if isinstance(chunk, ChatGenerationChunk) and isinstance(chunk.message, AIMessageChunk):
            message = chunk.message
            # A model answering through a tool call streams the call's arguments, not content.
            text = str(message.text) + "".join(c.get("args") or "" for c in message.tool_call_chunks)
            last = message.chunk_position == "last"
        self._streamed[run_id] = last
        self.observer.token(Token(node, str(run_id), text, last))

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        node, ended = self._nodes.pop(run_id, None), self._streamed.pop(run_id, None)
        if node is None or ended:
            return
        if ended is False:  # streamed without a closing chunk
            self.observer.token(Token(node, str(run_id), "", last=True))
            return
        generation = response.generations[0][0] if response.generations and response.generations[0] else None
        if isinstance(generation, ChatGeneration) and isinstance(generation.message, AIMessage):
            # A model that cannot stream: its whole answer, as one last piece.
            self.observer.token(Token(node, str(run_id), answer_text(generation.message), last=True))

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        node, ended = self._nodes.pop(run_id, None), self._streamed.pop(run_id, None)
        if node is not None and ended is False:  # close the line of a call cut short
            self.observer.token(Token(node, str(run_id), "", last=True))


class _Silent:
    def started(self, node: str) -> None:
        pass

    def finished(self, node: str, update: Mapping[str, Any]) -> None:
        pass


@dataclass(frozen=True)
class Outcome:
    """How a run (or the part of it run now) ended."""

    thread_id: str
    status: str
    state: dict[str, Any]
    message: str = ""
    internal: bool = False
    #: The budget that stopped a `budget_exhausted` run.
    spent: Spent | None = None
    #: The work an `awaiting_review:<stage>` run waits on.
    pending: PendingReview | None = None

    @property
    def exit_code(self) -> int:
        """0 approved, 3 a typed halt, 4 waiting for a person's review, 130 cancelled, 1 an internal error."""
        if self.internal:
            return 1
        if self.status == "approved":
            return 0
        if self.pending is not None:
            return EXIT_AWAITING
        return 130 if self.status == "cancelled" else 3


def thread_config(thread_id: str, context: Context) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}, "recursion_limit": context.recursion_limit()}


def context_from_record(record: RunRecord) -> Context:
    """The context a run was started with, as kept in its record."""
    return Context(**record.context)


def with_caps(context: Context, caps: Mapping[str, Any]) -> Context:
    """`context` with new loop bounds; a new `default_retries` replaces every per-stage cap not given again.

    Raises ValueError for a bound `Context` refuses.
    """
    stages = dict(caps.get("max_retries", {}))
    if "default_retries" not in caps:
        stages = {**context.max_retries, **stages}
    return replace(context, **{**caps, "max_retries": stages})


class Runner:
    """Runs builds over one persistence backend with one model."""

    def __init__(self, persistence: Persistence, model: BaseChatModel, *, model_setting: str = "") -> None:
        self.persistence = persistence
        self.registry = RunRegistry(persistence.store)
        self.model_setting = model_setting or model_name(model)
        self.app = compile_graph(model, checkpointer=persistence.checkpointer, store=persistence.store)

    def ensure_new(self, thread_id: str) -> None:
        """RunError when `thread_id` already names a run (in the registry or the checkpoints)."""
        config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
        if self.registry.get(thread_id) is not None or self.persistence.checkpointer.get_tuple(config) is not None:
            raise RunError(f"thread {thread_id!r} already exists; resume it with `autogenesis resume {thread_id}`")

    def start(
        self,
        request: str,
        *,
        thread_id: str,
        context: Context | None = None,
        observer: Observer | None = None,
        ask: Ask | None = None,
    ) -> Outcome:
        """Start a new build of `request` as thread `thread_id`; `ask`, when given, answers its gates in place."""
        request = validate_request(request)
        context = context or Context()
        with self._driving(thread_id):
            self.ensure_new(thread_id)
            self.registry.put(
                RunRecord(
                    thread_id=thread_id,
                    request=request,
                    status="running",
                    model=self.model_setting,
                    out=context.out_dir,
                    context=_context_dict(context),
                    pid=os.getpid(),
                )
            )
            return self._drive(thread_id, InputState(request=request), context, observer or _Silent(), ask)

    def resume(
        self,
        thread_id: str,
        *,
        observer: Observer | None = None,
        caps: Mapping[str, Any] | None = None,
        ask: Ask | None = None,
    ) -> Outcome:
        """Continue an interrupted run from its last checkpoint; a finished run is reported as is.

        `caps` changes the run's loop bounds and budgets from now on (`max_retries`,
        `default_retries`, `max_iterations`, `max_model_calls`, `max_tokens`, `max_seconds`, as
        in `Context`); a run that escalated at a cap the new ones raise goes on from the
        rejection that ended it, and one that used up a budget goes on from the node it stopped
        before.
        """
        with self._driving(thread_id):
            return self._resume(thread_id, observer, caps, ask)

    def review(
        self, thread_id: str, verdict: Any, *, observer: Observer | None = None, ask: Ask | None = None
    ) -> Outcome:
        """Answer the gate `thread_id` waits at with `verdict` (`Command(resume=verdict)`) and go on.

        RunError when the thread is unknown or waits for no review.
        """
        with self._driving(thread_id):
            record = self.registry.get(thread_id)
            if record is None:
                raise RunError(f"no run with thread id {thread_id!r}")
            context = context_from_record(record)
            snapshot = self.app.get_state(thread_config(thread_id, context))
            if waiting(snapshot.values, snapshot.interrupts) is None:
                status = "running" if record.status == "running" else record.status
                raise RunError(f"thread {thread_id!r} is not waiting for a review (status: {status})")
            self.registry.update(thread_id, status="running", model=self.model_setting, pid=os.getpid())
            return self._drive(thread_id, Command(resume=verdict), context, observer or _Silent(), ask)

    def _resume(
        self, thread_id: str, observer: Observer | None, caps: Mapping[str, Any] | None, ask: Ask | None
    ) -> Outcome:
        record = self.registry.get(thread_id)
        if record is None:
            raise RunError(f"no run with thread id {thread_id!r}")
        context = context_from_record(record)
        if caps:
            context = with_caps(context, caps)
        config = thread_config(thread_id, context)
        snapshot = self.app.get_state(config)
        halt: Halt | None = snapshot.values.get("halt")
        raises_caps = any(key in (caps or {}) for key in _CAP_KEYS)
        if raises_caps and (snapshot.next == ("escalate",) or (halt is not None and halt.kind == "escalated")):
            self._reopen_escalation(config, context)
        elif not snapshot.next and halt is not None:
            hint = "; raise its cap to go on: resume --max-retries" if halt.kind == "escalated" else ""
            return Outcome(thread_id, str(halt), dict(snapshot.values), f"already finished{hint}")
        self.registry.update(
            thread_id, status="running", model=self.model_setting, pid=os.getpid(), context=_context_dict(context)
        )
        start_input = None if snapshot.values else InputState(request=record.request)
        return self._drive(thread_id, start_input, context, observer or _Silent(), ask)

    def feedback(
        self,
        thread_id: str,
        text: str,
        *,
        observer: Observer | None = None,
        caps: Mapping[str, Any] | None = None,
        ask: Ask | None = None,
    ) -> Outcome:
        """Build the next version of a finished, approved run, shaped by the user's feedback `text`.

        `caps` changes the run's settings from now on, as for `resume` (`max_iterations` raises
        the cap on iterations). Raises RunError when the thread is unknown, busy, not approved or
        out of iterations (`autogenesis.iterations.open_iteration`); nothing is changed then.
        """
        from autogenesis.iterations import IterationRefused, open_iteration

        with self._driving(thread_id):
            record = self.registry.get(thread_id)
            if record is None:
                raise RunError(f"no run with thread id {thread_id!r}")
            if record.status != "approved":
                # The lock is ours: a `running` record is one no live process drives.
                status = "interrupted" if record.status == "running" else record.status
                raise RunError(f"only a build that ended approved takes feedback; thread {thread_id!r} is {status}")
            context = with_caps(context_from_record(record), caps) if caps else context_from_record(record)
            try:
                open_iteration(self.app, thread_config(thread_id, context), text, context)
            except IterationRefused as exc:
                raise RunError(str(exc)) from None
            self.registry.update(
                thread_id, status="running", model=self.model_setting, pid=os.getpid(), context=_context_dict(context)
            )
            return self._drive(thread_id, None, context, observer or _Silent(), ask)

    @contextmanager
    def _driving(self, thread_id: str) -> Iterator[None]:
        """Hold `thread_id`'s lock while this process drives it; RunError when a live process does."""
        try:
            with self.persistence.locks.hold(thread_id):
                yield
        except ThreadBusy:
            record = self.registry.get(thread_id)
            pid = record.pid if record is not None and record.pid is not None else "unknown"
            raise RunError(f"thread {thread_id!r} is running in process {pid}; wait for it or stop it first") from None

    def _reopen_escalation(self, config: RunnableConfig, context: Context) -> None:
        """Fork the thread from the rejection that escalated it, with `context`'s caps in state.

        The approver's router then runs again under the new caps, which send the work back to
        its worker; RunError when the new cap does not exceed the attempts already made.
        """
        before = next(s for s in self.app.get_state_history(config) if s.next == ("escalate",))
        last = before.values["reviews"][-1]
        attempts = before.values["attempts"][last.stage]
        if context.retries(last.stage) <= attempts:
            raise RunError(
                f"the {last.stage} stage escalated after {attempts} attempt(s); "
                f"continue with --max-retries {last.stage}={attempts + 1} or more"
            )
        self.app.update_state(before.config, {"caps": context.caps()}, as_node=f"review_{last.stage}")

    def _drive(
        self,
        thread_id: str,
        start_input: InputState | Command[Any] | None,
        context: Context,
        observer: Observer,
        ask: Ask | None,
    ) -> Outcome:
        """Run until the thread stops; a gate it stops at is put to `ask`, if given, and goes on with its answer."""
        outcome = self._drive_once(thread_id, start_input, context, observer)
        while ask is not None and outcome.pending is not None:
            # This process holds the thread while it asks: `runs` and a second `review` name it.
            self.registry.update(thread_id, pid=os.getpid())
            verdict = ask(thread_id, outcome.pending)
            if verdict is None:
                self.registry.update(thread_id, pid=None)
                break
            self.registry.update(thread_id, status="running")
            outcome = self._drive_once(thread_id, Command(resume=verdict), context, observer)
        return outcome

    def _drive_once(
        self, thread_id: str, start_input: InputState | Command[Any] | None, context: Context, observer: Observer
    ) -> Outcome:
        config = thread_config(thread_id, context)
        message, internal, spent = "", False, None
        try:
            # "sync": each step's checkpoint is on disk before the next step starts, so a kill -9
            # loses at most the step under way (the default "async" may lose several).
            run_config = config
            if isinstance(observer, TokenObserver):
                run_config = {**config, "callbacks": [_TokenRelay(observer)]}
            stream: Any = self.app.stream(
                start_input,
                run_config,
                context=context,
                stream_mode=_STREAM_MODES,
                durability="sync",
            )
            for mode, chunk in stream:
                if mode == "tasks" and "result" not in chunk:
                    observer.started(chunk["name"])
                elif mode == "updates":
                    for node, update in chunk.items():
                        if node != "__interrupt__":  # a gate waiting: the outcome reports it
                            observer.finished(node, update or {})
            status = ""
        except KeyboardInterrupt as exc:
            # Ctrl-C says nothing; the CLI's SIGTERM and SIGHUP handlers name their signal.
            status, message = "cancelled", str(exc) or "interrupted by the user"
        except BudgetExhausted as exc:
            status, message, spent = "budget_exhausted", str(exc), exc.spent
        except GraphRecursionError:
            status = f"loop_detected:{self._pending(config)}"
            message = f"the run took more than {config.get('recursion_limit')} steps"
        except (ModelError, ModelConfigError, DeployError) as exc:
            status, message = f"error:{self._pending(config)}", _one_line(exc)
        except Exception as exc:
            failure = storage_failure(exc, self.persistence.location)
            if failure is not None:  # the database failed: nothing more is written into it
                raise failure from None
            # A bug of ours, not the model's: exit 1, and the message says so. The run stays resumable.
            status, message, internal = (
                f"error:{self._pending(config)}",
                f"internal error: {type(exc).__name__}: {_one_line(exc)}",
                True,
            )
        pending = None
        try:
            snapshot = self.app.get_state(config)
            values = dict(snapshot.values)
            pending = None if status else waiting(values, snapshot.interrupts)
            if pending is not None:
                status = f"{AWAITING}:{pending.stage}"
                message = f"attempt {pending.attempt} of {pending.stage} waits for a person's review"
            status = status or values.get("status", "running")
            # Error, cancelled and budget_exhausted runs leave no halt in state (so they stay
            # resumable): the record keeps why.
            self.registry.update(thread_id, status=status, pid=None, detail=message)
        except Exception as exc:
            failure = storage_failure(exc, self.persistence.location)
            if failure is None:
                raise
            raise failure from None
        return Outcome(thread_id, status, values, message, internal, spent, pending)

    def _pending(self, config: RunnableConfig) -> str:
        """The stage whose step was under way: an approver or fan-out task counts as its stage."""
        snapshot = self.app.get_state(config)
        if not snapshot.next:
            return "unknown"
        node = snapshot.next[0]
        return "design_prompts" if node == "write_prompt" else node.removeprefix("review_")

    def state(self, thread_id: str) -> tuple[RunRecord, dict[str, Any]]:
        """A run's record and its latest state; RunError for an unknown thread."""
        record = self.registry.get(thread_id)
        if record is None:
            raise RunError(f"no run with thread id {thread_id!r}")
        snapshot = self.app.get_state(thread_config(thread_id, context_from_record(record)))
        return record, dict(snapshot.values)

    def runs(self) -> list[RunRecord]:
        """Every run, newest first, with a `running` that no live process drives shown as `interrupted`."""
        return [self._liveness(record) for record in self.registry.list()]

    def _liveness(self, record: RunRecord) -> RunRecord:
        if record.status != "running" or self.persistence.locks.busy(record.thread_id):
            return record
        return record.model_copy(update={"status": "interrupted"})


def _context_dict(context: Context) -> dict[str, Any]:
    data = asdict(context)
    data["max_retries"] = dict(context.max_retries)
    return data


def _one_line(exc: BaseException) -> str:
    text = redact(" ".join(str(exc).split()))
    return text[:500] or type(exc).__name__
