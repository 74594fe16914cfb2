"""The evaluation set: requests written for measuring fidelity, each with what a correct system must do.

Varied domains, lengths from a line to a page, English and French, with approvals, loops,
parallel work, routes, per-item work, tools and people in them. `clauses` are the jobs a
correct system must have an agent for, in a reader's words (not the parser's); `approvals`
are the approvals it must realise: (who, True for a person's gate / False for a model's review).
None of them is in the domain of a worked example (recruiting, newsletters, travel booking
by an assistant is the closest: see `autogenesis/prompts/examples.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EvalRequest:
    text: str
    clauses: tuple[str, ...]
    approvals: tuple[tuple[str, bool], ...] = field(default=())
    language: str = "en"


EVAL_SET: dict[str, EvalRequest] = {
    "feeds": EvalRequest("a bot that summarises RSS feeds", ("summarise RSS feeds",)),
    "recipes": EvalRequest(
        "a cooking assistant that suggests recipes from the ingredients in the fridge, builds a shopping list "
        "and estimates the cost of the missing ingredients",
        ("suggest recipes from ingredients", "build a shopping list", "estimate the cost"),
    ),
    "contracts": EvalRequest(
        "a contract review system that extracts the clauses of a contract, flags risky terms and drafts a memo "
        "that a lawyer must approve",
        ("extract the clauses", "flag risky terms", "draft a memo"),
        (("lawyer", True),),
    ),
    "trips": EvalRequest(
        "a travel planner that searches flights and looks up hotels in parallel, then builds a day-by-day itinerary",
        ("search flights", "look up hotels", "build an itinerary"),
    ),
    "code_review": EvalRequest(
        "a code review assistant that reads a pull request, runs the linter, comments on style and merges the "
        "change once a senior engineer signs off",
        ("read the pull request", "run the linter", "comment on style", "merge the change"),
        (("senior engineer", True),),
    ),
    "support_routes": EvalRequest(
        "a customer service bot that sorts each email and then either issues a refund, answers a product "
        "question or escalates a complaint",
        ("sort each email", "issue a refund", "answer a product question", "escalate a complaint"),
    ),
    "translation_loop": EvalRequest(
        "a translation service that translates product descriptions into German and has a proofreader check "
        "each translation until it reads naturally",
        ("translate product descriptions",),
        (("proofreader", False),),
    ),
    "literature": EvalRequest(
        "a literature review assistant that lists the papers on a topic, summarises each paper and writes a synthesis",
        ("list the papers", "summarise each paper", "write a synthesis"),
    ),
    "expenses": EvalRequest(
        "an expense auditor that reads receipts, categorises expenses, checks them against the travel policy "
        "and reports violations to the finance team",
        ("read receipts", "categorise expenses", "check against the travel policy", "report violations"),
    ),
    "listings": EvalRequest(
        "a property listing writer that describes the house from the agent's notes, writes a headline and "
        "estimates a price from comparable sales",
        ("describe the house", "write a headline", "estimate a price"),
    ),
    "tutor": EvalRequest(
        "a tutor that explains a concept, generates five quiz questions, grades the student's answers and "
        "gives feedback",
        ("explain a concept", "generate quiz questions", "grade the answers", "give feedback"),
    ),
    "social": EvalRequest(
        "a social media manager that drafts posts for three platforms, schedules them and publishes them after "
        "a marketing lead approves",
        ("draft posts", "schedule posts", "publish posts"),
        (("marketing lead", True),),
    ),
    "farm": EvalRequest(
        "a farm assistant that reads soil sensor data, forecasts irrigation needs from the weather report and "
        "alerts the farmer when a field is too dry",
        ("read soil sensor data", "forecast irrigation needs", "alert the farmer"),
    ),
    "vulnerabilities": EvalRequest(
        "a security triage system that scans dependency manifests for known vulnerabilities, ranks the findings "
        "by severity and opens a ticket for each critical finding",
        ("scan dependency manifests", "rank the findings", "open a ticket"),
    ),
    "onboarding": EvalRequest(
        "an onboarding assistant that prepares the new employee's accounts, sends a welcome email and books "
        "training sessions with the team",
        ("prepare accounts", "send a welcome email", "book training sessions"),
    ),
    "data_quality": EvalRequest(
        "a data quality checker that profiles a CSV file, detects missing values and outliers, and writes a "
        "cleaning report",
        ("profile a CSV file", "detect missing values and outliers", "write a cleaning report"),
    ),
    "meetings": EvalRequest(
        "a meeting assistant that transcribes the recording, extracts action items and emails the summary to "
        "the attendees",
        ("transcribe the recording", "extract action items", "email the summary"),
    ),
    "game_master": EvalRequest(
        "a game master that narrates the scene, tracks the players' inventory and rolls dice",
        ("narrate the scene", "track the inventory", "roll dice"),
    ),
    "claims": EvalRequest(
        "An insurance claims system. It reads the claim form and the attached photos, checks the policy "
        "coverage, estimates the damage and detects possible fraud. A claims adjuster must approve every "
        "payout. Then it notifies the customer of the decision.",
        (
            "read the claim form",
            "check the policy coverage",
            "estimate the damage",
            "detect fraud",
            "notify the customer",
        ),
        (("claims adjuster", True),),
    ),
    "city_services": EvalRequest(
        "A city services desk for residents. Residents report problems such as potholes, broken street lights "
        "or overflowing bins through a web form, sometimes with a photo.\n\n"
        "The system classifies each report by type and urgency, finds duplicate reports of the same problem "
        "and merges them, and estimates the cost of the repair from past repairs of the same type. It then "
        "assigns the work to a crew based on their district and schedule. Expensive repairs must be approved "
        "by a supervisor before a crew is assigned.\n\n"
        "It notifies the resident when the report is received and again when the repair is done. Every Monday "
        "it writes a summary of open reports per district for the council.",
        (
            "classify each report",
            "find duplicate reports",
            "estimate the cost",
            "assign the work to a crew",
            "notify the resident",
            "write a summary",
        ),
        (("supervisor", True),),
    ),
    "email_fr": EvalRequest(
        "un assistant de courrier qui lit les courriels, résume chaque fil et rédige une réponse qu'un "
        "responsable doit approuver",
        ("lit les courriels", "résume chaque fil", "rédige une réponse"),
        (("responsable", True),),
        "fr",
    ),
    "stock_fr": EvalRequest(
        "un système de gestion de stock qui suit les niveaux de stock, prévoit la demande et passe les "
        "commandes aux fournisseurs",
        ("suit les niveaux de stock", "prévoit la demande", "passe les commandes"),
        language="fr",
    ),
    "clinic_fr": EvalRequest(
        "un assistant médical qui transcrit la consultation, résume les symptômes et propose un diagnostic qui "
        "doit être validé par un médecin",
        ("transcrit la consultation", "résume les symptômes", "propose un diagnostic"),
        (("médecin", True),),
        "fr",
    ),
    "events_fr": EvalRequest(
        "une plateforme d'événements qui cherche des salles, compare les devis en parallèle et envoie les "
        "invitations aux participants",
        ("cherche des salles", "compare les devis", "envoie les invitations"),
        language="fr",
    ),
}
