"""The paper's four use cases (AutoGenesisAgent, section 4), as requests a user would type."""

from __future__ import annotations

USE_CASES: dict[str, str] = {
    "education": (
        "an educational content management system that generates lessons across subjects, "
        "curates them into modules and adapts the content to learning outcomes"
    ),
    "software": ("a software development pipeline that merges code changes, runs the tests and manages deployments"),
    "project_management": (
        "a project manager for small businesses that plans projects, allocates resources, "
        "estimates effort and tracks progress"
    ),
    "healthcare": (
        "a healthcare patient management system that records patient data, plans treatments from "
        "medical guidelines and schedules follow-ups with alerts for providers"
    ),
}

#: A request per LangGraph workflow pattern the request's words call for, beside the paper's use cases.
PATTERN_REQUESTS: dict[str, str] = {
    "routing": (
        "a support desk that classifies each message, then either answers billing questions or fixes technical problems"
    ),
    "parallel": (
        "a research assistant that takes a question, searches the web and reads papers in parallel, "
        "then writes a summary"
    ),
    "orchestrator": (
        "a report writer that plans the sections, drafts a paragraph for each section and assembles the report"
    ),
    "incident": (
        "an on-call incident response assistant that reads an alert, gathers deploy logs, proposes a cause "
        "and drafts a status update that a senior reviewer must approve"
    ),
}
