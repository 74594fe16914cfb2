"""Build requests with one model and print how each ended, and how faithfully.

    python bench/use_cases.py                          # the paper's four use cases, embedded model
    python bench/use_cases.py --model scripted
    python bench/use_cases.py --patterns               # also a request per workflow pattern
    python bench/use_cases.py --set                    # also the evaluation set (bench/eval_set.py)
    python bench/use_cases.py --set --only-set         # the evaluation set alone

For each request: the final status; the generated tests' results; model calls, tokens, the
first-decode failures (calls that needed a retry), and the answers still copied on their last
attempt that the reading of the request replaced (fallbacks); clause coverage by words (an
agent shares a content word with the clause) and by meaning (an agent's role is within
`coverage.SIMILAR` cosine of it); approvals realised (each a review pair or a person's gate
naming the approver the request names); text copied from a worked example found anywhere in
what was built; wall time; and the workflow patterns of the blueprint (`Blueprint.patterns()`).
For the paper's use cases and the pattern requests, the clauses are the parser's
(`text.request_clauses`); for the evaluation set, the ones written down with each request.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from typing import Any

from eval_set import EVAL_SET  # bench/eval_set.py: a script's folder is on sys.path
from langgraph.checkpoint.memory import InMemorySaver

from autogenesis import Context, build_graph
from autogenesis.blueprint.ir import Blueprint
from autogenesis.coverage import SIMILAR, method, similarities
from autogenesis.models import DEFAULT_MODEL, resolve_model
from autogenesis.models.chat import copied_text, example_texts
from autogenesis.prompts import all_examples
from autogenesis.text import approvals_asked, request_clauses, stems, words
from autogenesis.use_cases import PATTERN_REQUESTS, USE_CASES


def _says(blueprint: Blueprint) -> list[str]:
    return [f"{a.slug.replace('_', ' ')} {a.role}" for a in blueprint.agents]


def by_words(clauses: list[str], blueprint: Blueprint) -> float:
    """The share of `clauses` an agent shares a content word with."""
    said = [stems(s) for s in _says(blueprint)]
    return sum(any(stems(c) & s for s in said) for c in clauses) / len(clauses)


def by_meaning(clauses: list[str], blueprint: Blueprint) -> float | None:
    """The share of `clauses` an agent's role means (cosine >= SIMILAR); None without the embedding model."""
    scores = [similarities(c, _says(blueprint)) for c in clauses]
    if any(s is None for s in scores):
        return None
    return sum(max(s or [0.0]) >= SIMILAR for s in scores) / len(clauses)


def realised(approvals: list[tuple[str, bool]], blueprint: Blueprint) -> tuple[int, int]:
    """How many of `approvals` (who, person) the blueprint realises: a review pair naming `who`,
    approved by a person's gate when a person decides."""
    found = 0
    for who, person in approvals:
        for pair in blueprint.reviews:
            approver = blueprint.agent(pair.approver)
            named = set(words(who)) <= set(words(f"{pair.reason} {approver.role} {approver.slug.replace('_', ' ')}"))
            if named and (approver.kind == "human") == person:
                found += 1
                break
    return found, len(approvals)


def copies(state: dict[str, Any]) -> str | None:
    """Text of a worked example found in what was built (spec, blueprint, prompts, criteria), if any."""
    parts: list[Any] = [state.get("spec"), state.get("blueprint"), *state.get("prompts", {}).values()]
    examples = example_texts(all_examples())
    grounded = state.get("request", "")
    for part in parts:
        if part is not None and (found := copied_text(part, examples, grounded)) is not None:
            return found
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--cases", nargs="*", default=sorted(USE_CASES))
    parser.add_argument("--patterns", action="store_true", help="also build PATTERN_REQUESTS")
    parser.add_argument("--set", action="store_true", help="also build the evaluation set (bench/eval_set.py)")
    parser.add_argument("--only-set", action="store_true", help="with --set: the evaluation set alone")
    args = parser.parse_args()
    requests = {**USE_CASES, **PATTERN_REQUESTS, **{name: r.text for name, r in EVAL_SET.items()}}
    cases = [] if args.only_set else [*args.cases, *(sorted(PATTERN_REQUESTS) if args.patterns else ())]
    cases += list(EVAL_SET) if args.set else []
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
            tokens = sum(c.prompt_tokens + c.completion_tokens for c in calls)
            blueprint = state.get("blueprint")
            wanted = EVAL_SET.get(case)
            clauses = list(wanted.clauses) if wanted else [c for c in request_clauses(requests[case]) if stems(c)]
            approvals = (
                list(wanted.approvals) if wanted else [(a.who, a.person) for a in approvals_asked(requests[case])]
            )
            row = {
                "case": case,
                "status": status,
                "tests": tests,
                "calls": len(calls),
                "tokens": tokens,
                "retried": sum(1 for c in calls if c.attempts > 1),
                "fallbacks": sum(1 for c in calls if c.fallback),
                "words": by_words(clauses, blueprint) if blueprint is not None else None,
                "meaning": by_meaning(clauses, blueprint) if blueprint is not None else None,
                "approvals": realised(approvals, blueprint) if blueprint is not None else (0, len(approvals)),
                "copied": copies(state),
                "seconds": seconds,
                "patterns": ", ".join(blueprint.patterns()) if blueprint is not None else "-",
            }
            rows.append(row)
            print(f"{case}: {status} ({seconds:.0f}s)", flush=True)
    report_rows(args.model, rows)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def report_rows(model: str, rows: list[dict[str, Any]]) -> None:
    print(f"\nmodel: {model}; coverage by meaning: {method()}")
    print(
        f"{'request':<20} {'status':<28} {'tests':>7} {'calls':>6} {'tokens':>8} {'retried':>8} {'fallbacks':>9} "
        f"{'words':>6} {'meaning':>7} {'approvals':>9} {'copied':>6} {'seconds':>8}  patterns"
    )
    for r in rows:
        done, asked = r["approvals"]
        print(
            f"{r['case']:<20} {r['status'][:28]:<28} {r['tests']:>7} {r['calls']:>6} {r['tokens']:>8} "
            f"{r['retried']:>8} {r['fallbacks']:>9} {_share(r['words']):>6} {_share(r['meaning']):>7} "
            f"{f'{done}/{asked}':>9} {'yes' if r['copied'] else 'no':>6} {r['seconds']:>8.1f}  {r['patterns']}"
        )
    for r in rows:
        if r["copied"]:
            print(f"copied in {r['case']}: {r['copied']!r}")
    deployed = [r for r in rows if r["status"] == "approved"]
    ended = Counter("typed halt" if ":" in r["status"] else "other" for r in rows if r["status"] != "approved")
    measured = [r["words"] for r in rows if r["words"] is not None]
    print(f"\n{len(deployed)} of {len(rows)} deployed with passing tests; {ended['typed halt']} typed halts")
    if measured:
        print(f"clause coverage by words, over the {len(measured)} blueprints: {sum(measured) / len(measured):.1%}")
    weak = [r["case"] for r in deployed if (r["words"] or 0) < 0.8 or (r["meaning"] or 1) < 0.8 or r["copied"]]
    print(f"deployed below 80% coverage or with copied text: {', '.join(weak) or 'none'}")
    asked = sum(r["approvals"][1] for r in rows)
    print(f"approvals realised: {sum(r['approvals'][0] for r in rows)} of {asked}")


if __name__ == "__main__":
    main()
