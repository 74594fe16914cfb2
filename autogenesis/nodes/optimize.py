"""Optimization & Tuning agent: measure a variant against the baseline, keep it only if better."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.blueprint.codegen import render_project
from autogenesis.blueprint.ir import Blueprint
from autogenesis.context import Context
from autogenesis.drafts import TuningDraft
from autogenesis.models.chat import generate
from autogenesis.nodes._common import next_attempt, rejection_feedback
from autogenesis.nodes.design_prompts import current_prompts
from autogenesis.prompts import optimize as prompts
from autogenesis.sandbox import run_project_tests
from autogenesis.state import GeneratedProject, GenesisState, Metrics, TestReport


def measure(blueprint: Blueprint, prompts_by_agent: dict[str, str], report: TestReport, variant: str) -> Metrics:
    """Figures of one configuration: its test pass rate and what a run of it costs in model calls."""
    ran = report.passed + report.failed + report.errors
    llm_agents = sum(1 for a in blueprint.agents if a.kind == "llm")
    return Metrics(
        pass_rate=round(report.passed / ran, 4) if ran else 0.0,
        agents=len(blueprint.agents),
        model_calls_per_run=llm_agents,
        # Each rejection reruns the worker and its approver; a person's review costs no model call.
        worst_case_model_calls=llm_agents
        + sum(
            (1 if blueprint.agent(pair.approver).kind == "human" else 2) * (pair.max_retries - 1)
            for pair in blueprint.reviews
        ),
        prompt_chars=sum(len(p) for p in prompts_by_agent.values()),
        test_seconds=report.duration_s,
        variant=variant,
    )


def _better(candidate: Metrics, baseline: Metrics) -> bool:
    """A variant wins only if it passes at least as much and costs strictly less in the worst case."""
    return (
        candidate.pass_rate >= baseline.pass_rate and candidate.worst_case_model_calls < baseline.worst_case_model_calls
    )


def optimize(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Try the model's proposed retry cap in the sandbox; keep whichever configuration measures better."""
    blueprint, texts = state["blueprint"], current_prompts(state)
    baseline = measure(blueprint, texts, state["test_report"], "baseline")
    proposal = generate(model, TuningDraft, prompts.render(baseline, rejection_feedback(state)))
    reviews = tuple(pair.model_copy(update={"max_retries": proposal.max_retries}) for pair in blueprint.reviews)
    variant_blueprint = blueprint.model_copy(update={"reviews": reviews})
    update: dict[str, Any] = next_attempt(state, "optimize")
    if variant_blueprint == blueprint:
        note = f"proposed max_retries={proposal.max_retries} is the current setting; nothing to measure"
        return {**update, "metrics": baseline.model_copy(update={"notes": (note,)})}
    files = render_project(variant_blueprint, texts, state.get("documentation"))
    report = run_project_tests(
        files, timeout_s=runtime.context.sandbox_timeout_s, memory_mb=runtime.context.sandbox_memory_mb
    )
    candidate = measure(variant_blueprint, texts, report, f"max_retries={proposal.max_retries}")
    notes = (
        f"baseline: pass rate {baseline.pass_rate}, worst case {baseline.worst_case_model_calls} calls",
        f"{candidate.variant}: pass rate {candidate.pass_rate}, worst case {candidate.worst_case_model_calls} calls",
    )
    if not _better(candidate, baseline):
        return {**update, "metrics": baseline.model_copy(update={"notes": (*notes, "kept the baseline")})}
    project = GeneratedProject(name=variant_blueprint.name, version=variant_blueprint.version, files=files)
    return {
        **update,
        "metrics": candidate.model_copy(update={"notes": (*notes, f"kept {candidate.variant}")}),
        "blueprint": variant_blueprint,
        "project": project,
        "test_report": report,
    }


def metric_problems(state: GenesisState) -> list[str]:
    """The kept configuration must pass every generated test."""
    metrics = state["metrics"]
    return [] if metrics.pass_rate == 1.0 else [f"the kept configuration passes only {metrics.pass_rate:.0%} of tests"]
