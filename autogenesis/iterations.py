"""The user's feedback on a finished build, and what changed between the versions it deployed.

`open_iteration` turns a finished, approved thread back into a running one: the feedback becomes
a change clause of the request (so every check that holds the design to the request holds it to
the change too, and to everything asked before), and the run goes back through understanding and
design with fresh attempt counters, as the `iterate` node does for the pipeline's own feedback.
Both kinds of iteration count against the run's `max_iterations`.

`versions` reads each deployed version back from the thread's checkpoints (the blueprint, the
prompts and the files it generated, not the deployed folders, where the user may have edited
files), and `version_diff` compares two of them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import StateSnapshot
from rich.console import Console

from autogenesis.blueprint.ir import Blueprint, Edge
from autogenesis.context import Context
from autogenesis.report import plain
from autogenesis.state import MAX_REQUEST_CHARS, Event, Feedback, Halt
from autogenesis.validation import InvalidRequest, validate_request

#: "give the planner a budget agent", "add a budget agent (to the planner)": the addition as a
#: job the request's reader names by what is added (`has a budget agent` -> `budget_agent`).
_OWNER = r"(?P<owner>(?:the|an?)\s+(?:[\w-]+\s+){0,2}?[\w-]+)"
_GIVE = re.compile(rf"^(?:please\s+)?give\s+{_OWNER}\s+(?P<what>an?\s+.+?)[.!]?$", re.I)
_ADD = re.compile(rf"^(?:please\s+)?add\s+(?P<what>an?\s+.+?)(?:\s+to\s+{_OWNER})?[.!]?$", re.I)


class IterationRefused(Exception):
    """The thread cannot take feedback now: not finished and approved, or its iterations are spent."""


def change_clause(text: str) -> str:
    """The user's feedback as a sentence of the request.

    An addition phrased as "give the planner a budget agent" or "add a budget agent" becomes "The
    planner has a budget agent.", which the request's reader takes as one job named for what is
    added; any other text is added as written.
    """
    text = " ".join(text.split())
    found = _GIVE.match(text) or _ADD.match(text)
    if found:
        owner = found.group("owner") or "it"
        sentence = f"{owner} has {found.group('what')}"
    else:
        sentence = text.rstrip(".!")
    return sentence[:1].upper() + sentence[1:] + "."


def amended_request(request: str, text: str) -> str:
    """`request` with the feedback `text` added as a change clause; InvalidRequest when too long."""
    amended = f"{request.rstrip().rstrip('.')}. {change_clause(text)}"
    return validate_request(amended, limit=MAX_REQUEST_CHARS)


def open_iteration(
    app: CompiledStateGraph[Any, Any, Any, Any], config: RunnableConfig, text: str, context: Context
) -> int:
    """Reopen the finished thread of `config` for one more version shaped by `text`; its iteration number.

    Raises IterationRefused when the thread did not end approved or `context.max_iterations`
    iterations were already made, and InvalidRequest for feedback that is empty or makes the
    request too long. Nothing is written then.
    """
    try:
        text = validate_request(text, limit=MAX_REQUEST_CHARS)
    except InvalidRequest as exc:
        raise InvalidRequest(f"feedback: {exc}") from None
    snapshot = app.get_state(config)
    values = snapshot.values
    halt: Halt | None = values.get("halt")
    if snapshot.next or halt is None or halt.kind != "approved":
        where = "is still running or waiting" if snapshot.next or halt is None else f"ended {halt}"
        raise IterationRefused(f"only a build that ended approved takes feedback; this one {where}")
    done = values.get("iteration", 0)
    if done >= context.max_iterations:
        raise IterationRefused(
            f"the run has made {done} of its {context.max_iterations} iteration(s); "
            f"raise the cap with --max-iterations {done + 1}"
        )
    request = amended_request(values["request"], text)
    update = {
        "request": request,
        "status": "running",
        "halt": None,
        "iteration": done + 1,
        "attempts": dict.fromkeys(values.get("attempts", {}), 0),
        "caps": context.caps(),
        "feedback": Feedback(summary=text, improvements=(text,), iterate=True, source="user"),
        # A row of its own in the timeline, between the finish it reopens and the understanding it starts.
        "events": [
            Event(node="user_feedback", kind="done", at=time.time()),
            Event(node="user_feedback", kind="verdict", detail=f"iteration {done + 1}: {text}"),
        ],
    }
    # As intake: its router sends the run on to understanding, which reads the amended request.
    app.update_state(config, update, as_node="intake")
    return done + 1


@dataclass(frozen=True)
class Version:
    """One deployed version as its build's checkpoints hold it."""

    number: int
    path: str
    blueprint: Blueprint
    prompts: dict[str, str]
    files: dict[str, str]


def versions(app: CompiledStateGraph[Any, Any, Any, Any], config: RunnableConfig) -> dict[int, Version]:
    """Every version the thread deployed, by number: the state right after its deploy.

    Only the thread's current line of checkpoints counts (not a branch left by a fork).
    """
    history = {s.config["configurable"]["checkpoint_id"]: s for s in app.get_state_history(config)}
    line = []
    current: StateSnapshot | None = app.get_state(config)
    while current is not None:
        line.append(current)
        parent = current.parent_config
        current = history.get(parent["configurable"]["checkpoint_id"]) if parent else None
    found: dict[int, Version] = {}
    for snapshot in reversed(line):  # oldest first: the first state holding a deployment is its deploy's
        values = snapshot.values
        deployment = values.get("deployment")
        if deployment is None or deployment.version in found:
            continue
        blueprint = values["blueprint"]
        prompts = values.get("prompts", {})
        found[deployment.version] = Version(
            number=deployment.version,
            path=deployment.path,
            blueprint=blueprint,
            prompts={a.slug: prompts[a.slug].system_prompt for a in blueprint.agents if a.slug in prompts},
            files=dict(values["project"].files),
        )
    return found


def _edge(edge: Edge) -> str:
    label = f" [{edge.condition}]" if edge.condition else f" [each {edge.each}]" if edge.each else ""
    return f"{edge.source} -> {edge.target}{label}"


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    return {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "changed": sorted(k for k in set(old) & set(new) if old[k] != new[k]),
    }


def version_diff(old: Version, new: Version) -> dict[str, Any]:
    """What changed from `old` to `new`: agents, edges, prompts and generated files."""
    before = {a.slug: a for a in old.blueprint.agents}
    after = {a.slug: a for a in new.blueprint.agents}
    agents = _changes({k: (a.role, a.kind) for k, a in before.items()}, {k: (a.role, a.kind) for k, a in after.items()})
    old_edges, new_edges = {_edge(e) for e in old.blueprint.edges}, {_edge(e) for e in new.blueprint.edges}
    return {
        "from": old.number,
        "to": new.number,
        "agents": {
            "added": [{"agent": k, "role": after[k].role, "kind": after[k].kind} for k in agents["added"]],
            "removed": [{"agent": k, "role": before[k].role, "kind": before[k].kind} for k in agents["removed"]],
            "changed": [
                {"agent": k, "role": [before[k].role, after[k].role], "kind": [before[k].kind, after[k].kind]}
                for k in agents["changed"]
            ],
        },
        "edges": {"added": sorted(new_edges - old_edges), "removed": sorted(old_edges - new_edges)},
        "prompts": _changes(old.prompts, new.prompts),
        "files": _changes(old.files, new.files),
    }


def parse_range(text: str, known: list[int]) -> tuple[int, int]:
    """`--diff`'s versions: "last" for the last two, or "A..B"; ValueError for a version not deployed."""
    if text == "last":
        if len(known) < 2:
            raise ValueError(f"the run deployed {len(known)} version(s); a diff needs two")
        return known[-2], known[-1]
    first, sep, second = text.partition("..")
    if not sep or not first.strip().isdigit() or not second.strip().isdigit():
        raise ValueError(f"--diff takes two versions as A..B (e.g. 1..2), not {text!r}")
    pair = int(first), int(second)
    missing = [n for n in pair if n not in known]
    if missing:
        listed = ", ".join(f"v{n}" for n in known) or "none"
        raise ValueError(f"the run has no version v{missing[0]} (deployed: {listed})")
    return pair


def render_diff(console: Console, diff: dict[str, Any]) -> None:
    """`version_diff`'s result as lines: a heading, then one line per kind of change that has items."""
    console.print(plain(f"v{diff['from']} -> v{diff['to']}"))
    agents = diff["agents"]
    lines = [
        ("agents added", [f"{a['agent']} ({a['kind']}: {a['role']})" for a in agents["added"]]),
        ("agents removed", [f"{a['agent']} ({a['kind']}: {a['role']})" for a in agents["removed"]]),
        ("agents changed", [_changed_agent(a) for a in agents["changed"]]),
        *((f"edges {how}", diff["edges"][how]) for how in ("added", "removed")),
        *((f"prompts {how}", diff["prompts"][how]) for how in ("added", "removed", "changed")),
        *((f"files {how}", diff["files"][how]) for how in ("added", "removed", "changed")),
    ]
    shown = [(label, items) for label, items in lines if items]
    for label, items in shown:
        console.print(plain(f"{label}: {'; '.join(items)}"))
    if not shown:
        console.print(plain("no change"))


def _changed_agent(agent: dict[str, Any]) -> str:
    (old_role, new_role), (old_kind, new_kind) = agent["role"], agent["kind"]
    parts = [f"role {old_role!r} -> {new_role!r}" if old_role != new_role else ""]
    parts.append(f"kind {old_kind} -> {new_kind}" if old_kind != new_kind else "")
    return f"{agent['agent']} ({', '.join(p for p in parts if p)})"
