"""Approvers: deterministic checks first, then a model's judgment; one verdict per attempt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.context import Context
from autogenesis.drafts import Verdict
from autogenesis.models.base import Prompt
from autogenesis.models.chat import CopiedAnswer, generate
from autogenesis.nodes._common import attempt
from autogenesis.prompts import review as prompts
from autogenesis.state import Event, GenesisState, Review, Stage
from autogenesis.text import request_clauses, stems

Checks = Callable[[GenesisState], list[str]]
Work = Callable[[GenesisState], str]


def make_approver(stage: Stage, checks: Checks, work: Work) -> Callable[..., dict[str, Any]]:
    """An approver node for `stage`: reject on failed checks without asking a model, else ask one."""

    def approve(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
        number = attempt(state, stage)
        problems = checks(state)
        if problems:
            review = Review(stage=stage, approved=False, reasons=tuple(problems), attempt=number, reviewer="checks")
        else:
            review = judge(model, prompts.render(stage, state["request"], work(state)), stage, number)
        return {"reviews": [review], "events": [verdict_event(review)]}

    approve.__doc__ = f"Approve or reject attempt N of the {stage} stage."
    return approve


def review_prompts(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Judge each prompt written in this attempt on its own; rejected agents get a new prompt."""
    number = attempt(state, "design_prompts")
    blueprint = state["blueprint"]
    written = state.get("prompts", {})
    reasons: list[str] = []
    rejected: list[str] = []
    missing = [a.slug for a in blueprint.agents if a.slug not in written]
    for agent in blueprint.agents:
        prompt = written.get(agent.slug)
        if prompt is None or prompt.attempt != number or prompt.blueprint_version != blueprint.version:
            continue
        topic = stems(f"{state['request']} {agent.slug.replace('_', ' ')} {agent.role}")
        if topic and not stems(prompt.system_prompt) & topic:  # checked before any model sees it
            rejected.append(agent.slug)
            reasons.append(f"{agent.slug}: the prompt is about nothing the request or the agent's role mentions")
            continue
        work = f"Agent: {agent.slug}\nRole: {agent.role}\nSystem prompt:\n{prompt.system_prompt}"
        about = tuple(c for c in request_clauses(state["request"]) if stems(c) & stems(agent.role)) or None
        asked = prompts.render("design_prompts", state["request"], work, about=about)
        verdict = judge(model, asked, "design_prompts", number)
        if not verdict.approved:
            rejected.append(agent.slug)
            reasons += [f"{agent.slug}: {reason}" for reason in verdict.reasons] or [f"{agent.slug}: rejected"]
    reasons += [f"{slug}: no prompt was written" for slug in missing]
    review = Review(
        stage="design_prompts",
        approved=not reasons,
        reasons=tuple(reasons),
        attempt=number,
        subjects=tuple(rejected + missing),
    )
    return {"reviews": [review], "events": [verdict_event(review)]}


def judge(model: BaseChatModel, prompt: Prompt, stage: Stage, number: int) -> Review:
    """The model's verdict on work that passed the checks.

    Its reasons cite the request's clauses (`prompts.review.reasons_offered`): one the work
    covers, misses, or is weak on. A rejection must name a fault, and "misses" is checked: the
    work that states every word of the clause does not miss it. A rejection that names no fault
    (it cites nothing, or only what the work covers) or whose every "misses" the work refutes is
    recorded, and the checks' pass stands ("weak on"
    is a judgment no check can refute: it stands). A verdict that copies a worked example on
    every attempt is no judgment, whichever way it goes: the work is not approved (a copied
    approval never passes anything).
    """
    try:
        verdict = generate(model, Verdict, prompt)
    except CopiedAnswer as exc:
        reason = f"the model gave no judgment of its own ({exc}); the work is not approved on a copy"
        return Review(stage=stage, approved=False, reasons=(reason,), attempt=number, reviewer="checks")
    if not verdict.approved and all(_refuted(reason, prompt) for reason in verdict.reasons):
        cited = "; ".join(verdict.reasons) or "no clause"
        return Review(
            stage=stage,
            approved=True,
            reasons=(f"the model's rejection cited {cited}, which the work states; the checks passed",),
            attempt=number,
            reviewer="checks",
        )
    return Review(stage=stage, approved=verdict.approved, reasons=tuple(verdict.reasons), attempt=number)


def _refuted(reason: str, prompt: Prompt) -> bool:
    """Whether a rejection's reason finds no fault: it says the work covers a clause, or misses a
    clause whose every content word the work states."""
    for clause in prompt.data.get("clauses", ()):
        if reason == prompts.COVERS.format(clause):
            return True
        if reason == prompts.MISSES.format(clause):
            return stems(clause) <= stems(str(prompt.data.get("work", "")))
    return False


def verdict_event(review: Review) -> Event:
    verdict = "approved" if review.approved else "rejected"
    detail = f"attempt {review.attempt} {verdict}" + (f": {'; '.join(review.reasons)}" if not review.approved else "")
    return Event(node=f"review_{review.stage}", kind="verdict", detail=detail[:500])
