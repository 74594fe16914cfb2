"""The AutoGenesis pipeline: one `StateGraph`, one node per agent, every stage behind an approver."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore
from langgraph.types import RetryPolicy

from autogenesis import human
from autogenesis.context import ITERATIONS, Context
from autogenesis.loops import looping, repetition_note, work_digest
from autogenesis.memory import remembering
from autogenesis.models.base import TransientModelError
from autogenesis.nodes import control, review
from autogenesis.nodes._common import as_node
from autogenesis.nodes.deploy import deploy
from autogenesis.nodes.design import design, design_problems
from autogenesis.nodes.design_prompts import design_prompts, send_prompt_tasks, write_prompt
from autogenesis.nodes.document import doc_problems, document
from autogenesis.nodes.feedback import feedback, feedback_problems
from autogenesis.nodes.generate import code_problems, generate
from autogenesis.nodes.hierarchy import hierarchy, hierarchy_problems
from autogenesis.nodes.integrate import integrate, test_problems
from autogenesis.nodes.optimize import metric_problems, optimize
from autogenesis.nodes.understand import spec_problems, understand
from autogenesis.state import GenesisState, InputState, Stage

#: Transient model faults (dropped connections, timeouts) are retried in place before a run stops.
MODEL_RETRY = RetryPolicy(
    max_attempts=3, initial_interval=1.0, retry_on=(TransientModelError, ConnectionError, TimeoutError)
)


DEFAULT_CAPS = Context().caps()

#: Nodes that start whatever the budgets: those ending the run (stopping there would save nothing),
#: and the prompt fan-out's tasks, whose dispatch was checked (a task sees its item, not the run's usage).
#: A person's verdict costs no model call: the gate waits whatever the budgets.
_UNBUDGETED = frozenset({"write_prompt", "escalate", "break_loop", "finish", human.NODE})


def _work(*keys: str) -> Callable[[GenesisState], str]:
    """What an approver is shown: the named artifacts as JSON."""

    def render(state: GenesisState) -> str:
        return "\n".join(f"{key}: {state[key].model_dump_json(exclude_defaults=True)}" for key in keys)  # type: ignore[literal-required]

    return render


def _with_agents(work: Callable[[GenesisState], str]) -> Callable[[GenesisState], str]:
    """`work` after the system's agents and their roles: what the approver's reasons cite clauses of."""

    def render(state: GenesisState) -> str:
        agents = "; ".join(f"{a.slug} ({a.role})" for a in state["blueprint"].agents)
        return f"system agents: {agents}\n{work(state)}"

    return render


def _project_summary(state: GenesisState) -> str:
    files = state["project"].files
    return "files:\n" + "\n".join(f"- {path} ({len(text.splitlines())} lines)" for path, text in sorted(files.items()))


def _metrics_summary(state: GenesisState) -> str:
    # Without the measured seconds: they vary with the machine's load, not with the configuration,
    # and a prompt quoting them would differ (in size, so in accounted tokens) between two runs of
    # one build, such as a resumed run and an uninterrupted one.
    return "metrics: " + state["metrics"].model_dump_json(exclude_defaults=True, exclude={"test_seconds"})


def _report_summary(state: GenesisState) -> str:
    report = state["test_report"]
    return f"tests: {report.passed} passed, {report.failed} failed, {report.errors} errors; sandbox: {report.sandbox}"


def _prompts_summary(state: GenesisState) -> str:
    """What a person approving the prompt design is shown: each agent's role and system prompt."""
    prompts = state.get("prompts", {})
    written = {slug: prompt.system_prompt for slug, prompt in prompts.items()}
    return "\n".join(
        f"Agent: {a.slug}\nRole: {a.role}\nSystem prompt:\n{written.get(a.slug, '(none)')}"
        for a in state["blueprint"].agents
    )


Router = Callable[[GenesisState], str]


def cap(state: GenesisState, key: str) -> int:
    """The loop bound `key` (a stage, or `iterations`) in force, as the last approver or intake recorded it.

    Routers read caps from state, never from a Runtime: `update_state` (Studio's edit-state) runs
    routers without one (langgraph#6340). A checkpoint written before caps were kept in state gets
    the defaults.
    """
    return state.get("caps", {}).get(key, DEFAULT_CAPS[key])


def route_review(stage: Stage, retry: str, on_approve: str | Router) -> Router:
    """The router after `stage`'s approver: forward when approved, back to `retry`, or end the loop.

    A rejection that repeats the stage once more than its varied retry allows (`loops.looping`)
    ends the run at `break_loop`, even at the cap: the loop says more than the cap would. Else the
    cap sends the run to `escalate`. `on_approve` is the next node, or a router choosing it when
    approval can lead several ways.
    """

    def route(state: GenesisState) -> str:
        pending = state.get("pending_review")
        if pending is not None and pending.stage == stage:
            return human.NODE
        last = state["reviews"][-1]
        if last.approved:
            return on_approve if isinstance(on_approve, str) else on_approve(state)
        if looping(state, stage):
            return "break_loop"
        if state["attempts"][stage] >= cap(state, stage):
            return "escalate"
        return retry

    route.__name__ = f"after_review_{stage}"
    return route


def _recording(
    stage: Stage, approver: Callable[..., dict[str, Any]], shown: Callable[[GenesisState], str]
) -> Callable[..., dict[str, Any]]:
    """`approver`, its verdict also carrying the digest of the work judged (for loop detection),
    and writing the caps in force, so the router after it reads the run's current ones.

    For a stage under human approval the verdict becomes advice for the person (`human.gated`),
    shown with the work as `shown` renders it.
    """

    def approve(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
        update = approver(state, runtime, model=model)
        digest = work_digest(state, stage)
        reviews = [review.model_copy(update={"work": digest}) for review in update["reviews"]]
        recorded = {**update, "reviews": reviews, "caps": runtime.context.caps()}
        if stage in runtime.context.human_approval:
            return human.gated(stage, recorded, shown(state))
        return recorded

    approve.__doc__ = approver.__doc__
    return approve


def add_review_loop(
    builder: StateGraph[Any, Any, Any, Any],
    *,
    stage: Stage,
    approver: Callable[..., dict[str, Any]],
    on_approve: str | tuple[Router, list[str]],
    model: BaseChatModel,
    shown: Callable[[GenesisState], str],
    retry: str | None = None,
    tail: str | None = None,
) -> tuple[Router, list[str]]:
    """Wire `stage`'s worker to its approver and the approver's ways out: on, back, or escalate.

    `on_approve` is the next node, or a router with the nodes it may choose. `tail` is the node
    whose output the approver judges when it is not the worker itself (a fan-out); `retry` is
    where a rejection goes when it is not back to the worker. `shown` renders the work for a
    person when the stage is under human approval. Returns the stage's router with the nodes it
    may choose, which the human gate routes with after a person's verdict (`add_human_gate`).
    """
    name = f"review_{stage}"
    builder.add_node(name, as_node(name, _recording(stage, approver, shown), model), retry_policy=MODEL_RETRY)
    builder.add_edge(tail or stage, name)
    back = retry or stage
    forward, destinations = (on_approve, [on_approve]) if isinstance(on_approve, str) else on_approve
    ends = ["break_loop", "escalate"]
    route, ways = route_review(stage, back, forward), [back, *destinations, *ends]
    builder.add_conditional_edges(name, route, [*ways, human.NODE])
    return route, ways


def add_human_gate(
    builder: StateGraph[Any, Any, Any, Any], routes: dict[str, tuple[Router, list[str]]], model: BaseChatModel
) -> None:
    """The node where a person approves a gated stage's work, routed on as that stage's approver is."""

    def after_human_review(state: GenesisState) -> str:
        route, _ = routes[state["reviews"][-1].stage]
        return route(state)

    ways = sorted({way for _, stage_ways in routes.values() for way in stage_ways})
    builder.add_node(human.NODE, as_node(human.NODE, human.human_review, model, budgeted=False))
    builder.add_conditional_edges(human.NODE, after_human_review, ways)


def after_intake(state: GenesisState) -> str:
    """A refused request ends the run at once; its halt is already in state."""
    return END if state.get("halt") else "understand"


def after_feedback(state: GenesisState) -> str:
    """Iterate on the design when the approved feedback asks for it and iterations remain."""
    if state["feedback"].iterate and state.get("iteration", 0) < cap(state, ITERATIONS):
        return "iterate"
    return "finish"


def build_graph(model: BaseChatModel) -> StateGraph[GenesisState, Context, InputState, GenesisState]:
    """The pipeline, uncompiled: the caller picks the checkpointer. `model` answers every role."""
    builder: StateGraph[GenesisState, Context, InputState, GenesisState] = StateGraph(
        GenesisState, context_schema=Context, input_schema=InputState
    )

    def node(name: str, fn: Callable[..., dict[str, Any]], *, worker: bool = False) -> None:
        varied = (lambda state: repetition_note(state) is not None) if worker else None
        budgeted = name not in _UNBUDGETED
        builder.add_node(name, as_node(name, fn, model, varied=varied, budgeted=budgeted), retry_policy=MODEL_RETRY)

    node("intake", control.intake)
    node("understand", understand, worker=True)
    node("design", design, worker=True)
    node("hierarchy", hierarchy, worker=True)
    node("design_prompts", design_prompts)
    varied_task = as_node("write_prompt", write_prompt, model, varied=lambda task: task["varied"], budgeted=False)
    builder.add_node("write_prompt", varied_task, retry_policy=MODEL_RETRY)
    node("generate", generate)
    node("integrate", integrate)
    node("optimize", optimize, worker=True)
    node("document", document, worker=True)
    node("deploy", deploy)
    node("feedback", feedback, worker=True)
    node("iterate", control.iterate)
    # The nodes that end a run keep the build's record in the run's store, for later designs.
    node("escalate", remembering(control.escalate))
    node("break_loop", remembering(control.break_loop))
    node("finish", remembering(control.finish))

    builder.add_edge(START, "intake")
    builder.add_conditional_edges("intake", after_intake, ["understand", END])
    builder.add_edge("understand", "review_understand")

    routes: dict[str, tuple[Router, list[str]]] = {}

    def loop(
        stage: Stage, checks: review.Checks, work: review.Work, on_approve: str | tuple[Router, list[str]], **kw: str
    ) -> None:
        routes[stage] = add_review_loop(
            builder,
            stage=stage,
            approver=review.make_approver(stage, checks, work),
            on_approve=on_approve,
            model=model,
            shown=work,
            **kw,
        )

    loop("understand", spec_problems, _work("spec"), "design")
    loop("design", design_problems, _work("blueprint"), "hierarchy")
    loop("hierarchy", hierarchy_problems, _work("blueprint"), "design_prompts")
    builder.add_conditional_edges("design_prompts", send_prompt_tasks, ["write_prompt", "review_design_prompts"])
    routes["design_prompts"] = add_review_loop(
        builder,
        stage="design_prompts",
        approver=review.review_prompts,
        on_approve="generate",
        model=model,
        shown=_prompts_summary,
        tail="write_prompt",
    )
    loop("generate", code_problems, _with_agents(_project_summary), "integrate")
    loop("integrate", test_problems, _with_agents(_report_summary), "optimize", retry="design")
    loop("optimize", metric_problems, _with_agents(_metrics_summary), "document")
    loop("document", doc_problems, _with_agents(_work("documentation")), "deploy")
    builder.add_edge("deploy", "feedback")
    loop("feedback", feedback_problems, _with_agents(_work("feedback")), (after_feedback, ["iterate", "finish"]))
    add_human_gate(builder, routes, model)
    builder.add_edge("iterate", "design")
    builder.add_edge("escalate", END)
    builder.add_edge("break_loop", END)
    builder.add_edge("finish", END)
    return builder


def compile_graph(
    model: BaseChatModel,
    *,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    store: BaseStore | None = None,
) -> CompiledStateGraph[GenesisState, Context, InputState, GenesisState]:
    """`build_graph(model)` compiled with the given checkpointer (None for `langgraph dev`)."""
    return build_graph(model).compile(checkpointer=checkpointer, store=store, name="autogenesis")
