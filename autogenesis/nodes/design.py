"""System Design agent."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from autogenesis.blueprint.build import blueprint_from_draft
from autogenesis.blueprint.parallel import add_fan_out
from autogenesis.blueprint.routing import add_each, add_proposed_shape, add_routes
from autogenesis.blueprint.tools import add_tools
from autogenesis.blueprint.verify import verify
from autogenesis.context import Context
from autogenesis.coverage import unserved
from autogenesis.drafts import AgentDraft, BlueprintDraft
from autogenesis.memory import example_text, recall_for
from autogenesis.models.chat import generate
from autogenesis.nodes._common import next_attempt, rejection_feedback
from autogenesis.prompts import design as prompts
from autogenesis.state import GenesisState, Specification
from autogenesis.text import agent_names, stems


def design(state: GenesisState, runtime: Runtime[Context], *, model: BaseChatModel) -> dict[str, Any]:
    """Draft a blueprint from the specification and the last rejection or user feedback, if any."""
    feedback = rejection_feedback(state)
    if not feedback and state.get("iteration", 0) and "feedback" in state:
        feedback = state["feedback"].improvements
    # A past build of a similar request (another thread's) is shown as a worked example.
    past = recall_for(runtime, state["request"])
    prompt = prompts.render(state["spec"], feedback, past=example_text(past) if past else "")
    proposed = generate(model, BlueprintDraft, prompt)
    draft = every_capability(one_agent_per_role(proposed), state["spec"])
    chain = blueprint_from_draft(draft, state["spec"], version=state.get("iteration", 0) + 1)
    # The request's words, not the model, decide the shape: jobs it says run "in parallel"
    # become branches that join, "either ... or ..." a router's routes, a job done "for each"
    # item per-item workers (Send), and a job that fetches outside data ("gathers deploy logs")
    # gets a tool. Each shape applies to a chain, so one request gets one of the first three.
    # Where the words decide no shape, the model's proposal (kinds, "runs after") may, if grounded.
    request = state["request"]
    shaped = add_each(add_routes(add_fan_out(chain, request), request), request)
    blueprint = add_tools(add_proposed_shape(shaped, draft))
    return {"blueprint": blueprint, **next_attempt(state, "design")}


def one_agent_per_role(draft: BlueprintDraft) -> BlueprintDraft:
    """`draft` with each role done by its first agent: a model choosing the same capability twice
    (small ones repeat the last choice) means one agent. What ran after a dropped agent runs after
    the one kept."""
    kept: dict[str, AgentDraft] = {}
    renamed: dict[str, str] = {}
    for agent in draft.agents:
        first = kept.setdefault(agent.role, agent)
        if first is not agent:
            renamed[agent.name] = first.name
    agents = [
        a.model_copy(update={"after": renamed.get(a.after, a.after)}) if a.after in renamed else a
        for a in kept.values()
    ]
    agents = [a.model_copy(update={"after": ""}) if a.after == a.name else a for a in agents]
    return draft.model_copy(update={"agents": agents})


def every_capability(draft: BlueprintDraft, spec: Specification) -> BlueprintDraft:
    """One agent per capability of `spec`, in the specification's order (the request's): the
    model's agent where it chose that capability (its kind, and what it runs after), else one
    read from the capability; each named for its capability. The set of jobs is the request's,
    never the model's: a small model stops after a job or two."""
    names = dict(zip(spec.capabilities, agent_names(spec.capabilities), strict=True))
    chosen = {a.role: a for a in draft.agents if a.role in names}
    grounded = {a.name: names[a.role] for a in chosen.values()}  # the model's name -> its capability's
    agents = []
    for capability, name in names.items():
        agent = chosen.get(capability)
        if agent is None:
            agents.append(AgentDraft(name=name, role=capability))
        else:
            after = grounded.get(agent.after, "")
            agents.append(agent.model_copy(update={"name": name, "after": "" if after == name else after}))
    return draft.model_copy(update={"agents": agents})


def design_problems(state: GenesisState) -> list[str]:
    """The static verifier's findings; a job the request asks for that no agent serves; an agent
    about something the request does not mention.

    Every clause of the request (`text.request_clauses`) must be served by an agent
    (`coverage.unserved`: shared words, and the same meaning where the role rewrites the
    clause): a design covering four of five jobs goes back with the fifth named. Every agent
    must share a content word with the request or its specification: a `scheduler` that
    "proposes interview slots to shortlisted candidates" in a healthcare system is a copied
    example, not a design for this request.
    """
    blueprint, spec = state["blueprint"], state["spec"]
    topic = stems(" ".join((state["request"], spec.goal, *spec.capabilities)))
    # No content word to compare (a request in another script, or of short words): no agent is judged off topic.
    off_topic = [a for a in blueprint.agents if topic and not stems(f"{a.slug.replace('_', ' ')} {a.role}") & topic]
    problems = [str(finding) for finding in verify(blueprint)]
    problems += [
        f"no agent does {clause!r}, which the request asks for" for clause in unserved(state["request"], blueprint)
    ]
    problems += [f"agent {a.slug!r} ({a.role}) does nothing the request asks for" for a in off_topic]
    return problems
