"""System Understanding: restate a request as a specification."""

from __future__ import annotations

from autogenesis.drafts import ScenarioDraft, SpecDraft
from autogenesis.models.base import Example, Prompt

TASK = (
    "You are the System Understanding agent. Restate the user's request for a multi-agent system as a "
    "specification: the goal, the capabilities the system needs (one short verb phrase each), who uses it, "
    "how the parts interact, constraints, and acceptance scenarios (an input and what a correct result contains)."
)

EXAMPLES = (
    Example(
        input="Request: a newsletter service that collects articles, summarises them "
        "and lets an editor approve the issue",
        output=SpecDraft(
            goal="Produce a weekly newsletter from collected articles, approved by an editor",
            capabilities=["collect articles", "summarise each article", "assemble the issue", "editor approval"],
            actors=["editor", "reader"],
            interactions=["collector passes articles to the summariser", "the editor approves or returns the issue"],
            constraints=["summaries stay under 80 words"],
            scenarios=[ScenarioDraft(input="three articles about solar power", expect="an issue with three summaries")],
        ),
    ),
    Example(
        input="Request: a recruiting assistant that screens CVs and schedules interviews",
        output=SpecDraft(
            goal="Screen job applications and schedule interviews with suitable candidates",
            capabilities=["screen CVs against the job", "shortlist candidates", "schedule interviews"],
            actors=["recruiter", "candidate"],
            interactions=["the screener sends a shortlist to the scheduler"],
            constraints=["never reveal one candidate's data to another"],
            scenarios=[ScenarioDraft(input="a CV of a Python developer", expect="a screening decision with a reason")],
        ),
    ),
)


def render(request: str, feedback: tuple[str, ...] = ()) -> Prompt:
    return Prompt(
        role="understand",
        task=TASK,
        input=f"Request: {request}",
        examples=EXAMPLES,
        feedback=feedback,
        data={"request": request},
    )
