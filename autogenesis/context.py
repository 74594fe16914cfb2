"""Per-run settings: caps, iterations, budgets and output folder. Frozen; passed as LangGraph run context."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from autogenesis.state import REVIEWED_STAGES

DEFAULT_MAX_RETRIES = 3

#: The key of `caps` (in state) that bounds feedback iterations; the other keys are stages.
ITERATIONS = "iterations"

#: Graph steps one build takes besides the review loops (dispatch, escalation, finish...).
_FIXED_STEPS = 8


@dataclass(frozen=True)
class Context:
    """Knobs of one run. Everything that bounds a loop lives here."""

    #: Attempts allowed per reviewed stage before the run escalates; stages not listed get `default_retries`.
    max_retries: Mapping[str, int] = field(default_factory=dict)
    default_retries: int = DEFAULT_MAX_RETRIES
    #: How many times feedback may send the design back for another version.
    max_iterations: int = 1
    #: The retry cap the hierarchy agent gives each review pair of the generated system.
    generated_retries: int = 3
    #: Where deploy writes projects (each under `<out_dir>/<name>/v<N>`).
    out_dir: str = "generated"
    #: The temperature of a retry after a repeated rejection, for models that have one (the
    #: scripted model has none); a retry is warmer only when its model runs colder.
    retry_temperature: float = 0.7
    #: Sandbox limits for the generated project's tests.
    sandbox_timeout_s: float = 180.0
    sandbox_memory_mb: int = 4096
    #: Budgets of the run (None: unlimited), checked before each node starts (`autogenesis.budgets`):
    #: model calls, prompt plus completion tokens, and seconds of node work (time between a kill
    #: and a resume is not counted).
    max_model_calls: int | None = None
    max_tokens: int | None = None
    max_seconds: float | None = None
    #: Reviewed stages whose approver is a person (`autogenesis.human`): the run waits on an
    #: `interrupt()` there, showing the work and the automatic approver's verdict as advice.
    human_approval: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A list arrives from JSON (a run record, a server run's context): kept as a tuple.
        gates = self.human_approval.split(",") if isinstance(self.human_approval, str) else self.human_approval
        object.__setattr__(self, "human_approval", tuple(dict.fromkeys(g.strip() for g in gates if g.strip())))
        unknown_gates = set(self.human_approval) - set(REVIEWED_STAGES)
        if unknown_gates:
            raise ValueError(
                f"unknown stage(s) in human_approval: {', '.join(sorted(unknown_gates))} "
                f"(stages: {', '.join(REVIEWED_STAGES)})"
            )
        unknown = set(self.max_retries) - set(REVIEWED_STAGES)
        if unknown:
            raise ValueError(f"unknown stage(s) in max_retries: {', '.join(sorted(unknown))}")
        for stage, cap in {**self.max_retries, "default": self.default_retries}.items():
            if not 1 <= cap <= 50:
                raise ValueError(f"max retries for {stage} must be between 1 and 50, got {cap}")
        if not self.out_dir.strip():  # "" would deploy into the current folder
            raise ValueError("out_dir is empty: name the folder deployed projects are written to")
        if not 0 <= self.retry_temperature <= 2:
            raise ValueError(f"retry_temperature must be between 0 and 2, got {self.retry_temperature}")
        if not 0 <= self.max_iterations <= 10:
            raise ValueError(f"max_iterations must be between 0 and 10, got {self.max_iterations}")
        for name, limit in (
            ("max_model_calls", self.max_model_calls),
            ("max_tokens", self.max_tokens),
            ("max_seconds", self.max_seconds),
        ):
            if limit is not None and not limit > 0:
                raise ValueError(f"{name} must be more than 0, got {limit}")

    def retries(self, stage: str) -> int:
        """The attempt cap of `stage`."""
        return self.max_retries.get(stage, self.default_retries)

    def caps(self) -> dict[str, int]:
        """Every loop bound, as kept in state for the routers: each stage's cap and `iterations`."""
        return {**{stage: self.retries(stage) for stage in REVIEWED_STAGES}, ITERATIONS: self.max_iterations}

    def recursion_limit(self) -> int:
        """An explicit step bound derived from the caps: the longest legal run, plus slack.

        An attempt of a reviewed stage takes two steps (worker, approver), three for prompt
        design (dispatch, fan-out, approver). A rejected integration replays design through
        integration; each feedback iteration replays the whole pass.
        """

        def loop(stage: str) -> int:
            return (3 if stage == "design_prompts" else 2) * self.retries(stage)

        replayed = sum(loop(stage) for stage in ("design", "hierarchy", "design_prompts", "generate")) + 2
        per_pass = (
            loop("understand")
            + self.retries("integrate") * replayed
            + sum(loop(stage) for stage in ("optimize", "document", "feedback"))
            + _FIXED_STEPS
        )
        return per_pass * (self.max_iterations + 1) + _FIXED_STEPS
