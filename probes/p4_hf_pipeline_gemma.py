"""Probe (iv): wrap our already-loaded Gemma (int8, cached) in langchain-huggingface; per-call xgrammar.

Tiny decodes only (max_new_tokens small). Run with AUTOGENESIS_THREADS=1 on a shared machine.
"""
from __future__ import annotations

import time

from pydantic import BaseModel

from autogenesis.models.local import GrammarProcessor, PRESENCE_PENALTY, _local_engine


class Mini(BaseModel):
    name: str


t = time.perf_counter()
engine = _local_engine()
print(f"engine load {time.perf_counter() - t:.1f}s; chat template: {engine.chat}")

from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline
from transformers import pipeline

t = time.perf_counter()
pipe = pipeline("text-generation", model=engine.model, tokenizer=engine.tokenizer)
llm = HuggingFacePipeline(pipeline=pipe, model_id="local")
print(f"pipeline wrap {time.perf_counter() - t:.2f}s, task={pipe.task}, device={pipe.device}")

prompt = 'Name an agent for a clinic.\n\nInput: a bakery\nOutput:\n{"name": "order_taker"}\n\nInput: a clinic\nOutput:\n'
grammar = engine.grammar(Mini)
common = dict(max_new_tokens=16, do_sample=False, return_full_text=False, eos_token_id=engine.stop_ids(),
              pad_token_id=engine.tokenizer.pad_token_id)

def proc():
    return [GrammarProcessor(grammar, 12, engine.closing_ids(), engine.content_mask(), PRESENCE_PENALTY)]

for label, kwargs in [
    ("unconstrained", dict(common)),
    ("xgrammar via pipeline_kwargs", dict(common, logits_processor=proc())),
    ("xgrammar + static cache", dict(common, logits_processor=proc(), cache_implementation="static")),
]:
    t = time.perf_counter()
    out = llm.invoke(prompt, pipeline_kwargs=kwargs)
    print(f"[{label}] {time.perf_counter() - t:.2f}s -> {out!r}")

ids = engine.tokenizer(prompt, return_tensors="pt").input_ids
t = time.perf_counter()
d = engine.decode(ids, grammar=grammar, budget=12)
print(f"[engine.decode baseline] {time.perf_counter() - t:.2f}s -> {d.text!r} ({d.completion_tokens} tokens)")

print("--- HuggingFacePipeline._stream with grammar (threaded TextIteratorStreamer)")
t = time.perf_counter()
pieces = list(llm.stream(prompt, pipeline_kwargs=dict(common, logits_processor=proc())))
print(f"{time.perf_counter() - t:.2f}s {pieces}")

print("--- ChatHuggingFace over it (base model, no chat template)")
from langchain_core.messages import HumanMessage
try:
    chat = ChatHuggingFace(llm=llm, tokenizer=engine.tokenizer, model_id="local")
    print(chat.invoke([HumanMessage("hi")], pipeline_kwargs=common))
except Exception as e:
    print(type(e).__name__, str(e)[:200])
try:
    chat.with_structured_output(Mini, method="json_schema")
    print("with_structured_output ok")
except Exception as e:
    print("with_structured_output:", type(e).__name__, str(e)[:200])
