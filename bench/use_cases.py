"""Build the paper's four use cases with one model and print how each ended.

    python bench/use_cases.py                 # the embedded default model
    python bench/use_cases.py --model scripted
    python bench/use_cases.py --patterns      # also a request per workflow pattern

For each request: the final status, the generated tests' results, model calls and tokens,
the first-decode failures (calls that needed a retry), the answers still copied from a worked
example that the reading of the request replaced (fallbacks), the share of the request's clauses
an agent of the blueprint serves (coverage, on the clauses `text.request_clauses` reads), wall
time, and the workflow patterns of the blueprint it designed (`Blueprint.patterns()`).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter

from langgraph.checkpoint.memory import InMemorySaver

from autogenesis import Context, build_graph
from autogenesis.blueprint.ir import Blueprint
from autogenesis.models import DEFAULT_MODEL, resolve_model
from autogenesis.nodes.design import unserved
from autogenesis.text import request_clauses, stems
from autogenesis.use_cases import PATTERN_REQUESTS, USE_CASES


def coverage(request: str, blueprint: Blueprint) -> float:
    """The share of the request's clauses that an agent of `blueprint` serves (`design.unserved`)."""
    clauses = [c for c in request_clauses(request) if stems(c)]
    return 1 - len(unserved(request, blueprint)) / len(clauses) if clauses else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--cases", nargs="*", default=sorted(USE_CASES))
    parser.add_argument("--patterns", action="store_true", help="also build PATTERN_REQUESTS")
    args = parser.parse_args()
    requests = {**USE_CASES, **PATTERN_REQUESTS}
    cases = [*args.cases, *(sorted(PATTERN_REQUESTS) if args.patterns else ())]
    model = resolve_model(args.model)
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for case in cases:
            app = build_graph(model).compile(checkpointer=InMemorySaver())
            ctx = Context(out_dir=out)
            config = {"configurable": {"thread_id": case}, "recursion_limit": ctx.recursion_limit()}
            started = time.perf_counter()
            try:
                state = app.invoke({"request": requests[case]}, config, context=ctx)
                status = state.get("status", "running")
            except Exception as exc:  # a benchmark reports every ending, typed or not
                state = dict(app.get_state(config).values)
                status = f"error:{type(exc).__name__}: {' '.join(str(exc).split())[:80]}"
            seconds = time.perf_counter() - started
            calls = state.get("calls", [])
            report = state.get("test_report")
            tests = f"{report.passed}/{report.passed + report.failed + report.errors}" if report else "-"
            retried = sum(1 for c in calls if c.attempts > 1)
            fallbacks = sum(1 for c in calls if c.fallback)
            tokens = sum(c.prompt_tokens + c.completion_tokens for c in calls)
            blueprint = state.get("blueprint")
            shape = ", ".join(blueprint.patterns()) if blueprint is not None else "-"
            covered = coverage(requests[case], blueprint) if blueprint is not None else None
            cover = f"{covered:.0%}" if covered is not None else "-"
            rows.append((case, status, tests, len(calls), tokens, retried, fallbacks, cover, seconds, shape))
            print(f"{case}: {status} ({seconds:.0f}s)", flush=True)
    print()
    print(f"model: {args.model}")
    header = f"{'use case':<20} {'status':<28} {'tests':>7} {'calls':>6} {'tokens':>8} {'retried':>8}"
    print(f"{header} {'fallbacks':>9} {'coverage':>8} {'seconds':>8}  patterns")
    for case, status, tests, n, tokens, retried, fallbacks, cover, seconds, shape in rows:
        line = f"{case:<20} {status:<28} {tests:>7} {n:>6} {tokens:>8} {retried:>8} {fallbacks:>9} {cover:>8}"
        print(f"{line} {seconds:>8.1f}  {shape}")
    ended = Counter("deployed" if r[1] == "approved" else "typed halt" if ":" in r[1] else "other" for r in rows)
    print(f"\n{ended['deployed']} of {len(rows)} deployed with passing tests; {ended['typed halt']} typed halts")


if __name__ == "__main__":
    main()
