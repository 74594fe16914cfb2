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
