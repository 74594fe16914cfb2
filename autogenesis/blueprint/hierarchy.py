"""The hierarchy transform: approvers where the request or the risk calls for one, each with a retry cap.

Not every worker gets a reviewer. One is added where the request asks for it: a person's
approval ("a senior reviewer must approve") becomes a human gate, a named reviewer ("has a
reviewer approve them") a model's review. And one is added where the risk calls for it: on the
work that leaves the system, the answer it ends with or an action on the outside world ("sends",
"publishes", "merges"). Each review pair says why it is there (`ReviewPair.reason`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from autogenesis.blueprint.ir import AgentSpec, Blueprint, Edge, ReviewPair
from autogenesis.blueprint.names import MAX_NAME_CHARS, slugify, unique
from autogenesis.blueprint.verify import APPROVE, REJECT
from autogenesis.text import approvals_asked, stems, words

_REVIEWER_SUFFIX = "_reviewer"
#: A job starting with one of these acts on the world outside the system.
_OUTWARD = frozenset(
    {"sends", "send", "publishes", "publish", "posts", "post", "emails", "email", "notifies", "notify"}
    | {"merges", "merge", "deploys", "deploy", "pays", "pay", "deletes", "delete", "submits", "submit"}
    | {"books", "book", "orders", "order", "transfers", "transfer"}
)
_LEAVES = "its output is the system's answer, which leaves the system"


@dataclass(frozen=True)
class Needed:
    """An approver a worker needs: who approves (a person, or None for a model) and why."""

    worker: str
    person: str | None
    reason: str


def workers_needing_approvers(bp: Blueprint) -> list[AgentSpec]:
    """The llm and tool agents that neither have an approver nor are one, in blueprint order."""
    reviewed = {pair.worker for pair in bp.reviews} | {pair.approver for pair in bp.reviews}
    return [agent for agent in bp.agents if agent.kind in ("llm", "tool") and agent.slug not in reviewed]


def _workers(bp: Blueprint) -> list[AgentSpec]:
    """The workers an approver may be added to: not approvers, nor an orchestrator or its per-item worker."""
    skipped = {pair.approver for pair in bp.reviews} | {e.source for e in bp.edges if e.each}
    skipped |= {e.target for e in bp.edges if e.each}
    return [agent for agent in bp.agents if agent.kind in ("llm", "tool") and agent.slug not in skipped]


def _closest(workers: list[AgentSpec], subject: str) -> AgentSpec:
    """The worker whose name and role share most words with `subject`; the last one when none does."""
    wanted = stems(subject)
    overlap = [len(wanted & stems(f"{w.slug.replace('_', ' ')} {w.role}")) for w in workers]
    best = max(overlap)
    return workers[overlap.index(best)] if best else workers[-1]


def _final(bp: Blueprint) -> set[str]:
    """Workers whose output is the system's answer: the finish, and agents with nothing after them."""
    approvers = {pair.approver: pair.worker for pair in bp.reviews}
    finish = approvers.get(bp.finish, bp.finish)
    onward = {e.source for e in bp.edges if e.condition != REJECT}
    return {finish} | {a.slug for a in bp.agents if a.slug not in onward and a.slug not in approvers}


def approvers_needed(bp: Blueprint, request: str) -> dict[str, Needed]:
    """The workers of `bp` that need an approver, and why (worker slug → `Needed`), in blueprint order.

    First what the request asks for (`text.approvals_asked`): each approval goes to the worker
    whose name and role share the most words with what is approved; when it names nothing ("has
    a reviewer approve them", "a manager signs off"), to the last worker, whose output leaves
    the system. Then the risk: a model reviews each final answer and each action on the
    outside world that nobody was asked to approve.
    """
    workers = _workers(bp)
    if not workers:
        return {}
    needed: dict[str, Needed] = {}
    for asked in approvals_asked(request):
        worker = _closest(workers, asked.subject)
        if worker.slug not in needed:
            person = asked.who if asked.person else None
            needed[worker.slug] = Needed(worker.slug, person, f'the request says "{asked.said}"')
    final = _final(bp)
    for worker in workers:
        verb = next(iter(words(worker.role)), "")
        if worker.slug in needed:
            continue
        if worker.slug in final:
            needed[worker.slug] = Needed(worker.slug, None, _LEAVES)
        elif verb in _OUTWARD:
            needed[worker.slug] = Needed(worker.slug, None, f'it acts outside the system ("{verb}")')
    order = [w.slug for w in workers]
    return {slug: needed[slug] for slug in order if slug in needed}


def people_approving(bp: Blueprint, request: str) -> dict[str, str]:
    """Which workers' work a person approves, by the request's own words (worker slug → who)."""
    return {slug: n.person for slug, n in approvers_needed(bp, request).items() if n.person}


def default_criteria(worker: AgentSpec) -> str:
    """What an approver checks when the model proposed nothing for it."""
    job = worker.role or worker.slug.replace("_", " ")
    return f"The output does the job it was asked to do ({job}); it is complete, correct and on topic."


def add_approvers(
    bp: Blueprint,
    criteria: Mapping[str, str],
    *,
    max_retries: int,
    people: Mapping[str, str] | None = None,
    only: Collection[str] | None = None,
    reasons: Mapping[str, str] | None = None,
) -> Blueprint:
    """`bp` with an approver `<worker>_reviewer` after each worker that lacks one (of `only`, if given).

    Each approver reads its worker's outputs and either passes the work on (to the worker's old
    successors) or sends it back, at most `max_retries` times. `criteria` maps a worker's slug
    to what its approver checks. `people` maps a worker's slug to the person who approves its
    work (e.g. "senior reviewer"): that approver is a human gate named after them, an
    `interrupt()` in the generated system, instead of a model. `reasons` says why each is there.
    """
    people = people or {}
    reasons = reasons or {}
    agents = list(bp.agents)
    edges = list(bp.edges)
    reviews = list(bp.reviews)
    finish = bp.finish
    taken = {a.slug for a in bp.agents} | {f.name for f in bp.state}
    for worker in workers_needing_approvers(bp):
        if only is not None and worker.slug not in only:
            continue
        person = people.get(worker.slug)
        if person:
            approver = unique(slugify(person, fallback="approver"), taken)
            role = f"A person, the {person}, approves or sends back the work of {worker.slug}: {worker.role}."
        else:
            stem = worker.slug[: MAX_NAME_CHARS - len(_REVIEWER_SUFFIX)].rstrip("_")
            approver = unique(f"{stem}{_REVIEWER_SUFFIX}", taken)
            role = f"Approves or sends back the work of {worker.slug}: {worker.role}."
        taken.add(approver)
        checks = criteria.get(worker.slug) or default_criteria(worker)
        agents.insert(
            agents.index(worker) + 1,
            AgentSpec(
                slug=approver,
                role=role,
                instructions=checks,
                reads=worker.writes,
                kind="human" if person else "llm",
            ),
        )
        onward = [
            Edge(source=approver, target=e.target, condition=APPROVE) if e.source == worker.slug else e for e in edges
        ]
        edges = [
            *onward,
            Edge(source=worker.slug, target=approver),
            Edge(source=approver, target=worker.slug, condition=REJECT),
        ]
        reviews.append(
            ReviewPair(
                worker=worker.slug,
                approver=approver,
                max_retries=max_retries,
                criteria=checks,
                reason=reasons.get(worker.slug, ""),
            )
        )
        if finish == worker.slug:
            finish = approver
    return bp.model_copy(
        update={"agents": tuple(agents), "edges": tuple(edges), "reviews": tuple(reviews), "finish": finish}
    )
