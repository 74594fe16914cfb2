"""Integration & Testing agent: run the generated project's tests in the sandbox."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.context import Context
from autogenesis.nodes._common import next_attempt
from autogenesis.sandbox import run_project_tests
from autogenesis.state import GenesisState

_MAX_REPORTED_FAILURES = 5


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
        return ["no generated test ran: " + (report.failures[0].message if report.failures else "empty report")]
    return [f"{f.test} failed: {f.message}" for f in report.failures[:_MAX_REPORTED_FAILURES]]


test_problems.__test__ = False  # type: ignore[attr-defined]
