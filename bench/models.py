"""Benchmark of the embedded model on its LangChain path: speed, grammar cost, layer overhead, validity.

Run: `HF_HUB_OFFLINE=1 python bench/models.py [--threads 2] [--tokens 90] [--rounds 5] [--no-convert] [--variants]`

Prints one table, all on the same model (the embedded Gemma 3 270M as `LocalChatModel`), the
same prompt (the pipeline's few-shot System Design prompt for the software-pipeline request, as
`chat.generate` renders it) and the same number of new tokens. The speed decodes run once per
round, in an order that rotates from round to round; each figure is its best round.

- "LangChain generate (constrained)": `chat.generate(LocalChatModel, BlueprintDraft, prompt,
  retries=0)`, the path every node takes (messages, `with_structured_output`, the HF pipeline,
  the xgrammar grammar, validation, accounting), with `--tokens` as the token budget. The
  grammar ends the answer when its JSON is complete; that count, N, is what every other decode
  of the round writes.
- "plain model.generate": transformers' `generate` of N tokens from the same prompt ids,
  unconstrained, default (dynamic) cache, under `torch.inference_mode`, no logits processor.
  Goal: the LangChain path at ≥ 0.95× its tokens/s.
- "LangChain invoke (unconstrained)": `LocalChatModel.invoke(messages)` with N as its budget.
  Goal: constrained ≤ 1.1× unconstrained time per token.
  The unconstrained decodes are not forced to N tokens with `min_new_tokens` unless they would
  stop early (a row says which): that logits processor costs about 10% per token on Gemma's
  262k vocabulary, and flattered constrained decoding in earlier versions of this bench.
- "Engine.decode": the same decodes without LangChain (`local.Engine.decode` on the same ids,
  grammar and budget).
- "where" rows: factors of time whose product is LangChain constrained over plain: Engine.decode
  (unconstrained / plain), the grammar (Engine constrained / unconstrained), the HF pipeline and
  LangChain (generate / Engine constrained, also in ms).
- LangChain layer overhead, ms per call (median of `--overhead-calls` calls): on the local
  model with `model.generate` replaced by a replay of the answer's ids, `generate(LocalChatModel)`
  minus `Engine.decode`; without a model, `generate(ScriptedChatModel, Verdict)` minus the
  scripted model's own answer (`Script.generate`).
- first-decode validity: SpecDraft and BlueprintDraft through `chat.generate(..., retries=0)`
  for the paper's four use cases (the BlueprintDraft prompt built from the SpecDraft answer),
  valid when the answer validates and `ModelCall.attempts == 1` (goal 100%); the next row
  counts valid answers that copy a worked example's text, which `generate` re-asks with retries.
- load rows: first load (GGUF conversion into an empty cache, in a subprocess; skipped with
  `--no-convert`) and cached load (subprocess);
- with `--variants`, plain `generate` and `Engine.decode` tokens/s of each runtime variant
  (bf16 / fp32 / int8).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

USE_CASES = {
    "education": "an educational content management system that creates lessons, quizzes students and tracks "
    "their progress",
    "software": "a software development pipeline that turns feature requests into code, tests it and reviews it "
    "before release",
    "small business": "a project management assistant for a small business that plans tasks, assigns them to "
    "staff and reports progress",
    "healthcare": "a healthcare patient management system that books appointments, keeps patient records and "
    "sends reminders",
}

LOAD_SNIPPET = """
import time, sys
t = time.perf_counter()
from autogenesis.models.local import ensure_local_model, load_engine
load_engine(str(ensure_local_model()))
print(time.perf_counter() - t)
"""


def timed_load(cache: str | None) -> float:
    """Seconds to get a ready engine in a fresh process (converting first when `cache` is empty)."""
    env = dict(os.environ)
    if cache is not None:
        env["AUTOGENESIS_CACHE"] = cache
    out = subprocess.run(
        [sys.executable, "-c", LOAD_SNIPPET], env=env, check=True, capture_output=True, text=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def design_prompt(goal: str, capabilities: list[str] | None = None) -> Any:
    """The System Design prompt for a goal (default capabilities: a helpdesk's three)."""
    from autogenesis.models.base import Prompt
    from autogenesis.prompts import design
    from autogenesis.prompts._format import bullets, join, section

    caps = capabilities or ["triage tickets", "draft replies", "approve replies"]
    text = join(f"Goal: {goal}", section("Capabilities", bullets(caps)))
    return Prompt(role="design", task=design.TASK, input=text, examples=design.EXAMPLES)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}x"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=90, help="token budget of the speed measurement")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per speed figure (best is kept)")
    parser.add_argument("--overhead-calls", type=int, default=200, help="paired calls per overhead row")
    parser.add_argument("--no-convert", action="store_true", help="skip the first-load (conversion) measurement")
    parser.add_argument("--variants", action="store_true", help="also measure bf16 / fp32 / int8 variants")
    args = parser.parse_args()
    os.environ["AUTOGENESIS_THREADS"] = str(args.threads)

    import torch
    from transformers.utils import logging as hf_logging

    from autogenesis.drafts import BlueprintDraft, SpecDraft, Verdict
    from autogenesis.models.accounting import collecting
    from autogenesis.models.base import ModelError, Prompt
    from autogenesis.models.chat import copied_from_examples, generate
    from autogenesis.models.local import current_variant, ensure_local_model, load_engine
    from autogenesis.models.local_chat import LocalChatModel
    from autogenesis.models.messages import fewshot_text, prompt_messages
    from autogenesis.models.scripted import Script, ScriptedChatModel
    from autogenesis.prompts import understand

    hf_logging.set_verbosity_error()
    rows: list[tuple[str, str, str]] = []

    def row(name: str, value: str, goal: str = "") -> None:
        rows.append((name, value, goal))
        print(f"  {name}: {value} {goal}", file=sys.stderr, flush=True)

    folder = str(ensure_local_model())
    if not args.no_convert:
        with tempfile.TemporaryDirectory() as empty:
            first = timed_load(empty)
        row("first load (convert GGUF + load), s", f"{first:.1f}")
    cached = timed_load(None)
    row("cached load, s", f"{cached:.1f}")

    engine = load_engine(folder)
    prompt = design_prompt(USE_CASES["software"])
    started = time.perf_counter()
    grammar = engine.grammar(BlueprintDraft, prompt.examples)
    engine.closing_ids(), engine.content_mask()
    row("grammar compile (BlueprintDraft, once per schema), s", f"{time.perf_counter() - started:.1f}")

    # The exact ids the LangChain path decodes from: the messages `generate` sends, as few-shot text.
    messages = prompt_messages(prompt, BlueprintDraft)
    ids = engine.tokenizer(fewshot_text(messages), return_tensors="pt").input_ids
    attention = torch.ones_like(ids)

    class Unconstrained(LocalChatModel):
        """`LocalChatModel` writing `max_tokens` tokens; with `force`, not fewer (`min_new_tokens`)."""

        force: bool = False

        def _setup(self, messages: Any, json_schema: str | None) -> Any:
            setup = super()._setup(messages, json_schema)
            if self.force:
                setup[5]["min_new_tokens"] = self.max_tokens
            return setup

    def lc_constrained(chat_model: LocalChatModel) -> Callable[[], tuple[float, int]]:
        def run() -> tuple[float, int]:
            with collecting() as calls:
                started = time.perf_counter()
                try:
                    generate(chat_model, BlueprintDraft, prompt, retries=0)
                except ModelError as exc:  # the tokens were decoded all the same
                    print(f"  (speed answer did not validate: {exc})", file=sys.stderr)
                elapsed = time.perf_counter() - started
            return elapsed, calls[-1].completion_tokens

        return run

    lc_constrained(LocalChatModel(max_tokens=args.tokens))()  # warm up: the pipeline, the grammar
    _, n = lc_constrained(LocalChatModel(max_tokens=args.tokens))()

    # The unconstrained decodes write N tokens unless they stop at an end token first; forcing
    # them (`min_new_tokens`) adds a full-vocabulary logits processor, about 10% per token here,
    # so it is used only when a decode would stop early.
    force = False

    def plain(model: Any = None) -> Callable[[], tuple[float, int]]:
        def run() -> tuple[float, int]:
            m = model if model is not None else engine.model
            kwargs = {"attention_mask": attention, "do_sample": False, "pad_token_id": engine.tokenizer.pad_token_id}
            if force:
                kwargs["min_new_tokens"] = n
            with torch.inference_mode():
                m.generate(ids, max_new_tokens=2, **kwargs)
                elapsed, out = timed(lambda: m.generate(ids, max_new_tokens=n, **kwargs))
            return elapsed, out.shape[1] - ids.shape[1]

        return run

    force = plain()()[1] < n  # does the unconstrained decode stop before N tokens?
    unconstrained = Unconstrained(max_tokens=n, force=force)

    def lc_unconstrained() -> tuple[float, int]:
        elapsed, message = timed(lambda: unconstrained.invoke(messages))
        return elapsed, int(message.usage_metadata["output_tokens"])  # the answer re-tokenized: N give or take

    def engine_constrained() -> tuple[float, int]:
        elapsed, d = timed(lambda: engine.decode(ids, grammar=grammar, budget=args.tokens))
        return elapsed, d.completion_tokens

    def unconstrained_decode(eng: Any) -> Callable[[], tuple[float, int]]:
        def run() -> tuple[float, int]:
            elapsed, d = timed(lambda: eng.decode(ids, grammar=None, budget=n, min_new_tokens=n if force else 0))
            return elapsed, d.completion_tokens

        return run

    measures: dict[str, Callable[[], tuple[float, int]]] = {
        "lc_con": lc_constrained(LocalChatModel(max_tokens=args.tokens)),
        "plain": plain(),
        "eng_con": engine_constrained,
        "lc_unc": lc_unconstrained,
        "eng_unc": unconstrained_decode(engine),
    }
    counts: dict[str, int] = {}
    times: dict[str, list[float]] = {k: [] for k in measures}
    order = list(measures)
    for index in range(args.rounds):
        for key in order[index % len(order) :] + order[: index % len(order)]:
            elapsed, tokens = measures[key]()
            counts[key] = tokens
            if tokens != n:
                print(f"  note: {key} wrote {tokens} tokens, expected {n}", file=sys.stderr)
            times[key].append(elapsed)
            print(f"  round {index + 1} {key}: {elapsed:.2f} s, {tokens} tok", file=sys.stderr, flush=True)
    best = {k: min(v) for k, v in times.items()}
    row("prompt tokens", str(ids.shape[1]))
    row("new tokens per decode (N, where the grammar ended the answer)", str(n))
    row("unconstrained decodes forced to N tokens (min_new_tokens, slower)", "yes" if force else "no")
    row("plain model.generate, tok/s", f"{n / best['plain']:.1f}")
    row("Engine.decode (constrained, no LangChain), tok/s", f"{n / best['eng_con']:.1f}")
    row("Engine.decode (unconstrained), tok/s", f"{n / best['eng_unc']:.1f}")
    row("LangChain generate (constrained), tok/s", f"{n / best['lc_con']:.1f}")
    row("LangChain invoke (unconstrained), tok/s", f"{n / best['lc_unc']:.1f}")
    row("LangChain constrained / plain, speed", f"{best['plain'] / best['lc_con']:.2f}x", "(goal >= 0.95x)")
    row(
        "LangChain constrained / unconstrained, time per token",
        f"{best['lc_con'] / best['lc_unc']:.2f}x",
        "(goal <= 1.1x)",
    )
    # Where the time goes, as factors of time whose product is LangChain constrained over plain.
    row("where: Engine.decode (unconstrained / plain), time", ratio(best["eng_unc"], best["plain"]))
    row("where: grammar (Engine.decode constrained / unconstrained), time", ratio(best["eng_con"], best["eng_unc"]))
    row("where: HF pipeline + LangChain (generate / Engine.decode), time", ratio(best["lc_con"], best["eng_con"]))
    row("where: HF pipeline + LangChain, ms per call (N tokens)", f"{1000 * (best['lc_con'] - best['eng_con']):.0f}")

    # The LangChain layer alone on the local model: model.generate replaced by a replay of the
    # answer's ids, so what is left is everything around the decode (messages, runnables,
    # callbacks, pipeline pre/post-processing, tokenizing, validation, accounting).
    replayed = engine.decode(ids, grammar=grammar, budget=args.tokens)
    tail = engine.tokenizer(replayed.text, add_special_tokens=False, return_tensors="pt").input_ids
    tail = torch.cat([tail, torch.tensor([[engine.stop_ids()[0]]])], dim=1)
    stubbed = LocalChatModel(max_tokens=args.tokens)
    with_layer, without = [], []
    engine.model.generate = lambda input_ids, **_: torch.cat([input_ids, tail], dim=1)
    try:
        for index in range(args.overhead_calls + 1):
            t_lc, _ = timed(lambda: generate(stubbed, BlueprintDraft, prompt, retries=0))
            t_eng, _ = timed(lambda: engine.decode(ids, grammar=grammar, budget=args.tokens))
            if index:  # the first pair warms up
                with_layer.append(t_lc)
                without.append(t_eng)
    finally:
        del engine.model.generate
    row(
        "LangChain layer, decode stubbed: generate(LocalChatModel) - Engine.decode, ms per call",
        f"{1000 * (statistics.median(with_layer) - statistics.median(without)):.2f}",
    )

    # The LangChain layer around a model that answers at once.
    script = Script()
    scripted = ScriptedChatModel(script)
    review = Prompt(role="review:design", task="Approve the design if it is complete.", input="Design: one agent.")
    generate(scripted, Verdict, review)  # warm up
    with_layer, without = [], []
    for _ in range(args.overhead_calls):
        with_layer.append(timed(lambda: generate(scripted, Verdict, review))[0])
        without.append(timed(lambda: script.generate(Verdict, review))[0])
    row(
        "LangChain layer, no model: generate(ScriptedChatModel) - its Script.generate, ms per call",
        f"{1000 * (statistics.median(with_layer) - statistics.median(without)):.2f}",
    )

    if args.variants:  # alternating rounds again, over the variants' decodes
        engines = {variant: load_engine(folder, variant) for variant in ("bf16", "fp32", "int8")}
        variant_times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.rounds):
            for variant, eng in engines.items():
                for kind, run in (("plain generate", plain(eng.model)), ("Engine.decode", unconstrained_decode(eng))):
                    variant_times.setdefault((variant, kind), []).append(run()[0])
        for (variant, kind), spent in variant_times.items():
            row(f"variant {variant}: {kind} (unconstrained), tok/s", f"{n / min(spent):.1f}")

    model = LocalChatModel()
    valid = total = copies = 0
    started = time.perf_counter()
    for case, request in USE_CASES.items():
        spec: SpecDraft | None = None
        for schema in (SpecDraft, BlueprintDraft):
            if schema is SpecDraft:
                p = understand.render(request)
            elif spec is not None:
                p = design_prompt(spec.goal, spec.capabilities)
            else:
                p = design_prompt(request)
            total += 1
            with collecting() as calls_made:
                try:
                    obj = generate(model, schema, p, retries=0)
                except ModelError as exc:
                    obj = None
                    print(f"  INVALID {case} {schema.__name__}: {exc}", file=sys.stderr)
            call = calls_made[-1]
            if obj is not None and call.attempts == 1:
                valid += 1
            if isinstance(obj, SpecDraft):
                spec = obj
            copied = copied_from_examples(obj, p.examples) if obj is not None else None
            copies += copied is not None
            note = f" [copied from an example: {copied!r}]" if copied else ""
            answer = obj.model_dump_json() if obj is not None else "-"
            print(f"  {case} {schema.__name__} ({call.completion_tokens} tok){note}: {answer}", file=sys.stderr)
    row(
        "first-decode validity via generate, 4 use cases x (SpecDraft, BlueprintDraft)",
        f"{valid}/{total}",
        "(goal 100%)",
    )
    row("of which copy a worked example's text (generate re-asks those when retries > 0)", f"{copies}/{total}")
    row("validity run, s per call", f"{(time.perf_counter() - started) / total:.1f}")

    width = max(len(r[0]) for r in rows)
    threads = torch.get_num_threads()
    print(
        f"\nEmbedded model on the LangChain path (variant {current_variant()}, {threads} threads, "
        f"torch {torch.__version__}, best of {args.rounds} alternating rounds)"
    )
    print(f"{'measure'.ljust(width)} | value    | goal")
    print(f"{'-' * width}-|----------|-----")
    for name, value, goal in rows:
        print(f"{name.ljust(width)} | {value.ljust(8)} | {goal}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
