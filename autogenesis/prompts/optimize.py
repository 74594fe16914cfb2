"""Optimization & Tuning: propose a variant of the generated system's settings to measure."""

from __future__ import annotations

from autogenesis.drafts import TuningDraft
from autogenesis.models.base import Example, Prompt
from autogenesis.state import Metrics

TASK = (
    "You are the Optimization agent. Given the measured figures of a generated multi-agent system, propose "
    "one variant to try: the retry cap of every review pair, with a one-line rationale. "
    "Fewer retries cost less; more retries rescue flaky steps."
)

EXAMPLES = (
    Example(
        input="Agents: 6\nPass rate: 1.0\nModel calls per run: 12\nPrompt characters: 2400",
        output=TuningDraft(max_retries=2, rationale="all tests pass; fewer retries bound cost"),
    ),
    Example(
        input="Agents: 4\nPass rate: 0.5\nModel calls per run: 8\nPrompt characters: 900",
        output=TuningDraft(max_retries=4, rationale="failures need more varied retries"),
    ),
)


def render(metrics: Metrics, feedback: tuple[str, ...] = ()) -> Prompt:
    return Prompt(
        role="optimize",
        task=TASK,
        input=f"Agents: {metrics.agents}\nPass rate: {metrics.pass_rate}\n"
        f"Model calls per run: {metrics.model_calls_per_run}\nPrompt characters: {metrics.prompt_chars}",
        examples=EXAMPLES,
        feedback=feedback,
        data={"metrics": metrics},
    )
