"""Routes and per-item workers from the request's words, decided before any model is asked.

Routing: "classifies each message, then either answers billing questions or fixes technical
problems" makes the job before the alternatives a router (its verb says it decides: classifies,
triages, sorts ...; otherwise a router is added in front of them) with one conditional edge to
each alternative; only the chosen one runs, then the run goes on to the job after them, or ends.

Orchestrator-workers: "plans the sections, drafts a paragraph for each section and assembles the
report" makes the job before the per-item one an orchestrator writing a list (one item per
line), the per-item job a worker run once per item at the same time (LangGraph `Send`) whose
results are collected in one list, and the job after them the synthesizer reading that list.
"""

from __future__ import annotations

from autogenesis.blueprint.build import agent_slugs
from autogenesis.blueprint.ir import AgentSpec, Blueprint, Edge, StateField
from autogenesis.blueprint.names import INPUT_FIELD, RESULT_FIELD, slugify, unique
from autogenesis.blueprint.parallel import fan_out
from autogenesis.drafts import BlueprintDraft
from autogenesis.text import choice_clauses, each_clause, request_clauses, stems, words

#: A job starting with one of these verbs decides where work goes: it can be the router.
_DECIDING = frozenset(
    {"classifies", "classify", "triages", "triage", "sorts", "sort", "routes", "route", "categorizes"}
    | {"categorises", "categorize", "detects", "detect", "decides", "decide", "assesses", "assess"}
    | {"identifies", "identify", "labels", "label", "dispatches"}
)


def agent_for(bp: Blueprint, clause: str) -> str | None:
    """The agent whose name and role share the most words with `clause`, if any does."""
    wanted = stems(clause)
    overlap = [(len(wanted & stems(f"{a.slug.replace('_', ' ')} {a.role}")), a.slug) for a in bp.agents]
    best = max(overlap, default=(0, ""))
    return best[1] if best[0] else None


def _chain(bp: Blueprint) -> list[str] | None:
    """The agents in order when `bp` is a plain chain (as designs start), else None."""
    after = {e.source: e.target for e in bp.edges}
    if bp.reviews or len(after) != len(bp.edges) or any(e.condition or e.each for e in bp.edges):
        return None
    order, slug = [bp.entry], bp.entry
    while slug in after and after[slug] not in order:
        slug = after[slug]
        order.append(slug)
    return order if len(order) == len(bp.agents) else None


def add_routes(bp: Blueprint, request: str) -> Blueprint:
    """`bp` (a chain) with the alternatives the request names as routes a router chooses between."""
    picked = choice_clauses(request)
    clauses = request_clauses(request)
    options = [agent_for(bp, clauses[i]) for i in picked]
    if len(picked) < 2 or None in options:
        return bp
    return route_between(bp, [slug for slug in options if slug])


def route_between(bp: Blueprint, options: list[str]) -> Blueprint:
    """`bp` (a chain) with `options`, consecutive agents, as the routes of the agent before them.

    That agent is the router when its job decides (its verb: classifies, triages, sorts ...);
    otherwise a router of its own is added in front of them. Anything else: `bp` unchanged.
    """
    chain = _chain(bp)
    if chain is None or len(options) < 2 or len(set(options)) != len(options):
        return bp
    positions = sorted(chain.index(slug) for slug in options)
    if positions != list(range(positions[0], positions[0] + len(positions))):
        return bp  # the alternatives must be consecutive agents of the chain
    first, last = positions[0], positions[-1]
    alternatives = chain[first : last + 1]
    before = chain[first - 1] if first else None
    after = chain[last + 1] if last + 1 < len(chain) else None
    agents = list(bp.agents)
    state = list(bp.state)
    if before is not None and next(iter(words(bp.agent(before).role)), "") in _DECIDING:
        router = before
        agents = [a.model_copy(update={"kind": "router"}) if a.slug == router else a for a in agents]
    else:  # nothing before decides: a router of its own, in front of the alternatives
        router = unique("router", {a.slug for a in agents} | {f.name for f in state})
        state.insert(1, StateField(name=f"{router}_output", description="The route the router chose."))
        reads = (INPUT_FIELD, *(bp.agent(before).writes[:1] if before else ()))
        spec = AgentSpec(
            slug=router,
            role=f"Chooses who handles the input: {', '.join(alternatives)}.",
            instructions=f"Choose the one agent the input needs: {', '.join(alternatives)}.",
            reads=reads,
            writes=(f"{router}_output",),
            kind="router",
        )
        agents.insert(next(i for i, a in enumerate(agents) if a.slug == alternatives[0]), spec)
    chooser = next(a for a in agents if a.slug == router)
    given = (*chooser.reads, *chooser.writes)  # what the router read, and its choice
    edges = [e for e in bp.edges if e.source not in alternatives and e.target not in alternatives]
    if router != before and before is not None:
        edges.append(Edge(source=before, target=router))
    edges += [Edge(source=router, target=slug, condition=slug) for slug in alternatives]
    if after is not None:
        edges += [Edge(source=slug, target=after) for slug in alternatives]
    outputs = [bp.agent(slug).writes[0] for slug in alternatives]
    updated = []
    for agent in agents:
        if agent.slug in alternatives:  # reads what the router read, and its choice
            update = {"reads": tuple(dict.fromkeys(given))}
            if after is None:  # each alternative may be the last: each gives the answer
                update["writes"] = tuple(dict.fromkeys((*agent.writes, RESULT_FIELD)))
            agent = agent.model_copy(update=update)
        elif agent.slug == after:  # reads whichever alternative ran
            joined = [r for r in agent.reads if r not in outputs] + outputs
            agent = agent.model_copy(update={"reads": tuple(dict.fromkeys(joined))})
        updated.append(agent)
    order = {a.slug: i for i, a in enumerate(updated)}
    edges.sort(key=lambda e: (order[e.source], order[e.target]))
    finish = bp.finish if after is not None else alternatives[-1]
    entry = router if bp.entry in alternatives else bp.entry
    shape = {"agents": tuple(updated), "edges": tuple(edges), "state": tuple(state)}
    return bp.model_copy(update={**shape, "finish": finish, "entry": entry})


def add_each(bp: Blueprint, request: str) -> Blueprint:
    """`bp` (a chain) with the job the request runs "for each" item as Send-dispatched workers."""
    chain = _chain(bp)
    found = each_clause(request)
    if chain is None or found is None:
        return bp
    index, item = found
    worker = agent_for(bp, request_clauses(request)[index])
    if worker is None or chain.index(worker) in (0, len(chain) - 1):
        return bp  # needs an orchestrator before it and a synthesizer after it
    position = chain.index(worker)
    planner = chain[position - 1]  # the agent after the worker reads the collected results as it did
    items = bp.agent(planner).writes[0]
    results = bp.agent(worker).writes[0]
    taken = {a.slug for a in bp.agents} | {f.name for f in bp.state}
    item_field = unique(f"{worker}_item", taken)
    state = []
    for field in bp.state:
        if field.name == items:
            field = field.model_copy(
                update={"type": "list[str]", "description": f"The {item}s {worker} works on, one per line."}
            )
        elif field.name == results:
            field = field.model_copy(
                update={"type": "list[str]", "collects": True, "description": f"What {worker} made of each {item}."}
            )
        state.append(field)
        if field.name == items:
            state.append(StateField(name=item_field, description=f"The one {item} a run of {worker} works on."))
    agents = []
    for agent in bp.agents:
        if agent.slug == planner:
            agent = agent.model_copy(
                update={"instructions": f"{agent.instructions or agent.role}. List each {item} on its own line."}
            )
        elif agent.slug == worker:
            agent = agent.model_copy(update={"reads": (INPUT_FIELD, item_field)})
        agents.append(agent)
    edges = [
        e.model_copy(update={"each": items, "item": item_field}) if (e.source, e.target) == (planner, worker) else e
        for e in bp.edges
    ]
    return bp.model_copy(update={"agents": tuple(agents), "edges": tuple(edges), "state": tuple(state)})


def add_proposed_shape(bp: Blueprint, draft: BlueprintDraft) -> Blueprint:
    """`bp` with the shape the design model proposed (kinds, "runs after"), where it holds.

    Only when the request's words decided no shape (`bp` is still a chain), and only a proposal
    grounded in the agents' own jobs: a router whose job decides (classifies, triages ...) with
    two or more agents after it becomes routes; two agents in a row that both run after the one
    before them become parallel branches that join at the next. Anything else stays a chain.
    Tools and people's gates come from the request's words alone (`tools.add_tools`, the hierarchy).
    """
    if _chain(bp) is None or len(draft.agents) != len(bp.agents):
        return bp
    slugs = agent_slugs(draft)
    named = {proposed.name: slug for proposed, slug in zip(draft.agents, slugs, strict=True)} | {s: s for s in slugs}
    after = [
        named.get(proposed.after) or named.get(slugify(proposed.after, fallback="")) or (slugs[i - 1] if i else "")
        for i, proposed in enumerate(draft.agents)
    ]
    for i, proposed in enumerate(draft.agents):
        routes = [slugs[j] for j in range(i + 1, len(slugs)) if after[j] == slugs[i]]
        deciding = next(iter(words(bp.agent(slugs[i]).role)), "") in _DECIDING
        if proposed.kind == "router" and deciding and len(routes) >= 2:
            return route_between(bp, routes)
    for j in range(1, len(slugs) - 1):
        if after[j] == after[j + 1] == slugs[j - 1]:
            return fan_out(bp, slugs[j], slugs[j + 1])
    return bp
