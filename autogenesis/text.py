"""Plain-text helpers for requests: words, and the capability clauses a request spells out."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


_DANGLING = re.compile(r"(?:\s+\b(?:that|which|who|has|have|with|where|while)\b)+\s*$", re.IGNORECASE)


def _job(piece: str) -> str:
    """A clause without the approval it states: 'drafts an update that a lead must approve' → 'drafts an update'."""
    cut = min((m.start() for pattern in _ALL_APPROVALS for m in pattern.finditer(piece.lower())), default=None)
    if cut is None:
        return piece
    return _DANGLING.sub("", " " + piece[:cut].rstrip(" ,")).strip()


#: Words saying one of several jobs is done, whichever the input needs ("either answers ... or ...").
CHOICE = re.compile(r"\s*\b(?:either|depending on [^,;]*|according to [^,;]*|as (?:the input|it) needs)\b", re.I)
_ALTERNATIVES = re.compile(r"\s+\bor\b\s+")
#: "writes a paragraph for each section": one run of the job per item, at the same time.
EACH = re.compile(r"\b(?:for|on|to) (?:each|every) (?P<item>[a-z][a-z-]*)", re.I)


def _pieces(request: str) -> list[tuple[str, int]]:
    """The request's clauses, each with its group: alternatives of one choice share a group number > 0."""
    body = _LEADING.sub("", request.strip())
    head, _, rest = body.partition(" that ")
    pieces: list[tuple[str, int]] = []
    for n, piece in enumerate(_SEPARATORS.split(rest or head), start=1):
        piece = _job(piece.strip(" ."))
        choices = _ALTERNATIVES.split(piece) if CHOICE.search(piece) else [piece]
        if any(len(words(CHOICE.sub("", choice))) < 2 for choice in choices):
            choices = [piece]  # "questions or complaints": alternatives of an object, not of jobs
        pieces += [(choice, n if len(choices) > 1 else 0) for choice in choices]  # "either A or B": one each
    pieces = [(p, group) for p, group in pieces if words(PARALLEL.sub("", CHOICE.sub("", p)))]
    return pieces[:MAX_CLAUSES] or [(_job(head.strip(" .")) or "answer the request", 0)]


def request_clauses(request: str) -> list[str]:
    """The capabilities a request spells out: 'a helpdesk that triages tickets, drafts replies and ...'.

    An approval the request states is not a capability: "has a reviewer approve them" adds no
    clause, and "drafts an update that a lead must approve" is the clause "drafts an update".
    The alternatives of a choice ("either answers questions or files bugs") are one clause each.
    """
    return [CHOICE.sub("", PARALLEL.sub("", piece)).strip(" .") for piece, _ in _pieces(request)]


def parallel_clause(request: str) -> int | None:
    """The index (in `request_clauses`) of the job the request says runs in parallel with the one before."""
    return next((i for i, (piece, _) in enumerate(_pieces(request)) if PARALLEL.search(piece)), None)


def choice_clauses(request: str) -> list[int]:
    """The indexes (in `request_clauses`) of the first choice's alternatives: one of them is done per input."""
    groups = [group for _, group in _pieces(request)]
    first = next((group for group in groups if group), None)
    return [i for i, group in enumerate(groups) if first is not None and group == first]


def each_clause(request: str) -> tuple[int, str] | None:
    """The job the request runs once per item ("for each section"): its index in `request_clauses` and the item."""
    for i, (piece, _) in enumerate(_pieces(request)):
        if found := EACH.search(piece):
            return i, found.group("item").lower()
    return None


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
#: Nouns that name a reviewer a model can play ("a reviewer", "an editor", "a fact checker").
_REVIEWER_NOUNS = f"{_PERSON_NOUNS}|checker|critic|auditor|verifier|proofreader|grader|judge|inspector"
_REVIEWER = rf"(?:an?|the|one|some)\s+(?P<person>(?:[a-z][a-z-]*\s+){{0,2}}?(?:{_REVIEWER_NOUNS}))"
_CHECK_VERBS = r"approves?|reviews?|checks?|verif(?:y|ies)|validates?|proofreads?|grades?"
#: "<reviewer> approves them", "has <reviewer> check the draft", "reviewed by <reviewer>": a review.
_REVIEWS = (
    re.compile(rf"{_REVIEWER}\s+(?:{_CHECK_VERBS})\b(?P<object>[^,;.]*)"),
    re.compile(
        rf"(?:is|are|gets?|get|be)\s+(?:reviewed|checked|verified|validated|approved|proofread)\s+by\s+{_REVIEWER}"
    ),
)
_ALL_APPROVALS = (*_APPROVALS, *_REVIEWS)
_PRONOUNS = re.compile(r"^\s*(?:them|it|this|these|those|that|everything|each one|all of them)?\s*$")


@dataclass(frozen=True)
class Approval:
    """An approval a request asks for, in its own words."""

    #: Who approves: "senior reviewer", "reviewer".
    who: str
    #: What the request says is approved (its words before and after the mention), "" when it names nothing.
    subject: str
    #: The request's words stating it: "a senior reviewer must approve".
    said: str
    #: A person decides (a human gate); otherwise a model reviews.
    person: bool


def _subject(text: str, start: int, end: int, after: str = "") -> str:
    before = re.split(r"[,;.]|\band\b", text[:start])[-1]
    before = _DANGLING.sub("", " " + before).strip()
    return " ".join(part for part in (before, "" if _PRONOUNS.match(after) else after.strip()) if part)


def approvals_asked(request: str) -> list[Approval]:
    """Every approval a request states, people's first, each once, in the order the request states them.

    Only an explicit person decides: "a senior reviewer must approve", "a manager signs off",
    "must be approved by the editor", "a person approves". A reviewer named without an
    obligation ("has a reviewer approve them", "an editor checks the drafts", "reviewed by a
    fact checker") asks for a model's review.
    """
    text = " ".join(request.lower().split())
    found: list[Approval] = []
    spans: list[tuple[int, int]] = []
    for patterns, person in ((_APPROVALS, True), (_REVIEWS, False)):
        for pattern in patterns:
            for match in pattern.finditer(text):
                if any(match.start() < end and start < match.end() for start, end in spans):
                    continue  # "a person approves" is a person's approval, not also a review
                spans.append(match.span())
                after = match.groupdict().get("object") or ""
                said = text[match.start() : match.end() - len(after)].strip()
                subject = _subject(text, match.start(), match.end(), after)
                found.append(Approval(match.group("person").strip(), subject, said, person))
    order = {approval: text.find(approval.said) for approval in found}
    return sorted(found, key=lambda a: (not a.person, order[a]))


def person_approvals(request: str) -> list[tuple[str, str]]:
    """Where a request says a person approves work: (who, what is approved); see `approvals_asked`."""
    return [(a.who, a.subject) for a in approvals_asked(request) if a.person]
