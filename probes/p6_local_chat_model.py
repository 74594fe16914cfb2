"""Probe: LocalChatModel (embedded Gemma via langchain-huggingface) through the helper, invoke and stream.

Tiny: a Verdict with max_tokens=24. Run with AUTOGENESIS_THREADS=1 on a shared machine.
"""
from __future__ import annotations

import time

from autogenesis.drafts import Verdict
from autogenesis.models.accounting import collecting
from autogenesis.models.base import Example, Prompt
from autogenesis.models.chat import generate
from autogenesis.models.local_chat import LocalChatModel
from autogenesis.models.messages import prompt_messages
from autogenesis.models.render import grammar_document

prompt = Prompt(
    role="review:design",
    task="Judge whether the design fits the request.",
    input="Request: a helpdesk. Design: triager, responder.",
    examples=(Example("Request: a shop. Design: cashier.", Verdict(approved=True, reasons=["fits the request"])),),
)
model = LocalChatModel(max_tokens=24)
t = time.perf_counter()
with collecting() as calls:
    print("helper:", generate(model, Verdict, prompt))
print(f"{time.perf_counter() - t:.1f}s", calls)
t = time.perf_counter()
with collecting() as calls:
    print("helper (loaded):", generate(model, Verdict, prompt))
print(f"{time.perf_counter() - t:.2f}s", calls)

chunks = list(model.stream(prompt_messages(prompt, Verdict), json_schema=grammar_document(Verdict, prompt.examples)))
print("stream:", [c.content for c in chunks])
total = chunks[0]
for c in chunks[1:]:
    total = total + c
print("stream usage:", total.usage_metadata)
