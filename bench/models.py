"""Benchmark of the local model path: speed, constrained-decoding overhead, load times, validity.

Run: `HF_HUB_OFFLINE=1 python bench/models.py [--threads 2] [--tokens 90] [--no-convert] [--variants]`

Prints one table, all on the same model (the embedded Gemma 3 270M), the same prompt (the
pipeline's few-shot System Design prompt for a helpdesk request) and the same token counts:

- our provider's decode (grammar-constrained, static KV cache) vs plain `model.generate`
  (goal ≥ 0.95× the tokens/s);
- constrained vs unconstrained decoding of the same number of tokens (goal ≤ 1.1× the time);
- first load (GGUF conversion into an empty cache, in a subprocess) vs cached load (subprocess);
- first-decode validity (no retry) of SpecDraft and BlueprintDraft for the paper's four use
  cases (goal 100%);
- with `--variants`, plain tokens/s of each runtime variant (bf16 / fp32 / int8).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def design_prompt(request: str):  # type: ignore[no-untyped-def]
    from autogenesis.models.base import Prompt
    from autogenesis.prompts import design

    text = f"Goal: {request}\nCapabilities:\n- triage tickets\n- draft replies\n- approve replies"
    return Prompt(role="design", task=design.TASK, input=text, examples=design.EXAMPLES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=90, help="tokens per speed measurement")
    parser.add_argument("--no-convert", action="store_true", help="skip the first-load (conversion) measurement")
    parser.add_argument("--variants", action="store_true", help="also measure bf16 / fp32 / int8 variants")
    parser.add_argument("--repeat", type=int, default=2, help="runs per speed figure (best is kept)")
    args = parser.parse_args()
    os.environ["AUTOGENESIS_THREADS"] = str(args.threads)

    import torch

    from autogenesis.drafts import BlueprintDraft, SpecDraft
    from autogenesis.models.base import Prompt
    from autogenesis.models.local import TransformersModel, current_variant, ensure_local_model, load_engine
    from autogenesis.models.render import render_fewshot
    from autogenesis.models.structured import GenerationOptions, parse_answer
    from autogenesis.prompts import design, understand
    from autogenesis.prompts._format import bullets, join, section

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
    started = time.perf_counter()
    grammar = engine.grammar(BlueprintDraft, design.EXAMPLES)
    engine.closing_ids(), engine.content_mask()
    row("grammar compile (BlueprintDraft, once per schema), s", f"{time.perf_counter() - started:.1f}")

    prompt = design_prompt(USE_CASES["software"])
    ids = engine.tokenizer(render_fewshot(prompt, BlueprintDraft), return_tensors="pt").input_ids
    n = args.tokens

    def best(fn) -> float:  # type: ignore[no-untyped-def]
        return min(fn() for _ in range(args.repeat))

    engine.decode(ids, grammar=None, budget=4)  # warm up
    # The constrained decode stops when the JSON is complete: measure it first, then decode
    # exactly as many tokens unconstrained and with plain generate.
    counts: list[int] = []

    def ours_constrained() -> float:
        t = time.perf_counter()
        d = engine.decode(ids, grammar=grammar, budget=n)
        counts.append(d.completion_tokens)
        return (time.perf_counter() - t) / d.completion_tokens

    t_con = best(ours_constrained)
    n = counts[-1]

    def plain(model) -> float:  # type: ignore[no-untyped-def]
        with torch.inference_mode():
            model.generate(ids, max_new_tokens=2, do_sample=False)
            t = time.perf_counter()
            out = model.generate(ids, max_new_tokens=n, min_new_tokens=n, do_sample=False)
            return (time.perf_counter() - t) / (out.shape[1] - ids.shape[1])

    t_plain = best(lambda: plain(engine.model))
    t_unc = best(lambda: _unconstrained(engine, ids, n))
    row("prompt tokens", str(ids.shape[1]))
    row("decoded tokens per measurement", str(n))
    row("plain model.generate, tok/s", f"{1 / t_plain:.1f}")
    row("our provider (unconstrained), tok/s", f"{1 / t_unc:.1f}")
    row("our provider (constrained), tok/s", f"{1 / t_con:.1f}")
    row("ours constrained / plain, speed", f"{t_plain / t_con:.2f}x", "(goal >= 0.95x)")
    row("constrained / unconstrained, time per token", f"{t_con / t_unc:.2f}x", "(goal <= 1.1x)")

    if args.variants:
        for variant in ("bf16", "fp32", "int8"):
            eng = load_engine(folder, variant)
            row(f"variant {variant}: plain generate, tok/s", f"{1 / best(lambda e=eng: plain(e.model)):.1f}")
            row(
                f"variant {variant}: our static-cache decode, tok/s",
                f"{1 / best(lambda e=eng: _unconstrained(e, ids, n)):.1f}",
            )

    model = TransformersModel("local", options=GenerationOptions())
    valid = total = 0
    spec = None
    started = time.perf_counter()
    for case, request in USE_CASES.items():
        for schema, make in (
            (SpecDraft, lambda r=request: understand.render(r)),
            (BlueprintDraft, lambda r=request: design_prompt(r)),
        ):
            p = make()
            if schema is BlueprintDraft and spec is not None:
                text = join(f"Goal: {spec.goal}", section("Capabilities", bullets(spec.capabilities)))
                p = Prompt(role="design", task=design.TASK, input=text, examples=design.EXAMPLES)
            completion = model.complete(schema, p, model.options)
            total += 1
            try:
                obj = parse_answer(schema, completion.text)
                valid += 1
            except ValueError as exc:
                obj = None
                print(f"  INVALID {case} {schema.__name__}: {exc}", file=sys.stderr)
            spec = obj if schema is SpecDraft else None
            print(
                f"  {case} {schema.__name__} ({completion.completion_tokens} tok): {completion.text}", file=sys.stderr
            )
        spec = None
    row("first-decode validity, 4 use cases x (SpecDraft, BlueprintDraft)", f"{valid}/{total}", "(goal 100%)")
    row("validity run, s per call", f"{(time.perf_counter() - started) / total:.1f}")

    width = max(len(r[0]) for r in rows)
    threads = torch.get_num_threads()
    print(f"\nLocal model bench (variant {current_variant()}, {threads} threads, torch {torch.__version__})")
    print(f"{'measure'.ljust(width)} | value    | goal")
    print(f"{'-' * width}-|----------|-----")
    for name, value, goal in rows:
        print(f"{name.ljust(width)} | {value.ljust(8)} | {goal}")


def _unconstrained(engine, ids, n: int) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    d = engine.decode(ids, grammar=None, budget=n, min_new_tokens=n)
    return (time.perf_counter() - t) / d.completion_tokens


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
