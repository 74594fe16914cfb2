"""Mermaid flowcharts of blueprints: one node per agent, review pairs as approve/reject edges."""

from __future__ import annotations

from autogenesis.blueprint.ir import AgentSpec, Blueprint
from autogenesis.blueprint.verify import ends

_LABEL_CHARS = 60
#: Words Mermaid parses as keywords when used as a node id.
_MERMAID_WORDS = frozenset(
    {"end", "graph", "subgraph", "flowchart", "style", "class", "classdef", "click", "direction"}
)
_ESCAPES = {"&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "#": "#35;", "`": "#96;", "|": "#124;"}


def _id(slug: str) -> str:
    return f"{slug}_" if slug.lower() in _MERMAID_WORDS else slug


def _quote(text: str) -> str:
    """`text` as a quoted Mermaid label: one line, short, with every special character escaped."""
    text = " ".join(text.split())
    if len(text) > _LABEL_CHARS:
        text = text[: _LABEL_CHARS - 3].rstrip() + "..."
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in text) + '"'


def _node(agent: AgentSpec, approvers: set[str]) -> str:
    if agent.slug in approvers:
        who = f"{agent.slug} (a person)" if agent.kind == "human" else agent.slug
        return f"{_id(agent.slug)}{{{{{_quote(who)}}}}}"
    label = _quote(f"{agent.slug}: {agent.role}" if agent.role else agent.slug)
    if agent.kind == "router":
        return f"{_id(agent.slug)}{{{label}}}"
    if agent.kind == "human":
        return f"{_id(agent.slug)}[/{label}/]"
    if agent.kind == "tool":
        return f"{_id(agent.slug)}[[{label}]]"
    return f"{_id(agent.slug)}[{label}]"


def to_mermaid(bp: Blueprint) -> str:
    """The blueprint as a `flowchart TD`; node ids are the agents' slugs."""
    approvers = {pair.approver for pair in bp.reviews}
    back_edges = {(pair.approver, pair.worker) for pair in bp.reviews}
    lines = ["flowchart TD", '    START(["start"])', '    END(["end"])']
    lines += [f"    {_node(agent, approvers)}" for agent in bp.agents]
    lines.append(f"    START --> {_id(bp.entry)}")
    order = {agent.slug: i for i, agent in enumerate(bp.agents)}
    for edge in sorted(bp.edges, key=lambda e: order.get(e.source, len(order))):
        if (edge.source, edge.target) in back_edges:
            continue
        if edge.source in approvers:
            lines.append(f"    {_id(edge.source)} -->|approve| {_id(edge.target)}")
        elif edge.each is not None:
            lines.append(f"    {_id(edge.source)} -->|{_quote(f'each of {edge.each}')}| {_id(edge.target)}")
        elif edge.condition is not None:
            lines.append(f"    {_id(edge.source)} -->|{_quote(edge.condition)}| {_id(edge.target)}")
        else:
            lines.append(f"    {_id(edge.source)} --> {_id(edge.target)}")
    for end in ends(bp):
        lines.append(f"    {_id(end)} -->|approve| END" if end in approvers else f"    {_id(end)} --> END")
    for pair in bp.reviews:
        lines.append(f'    {_id(pair.approver)} -.->|"reject (at most {pair.max_retries})"| {_id(pair.worker)}')
        if pair.on_exhausted == "escalate":
            lines.append(f"    {_id(pair.approver)} -.->|escalate| END")
    return "\n".join(lines) + "\n"
