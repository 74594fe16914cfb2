"""The shared, typed state of the AutoGenesis pipeline and the artifacts its agents produce."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict
from typing_extensions import TypedDict

from autogenesis.blueprint.ir import Blueprint, Scenario

Stage = Literal[
    "understand",
    "design",
    "hierarchy",
    "design_prompts",
    "generate",
    "integrate",
    "optimize",
    "document",
    "deploy",
    "feedback",
]

#: Stages whose work an approver accepts or sends back, in pipeline order.
REVIEWED_STAGES: tuple[Stage, ...] = (
    "understand",
    "design",
    "hierarchy",
    "design_prompts",
    "generate",
    "integrate",
    "optimize",
    "document",
    "feedback",
)

HaltKind = Literal["approved", "escalated", "loop_detected", "budget_exhausted", "error", "cancelled"]


class Artifact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Specification(Artifact):
    """What the user asked for, structured: the System Understanding agent's output."""

    goal: str
    capabilities: tuple[str, ...]
    actors: tuple[str, ...] = ()
    interactions: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    scenarios: tuple[Scenario, ...] = ()


class Review(Artifact):
    """An approver's verdict on one attempt of one stage."""

    stage: Stage
    approved: bool
    reasons: tuple[str, ...] = ()
    attempt: int
    reviewer: Literal["checks", "model", "human"] = "model"
    #: Items (agent slugs, file paths, test names) the reasons are about, when a stage has several.
    subjects: tuple[str, ...] = ()
    #: A digest of the work judged (`loops.work_digest`): an attempt that repeats the last is a loop.
    work: str = ""


class PendingReview(Artifact):
    """Work waiting for a person's verdict (`autogenesis.human`): what they are shown, and the
    automatic approver's verdict on it, offered as advice."""

    stage: Stage
    attempt: int
    work: str
    advice: Review


class AgentPrompt(Artifact):
    """The system prompt written for one agent of the generated system."""

    agent: str
    system_prompt: str
    #: The blueprint version and prompt-design attempt it was written for.
    blueprint_version: int = 1
    attempt: int = 1


class GeneratedProject(Artifact):
    """The generated project's files, path -> text, relative to the project folder."""

    name: str
    version: int
    files: dict[str, str]


class TestFailure(Artifact):
    __test__ = False  # not a pytest class

    test: str
    message: str


class TestReport(Artifact):
    """What running the generated project's tests in the sandbox showed."""

    __test__ = False

    passed: int
    failed: int
    errors: int = 0
    duration_s: float = 0.0
    failures: tuple[TestFailure, ...] = ()
    sandbox: str = ""

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.errors == 0 and self.passed > 0


class Metrics(Artifact):
    """Measured figures of the generated system; `variant` says which configuration was kept."""

    pass_rate: float
    agents: int
    model_calls_per_run: int
    prompt_chars: int
    test_seconds: float
    worst_case_model_calls: int = 0
    variant: str = "baseline"
    notes: tuple[str, ...] = ()


class Documentation(Artifact):
    """Documents shipped with the generated system."""

    overview: str
    user_guide: str
    operations: str
    architecture: str


class Deployment(Artifact):
    """Where and which version of the generated project was written."""

    path: str
    version: int
    files: int
    #: The user's edits to the previous version's tool and prompt files, carried into this one.
    carried: tuple[str, ...] = ()
    #: Files the user edited that this version also changes: ours is written, theirs kept beside
    #: it as `<file>.yours-v<N>`.
    conflicts: tuple[str, ...] = ()
    #: Generated wiring (graph, state, runtime, ...) the user edited: regenerated, not carried.
    not_carried: tuple[str, ...] = ()


class Feedback(Artifact):
    """Reflection on the outcome, or the user's feedback, and whether to iterate on the design."""

    summary: str
    improvements: tuple[str, ...] = ()
    iterate: bool = False
    source: Literal["self", "user"] = "self"


class ModelCall(Artifact):
    """One structured model call, as recorded by the accounting point."""

    role: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    constrained: bool = False
    #: Decodes needed for a valid answer (1: the first was valid).
    attempts: int = 1
    #: Valid answers re-asked because they copied a worked example verbatim.
    copies: int = 0
    #: The model still copied on its last attempt: the deterministic answer (read from the request) was used.
    fallback: bool = False
    #: Seconds spent loading (first use: converting) the model before this call; not in `latency_s`.
    load_s: float = 0.0


class Event(Artifact):
    """One entry of the run's append-only log."""

    node: str
    kind: Literal["done", "verdict", "halt", "error"]
    detail: str = ""
    at: float = 0.0
    duration_s: float = 0.0
    #: Model calls the node made, and their prompt plus completion tokens (`done` events only).
    model_calls: int = 0
    tokens: int = 0


class Halt(Artifact):
    """Why a run ended: `str(halt)` is the status, e.g. `escalated:design`."""

    kind: HaltKind
    stage: str | None = None
    detail: str = ""

    def __str__(self) -> str:
        return self.kind if self.stage is None else f"{self.kind}:{self.stage}"


def merge_dict(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """Reducer: keys of `right` overwrite those of `left`."""
    return {**(left or {}), **(right or {})}


M = TypeVar("M", bound=BaseModel)

# The reducers below type what they store: an edit that arrives as JSON (Studio's edit-state,
# `langgraph_sdk`'s `threads.update_state`) becomes the artifact again instead of a plain dict.


def latest(model: type[M]) -> Callable[[Any, Any], M]:
    """Reducer: the newest value, validated as `model`."""

    def reduce(_old: Any, new: Any) -> M:
        return new if isinstance(new, model) else model.model_validate(new)

    return reduce


def latest_or_none(model: type[M]) -> Callable[[Any, Any], M | None]:
    """Reducer: the newest value, validated as `model`, or None."""
    typed = latest(model)
    return lambda old, new: None if new is None else typed(old, new)


def appended(model: type[M]) -> Callable[[list[M], list[Any]], list[M]]:
    """Reducer: `left` with `right`'s items appended, each validated as `model`."""
    typed = latest(model)
    return lambda left, right: [*(left or []), *(typed(None, item) for item in right or [])]


def merged(model: type[M]) -> Callable[[dict[str, M], dict[str, Any]], dict[str, M]]:
    """Reducer: keys of `right` overwrite those of `left`; values validated as `model`."""
    typed = latest(model)
    return lambda left, right: {**(left or {}), **{key: typed(None, v) for key, v in (right or {}).items()}}


class GenesisState(TypedDict, total=False):
    """The pipeline's state; every key is written by one agent and read by those after it."""

    request: str
    iteration: int
    spec: Annotated[Specification, latest(Specification)]
    blueprint: Annotated[Blueprint, latest(Blueprint)]
    prompts: Annotated[dict[str, AgentPrompt], merged(AgentPrompt)]
    project: Annotated[GeneratedProject, latest(GeneratedProject)]
    test_report: Annotated[TestReport, latest(TestReport)]
    metrics: Annotated[Metrics, latest(Metrics)]
    documentation: Annotated[Documentation, latest(Documentation)]
    deployment: Annotated[Deployment, latest(Deployment)]
    feedback: Annotated[Feedback, latest(Feedback)]
    reviews: Annotated[list[Review], appended(Review)]
    attempts: Annotated[dict[str, int], merge_dict]
    #: The loop bounds in force (`Context.caps()`), written at intake and by every approver, so
    #: routers read them from state: `update_state` (Studio's edit-state) runs routers without a Runtime.
    caps: Annotated[dict[str, int], merge_dict]
    status: str
    halt: Annotated[Halt | None, latest_or_none(Halt)]
    #: Work a human gate waits on (`Context.human_approval`); None once answered.
    pending_review: Annotated[PendingReview | None, latest_or_none(PendingReview)]
    events: Annotated[list[Event], appended(Event)]
    calls: Annotated[list[ModelCall], appended(ModelCall)]


class InputState(TypedDict):
    """What a caller passes to start a run."""

    request: str


#: Requests longer than this are refused before a run starts.
MAX_REQUEST_CHARS = 8_000
