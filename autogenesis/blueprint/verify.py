"""The static verifier: every rule a Blueprint must pass before any code is written.

Each finding names its rule and the offending element, and its message says what is wrong in
words a designer (or a model asked to fix its design) can act on.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from autogenesis.blueprint.ir import Blueprint, Edge
from autogenesis.blueprint.names import (
    INPUT_FIELD,
    MAX_NAME_CHARS,
    RUNTIME_FIELDS,
    is_keyword,
    is_slug,
    shadows,
)

MAX_AGENTS = 24
MAX_FIELDS = 64
MAX_TEXT_CHARS = 4000
__all__ = ["MAX_AGENTS", "MAX_FIELDS", "MAX_NAME_CHARS", "MAX_TEXT_CHARS", "Finding", "scan_project", "verify"]

APPROVE = "approve"
REJECT = "reject"


@dataclass(frozen=True)
class Finding:
    """One rule a blueprint breaks: the rule's id, the element at fault, a readable message."""

    rule: str
    element: str
    message: str

    def __str__(self) -> str:
        return self.message


def _show(name: str) -> str:
    """A name quoted for a message, cut short so a hostile name cannot flood the feedback."""
    return repr(name if len(name) <= MAX_NAME_CHARS + 20 else name[: MAX_NAME_CHARS + 20] + "...")


def verify(bp: Blueprint) -> list[Finding]:
    """Every rule `bp` breaks; an empty list means code may be generated from it."""
    findings = [*_sizes(bp), *_names(bp), *_duplicates(bp), *_references(bp), *_routing(bp), *_tools(bp), *_each(bp)]
    if len(bp.agents) <= MAX_AGENTS and not any(f.rule in ("reference", "duplicate") for f in findings):
        findings += [*_reachability(bp), *_cycles(bp)]
    findings += list(_unwritten(bp))
    return findings


def _texts(bp: Blueprint) -> Iterator[tuple[str, str]]:
    yield "description", bp.description
    for agent in bp.agents:
        yield f"agent {agent.slug[:MAX_NAME_CHARS]} role", agent.role
        yield f"agent {agent.slug[:MAX_NAME_CHARS]} instructions", agent.instructions
    for field in bp.state:
        yield f"field {field.name[:MAX_NAME_CHARS]} description", field.description
    for pair in bp.reviews:
        yield f"review of {pair.worker[:MAX_NAME_CHARS]} criteria", pair.criteria
    for scenario in bp.scenarios:
        yield f"scenario {scenario.name[:MAX_NAME_CHARS]} input", scenario.input
        yield f"scenario {scenario.name[:MAX_NAME_CHARS]} expectation", scenario.expect
    for edge in bp.edges:
        if edge.condition is not None:
            yield f"edge {edge.source[:MAX_NAME_CHARS]} -> {edge.target[:MAX_NAME_CHARS]} condition", edge.condition
    for tool in bp.tools:
        yield f"tool {tool.name[:MAX_NAME_CHARS]} description", tool.description


def _sizes(bp: Blueprint) -> Iterator[Finding]:
    if len(bp.agents) > MAX_AGENTS:
        yield Finding("size", "agents", f"the blueprint has {len(bp.agents)} agents; the limit is {MAX_AGENTS}")
    if len(bp.state) > MAX_FIELDS:
        yield Finding("size", "state", f"the blueprint has {len(bp.state)} state fields; the limit is {MAX_FIELDS}")
    for element, text in _texts(bp):
        if len(text) > MAX_TEXT_CHARS:
            yield Finding("size", element, f"{element} is {len(text)} characters long; the limit is {MAX_TEXT_CHARS}")


def _name_problem(name: str) -> str | None:
    if "/" in name or "\\" in name or ".." in name:
        return "contains a path separator"
    if "__" in name:
        return "contains a double underscore"
    if is_keyword(name):
        return "is a Python keyword"
    if len(name) > MAX_NAME_CHARS:
        return f"is longer than {MAX_NAME_CHARS} characters"
    if not is_slug(name):
        return "is not a lowercase Python identifier (letters, digits and single underscores)"
    return None


def _names(bp: Blueprint) -> Iterator[Finding]:
    named: list[tuple[str, str]] = [("project", bp.name)]
    named += [("agent", a.slug) for a in bp.agents]
    named += [("field", f.name) for f in bp.state]
    named += [("scenario", s.name) for s in bp.scenarios]
    named += [("tool", t.name) for t in bp.tools]
    for kind, name in named:
        problem = _name_problem(name)
        if problem:
            yield Finding("name", name[: MAX_NAME_CHARS + 20], f"{kind} name {_show(name)} {problem}")
    # Only the rules of every machine: the project itself, once installed here, is an installed
    # module, and its next version must still verify.
    shadowed = shadows(bp.name, installed=False) if _name_problem(bp.name) is None else None
    if shadowed is not None:
        message = f"project name {_show(bp.name)} is the name of {shadowed}, which it would shadow"
        yield Finding("name", bp.name, message)
    fields = {f.name for f in bp.state}
    for agent in bp.agents:
        if agent.slug in RUNTIME_FIELDS:
            yield Finding("name", agent.slug, f"agent name {_show(agent.slug)} is reserved for the runtime's state")
        elif agent.slug in fields:
            yield Finding("name", agent.slug, f"agent name {_show(agent.slug)} is also the name of a state field")
    for field in bp.state:
        if field.name in RUNTIME_FIELDS:
            yield Finding("name", field.name, f"field name {_show(field.name)} is reserved for the runtime's state")


def _repeated(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for name in names:
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    return repeated


def _duplicates(bp: Blueprint) -> Iterator[Finding]:
    for slug in _repeated(a.slug for a in bp.agents):
        yield Finding("duplicate", slug, f"agent {_show(slug)} is defined more than once")
    for name in _repeated(f.name for f in bp.state):
        yield Finding("duplicate", name, f"field {_show(name)} is defined more than once")
    for name in _repeated(s.name for s in bp.scenarios):
        yield Finding("duplicate", name, f"scenario {_show(name)} is defined more than once")
    for worker in _repeated(p.worker for p in bp.reviews):
        yield Finding("duplicate", worker, f"agent {_show(worker)} has more than one approver")
    for approver in _repeated(p.approver for p in bp.reviews):
        yield Finding("duplicate", approver, f"agent {_show(approver)} approves more than one worker")


def _references(bp: Blueprint) -> Iterator[Finding]:
    agents = {a.slug for a in bp.agents}
    fields = {f.name for f in bp.state}
    if INPUT_FIELD not in fields:
        yield Finding("reference", INPUT_FIELD, f"the blueprint has no {INPUT_FIELD!r} field to take its input")
    for role, slug in (("entry", bp.entry), ("finish", bp.finish)):
        if slug not in agents:
            yield Finding("reference", slug, f"the {role} {_show(slug)} is not an agent")
    for edge in bp.edges:
        for end in (edge.source, edge.target):
            if end not in agents:
                yield Finding("reference", end, f"edge {edge.source} -> {edge.target} names unknown agent {_show(end)}")
    for pair in bp.reviews:
        for role, slug in (("worker", pair.worker), ("approver", pair.approver)):
            if slug not in agents:
                yield Finding("reference", slug, f"the review pair's {role} {_show(slug)} is not an agent")
    for agent in bp.agents:
        for verb, names in (("reads", agent.reads), ("writes", agent.writes)):
            for name in names:
                if name not in fields:
                    yield Finding("reference", name, f"agent {_show(agent.slug)} {verb} unknown field {_show(name)}")


def _routing(bp: Blueprint) -> Iterator[Finding]:
    kinds = {a.slug: a.kind for a in bp.agents}
    worker_of = {p.approver: p.worker for p in bp.reviews}
    for pair in bp.reviews:
        if pair.worker == pair.approver:
            yield Finding("routing", pair.worker, f"agent {_show(pair.worker)} cannot approve its own work")
        elif kinds.get(pair.approver, "llm") not in ("llm", "human"):
            yield Finding("routing", pair.approver, f"approver {_show(pair.approver)} must be an llm agent or a person")
        if kinds.get(pair.worker) == "router":
            yield Finding("routing", pair.worker, f"router {_show(pair.worker)} cannot be the worker of a review pair")
        if pair.worker in worker_of:
            yield Finding(
                "routing", pair.worker, f"approver {_show(pair.worker)} cannot also be the worker of a review pair"
            )
    for agent in bp.agents:
        out = [e for e in bp.edges if e.source == agent.slug]
        if agent.slug in worker_of:
            yield from _approver_edges(bp, agent.slug, worker_of[agent.slug], out)
            continue
        if agent.slug == bp.finish:
            for edge in out:
                yield Finding(
                    "routing",
                    agent.slug,
                    f"the finish {_show(agent.slug)} has an edge to {edge.target!r}; the graph ends after the finish",
                )
            continue
        if agent.kind == "router":
            yield from _router_edges(agent.slug, out)
        else:
            for edge in out:
                if edge.condition is not None:
                    yield Finding(
                        "routing",
                        agent.slug,
                        f"edge {edge.source} -> {edge.target} has a condition but {_show(agent.slug)} is not a router",
                    )


def _tools(bp: Blueprint) -> Iterator[Finding]:
    """Every tool an agent calls exists, belongs to a tool agent, and reads an input field."""
    kinds = {a.slug: a.kind for a in bp.agents}
    fields = {f.name: f for f in bp.state}
    for name in _repeated(t.name for t in bp.tools):
        yield Finding("duplicate", name, f"tool {_show(name)} is defined more than once")
    for tool in bp.tools:
        if tool.name in kinds or tool.name in fields:
            yield Finding("name", tool.name, f"tool name {_show(tool.name)} is also an agent or a field")
        if kinds.get(tool.agent) != "tool":
            yield Finding(
                "tools", tool.name, f"tool {_show(tool.name)} belongs to {_show(tool.agent)}, not to a tool agent"
            )
        source = fields.get(tool.source)
        if source is None or not source.input or source.type != "str":
            yield Finding(
                "tools", tool.name, f"tool {_show(tool.name)} reads {_show(tool.source)}, not a text input field"
            )
    for agent in bp.agents:
        if agent.kind == "tool" and not bp.tools_of(agent.slug):
            yield Finding("tools", agent.slug, f"tool agent {_show(agent.slug)} has no tool to call")
    for field in bp.state:
        if field.input and field.name != INPUT_FIELD and any(field.name in a.writes for a in bp.agents):
            yield Finding("tools", field.name, f"input field {_show(field.name)} is written by an agent")


def _each(bp: Blueprint) -> Iterator[Finding]:
    """Per-item workers (`Send`): a list to take items from, a field to give each, results collected."""
    fields = {f.name: f for f in bp.state}
    kinds = {a.slug: a.kind for a in bp.agents}
    reviewed = {p.worker for p in bp.reviews} | {p.approver for p in bp.reviews}
    collecting = set()
    for edge in bp.edges:
        if (edge.each is None) != (edge.item is None):
            yield Finding("each", edge.source, f"edge {edge.source} -> {edge.target} needs both `each` and `item`")
            continue
        if edge.each is None or edge.item is None:
            continue
        where = f"edge {edge.source} -> {edge.target}"
        items, item = fields.get(edge.each), fields.get(edge.item)
        if items is None or items.type != "list[str]" or edge.each not in _writes(bp, edge.source):
            problem = f"sends items of {_show(edge.each)}, not a list its source writes"
            yield Finding("each", edge.source, f"{where} {problem}")
        if item is None or item.type != "str" or any(edge.item in a.writes for a in bp.agents):
            problem = f"gives each item in {_show(edge.item)}, not an unwritten text field"
            yield Finding("each", edge.target, f"{where} {problem}")
        if kinds.get(edge.target) != "llm" or kinds.get(edge.source) != "llm" or {edge.source, edge.target} & reviewed:
            problem = "per-item workers and their orchestrator are unreviewed llm workers"
            yield Finding("each", edge.target, f"{where}: {problem}")
        if edge.condition is not None or len([e for e in bp.edges if e.source == edge.source]) != 1:
            yield Finding("each", edge.source, f"{where} must be the only edge out of {_show(edge.source)}")
        for name in _writes(bp, edge.target):
            collecting.add(name)
            if not fields[name].collects if name in fields else True:
                yield Finding("each", name, f"{_show(name)} is written by every run of {edge.target}: it must collect")
    for field in bp.state:
        if field.collects and (field.type != "list[str]" or field.name not in collecting):
            yield Finding("each", field.name, f"{_show(field.name)} collects, but no per-item worker's list writes it")


def _writes(bp: Blueprint, slug: str) -> tuple[str, ...]:
    return next((a.writes for a in bp.agents if a.slug == slug), ())


def _router_edges(slug: str, out: list[Edge]) -> Iterator[Finding]:
    conditions: list[str] = []
    for edge in out:
        if edge.condition is None:
            yield Finding("routing", slug, f"router {_show(slug)} has an edge to {edge.target!r} without a condition")
        else:
            conditions.append(edge.condition)
    for condition in _repeated(conditions):
        yield Finding("routing", slug, f"router {_show(slug)} has more than one edge for condition {condition!r}")
    if not out:
        yield Finding("routing", slug, f"router {_show(slug)} has no edges to choose from")


def _approver_edges(bp: Blueprint, approver: str, worker: str, out: list[Edge]) -> Iterator[Finding]:
    onward = [e for e in out if not (e.target == worker and e.condition in (None, REJECT))]
    for edge in out:
        if edge.condition == REJECT and edge.target != worker:
            yield Finding(
                "routing", approver, f"approver {_show(approver)} can only send work back to its worker {worker!r}"
            )
    if approver == bp.finish and any(e.condition != REJECT for e in onward):
        yield Finding(
            "routing", approver, f"approver {_show(approver)} must have no edge to follow on approval: it is the finish"
        )


def _adjacency(bp: Blueprint, *, with_review_back_edges: bool) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = {a.slug: [] for a in bp.agents}
    back = {(p.approver, p.worker) for p in bp.reviews}
    for edge in bp.edges:
        if (edge.source, edge.target) in back and not with_review_back_edges:
            continue
        if edge.target not in graph[edge.source]:
            graph[edge.source].append(edge.target)
    if with_review_back_edges:
        for approver, worker in back:
            if worker not in graph[approver]:
                graph[approver].append(worker)
    return graph


def _reach(graph: Mapping[str, list[str]], start: str) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in graph[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _reachability(bp: Blueprint) -> Iterator[Finding]:
    graph = _adjacency(bp, with_review_back_edges=True)
    reverse: dict[str, list[str]] = {slug: [] for slug in graph}
    for source, targets in graph.items():
        for target in targets:
            reverse[target].append(source)
    reachable = _reach(graph, bp.entry)
    reaches_end = set().union(*(_reach(reverse, end) for end in ends(bp)))
    for agent in bp.agents:
        if agent.slug not in reachable:
            yield Finding("unreachable", agent.slug, f"agent {agent.slug!r} is unreachable from the entry {bp.entry!r}")
        elif agent.slug not in reaches_end:
            yield Finding("dead_end", agent.slug, f"agent {agent.slug!r} cannot reach the finish {bp.finish!r}")


def ends(bp: Blueprint) -> list[str]:
    """The agents after which the run ends: the finish, and any agent with no edge onward (a route's last)."""
    back = {(p.approver, p.worker) for p in bp.reviews}
    onward = {e.source for e in bp.edges if (e.source, e.target) not in back and e.condition != REJECT}
    return [bp.finish] + [a.slug for a in bp.agents if a.slug not in onward and a.slug != bp.finish]


def _cycles(bp: Blueprint) -> Iterator[Finding]:
    """Cycles left once each review pair's capped send-back edge is removed are unbounded."""
    graph = _adjacency(bp, with_review_back_edges=False)
    reported: set[str] = set()
    for agent in bp.agents:
        if agent.slug in reported:
            continue
        path = _cycle_through(graph, agent.slug)
        if path:
            reported.update(path)
            shown = " -> ".join([*path, path[0]])
            yield Finding("unbounded_cycle", agent.slug, f"cycle {shown} is not bounded by a review cap")


def _cycle_through(graph: Mapping[str, list[str]], start: str) -> list[str] | None:
    """The shortest cycle from `start` back to itself, as its list of agents, if there is one."""
    parent: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in graph[node]:
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return path[::-1]
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return None


def _unwritten(bp: Blueprint) -> Iterator[Finding]:
    fields = {f.name for f in bp.state}
    written = {INPUT_FIELD} | {f.name for f in bp.state if f.input} | {n for a in bp.agents for n in a.writes}
    written |= {e.item for e in bp.edges if e.item}  # given to each per-item run by its Send
    reported: set[str] = set()
    for agent in bp.agents:
        for name in agent.reads:
            if name in fields and name not in written and name not in reported:
                reported.add(name)
                yield Finding("unwritten", name, f"field {name!r} is read by agent {agent.slug!r} but never written")


# --- generated project scan ------------------------------------------------------------------

_FORBIDDEN_CALLS = frozenset({"exec", "eval", "compile", "__import__", "breakpoint"})
_FORBIDDEN_MODULES = frozenset({"subprocess", "socket", "ctypes", "pty", "multiprocessing", "importlib", "shutil"})
_FORBIDDEN_OS = frozenset(
    {"system", "popen", "fork", "forkpty", "kill", "killpg", "remove", "unlink", "rmdir", "removedirs", "putenv"}
)
_FORBIDDEN_OS_PREFIXES = ("exec", "spawn")


def path_problem(path: str) -> str | None:
    """Why `path` would land outside the project folder, or None when it stays inside."""
    pure = PurePosixPath(path)
    if not path or "\\" in path or "\0" in path or pure.is_absolute() or ":" in pure.parts[0]:
        return f"{path!r}: path is outside the project"
    if any(part in ("..", ".", "") for part in path.split("/")):
        return f"{path!r}: path is outside the project"
    return None


def _code_problems(path: str, tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                if module.split(".")[0] in _FORBIDDEN_MODULES:
                    yield f"{path}:{line}: imports {module}, which generated code may not use"
            if isinstance(node, ast.ImportFrom) and node.module == "os":
                for alias in node.names:
                    if alias.name in _FORBIDDEN_OS or alias.name.startswith(_FORBIDDEN_OS_PREFIXES):
                        yield f"{path}:{line}: imports os.{alias.name}, which generated code may not use"
        elif isinstance(node, ast.Name) and node.id in _FORBIDDEN_CALLS:
            yield f"{path}:{line}: uses {node.id}, which generated code may not use"
        elif isinstance(node, ast.Attribute):
            if node.attr in _FORBIDDEN_CALLS and isinstance(node.value, ast.Name) and "builtins" in node.value.id:
                yield f"{path}:{line}: uses {node.attr}, which generated code may not use"
            elif (
                isinstance(node.value, ast.Name)
                and node.value.id == "os"
                and (node.attr in _FORBIDDEN_OS or node.attr.startswith(_FORBIDDEN_OS_PREFIXES))
            ):
                yield f"{path}:{line}: uses os.{node.attr}, which generated code may not use"


def scan_project(files: Mapping[str, str]) -> list[str]:
    """Problems with a generated project: unsafe paths, Python that does not parse, forbidden calls."""
    problems: list[str] = []
    for path, text in files.items():
        problem = path_problem(path)
        if problem:
            problems.append(problem)
            continue
        if not path.endswith(".py"):
            continue
        try:
            tree = ast.parse(text, filename=path)
        except SyntaxError as error:
            problems.append(f"{path}:{error.lineno}: does not parse: {error.msg}")
            continue
        problems.extend(_code_problems(path, tree))
    return problems
