"""Tools from the request's words: an agent whose job reaches outside the system gets a tool.

"gathers deploy logs", "fetches the invoices", "reads the contract": the agent becomes a tool
agent with one typed tool (`gather_deploy_logs`) that looks the data up in an input field the
caller passes with the request (`deploy_logs`). Decided from the agent's role before any model
is asked; the generated tool works as generated and says how to connect a real source.
"""

from __future__ import annotations

import re

from autogenesis.blueprint.ir import AgentSpec, Blueprint, StateField, ToolSpec
from autogenesis.blueprint.names import INPUT_FIELD, RESULT_FIELD, RUNTIME_FIELDS, slugify, unique

#: Verbs of a job that fetches data from outside the system, with the tool name's verb.
_VERBS = {
    "gather": "gather",
    "gathers": "gather",
    "fetch": "fetch",
    "fetches": "fetch",
    "collect": "collect",
    "collects": "collect",
    "pull": "pull",
    "pulls": "pull",
    "retrieve": "retrieve",
    "retrieves": "retrieve",
    "look up": "look_up",
    "looks up": "look_up",
    "query": "query",
    "queries": "query",
    "search": "search",
    "searches": "search",
    "read": "read",
    "reads": "read",
    "load": "load",
    "loads": "load",
    "download": "download",
    "downloads": "download",
}
_JOB = re.compile(
    r"^\s*(?P<verb>" + "|".join(sorted(map(re.escape, _VERBS), key=len, reverse=True)) + r")\s+"
    r"(?:(?:the|a|an|any|all|its|their|recent|relevant)\s+)*(?P<data>[a-z][a-z0-9 -]*?)\s*"
    r"(?:$|[,.;(]|\b(?:and|then|that|from|for|to|of)\b)",
    re.IGNORECASE,
)
#: Objects that are the system's own input, not data from outside.
_NOT_DATA = frozenset({"request", "input", "it", "them", "this", "that", "question", "message", "ticket", "tickets"})


def tool_job(role: str) -> tuple[str, str] | None:
    """(tool verb, the data it fetches) when `role` fetches data from outside the system."""
    match = _JOB.match(role)
    if match is None:
        return None
    data = " ".join(match.group("data").lower().split()[:4])
    if not data or data in _NOT_DATA:
        return None
    return _VERBS[match.group("verb").lower()], data


def add_tools(bp: Blueprint) -> Blueprint:
    """`bp` with a tool for each worker whose role fetches outside data, and that data's input field."""
    if bp.tools:
        return bp
    approvers = {p.approver for p in bp.reviews}
    taken = {a.slug for a in bp.agents} | {f.name for f in bp.state} | RUNTIME_FIELDS | {INPUT_FIELD, RESULT_FIELD}
    agents: list[AgentSpec] = []
    fields = list(bp.state)
    tools: list[ToolSpec] = []
    per_item = {e.target for e in bp.edges if e.each}  # a run given one item has no tool loop of its own
    for agent in bp.agents:
        job = tool_job(agent.role) if agent.kind == "llm" and agent.slug not in approvers | per_item else None
        if job is None:
            agents.append(agent)
            continue
        verb, data = job
        source = unique(slugify(data, fallback="data"), taken)
        taken.add(source)
        candidates = [slugify(f"{verb} {data}", fallback="look_up"), slugify(f"look up {data}", fallback="look_up")]
        name = next((c for c in candidates if c not in taken), None) or unique(candidates[-1], taken)
        taken.add(name)
        fields.append(
            StateField(
                name=source,
                input=True,
                description=f"The {data} the caller passes in the run's input; the {name} tool searches it.",
            )
        )
        tools.append(
            ToolSpec(
                name=name,
                agent=agent.slug,
                source=source,
                description=f"Look up {data}: the lines of the `{source}` input that mention the query "
                "(all of them when none does).",
            )
        )
        agents.append(agent.model_copy(update={"kind": "tool"}))
    if not tools:
        return bp
    return bp.model_copy(update={"agents": tuple(agents), "state": tuple(fields), "tools": tuple(tools)})
