"""Probe: LangChain path (LocalChatModel.invoke with json_schema) vs plain engine.decode, same prompt and grammar.

Also the per-call overhead of the helper over the scripted model. Small: 5 reps, 32-token budget.
"""
from __future__ import annotations

import statistics
import time

from autogenesis.drafts import SpecDraft, Verdict
from autogenesis.models.base import Example, Prompt
from autogenesis.models.chat import generate
from autogenesis.models.local import budget_for  # noqa: F401
from autogenesis.models.local_chat import LocalChatModel
from autogenesis.models.messages import fewshot_text, prompt_messages
from autogenesis.models.render import grammar_document
from autogenesis.models.scripted import ScriptedChatModel

prompt = Prompt(
    role="review:design",
    task="Decide whether the design covers the request.",
    input="Request: a bakery that takes orders and delivers cakes\nDesign: order_taker, baker, courier",
    examples=(Example("Request: a shop\nDesign: cashier", Verdict(approved=True, reasons=["fits"])),),
)
model = LocalChatModel(max_tokens=32)
messages = prompt_messages(prompt, Verdict)
doc = grammar_document(Verdict, prompt.examples)
model.invoke(messages, json_schema=doc)  # load + compile
engine = model.engine()
ids = engine.tokenizer(fewshot_text(messages), return_tensors="pt").input_ids
grammar = engine.grammar_for(doc)


def lc() -> tuple[float, int]:
    t = time.perf_counter()
    m = model.invoke(messages, json_schema=doc)
    return time.perf_counter() - t, m.usage_metadata["output_tokens"]


def plain() -> tuple[float, int]:
    t = time.perf_counter()
    d = engine.decode(ids, grammar=grammar, budget=32)
    return time.perf_counter() - t, d.completion_tokens


for name, fn in (("engine.decode", plain), ("LangChain invoke", lc), ("engine.decode", plain), ("LangChain invoke", lc)):
    runs = [fn() for _ in range(5)]
    per_token = statistics.median(s / n for s, n in runs)
    print(f"{name:18} median {statistics.median(s for s, _ in runs):.3f}s  tokens {runs[0][1]}  {per_token*1000:.1f} ms/token")

scripted = ScriptedChatModel()
spec = Prompt(role="understand", task="t", input="x", data={"request": "a shop that sells books"})
generate(scripted, SpecDraft, spec)
t = time.perf_counter()
for _ in range(50):
    generate(scripted, SpecDraft, spec)
print(f"helper overhead over the scripted model: {(time.perf_counter() - t) / 50 * 1000:.2f} ms/call")
