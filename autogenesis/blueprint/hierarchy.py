"""The hierarchy transform: every worker step gets an approver with a retry cap."""

from __future__ import annotations

from collections.abc import Mapping

from autogenesis.blueprint.ir import AgentSpec, Blueprint, Edge, ReviewPair
from autogenesis.blueprint.names import MAX_NAME_CHARS, slugify, unique
from autogenesis.blueprint.verify import APPROVE, REJECT
from autogenesis.text import person_approvals, stems

_REVIEWER_SUFFIX = "_reviewer"


def workers_needing_approvers(bp: Blueprint) -> list[AgentSpec]:
    """The llm and tool agents that neither have an approver nor are one, in blueprint order."""
    reviewed = {pair.worker for pair in bp.reviews} | {pair.approver for pair in bp.reviews}
    return [agent for agent in bp.agents if agent.kind in ("llm", "tool") and agent.slug not in reviewed]


def people_approving(bp: Blueprint, request: str) -> dict[str, str]:
    """Which workers' work a person approves, by the request's own words (worker slug → who).

    Each approval the request states (`text.person_approvals`) goes to the worker whose name and
    role share the most words with what the sentence says is approved; when it names nothing
    ("a person signs off"), to the last worker, whose output leaves the system.
    """
    workers = workers_needing_approvers(bp)
    if not workers:
        return {}
    gates: dict[str, str] = {}
    for person, subject in person_approvals(request):
        wanted = stems(subject)
        overlap = [len(wanted & stems(f"{w.slug.replace('_', ' ')} {w.role}")) for w in workers]
        best = max(overlap)
        worker = workers[overlap.index(best)] if best else workers[-1]
        gates.setdefault(worker.slug, person)
    return gates


def default_criteria(worker: AgentSpec) -> str:
    """What an approver checks when the model proposed nothing for it."""
    job = worker.role or worker.slug.replace("_", " ")
    return f"The output does the job it was asked to do ({job}); it is complete, correct and on topic."


def add_approvers(
    bp: Blueprint, criteria: Mapping[str, str], *, max_retries: int, people: Mapping[str, str] | None = None
) -> Blueprint:
    """`bp` with an approver `<worker>_reviewer` after each worker that lacks one.

    Each approver reads its worker's outputs and either passes the work on (to the worker's old
    successors) or sends it back, at most `max_retries` times. `criteria` maps a worker's slug
    to what its approver checks. `people` maps a worker's slug to the person who approves its
    work (e.g. "senior reviewer"): that approver is a human gate named after them, an
    `interrupt()` in the generated system, instead of a model.
    """
    people = people or {}
    agents = list(bp.agents)
    edges = list(bp.edges)
    reviews = list(bp.reviews)
    finish = bp.finish
    taken = {a.slug for a in bp.agents} | {f.name for f in bp.state}
    for worker in workers_needing_approvers(bp):
        person = people.get(worker.slug)
        if person:
            approver = unique(slugify(person, fallback="approver"), taken)
            role = f"A person, the {person}, approves or sends back the work of {worker.slug}."
        else:
            stem = worker.slug[: MAX_NAME_CHARS - len(_REVIEWER_SUFFIX)].rstrip("_")
            approver = unique(f"{stem}{_REVIEWER_SUFFIX}", taken)
            role = f"Approves or sends back the work of {worker.slug}."
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
        reviews.append(ReviewPair(worker=worker.slug, approver=approver, max_retries=max_retries, criteria=checks))
        if finish == worker.slug:
            finish = approver
    return bp.model_copy(
        update={"agents": tuple(agents), "edges": tuple(edges), "reviews": tuple(reviews), "finish": finish}
    )
