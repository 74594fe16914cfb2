"""Integration & Testing agent: run the generated project's tests in the sandbox."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.context import Context
from autogenesis.nodes._common import next_attempt
from autogenesis.sandbox import run_project_tests
from autogenesis.state import GenesisState

_MAX_REPORTED_FAILURES = 5
#: A line of a traceback that is not its cause: its header, or a frame and its source line.
_FRAME = re.compile(r"(Traceback \(most recent call last\):|File \"|\^+\Z|~+\Z)")
#: The line that states an exception (`ImportError: ...`, pytest's `E   ImportError: ...`).
_EXCEPTION = re.compile(r"(E\s+)?[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b")


def integrate(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Install the generated project in a sandbox, run its tests and keep the report."""
    report = run_project_tests(
        state["project"].files,
        timeout_s=runtime.context.sandbox_timeout_s,
        memory_mb=runtime.context.sandbox_memory_mb,
    )
    return {"test_report": report, **next_attempt(state, "integrate")}


def test_problems(state: GenesisState) -> list[str]:
    """Failing generated tests, as feedback for the designer."""
    report = state["test_report"]
    if report.ok:
        return []
    if report.passed + report.failed + report.errors == 0:
        return ["no generated test ran: " + (cause(report.failures[0].message) if report.failures else "empty report")]
    return [f"{f.test} failed: {cause(f.message)}" for f in report.failures[:_MAX_REPORTED_FAILURES]]


def cause(message: str) -> str:
    """A failure message on one line: a traceback or an output's tail is cut to the exception it ends in.

    What led to it (the frames, the lines before) stays out: the message becomes a review reason and
    a halt's detail, which are read on one line.
    """
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else message.strip()
    exceptions = [line for line in lines if _EXCEPTION.match(line)]
    last = exceptions[-1] if exceptions else lines[-1]
    head = _FRAME.sub("", lines[0]).strip() if not _FRAME.match(lines[0]) and lines[0] != last else ""
    return f"{head} {last}" if head else last


test_problems.__test__ = False  # type: ignore[attr-defined]
