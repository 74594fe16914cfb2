"""The grammar's logits processor: greedy decoding skips the mask only when it would change nothing."""

from __future__ import annotations

import json
import math

import torch
import xgrammar as xgr

from autogenesis.models.local import GrammarProcessor

VOCAB = ["{", "}", '"', "ok", ":", " ", "true", "false", ",", "x", "y", "note", "</s>"]
STOP = VOCAB.index("</s>")
SCHEMA = (
    '{"type": "object", "properties": {"ok": {"type": "boolean"}, "note": {"type": "string"}},'
    ' "required": ["ok", "note"], "additionalProperties": false}'
)


def compiled() -> xgr.CompiledGrammar:
    info = xgr.TokenizerInfo(VOCAB, stop_token_ids=[STOP])
    return xgr.GrammarCompiler(info).compile_json_schema(SCHEMA)


def test_greedy_decoding_picks_the_same_tokens_with_or_without_the_full_mask() -> None:
    grammar = compiled()
    closing = [VOCAB.index(c) for c in ("}", '"')]
    full = GrammarProcessor(grammar, 40, closing)
    greedy = GrammarProcessor(grammar, 40, closing, greedy=True)
    draws = torch.Generator().manual_seed(7)
    ids = [0]  # the prompt's last token: the processors skip it on their first step
    skipped = masked = 0
    for step in range(60):
        scores = torch.randn(1, len(VOCAB), generator=draws)
        if step % 2:  # every other step the model's favourite is a token the grammar allows
            allowed = [t for t in range(len(VOCAB)) if greedy._allowed(t)] if step > 1 else [0]
            scores[0, allowed[int(torch.randint(len(allowed), (1,), generator=draws))]] += 10
        expected = int(full(torch.tensor([ids]), scores.clone())[0].argmax())
        out = greedy(torch.tensor([ids]), scores.clone())
        assert int(out[0].argmax()) == expected, f"step {step}"
        if full.matcher.is_terminated():
            break
        if math.isinf(float(out[0].min())):
            masked += 1
        else:
            skipped += 1
        ids.append(expected)
    text = "".join(VOCAB[t] for t in ids[1:] if t != STOP)
    assert full.matcher.is_terminated() and greedy.matcher.is_terminated(), text
    assert json.loads(text) == {"ok": False, "note": ""}, text  # what these draws make the grammar write
    assert skipped and masked  # both paths ran


def test_sampling_and_closing_always_apply_the_mask() -> None:
    grammar = compiled()
    sampling = GrammarProcessor(grammar, 40, [1], greedy=False)
    closing = GrammarProcessor(grammar, 0, [1], greedy=True)  # past close_after from the first step
    scores = torch.zeros(1, len(VOCAB))
    scores[0, 0] = 5.0  # "{" is the top token and allowed
    for processor in (sampling, closing):
        out = processor(torch.tensor([[0]]), scores.clone())
        kept = [VOCAB[t] for t in range(len(VOCAB)) if not math.isinf(float(out[0, t]))]
        assert kept == [VOCAB[t] for t in range(len(VOCAB)) if processor._allowed(t)]
        assert "{" in kept and "}" not in kept and "ok" not in kept
