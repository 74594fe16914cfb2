"""Plain-text helpers for requests: words, and the capability clauses a request spells out."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z][a-z0-9]*")
_LEADING = re.compile(r"^\s*(?:(?:build|create|make|design)\s+)?(?:me\s+)?(?:(?:an|a|the)\s+)?", re.I)
_SEPARATORS = re.compile(r",|;|\band\b|\bthen\b")
_CONTENT = re.compile(r"[a-z]{4,}")
_COMMON = {"that", "this", "with", "from", "into", "each", "every", "they", "them", "their", "have", "will", "system"}

#: At most this many clauses are taken from one request.
MAX_CLAUSES = 6


def words(text: str) -> list[str]:
    """Lowercase words of `text`."""
    return _WORD.findall(text.lower())


#: Words saying jobs run side by side ("searches the web and reads papers in parallel").
PARALLEL = re.compile(r"\s*\b(?:in parallel|at the same time|simultaneously|concurrently)\b", re.IGNORECASE)


def _pieces(request: str) -> list[str]:
    body = _LEADING.sub("", request.strip())
    head, _, rest = body.partition(" that ")
    pieces = [p.strip(" .") for p in _SEPARATORS.split(rest or head) if words(PARALLEL.sub("", p))]
    return pieces[:MAX_CLAUSES] or [head.strip(" .") or "answer the request"]


def request_clauses(request: str) -> list[str]:
    """The capabilities a request spells out: 'a helpdesk that triages tickets, drafts replies and ...'."""
    return [PARALLEL.sub("", piece).strip(" .") for piece in _pieces(request)]


def parallel_clause(request: str) -> int | None:
    """The index (in `request_clauses`) of the job the request says runs in parallel with the one before."""
    return next((i for i, piece in enumerate(_pieces(request)) if PARALLEL.search(piece)), None)


def stems(text: str) -> set[str]:
    """Content words cut to four letters, so 'plans' meets 'planning'."""
    return {word[:4] for word in _CONTENT.findall(text.lower()) if word not in _COMMON}


#: Nouns that name a person in a request ("a senior reviewer", "the on-call engineer").
_PERSON_NOUNS = (
    "person|human|someone|manager|reviewer|lead|editor|supervisor|engineer|doctor|clinician|physician|"
    "nurse|officer|approver|owner|admin|administrator|lawyer|teacher|accountant|director|operator|expert"
)
_PERSON = rf"(?:an?|the|one|some)\s+(?P<person>(?:[a-z][a-z-]*\s+){{0,2}}?(?:{_PERSON_NOUNS}))"
#: "<person> must approve", "<person> signs off", "must be approved by <person>": a person decides.
_APPROVALS = (
    re.compile(rf"{_PERSON}\s+(?:must|has to|needs to|should|shall)\s+(?:review and\s+)?(?:approve|sign off)\b"),
    re.compile(rf"{_PERSON}\s+(?:signs|sign)\s+off\b"),
    re.compile(rf"(?:must|has to|needs to|should)\s+be\s+(?:approved|signed off)\s+by\s+{_PERSON}"),
    re.compile(r"(?:an?\s+)?(?P<person>person|human)\s+(?:approves|reviews and approves)\b"),
)


def person_approvals(request: str) -> list[tuple[str, str]]:
    """Where a request says a person approves work: (who, the text before it in its clause).

    Only an explicit person decides: "a senior reviewer must approve", "a manager signs off",
    "must be approved by the editor", "a person approves". A bare "has a reviewer approve them"
    names a reviewer, not a person, and stays a model's review.
    """
    found = []
    text = " ".join(request.lower().split())
    for pattern in _APPROVALS:
        for match in pattern.finditer(text):
            before = re.split(r"[,;.]|\band\b", text[: match.start()])[-1]
            subject = before.removesuffix(" that ").strip() if before.endswith(" that ") else before.strip()
            found.append((match.group("person").strip(), subject))
    return found
