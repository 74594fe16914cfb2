"""Parallel branches from the request's words: "... and ... in parallel, then ..." fans out.

Two consecutive agents of a chain whose jobs the request says run "in parallel" (or "at the same
time", "simultaneously", "concurrently") become branches: both start from the agent before them,
and the agent after them joins them, reading both results. Decided from the request before any
model is asked; anything the request does not spell out stays a chain.
"""

from __future__ import annotations

from autogenesis.blueprint.ir import Blueprint, Edge
from autogenesis.text import parallel_clause, request_clauses, stems


def _agent_for(bp: Blueprint, clause: str) -> str | None:
    wanted = stems(clause)
    overlap = [(len(wanted & stems(f"{a.slug.replace('_', ' ')} {a.role}")), a.slug) for a in bp.agents]
    best = max(overlap, default=(0, ""))
    return best[1] if best[0] else None


def add_fan_out(bp: Blueprint, request: str) -> Blueprint:
    """`bp` (a chain) with the two jobs the request runs in parallel as branches that join."""
    clauses = request_clauses(request)
    marked = parallel_clause(request)
    if marked is None or marked == 0:
        return bp
    first, second = _agent_for(bp, clauses[marked - 1]), _agent_for(bp, clauses[marked])
    return fan_out(bp, first, second)


def fan_out(bp: Blueprint, first: str | None, second: str | None) -> Blueprint:
    """`bp` (a chain) with `first` and the agent after it, `second`, as branches from the agent before
    them that join at the agent after them; `bp` unchanged when the chain has no such agents."""
    if bp.reviews or any(e.condition or e.each for e in bp.edges):
        return bp
    after = {e.source: e.target for e in bp.edges}
    before = {e.target: e.source for e in bp.edges}
    if first is None or second is None or after.get(first) != second:
        return bp
    source, join = before.get(first), after.get(second)
    if source is None or join is None:  # branches need an agent to start from and one to join them
        return bp
    edges = [e for e in bp.edges if (e.source, e.target) != (first, second)]
    edges += [Edge(source=source, target=second), Edge(source=first, target=join)]
    given = bp.agent(source).writes
    agents = []
    for agent in bp.agents:
        if agent.slug == second:  # reads what the first branch read, not the first branch's result
            first_writes = set(bp.agent(first).writes)
            reads = tuple(r for r in agent.reads if r not in first_writes) + given
            agent = agent.model_copy(update={"reads": tuple(dict.fromkeys(reads))})
        elif agent.slug == join:  # reads both branches' results
            reads = (*agent.reads, *bp.agent(first).writes)
            agent = agent.model_copy(update={"reads": tuple(dict.fromkeys(reads))})
        agents.append(agent)
    order = {a.slug: i for i, a in enumerate(bp.agents)}
    edges.sort(key=lambda e: (order[e.source], order[e.target]))
    return bp.model_copy(update={"agents": tuple(agents), "edges": tuple(edges)})
