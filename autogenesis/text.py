"""Plain-text helpers for requests: words, and the capability clauses a request spells out."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from autogenesis.drafts import MAX_ROLE_CHARS
from autogenesis.parse import fold, parse

_WORD = re.compile(r"[a-z][a-z0-9]*")
_CONTENT = re.compile(r"[a-z]{4,}")
_COMMON = {
    *("that", "this", "with", "from", "into", "each", "every", "they", "them", "their", "have", "will", "system"),
    *("pour", "dans", "avec", "chaque", "leur", "leurs", "elle", "sont", "etre", "systeme", "cette", "puis", "tous"),
}
_LEADING = {
    "en": re.compile(r"\s*(?:(?:build|create|make|design)\s+)?(?:me\s+)?(?:(?:an|a|the)\s+)?", re.I),
    "fr": re.compile(
        r"\s*(?:(?:cr[ée]ez?|construis|construisez|fais|faites)\s+)?(?:moi\s+)?(?:(?:un|une|le|la|les)\s+|l')?", re.I
    ),
}
_SEPARATORS = {
    "en": re.compile(r",|;|\band\b|\bthen\b", re.I),
    "fr": re.compile(r",|;|\bet\b|\bpuis\b|\bensuite\b", re.I),
}
#: Where the jobs start: "a helpdesk that triages ...", "un assistant qui lit ...".
_RELATIVE = {"en": re.compile(r"\s(?:that|which)\s", re.I), "fr": re.compile(r"\squi\s", re.I)}

#: At most this many clauses are taken from one request.
MAX_CLAUSES = 10


def words(text: str) -> list[str]:
    """Lowercase words of `text`, accents dropped ('résume' → 'resume')."""
    return _WORD.findall(fold(text))


#: Words saying jobs run side by side ("searches the web and reads papers in parallel").
PARALLEL = re.compile(
    r"\s*\b(?:in parallel|at the same time|simultaneously|concurrently|en parallèle|en même temps)(?!\w)", re.I
)


_DANGLING = re.compile(
    r"(?:\s+(?:\b(?:that|which|who|has|have|with|where|while|once|after|when|until|que|qui|dont)\b|qu'))+\s*$",
    re.IGNORECASE,
)


def _job(piece: str) -> str:
    """A clause without the approval it states: 'drafts an update that a lead must approve' → 'drafts an update'."""
    cut = min((m.start() for pattern in _ALL_APPROVALS for m in pattern.finditer(piece.lower())), default=None)
    if cut is None:
        return piece
    return _DANGLING.sub("", " " + piece[:cut].rstrip(" ,")).strip()


#: Words saying one of several jobs is done, whichever the input needs ("either answers ... or ...").
CHOICE = re.compile(r"\s*\b(?:either|depending on [^,;]*|according to [^,;]*|as (?:the input|it) needs)\b", re.I)
_ALTERNATIVES = re.compile(r"\s*,\s*(?:or\s+)?|\s+\bor\b\s+")
_OR = re.compile(r"\bor\b", re.I)
#: "writes a paragraph for each section": one run of the job per item, at the same time.
EACH = re.compile(r"\b(?:for|on|to) (?:each|every) (?P<item>[a-z][a-z-]*)", re.I)


@dataclass
class _Piece:
    text: str
    group: int
    #: The piece's span in the request, before its approval was cut.
    start: int
    end: int
    sentence: int


def _spans(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """[start, end) cut at `pattern`'s matches, each part trimmed of spaces and full stops."""
    cuts = [(m.start(), m.end()) for m in pattern.finditer(text, start, end)]
    bounds = zip([start, *(b for _, b in cuts)], [*(a for a, _ in cuts), end], strict=True)
    spans = []
    for a, b in bounds:
        while a < b and text[a] in " .\n\t":
            a += 1
        while b > a and text[b - 1] in " .\n\t":
            b -= 1
        spans.append((a, b))
    return spans


def _pieces(request: str) -> list[tuple[str, int]]:
    """The request's clauses, each with its group: alternatives of one choice share a group number > 0.

    The parse (`parse.parse`) decides what a clause is: a part without a verb belongs to the
    one before it ("searches flights and hotels"), a later sentence's subject is dropped ("It
    then notifies the customer" → "notifies the customer"), and a sentence with no verb names
    the system rather than a job.
    """
    text = request.strip()
    reading = parse(text)
    lang = reading.language
    pieces: list[_Piece] = []
    group = 0
    heads: list[str] = []
    several = len(reading.sentences) > 1
    for k, (s, e) in enumerate(reading.sentences):
        lead = _LEADING.get(lang, _LEADING["en"]).match(text, s, e)
        body = lead.end() if lead else s
        relative = _RELATIVE.get(lang, _RELATIVE["en"]).search(text, body, e)
        if relative:
            heads.append(text[body : relative.start()])
            body = relative.end()
        elif several:
            # Without a parse, only the usual subjects are dropped ("It then ...").
            verb = reading.first_verb(body, e) if reading.parsed else _SUBJECT.match(text, body, e).end()  # type: ignore[union-attr]
            if verb is None:  # "An insurance claims system." names the system
                heads.append(text[body:e])
                continue
            if len(_job(text[s:e])) <= verb - s:  # "A claims adjuster must approve ...": no job
                continue
            body = verb
        else:
            heads.append(text[body:e])
        for a, b in _choices_whole(text, _spans(text, body, e, _SEPARATORS.get(lang, _SEPARATORS["en"]))):
            piece = _job(text[a:b])
            group += 1
            alternatives = _spans(text, a, a + len(piece), _ALTERNATIVES) if CHOICE.search(piece) else [(a, b)]
            for x, y in alternatives:
                part = _job(text[x:y]) if len(alternatives) > 1 else piece
                bare = PARALLEL.sub("", CHOICE.sub("", part))
                if not words(bare):
                    continue
                last = pieces[-1] if pieces else None
                if last is not None and last.sentence == k and not reading.is_job(bare, x, y):
                    # No verb: the words continue the job before ("flights and hotels").
                    last.text = f"{last.text}{text[last.end : x]}{part}"
                    last.end = y
                    continue
                pieces.append(_Piece(part, group if len(alternatives) > 1 else 0, x, y, k))
    distinct: dict[str, _Piece] = {}  # each clause once, where the request first says it
    for found_piece in pieces:
        distinct.setdefault(_clause(found_piece.text), found_piece)
    kept = list(distinct.values())[:MAX_CLAUSES]
    groups = Counter(p.group for p in kept if p.group)
    found = [(p.text, p.group if groups[p.group] > 1 else 0) for p in kept]
    head = next((h.strip(" .") for h in heads if words(h)), "")
    return found or [(_job(head) or "answer the request", 0)]


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a space when one is in its second half."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;.")


def _clause(piece: str) -> str:
    """A piece of a request as a clause: without the words of choice and parallel work, as long as a role may be."""
    return shorten(CHOICE.sub("", PARALLEL.sub("", piece)).strip(" ."), MAX_ROLE_CHARS)


def _choices_whole(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`spans` with a choice listed over commas in one: "either issues a refund, answers ... or escalates ..."."""
    joined: list[tuple[int, int]] = []
    open_choice = False
    for a, b in spans:
        if open_choice:
            joined[-1] = (joined[-1][0], b)
        else:
            joined.append((a, b))
        piece = text[joined[-1][0] : joined[-1][1]]
        open_choice = bool(CHOICE.search(piece)) and not _OR.search(piece)
    return joined


#: A later sentence's subject, when nothing parsed it: "It then ...", "The system ...".
_SUBJECT = re.compile(
    r"\s*(?:(?:it|they|the system|this system|il|elle|le système)\s+)?(?:then\s+|puis\s+|ensuite\s+)?", re.I
)


def request_clauses(request: str) -> list[str]:
    """The capabilities a request spells out: 'a helpdesk that triages tickets, drafts replies and ...'.

    An approval the request states is not a capability: "has a reviewer approve them" adds no
    clause, and "drafts an update that a lead must approve" is the clause "drafts an update".
    The alternatives of a choice ("either answers questions or files bugs") are one clause each.
    Each clause is listed once, and cut to what an agent's role may hold.
    """
    return [_clause(piece) for piece, _ in _pieces(request)]


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


_NAME_STOP = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "that",
    "which",
    "who",
    "it",
    "them",
    "to",
    "of",
    "for",
    "with",
    "has",
    "is",
}
_NAME_STOP |= {"le", "la", "les", "un", "une", "des", "de", "du", "et", "qui", "que", "au", "aux", "en", "l", "d"}


def name_for(text: str, fallback: str) -> str:
    """A snake_case name from the first three content words of `text`: 'plans the sections' → 'plans_sections'."""
    kept = [w for w in words(text) if w not in _NAME_STOP][:3]
    return "_".join(kept)[:40].rstrip("_") or fallback


def agent_names(capabilities: list[str] | tuple[str, ...]) -> list[str]:
    """One distinct name per capability (`name_for`), the order kept: what a design may call its agents."""
    names: list[str] = []
    for i, capability in enumerate(capabilities, start=1):
        name = name_for(capability, f"agent_{i}")
        names.append(f"{name}_{i}" if name in names else name)
    return names


def stems(text: str) -> set[str]:
    """Content words cut to four letters, so 'plans' meets 'planning'."""
    return {word[:4] for word in _CONTENT.findall(fold(text)) if word not in _COMMON}


#: Nouns that name a person in a request ("a senior reviewer", "the on-call engineer").
_PERSON_NOUNS = (
    "person|human|someone|manager|reviewer|lead|editor|supervisor|engineer|doctor|clinician|physician|"
    "nurse|officer|approver|owner|admin|administrator|lawyer|teacher|accountant|director|operator|expert|"
    "adjuster|analyst|pharmacist|agent|coordinator|dispatcher|auditor|moderator|architect|specialist"
)
_PERSON = rf"(?:an?|the|one|some)\s+(?P<person>(?:[a-z][a-z-]*\s+){{0,2}}?(?:{_PERSON_NOUNS}))"
_PERSON_NOUNS_FR = (
    "personne|humain|responsable|manager|relecteur|relectrice|superviseur|superviseuse|ingénieur|ingénieure|"
    "médecin|infirmier|infirmière|juriste|avocat|avocate|directeur|directrice|comptable|expert|experte|"
    "éditeur|éditrice|enseignant|enseignante"
)
_PERSON_FR = rf"(?:une?|le|la|l'|un seul)\s*(?P<person>(?:[\w-]+\s+){{0,2}}?(?:{_PERSON_NOUNS_FR}))"
#: "<person> must approve", "<person> signs off", "must be approved by <person>": a person decides.
_APPROVALS = (
    re.compile(rf"{_PERSON}\s+(?:must|has to|needs to|should|shall)\s+(?:review and\s+)?(?:approve|sign off)\b"),
    re.compile(rf"{_PERSON}\s+(?:signs|sign)\s+off\b"),
    re.compile(rf"(?:after|once|when|until)\s+{_PERSON}\s+(?:approves|has approved|validates|signs off)\b"),
    re.compile(rf"(?:must|has to|needs to|should)\s+be\s+(?:approved|signed off)\s+by\s+{_PERSON}"),
    re.compile(r"(?:an?\s+)?(?P<person>person|human)\s+(?:approves|reviews and approves)\b"),
    re.compile(rf"{_PERSON_FR}\s+(?:doit|doivent)\s+(?:relire et\s+)?(?:approuver|valider|signer)\b"),
    re.compile(rf"(?:doit|doivent)\s+être\s+(?:approuvée?s?|validée?s?|signée?s?)\s+par\s+{_PERSON_FR}"),
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
    before = _DANGLING.sub("", " " + text[:start]).strip()
    before = re.split(r"[,;.]|\b(?:and|et|that|which|qui)\b", before)[-1].strip()
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
