"""Feedback & Iteration: reflect on the build and decide whether another design iteration is worth it."""

from __future__ import annotations

from autogenesis.drafts import FeedbackDraft
from autogenesis.models.base import Example, Prompt
from autogenesis.state import Metrics, TestReport

TASK = (
    "You are the Feedback agent. Reflect on the generated system's test results and metrics: summarise how "
    "well it meets the request, list concrete improvements, and set iterate to true only when a redesign is "
    "needed to meet the request."
)

EXAMPLES = (
    Example(
        input="Tests: 9 passed, 0 failed\nPass rate: 1.0\nAgents: 6",
        output=FeedbackDraft(summary="All tests pass; the design meets the request.", improvements=[], iterate=False),
    ),
    Example(
        input="Tests: 3 passed, 2 failed\nPass rate: 0.6\nAgents: 2",
        output=FeedbackDraft(
            summary="Two scenarios fail: the system lacks a step that checks its answers.",
            improvements=["add an agent that validates answers before they are returned"],
            iterate=True,
        ),
    ),
)


def render(request: str, report: TestReport, metrics: Metrics, feedback: tuple[str, ...] = ()) -> Prompt:
    return Prompt(
        role="feedback",
        task=TASK,
        input=f"Request: {request}\nTests: {report.passed} passed, {report.failed + report.errors} failed\n"
        f"Pass rate: {metrics.pass_rate}\nAgents: {metrics.agents}",
        examples=EXAMPLES,
        feedback=feedback,
        data={"request": request, "report": report, "metrics": metrics},
    )
