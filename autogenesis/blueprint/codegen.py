"""Blueprint → project files, rendered from the Jinja2 templates shipped with this package.

Rendering is deterministic. Names in code are slugs the verifier has accepted; every piece of
model text (roles, prompts, criteria, scenarios, descriptions) enters Python files only as a
string literal, a TOML or JSON string or Markdown text built by `literals.py`, one function per format.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from autogenesis.blueprint.ir import AgentSpec, Blueprint, ReviewPair
from autogenesis.blueprint.literals import json_string, markdown_text, py_string, py_strings, py_text, toml_string
from autogenesis.blueprint.mermaid import to_mermaid
from autogenesis.blueprint.names import INPUT_FIELD, RESULT_FIELD
from autogenesis.blueprint.verify import REJECT, ends, verify
from autogenesis.models.registry import DISTRIBUTION
from autogenesis.state import Documentation

_TEMPLATES = Path(__file__).parent / "templates" / "project"
_ANNOTATIONS = {"str": "str", "int": "int", "float": "float", "bool": "bool", "list[str]": "list[str]"}
_ANNOTATIONS["dict[str, str]"] = "dict[str, str]"
_LINE_LENGTH = 100
_REDUCER_FIELDS = frozenset({"attempts", "approved", "feedback", "choices", "judged", "repeats"})
_DOC_PARTS = ("overview", "user_guide", "operations")


class UnsafeBlueprint(ValueError):
    """Code is only rendered from a blueprint the static verifier accepts."""


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Python, TOML, JSON and Markdown, not HTML; literals come from literals.py
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class _Write:
    name: str
    type: str
    collects: bool = False

    def value(self, variable: str) -> str:
        if self.collects:  # one run of several: its result joins the others'
            return f"[{variable}]"
        return variable if self.type == "str" else f'to_field({variable}, "{self.type}")'


@dataclass
class _AgentView:
    slug: str
    kind: str
    kind_label: str
    role: str
    role_md: str
    system_prompt: str
    reads: str
    writes: list[_Write]
    is_approver: bool = False
    worker: str = ""
    reviewed: bool = False
    criteria: str = ""
    options: str = "()"
    converts: bool = False
    routes: list[tuple[str, str]] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    messages_key: str = ""
    then: str = "END"


def _target(slug: str | None) -> str:
    return "END" if slug is None else f'"{slug}"'


def _markdown_cell(text: str) -> str:
    """`text` on one line, cut to 200 characters, as a Markdown table cell."""
    flat = " ".join(text.split())
    return markdown_text(flat[:200] + ("..." if len(flat) > 200 else ""), one_line=True)


def _default_prompt(bp: Blueprint, agent: AgentSpec) -> str:
    pair = next((p for p in bp.reviews if p.approver == agent.slug), None)
    if pair is not None and agent.kind == "human":
        return f"Approve the work of the {pair.worker} agent if it meets the criteria; otherwise say why it goes back."
    if pair is not None:
        return f"You review the work of the {pair.worker} agent. Approve it only when it meets the criteria."
    job = agent.instructions or agent.role or agent.slug.replace("_", " ")
    tools = " Call your tools for the data the job needs first." if agent.kind == "tool" else ""
    return f"You are the {agent.slug.replace('_', ' ')} agent. Your job: {job}.{tools} Answer with your result alone."


def _approve_targets(bp: Blueprint, pair: ReviewPair) -> list[str]:
    """Where approved work goes: none at the finish, several when the approver fans out."""
    if pair.approver == bp.finish:
        return []
    return [
        e.target
        for e in bp.edges
        if e.source == pair.approver and not (e.target == pair.worker and e.condition in (None, REJECT))
    ]


def _forward(bp: Blueprint) -> dict[str, list[str]]:
    """Each agent's next agents on the way forward (no send-back edges)."""
    back = {(p.approver, p.worker) for p in bp.reviews}
    graph: dict[str, list[str]] = {a.slug: [] for a in bp.agents}
    for e in bp.edges:
        if (e.source, e.target) not in back and e.condition != REJECT and e.target not in graph[e.source]:
            graph[e.source].append(e.target)
    return graph


def joins(bp: Blueprint) -> dict[str, int]:
    """Agents where parallel branches join, with how many branches arrive there.

    A fork is an agent (not a router: it takes one route) with several next agents; its join is
    the nearest agent every branch reaches.
    """
    forward = _forward(bp)
    found: dict[str, int] = {}
    for fork, branches in forward.items():
        if bp.agent(fork).kind == "router" or len(branches) < 2:
            continue
        reached = []
        for start in branches:
            seen, queue = {start}, deque([start])
            while queue:
                for nxt in forward[queue.popleft()]:
                    if nxt not in seen:
                        seen.add(nxt)
                        queue.append(nxt)
            reached.append(seen)
        common = set.intersection(*reached)
        order, queue = [fork], deque([fork])
        while queue:
            for nxt in forward[queue.popleft()]:
                if nxt not in order:
                    order.append(nxt)
                    queue.append(nxt)
        join = next((slug for slug in order if slug in common), None)
        if join is not None:
            sources = {s for s, targets in forward.items() if join in targets and any(s in r for r in reached)}
            found[join] = len(sources)
    return found


def _successors(bp: Blueprint, slug: str, *, every_route: bool) -> list[tuple[str, str | None]]:
    """(target, router option taken) pairs on the approve path out of `slug`."""
    pair = next((p for p in bp.reviews if p.approver == slug), None)
    if pair is not None:
        return [(target, None) for target in _approve_targets(bp, pair)]
    out = [e for e in bp.edges if e.source == slug]
    if bp.agent(slug).kind == "router":
        routes = [(e.target, e.condition) for e in out]
        return routes if every_route else routes[:1]
    return [(e.target, None) for e in out]


def _walk(bp: Blueprint, *, every_route: bool) -> dict[str, tuple[str, str | None] | None]:
    """Agents reachable on approve paths from the entry, each with (parent, option) of its first visit."""
    parents: dict[str, tuple[str, str | None] | None] = {bp.entry: None}
    queue = deque([bp.entry])
    while queue:
        slug = queue.popleft()
        for target, option in _successors(bp, slug, every_route=every_route):
            if target not in parents:
                parents[target] = (slug, option)
                queue.append(target)
    return parents


def _plain(text: str) -> bool:
    """Whether `text` can stand in a docstring as it is."""
    return re.fullmatch(r"[A-Za-z0-9 `_.,:;()-]*", text) is not None


def _docstring(text: str, *, indent: int) -> str:
    """`text` as a triple-quoted docstring wrapped to the line length, or one string when it has quotes."""
    if not _plain(text):
        return py_string(text)
    lines = textwrap.wrap(text, width=_LINE_LENGTH - indent - 6) or [""]
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    pad = " " * indent
    return '"""' + lines[0] + "\n" + "".join(f"{pad}{line}\n" for line in lines[1:]) + pad + '"""'


def _py_dict_of_strings(items: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{py_string(key)}: {py_string(value)}" for key, value in items.items()) + "}"


def _py_list(items: list[str]) -> str:
    return "[" + ", ".join(map(py_string, items)) + "]"


def _py_tuple(items: list[str]) -> str:
    return "(" + ", ".join(map(py_string, items)) + ("," if len(items) == 1 else "") + ")"


def _py_dict(items: Mapping[str, int | bool]) -> str:
    return "{" + ", ".join(f"{py_string(key)}: {value!r}" for key, value in items.items()) + "}"


APPROVE = '{"approved": true, "reasons": []}'
#: How many items an orchestrator lists in the generated tests' script.
ITEMS = 2


def _rejection(approver: str, attempt: int) -> str:
    return json.dumps({"approved": False, "reasons": [rejection_reason(approver, attempt)]})


def rejection_reason(approver: str, attempt: int) -> str:
    """The reason `approver` gives in the generated tests for rejecting `attempt`: a new one each
    time, as the worker's work changes each time, so the loop runs to its cap (no repetition)."""
    return f"rejected by {approver} in the test, attempt {attempt}"


def _answer(slug: str, attempt: int) -> str:
    return f"{slug} answers" if attempt == 1 else f"{slug} answers again ({attempt})"


def _script(bp: Blueprint, *, reject: ReviewPair | None = None, routes: Mapping[str, str] | None = None) -> _Run:
    """The answers each agent gives, in order, on one run of `bp` (the run the generated test makes).

    Every approver approves except `reject`'s, which rejects until its cap (the worker's work and
    the reasons differ each time, so no loop is detected); each router takes its option in
    `routes`, else its first; human steps (questions and approval gates) are answered by the
    test's stand-in person and call no model.
    """
    approvers = {p.approver: p for p in bp.reviews}
    answers: dict[str, list[str | tuple[str, str]]] = {}
    attempts: dict[str, int] = {}
    asked: list[str] = []
    outcome = "finished"
    waiting = dict(joins(bp))  # a join runs once every branch has arrived (an escalated one never does)
    arrived: dict[str, int] = {}
    pending = deque([bp.entry])
    steps = 0

    def go(targets: list[str]) -> None:
        for target in targets:
            if target in waiting:
                arrived[target] = arrived.get(target, 0) + 1
                if arrived[target] < waiting[target]:
                    continue
            pending.append(target)

    while pending and steps < 10_000:  # the verifier bounds every loop; this only guards a bug here
        steps += 1
        slug = pending.popleft()
        agent = bp.agent(slug)
        said = answers.setdefault(slug, [])
        pair = approvers.get(slug)
        if agent.kind == "human":
            asked.append(slug)
        if pair is not None:
            attempts[pair.worker] = attempts.get(pair.worker, 0) + 1
            verdict = APPROVE if pair is not reject else _rejection(slug, attempts[pair.worker])
            if agent.kind != "human":  # a person's verdict comes from the test's Person, not a model
                said.append(verdict)
            if pair is not reject:
                go(_approve_targets(bp, pair))
            elif attempts[pair.worker] < pair.max_retries:
                go([pair.worker])
            elif pair.on_exhausted == "escalate":
                outcome = "escalated"  # this branch ends; a join after it never runs
            else:
                go(_approve_targets(bp, pair))
            continue
        out = [e for e in bp.edges if e.source == slug]
        if agent.kind == "router":
            options = [e.condition for e in out if e.condition is not None]
            option = (routes or {}).get(slug, options[0])
            said.append(json.dumps({"option": option}))
            go([next(e.target for e in out if e.condition == option)])
            continue
        if agent.kind == "tool":  # one call to each of its tools, then its answer
            said.extend(("call", tool.name) for tool in bp.tools_of(slug))
        sends = [e for e in out if e.each]
        attempt = attempts.get(slug, 0) + 1
        if sends:  # an orchestrator lists the items; one run of its worker per item, joined after
            again = "" if attempt == 1 else f" ({attempt})"
            said.append("\n".join(f"{slug} item {n}{again}" for n in range(1, ITEMS + 1)))
            for target in _forward(bp)[sends[0].target]:
                waiting[target] = ITEMS
            go([sends[0].target] * ITEMS)
            continue
        if agent.kind != "human":
            said.append(_answer(slug, attempt))
        go([e.target for e in out])
    model_agents = [a.slug for a in bp.agents if a.kind != "human"]
    script = {name: answers[name] for name in model_agents if answers.get(name)}
    return _Run(script=script, attempts=attempts, outcome=outcome, asked=asked)


@dataclass(frozen=True)
class _Run:
    script: dict[str, list[str | tuple[str, str]]]  # an answer, or ("call", tool) for a tool call
    attempts: dict[str, int]
    outcome: str
    asked: list[str]  # the human agents asked, in order

    def script_literal(self) -> str:
        """The script as a Python dict literal, one agent per line."""

        def item(answer: str | tuple[str, str]) -> str:
            return py_text(answer, indent=16) if isinstance(answer, str) else f"call({py_string(answer[1])})"

        rows = [f"        {py_string(agent)}: [{', '.join(map(item, said))}]," for agent, said in self.script.items()]
        return "{\n" + "\n".join(rows) + "\n    }"


def _approve_path(bp: Blueprint) -> dict[str, Any]:
    visited = list(_walk(bp, every_route=False))
    approvers = {p.approver: p.worker for p in bp.reviews}
    keys = {INPUT_FIELD} | {name for slug in visited for name in bp.agent(slug).writes}
    workers = sorted(approvers[slug] for slug in visited if slug in approvers)
    keys |= _REDUCER_FIELDS  # channels with a reducer always have a value, `{}` at least
    keys |= {f.name for f in bp.state if f.input}  # given by the test run (what its tools look up)
    keys |= {f"{slug}_messages" for slug in visited if bp.agent(slug).kind == "tool"}
    return {
        "state_keys": "[" + ", ".join(py_string(k) for k in sorted(keys)) + "]",
        "attempts": _py_dict(dict.fromkeys(workers, 1)),
        "approved": _py_dict(dict.fromkeys(workers, True)),
        "script": _script(bp).script_literal(),
        "asked": _py_list(_script(bp).asked),
    }


def _sample_inputs(bp: Blueprint) -> str:
    """The input fields a test run passes (what the tools look up), as a dict literal."""
    return _py_dict_of_strings({f.name: f"Sample {f.name} for the test." for f in bp.state if f.input})


def _reject_cases(bp: Blueprint) -> list[dict[str, Any]]:
    default_path = _walk(bp, every_route=False)
    any_path = _walk(bp, every_route=True)
    cases = []
    for pair in bp.reviews:
        routes: dict[str, str] = {}
        if pair.worker not in default_path:  # take the routes that lead to this worker
            step = any_path.get(pair.worker)
            while step is not None:
                parent, option = step
                if option is not None:
                    routes[parent] = option
                step = any_path.get(parent)
        run = _script(bp, reject=pair, routes=routes)
        cases.append(
            {
                "worker": pair.worker,
                "approver": pair.approver,
                "max_retries": pair.max_retries,
                "last_reason": py_string(rejection_reason(pair.approver, pair.max_retries)),
                "outcome": "escalated" if pair.on_exhausted == "escalate" else "continues",
                "script": run.script_literal(),
                "asked": _py_list(run.asked),
                "person": py_string(pair.approver) if bp.agent(pair.approver).kind == "human" else "None",
            }
        )
    return cases


def _route_cases(bp: Blueprint) -> list[dict[str, Any]]:
    """One run per router option: the route taken, and the script that takes it."""
    cases = []
    for router in (a for a in bp.agents if a.kind == "router"):
        options = [e.condition for e in bp.edges if e.source == router.slug and e.condition is not None]
        for number, option in enumerate(options, start=1):
            run = _script(bp, routes={router.slug: option})
            cases.append(
                {
                    "router": router.slug,
                    "number": number,
                    "option": py_string(option),
                    "option_doc": option if _plain(option) and len(option) <= 60 else f"option {number}",
                    "script": run.script_literal(),
                    "asked": _py_list(run.asked),
                }
            )
    return cases


def _agent_views(bp: Blueprint, prompts: Mapping[str, str]) -> list[_AgentView]:
    types = {f.name: f.type for f in bp.state}
    collects = {f.name for f in bp.state if f.collects}
    per_item = {e.target: e.each for e in bp.edges if e.each}
    orchestrators = {e.source for e in bp.edges if e.each}
    workers = {p.approver: p for p in bp.reviews}
    reviewed = {p.worker for p in bp.reviews}
    views = []
    for agent in bp.agents:
        pair = workers.get(agent.slug)
        writes = [_Write(name, types[name], name in collects) for name in agent.writes]
        view = _AgentView(
            slug=agent.slug,
            kind=agent.kind,
            kind_label=("approver (a person)" if agent.kind == "human" else "approver") if pair else agent.kind,
            role=py_text(agent.role),
            role_md=_markdown_cell(agent.role) or agent.slug,
            system_prompt=py_text(prompts.get(agent.slug) or _default_prompt(bp, agent)),
            reads=py_strings(agent.reads),
            writes=writes,
            is_approver=pair is not None,
            worker=pair.worker if pair else "",
            reviewed=agent.slug in reviewed,
            criteria=py_text(pair.criteria or agent.instructions or "The work does what was asked.") if pair else "",
            converts=any(w.type != "str" and not w.collects for w in writes),
        )
        if agent.slug in per_item:
            view.kind_label = f"worker, one run per item of `{per_item[agent.slug]}`"
        elif agent.slug in orchestrators:
            view.kind_label = "orchestrator, lists the items one per line"
        if agent.kind == "tool":
            view.tools = [tool.name for tool in bp.tools_of(agent.slug)]
            view.messages_key = f"{agent.slug}_messages"
        if agent.kind == "router" and not pair:
            out = [e for e in bp.edges if e.source == agent.slug and e.condition is not None]
            view.options = py_strings([e.condition for e in out if e.condition is not None])
            view.routes = [(py_string(e.condition or ""), _target(e.target)) for e in out]
        views.append(view)
    return views


def _context(bp: Blueprint, prompts: Mapping[str, str], docs: Documentation | None) -> dict[str, Any]:
    agents = _agent_views(bp, prompts)
    approvers = {p.approver for p in bp.reviews}
    routers = [a for a in agents if a.kind == "router" and not a.is_approver]
    pair_edges = {(p.worker, p.approver) for p in bp.reviews}
    gates = joins(bp)

    def goto(slug: str | None) -> str:
        """A target in the generated graph: parallel branches go to their join's gate."""
        return f'"{slug}_join"' if slug in gates else _target(slug)

    def goto_all(targets: list[str]) -> str:
        return goto(targets[0] if targets else None) if len(targets) < 2 else "[" + ", ".join(map(goto, targets)) + "]"

    edges = [
        {"source": e.source, "target": goto(e.target)}
        for e in bp.edges
        if e.source not in approvers
        and (e.source, e.target) not in pair_edges
        and bp.agent(e.source).kind not in ("router", "tool")
        and e.each is None
    ]
    for end in ends(bp):  # the finish, and the last agent of a route that ends the run
        if end not in approvers and bp.agent(end).kind not in ("router", "tool"):
            edges.append({"source": end, "target": "END"})
    sends = [{"source": e.source, "target": e.target, "list": e.each, "item": e.item} for e in bp.edges if e.each]
    tool_agents = [a for a in agents if a.kind == "tool"]
    for view in tool_agents:  # where a tool agent goes once it answers: its approver, or on
        pair = bp.review_of(view.slug)
        onward = [e.target for e in bp.edges if e.source == view.slug]
        view.then = f'"{pair.approver}"' if pair else goto_all(onward)
    reviews = [
        {
            "worker": p.worker,
            "approver": p.approver,
            "on_approve": goto_all(_approve_targets(bp, p)),
            "max_retries": p.max_retries,
            "on_exhausted": p.on_exhausted,
            "from_tools": bp.agent(p.worker).kind == "tool",
            "reason": markdown_text(" ".join(p.reason.split())),
        }
        for p in bp.reviews
    ]
    fields = {f.name for f in bp.state}
    finish_writes = bp.agent(bp.finish).writes or next(
        (bp.agent(p.worker).writes for p in bp.reviews if p.approver == bp.finish), ()
    )
    result_field = RESULT_FIELD if RESULT_FIELD in fields else (finish_writes[0] if finish_writes else None)
    caps = tuple(p.max_retries for p in bp.reviews)
    items_given = {e.item for e in bp.edges if e.item}  # in each Send's input, not in the shared state
    rejects = _reject_cases(bp)
    model_agents = [a.slug for a in bp.agents if a.kind != "human"]
    return {
        "name": bp.name,
        "version": bp.version,
        "description": markdown_text(bp.description),
        "summary_toml": toml_string(" ".join(bp.description.split())[:200] or bp.name),
        "input_field": INPUT_FIELD,
        "agents": agents,
        "routers": routers,
        "edges": edges,
        "entry": bp.entry,
        "reviews": reviews,
        "caps": "()" if not caps else f"({caps[0]},)" if len(caps) == 1 else repr(caps),
        "fields": [
            {
                "name": f.name,
                "annotation": _ANNOTATIONS[f.type],
                "description": py_text(f.description, indent=8),
                "collects": f.collects,
            }
            for f in bp.state
            if f.name not in items_given
        ],
        "result_key": py_string(result_field) if result_field else "None",
        "result_check": result_field is not None,
        "model_env": f"{bp.name.upper()}_MODEL",
        "model_agents": model_agents,
        "tool_agents": tool_agents,
        "joins": sorted(gates),
        "sends": sends,
        "collects": any(f.collects for f in bp.state),
        "tool_rows": [
            {"name": t.name, "agent": t.agent, "source": t.source, "what": _markdown_cell(t.description)}
            for t in bp.tools
        ],
        "max_tool_rounds": 3,
        "input_fields_tuple": _py_tuple([f.name for f in bp.state if f.input and f.name != INPUT_FIELD]),
        "tools": [
            {"name": t.name, "source": t.source, "docstring": _docstring(t.description, indent=4)} for t in bp.tools
        ],
        "input_fields": ", ".join(f"`{f.name}`" for f in bp.state if f.input and f.name != INPUT_FIELD),
        "gates": ", ".join(
            f"`{p.approver}` approves `{p.worker}`" for p in bp.reviews if bp.agent(p.approver).kind == "human"
        ),
        "model_agents_tuple": "("
        + ", ".join(map(py_string, model_agents))
        + ("," if len(model_agents) == 1 else "")
        + ")",
        "runtime_requirement": f"{DISTRIBUTION}>=0.1",
        "distribution": DISTRIBUTION,
        "mermaid": to_mermaid(bp),
        "docs": None if docs is None else {part: markdown_text(getattr(docs, part)) for part in _DOC_PARTS},
        "graph_key": json_string(bp.name),
        "graph_path": json_string(f"./{bp.name}/graph.py:graph"),
        "node_modules": ", ".join(sorted(a.slug for a in agents)),
        "sample_request": py_text(bp.scenarios[0].input if bp.scenarios else f"A first request for {bp.name}."),
        "approve": _approve_path(bp),
        "rejects": rejects,
        "routes": _route_cases(bp),
        "sample_inputs": _sample_inputs(bp),
        "tools_by_name": {t.name: t.source for t in bp.tools},
        "scenarios": [
            {"name": s.name, "input": py_text(s.input, indent=12), "expect": py_text(s.expect, indent=12)}
            for s in bp.scenarios
        ],
    }


def render_project(bp: Blueprint, prompts: Mapping[str, str], docs: Documentation | None = None) -> dict[str, str]:
    """The project's files, relative path → text; UnsafeBlueprint if the verifier rejects `bp`."""
    bp = Blueprint.model_validate(bp.model_dump())  # a model_copy() may have skipped validation
    findings = verify(bp)
    if findings:
        raise UnsafeBlueprint("; ".join(str(f) for f in findings[:10]))
    context = _context(bp, prompts, docs)
    env = _environment()

    def render(template: str, **extra: Any) -> str:
        return env.get_template(template).render(**context, **extra)

    name = bp.name
    files = {
        "pyproject.toml": render("pyproject.toml.j2"),
        "langgraph.json": render("langgraph.json.j2"),
        "README.md": render("README.md.j2"),
        f"{name}/__init__.py": render("package_init.py.j2"),
        f"{name}/__main__.py": render("main.py.j2"),
        f"{name}/graph.py": render("graph.py.j2"),
        f"{name}/state.py": render("state.py.j2"),
        f"{name}/runtime.py": render("runtime.py.j2"),
        **({f"{name}/tools.py": render("tools.py.j2")} if bp.tools else {}),
        f"{name}/nodes/__init__.py": render("nodes_init.py.j2"),
        f"{name}/prompts/__init__.py": render("prompts_init.py.j2"),
        "tests/test_graph.py": render("test_graph.py.j2"),
    }
    for agent in context["agents"]:
        files[f"{name}/nodes/{agent.slug}.py"] = render("node.py.j2", agent=agent)
        files[f"{name}/prompts/{agent.slug}.py"] = render("prompt.py.j2", agent=agent)
    return _formatted(files)


def _ruff() -> str | None:
    try:
        from ruff.__main__ import find_ruff_bin

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("ruff")


def _formatted(files: dict[str, str]) -> dict[str, str]:
    """The Python files run through `ruff format` when it is installed; unchanged otherwise."""
    ruff = _ruff()
    if ruff is None:
        return files
    with tempfile.TemporaryDirectory(prefix="autogenesis-fmt-") as tmp:
        root = Path(tmp)
        python = [path for path in files if path.endswith(".py")]
        for path in python:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(files[path], encoding="utf-8")
        try:
            subprocess.run(
                [ruff, "format", "--isolated", "--quiet", f"--line-length={_LINE_LENGTH}", "."],
                cwd=root,
                env={"PATH": os.environ.get("PATH", "")},
                capture_output=True,
                timeout=60,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return files
        return {
            path: (root / path).read_text(encoding="utf-8") if path in python else text for path, text in files.items()
        }
