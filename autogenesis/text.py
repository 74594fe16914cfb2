"""Plain-text helpers for requests: words, and the capability clauses a request spells out."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z][a-z0-9]*")
_LEADING = re.compile(r"^\s*(build|create|make|design)?\s*(me\s+)?(a|an|the)?\s*", re.I)
_SEPARATORS = re.compile(r",|;|\band\b|\bthen\b")
_CONTENT = re.compile(r"[a-z]{4,}")
_COMMON = {"that", "this", "with", "from", "into", "each", "every", "they", "them", "their", "have", "will", "system"}

#: At most this many clauses are taken from one request.
MAX_CLAUSES = 6


def words(text: str) -> list[str]:
    """Lowercase words of `text`."""
    return _WORD.findall(text.lower())


def request_clauses(request: str) -> list[str]:
    """The capabilities a request spells out: 'a helpdesk that triages tickets, drafts replies and ...'."""
    body = _LEADING.sub("", request.strip())
    head, _, rest = body.partition(" that ")
    pieces = _SEPARATORS.split(rest or head)
    clauses = [p.strip(" .") for p in pieces if words(p)]
    return clauses[:MAX_CLAUSES] or [head.strip(" .") or "answer the request"]


def stems(text: str) -> set[str]:
    """Content words cut to four letters, so 'plans' meets 'planning'."""
    return {word[:4] for word in _CONTENT.findall(text.lower()) if word not in _COMMON}
