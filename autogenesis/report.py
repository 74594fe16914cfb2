"""Human-readable views of runs and models for the terminal."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections import defaultdict
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from autogenesis import budgets
from autogenesis.checkpoints import RunRecord
from autogenesis.context import Context
from autogenesis.human import AWAITING
from autogenesis.state import REVIEWED_STAGES, Event, Halt, ModelCall, Review

#: Invisible characters shown as they are: they join the parts of an emoji, or of a word in some scripts.
_JOINERS = frozenset("\u200c\u200d")
_NAMED_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Statuses that are not a halt: the run is under way, or its process died (`runs` says `interrupted`).
_UNDER_WAY = ("running", "interrupted")


def run_halt(record: RunRecord, state: dict[str, Any]) -> Halt | None:
    """Why a run stopped: the halt in its state, else (error, cancelled) its record's status and detail.

    Error and cancelled runs leave no halt in state, so `resume` can go on with them; the runner
    keeps their reason in the run record instead. None while the run is under way.
    """
    halt: Halt | None = state.get("halt")
    if halt is not None:
        return halt
    if record.status in _UNDER_WAY or record.status.startswith(f"{AWAITING}:"):  # waiting is no halt
        return None
    kind, _, stage = record.status.partition(":")
    try:
        return Halt.model_validate({"kind": kind, "stage": stage or None, "detail": record.detail})
    except ValidationError:  # a status this version does not know: report it as it is
        return Halt(kind="error", stage=record.status, detail=record.detail)


def render_run(console: Console, record: RunRecord, state: dict[str, Any]) -> None:
    """Stage-by-stage summary: attempts and verdicts, halt reason, outputs and model use.

    Every text from a run (the request, names, reasons, paths) is printed through `for_terminal`.
    """
    console.print(Text.assemble((for_terminal(record.thread_id), "bold"), "  ", for_terminal(record.status)))
    pending = state.get("pending_review")
    if pending is not None and record.status.startswith(f"{AWAITING}:"):
        _line(console, f"waiting for a person's review of {pending.stage}, attempt {pending.attempt}")
    _line(console, f"request: {record.request}")
    _line(console, f"model: {record.model}")
    read = reading(state.get("request") or record.request, state.get("blueprint"))
    _line(console, f"read by: {read['reader']}; coverage by {read['coverage']}")
    for clause in read["clauses"]:
        served = f" → {clause['agent'] or 'not served'}" if "agent" in clause else ""
        _line(console, f"  {clause['clause']}{served}")
    reviews: dict[str, list[Review]] = defaultdict(list)
    for review in state.get("reviews", []):
        reviews[review.stage].append(review)
    attempts = state.get("attempts", {})
    table = Table("stage", "attempts", "verdicts", "last reasons", box=None)
    for stage in REVIEWED_STAGES:
        verdicts = reviews.get(stage, [])
        marks = "".join("✓" if r.approved else "✗" for r in verdicts)
        last = "; ".join(verdicts[-1].reasons) if verdicts else ""
        table.add_row(stage, str(attempts.get(stage, 0)), marks, plain(last[:100]))
    console.print(table)
    halt = run_halt(record, state)
    if halt is not None:
        _line(console, f"halt: {halt} — {halt.detail or 'no reason recorded'}")
    _line(console, "budgets: " + "; ".join(_budget(name, use) for name, use in budget_use(record, state).items()))
    for key, label in (
        ("blueprint", "blueprint"),
        ("test_report", "tests"),
        ("metrics", "metrics"),
        ("deployment", "deployed"),
    ):
        value = state.get(key)
        if value is not None:
            _line(console, f"{label}: {_summary(key, value)}")
        if key == "blueprint" and value is not None:
            for pair in value.reviews:  # which work is reviewed, and why
                who = f"{pair.approver} (a person)" if value.agent(pair.approver).kind == "human" else pair.approver
                why = f": {pair.reason}" if pair.reason else ""
                _line(console, f"  {pair.worker} approved by {who}{why}")
    calls: list[ModelCall] = state.get("calls", [])
    if calls:
        by_role: dict[str, list[ModelCall]] = defaultdict(list)
        for call in calls:
            by_role[call.role.split(":")[0]].append(call)
        # Loading (first use: converting) a model is shown apart: it is not any call's latency.
        usage = Table("role", "calls", "prompt tokens", "completion tokens", "call seconds", "load seconds", box=None)
        for role, role_calls in [*sorted(by_role.items()), ("total", calls)]:
            usage.add_row(
                plain(role),
                str(len(role_calls)),
                str(sum(c.prompt_tokens for c in role_calls)),
                str(sum(c.completion_tokens for c in role_calls)),
                f"{sum(c.latency_s for c in role_calls):.2f}",
                f"{sum(c.load_s for c in role_calls):.2f}",
            )
        console.print(usage)


def budget_use(record: RunRecord, state: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """What the run has used of each budget, and its limit under the run's latest settings (None: unlimited)."""
    return budgets.report(state, Context(**record.context))


def _budget(name: str, use: dict[str, float | None]) -> str:
    used, limit = use["used"] or 0.0, use["allowed"]
    allowed = "no limit" if limit is None else budgets.amount(limit)
    return f"{name.replace('_', ' ')} {budgets.amount(used)} of {allowed}"


#: The columns of a timeline row, in order (`--json` keys, CSV header).
TIMELINE_COLUMNS = ("node", "start", "duration_s", "model_calls", "tokens", "verdict")


def timeline(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Each node run of the run, in the order its work landed in state: start (ISO 8601), duration,
    model calls, tokens, and its verdict (an approver's) or the halt it ended the run with.

    Read from the run's recorded events, so a resumed run shows every node that completed, in
    whichever process; a node cut short by a kill left no event and shows once, as it reran.
    """
    rows: list[dict[str, Any]] = []
    events: list[Event] = state.get("events", [])
    for event in events:
        if event.kind == "done":
            start = dt.datetime.fromtimestamp(event.at, dt.UTC).astimezone().isoformat(timespec="milliseconds")
            rows.append(
                {
                    "node": event.node,
                    "start": start,
                    "duration_s": event.duration_s,
                    "model_calls": event.model_calls,
                    "tokens": event.tokens,
                    "verdict": "",
                }
            )
        elif rows and event.kind in ("verdict", "halt"):
            # A node's own events follow its `done` event in the same update.
            rows[-1]["verdict"] = event.detail
    return rows


def render_timeline(console: Console, rows: list[dict[str, Any]]) -> None:
    """The timeline as fixed columns, a line per node run and a total; the verdict, last, is never cut."""
    total = {
        "node": "total",
        "start": "",
        "duration_s": sum(r["duration_s"] for r in rows),
        "model_calls": sum(r["model_calls"] for r in rows),
        "tokens": sum(r["tokens"] for r in rows),
        "verdict": "",
    }
    width = max(len(r["node"]) for r in [*rows, total])
    _line(console, f"{'node':<{width}}  {'start':<12}  {'seconds':>9}  {'model calls':>11}  {'tokens':>8}  verdict")
    for row in [*rows, total]:
        # The time of day, to the millisecond, from the ISO 8601 start.
        line = (
            f"{row['node']:<{width}}  {row['start'][11:23]:<12}  {row['duration_s']:>9.3f}  "
            f"{row['model_calls']:>11}  {row['tokens']:>8}  {row['verdict']}"
        )
        _line(console, line.rstrip())


def timeline_csv(rows: list[dict[str, Any]]) -> str:
    """The timeline as CSV, a header row first (the columns of `TIMELINE_COLUMNS`)."""
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=TIMELINE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue()


def reading(request: str, blueprint: Any = None) -> dict[str, Any]:
    """How the request was read (the parser, or the splitter and why), its clauses, and which agent
    of `blueprint` serves each (None when none does; no agent key before there is a blueprint)."""
    from autogenesis.coverage import method, served
    from autogenesis.parse import reader
    from autogenesis.text import request_clauses

    clauses = request_clauses(request)
    if blueprint is None:
        found: list[dict[str, Any]] = [{"clause": clause} for clause in clauses]
    else:
        found = [{"clause": s.clause, "agent": s.agent, "similarity": s.similarity} for s in served(clauses, blueprint)]
    return {"reader": reader(request), "coverage": method(), "clauses": found}


def for_terminal(text: str, *, backslashes: bool = True) -> str:
    """`text` safe to print on a terminal, every character of it still visible.

    Control characters (ESC, BEL, newlines), format characters (bidi overrides, zero-width
    spaces), line separators and lone surrogates become Python-style escapes (`\\x1b`, `\\n`,
    `\\u202e`) and a backslash is doubled: nothing in a request, a model's answer or a name can
    drive the terminal, and what is shown reads back as exactly one text. `backslashes=False`
    leaves backslashes single, for text whose backslashes are escapes already (a model's JSON).
    """
    if text.isprintable() and (not backslashes or "\\" not in text):
        return text
    return "".join(ch if ch == "\\" and not backslashes else _escaped(ch) for ch in text)


def _escaped(ch: str) -> str:
    named = _NAMED_ESCAPES.get(ch)
    if named is not None:
        return named
    category = unicodedata.category(ch)
    if category in ("Cc", "Cs", "Zl", "Zp") or (category == "Cf" and ch not in _JOINERS):
        code = ord(ch)
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return ch


def plain(text: str) -> Text:
    """`text` escaped for the terminal (`for_terminal`) as a rich `Text`: never read as markup (a table cell)."""
    return Text(for_terminal(text))


def _line(console: Console, text: str) -> None:
    console.print(plain(text))


def _summary(key: str, value: Any) -> str:
    if key == "blueprint":
        shape = f"{value.name} v{value.version}: {len(value.agents)} agents, {len(value.reviews)} review pairs"
        return f"{shape} ({', '.join(value.patterns())})" if value.patterns() else shape
    if key == "test_report":
        counts = f"{value.passed} passed, {value.failed} failed, {value.errors} errors"
        return f"{counts} in {value.duration_s:.1f}s ({value.sandbox})"
    if key == "metrics":
        return (
            f"pass rate {value.pass_rate}, kept {value.variant}, worst case {value.worst_case_model_calls} model calls"
        )
    line = f"{value.path} (version {value.version}, {value.files} files)"
    for label, paths in (
        ("your edits carried over", value.carried),
        ("your edits kept beside ours (both changed)", value.conflicts),
        ("your edits to generated wiring, regenerated", value.not_carried),
    ):
        if paths:
            line += f"; {label}: {', '.join(paths)}"
    return line


def render_models(console: Console) -> None:
    """Providers, which one is the default, and the converted models in the user cache."""
    from autogenesis.models import describe_models

    rows = describe_models()
    providers = Table("provider", "", "what it is", box=None)
    for row in (r for r in rows if r["kind"] == "provider"):
        providers.add_row(plain(row["name"]), "default" if row["default"] else "", plain(row["description"]))
    console.print(providers)
    cached = [r for r in rows if r["kind"] == "cache"]
    if not cached:
        _line(console, "cache: empty (the local model is converted on its first use, about a minute)")
        return
    cache = Table("cached", "size", "state", "path", box=None)
    for row in cached:
        state = "ready" if row["complete"] else "incomplete"
        cache.add_row(plain(row["name"]), f"{row['bytes'] / 1e6:,.0f} MB", state, plain(str(row["path"])))
    console.print(cache)
