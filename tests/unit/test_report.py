"""`show`'s view of a run: every halt explained, the model load shown apart from call time."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from rich.console import Console

from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.hierarchy import add_approvers
from autogenesis.checkpoints import RunRecord
from autogenesis.report import for_terminal, render_run, run_halt
from autogenesis.state import Halt, ModelCall


def _record(status: str, detail: str = "") -> RunRecord:
    return RunRecord(thread_id="t1", request="a helpdesk", status=status, model="scripted", detail=detail)


@pytest.mark.parametrize(
    ("status", "detail", "expected"),
    [
        (
            "error:design",
            "no valid BlueprintDraft",
            Halt(kind="error", stage="design", detail="no valid BlueprintDraft"),
        ),
        ("cancelled", "interrupted by the user", Halt(kind="cancelled", detail="interrupted by the user")),
        (
            "loop_detected:design",
            "the run took more than 4 steps",
            Halt(kind="loop_detected", stage="design", detail="the run took more than 4 steps"),
        ),
        ("paused:x", "", Halt(kind="error", stage="paused:x")),
        ("running", "an old error's reason", None),
        ("interrupted", "", None),
    ],
)
def test_a_halt_missing_from_state_comes_from_the_record(status: str, detail: str, expected: Halt | None) -> None:
    assert run_halt(_record(status, detail), {}) == expected


def test_the_halt_in_state_comes_first() -> None:
    halt = Halt(kind="escalated", stage="design", detail="3 attempts rejected")
    assert run_halt(_record("escalated:design", "ignored"), {"halt": halt}) is halt


def _render(record: RunRecord, state: dict[str, Any]) -> list[str]:
    stream = io.StringIO()
    render_run(Console(file=stream, width=200, highlight=False), record, state)
    return [" ".join(line.split()) for line in stream.getvalue().splitlines()]


def test_an_error_run_shows_its_status_and_reason() -> None:
    lines = _render(
        _record("error:design", "no valid BlueprintDraft for role 'design'"), {"attempts": {"understand": 1}}
    )
    assert lines[0] == "t1 error:design"
    assert "halt: error:design — no valid BlueprintDraft for role 'design'" in lines


def test_model_load_is_a_column_apart_from_call_seconds() -> None:
    calls = [
        ModelCall(role="understand", model="local", prompt_tokens=10, completion_tokens=5, latency_s=2.0, load_s=90.0),
        ModelCall(role="review:understand", model="local", prompt_tokens=8, completion_tokens=2, latency_s=1.5),
    ]
    lines = _render(_record("running"), {"calls": calls})
    header = next(line for line in lines if line.startswith("role"))
    assert header == "role calls prompt tokens completion tokens call seconds load seconds"
    rows = {line.split()[0]: line.split()[1:] for line in lines[lines.index(header) + 1 :]}
    assert rows == {
        "review": ["1", "8", "2", "1.50", "0.00"],
        "understand": ["1", "10", "5", "2.00", "90.00"],
        "total": ["2", "18", "7", "3.50", "90.00"],
    }


def test_show_says_which_work_is_reviewed_by_whom_and_why() -> None:
    bp = linear_blueprint(reviewed=False)
    bp = add_approvers(
        bp,
        {},
        max_retries=2,
        people={"reply": "senior reviewer"},
        only=("triage", "reply"),
        reasons={"triage": 'it acts outside the system (\x1b[31m"sends")', "reply": 'the request says "x"'},
    )
    lines = _render(_record("running"), {"blueprint": bp})
    start = next(i for i, line in enumerate(lines) if line.startswith("blueprint: helpdesk v1"))
    assert lines[start + 1 : start + 3] == [
        # No escape character reaches the terminal: it is shown escaped, not dropped.
        'triage approved by triage_reviewer: it acts outside the system (\\x1b[31m"sends")',
        'reply approved by senior_reviewer (a person): the request says "x"',
    ]


def test_show_says_who_read_the_request_and_which_agent_serves_each_clause() -> None:
    from autogenesis.blueprint.build import blueprint_from_draft
    from autogenesis.drafts import AgentDraft, BlueprintDraft
    from autogenesis.state import Specification

    request = "un assistant qui lit les courriels, résume chaque fil et rédige une réponse"
    spec = Specification(goal="Courriels", capabilities=("lit les courriels", "résume chaque fil"))
    agents = [
        AgentDraft(name="lit_courriels", role="lit les courriels"),
        AgentDraft(name="resume", role="résume chaque fil"),
    ]
    blueprint = blueprint_from_draft(BlueprintDraft(name="courriels", agents=agents), spec)
    record = RunRecord(thread_id="t1", request=request, status="running", model="scripted")
    lines = _render(record, {"request": request, "blueprint": blueprint})
    at = lines.index("read by: spaCy fr_core_news_sm 3.8.0; coverage by words and meaning (all-MiniLM-L6-v2)")
    assert lines[at + 1 : at + 4] == [
        "lit les courriels → lit_courriels",
        "résume chaque fil → resume",
        "rédige une réponse → not served",
    ]
    # Before a design, the clauses alone; a language with no parser says so.
    request = "ein Assistent, der die E-Mails liest und eine Antwort schreibt"
    lines = _render(RunRecord(thread_id="t2", request=request, status="running", model="scripted"), {})
    at = lines.index(
        "read by: punctuation splitter (no de parser installed); coverage by words and meaning (all-MiniLM-L6-v2)"
    )
    # The splitter knows English and French separators only: German is cut at its commas.
    assert lines[at + 1 : at + 3] == ["ein Assistent", "der die E-Mails liest und eine Antwort schreibt"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a \x1b[31mred\x1b[0m word", r"a \x1b[31mred\x1b[0m word"),
        ("\x1b]0;title\x07", r"\x1b]0;title\x07"),
        ("line\nnext\r\tcell", r"line\nnext\r\tcell"),
        ("\x00\x7f\x85\x9b", r"\x00\x7f\x85\x9b"),
        ("\u202eevil\u2066", r"\u202eevil\u2066"),
        ("zero\u200bwidth\ufeff", r"zero\u200bwidth\ufeff"),
        ("\u2028\u2029", r"\u2028\u2029"),
        ("lone \ud83d surrogate", r"lone \ud83d surrogate"),
        ("tag \U000e0041", r"tag \U000e0041"),
        # A backslash is doubled, so an escape shown is never text that looked like one.
        (r"C:\x1b", r"C:\\x1b"),
        # Printable text is kept as it is: accents, emoji and the joiners inside them, other scripts.
        ("café 😀 👨\u200d👩\u200d👧 שלום مرحبا 漢字", "café 😀 👨\u200d👩\u200d👧 שלום مرحبا 漢字"),
        ("[bold]not markup[/]", "[bold]not markup[/]"),
    ],
)
def test_for_terminal_escapes_what_could_drive_a_terminal(text: str, shown: str) -> None:
    assert for_terminal(text) == shown


def test_for_terminal_can_leave_backslashes_single_for_json_answers() -> None:
    assert for_terminal('{"a": "x\\ny"}\n\x1b', backslashes=False) == '{"a": "x\\ny"}\\n\\x1b'


def test_for_terminal_leaves_no_control_character_over_the_whole_unicode_range() -> None:
    import unicodedata

    every = "".join(chr(code) for code in range(0x110000))
    shown = for_terminal(every)
    left = {unicodedata.category(ch) for ch in shown if not ch.isprintable() and ch != " "}
    # What stays unprintable by Python's rule is spacing (Zs), private use (Co), unassigned (Cn)
    # and the two joiners (Cf) emoji and some scripts need; no control, format or separator else.
    assert left == {"Zs", "Co", "Cn", "Cf"}
    assert {ch for ch in shown if unicodedata.category(ch) == "Cf"} == {"\u200c", "\u200d"}
    assert not any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in shown)
    shown.encode("utf-8")  # no lone surrogate is left to break the output stream


def test_the_timeline_pairs_each_node_run_with_its_verdict_or_halt() -> None:
    from autogenesis.report import render_timeline, timeline, timeline_csv
    from autogenesis.state import Event

    events = [
        Event(node="intake", kind="done", at=1000.0, duration_s=0.001),
        Event(node="review_design", kind="done", at=1001.5, duration_s=2.25, model_calls=1, tokens=300),
        Event(node="review_design", kind="verdict", detail="attempt 1 rejected: weak on 'triage'"),
        Event(node="escalate", kind="done", at=1004.0),
        Event(node="halt", kind="halt", detail="escalated:design: 1 attempts rejected"),
    ]
    rows = timeline({"events": events})
    assert [(r["node"], r["duration_s"], r["model_calls"], r["tokens"], r["verdict"]) for r in rows] == [
        ("intake", 0.001, 0, 0, ""),
        ("review_design", 2.25, 1, 300, "attempt 1 rejected: weak on 'triage'"),
        ("escalate", 0.0, 0, 0, "escalated:design: 1 attempts rejected"),
    ]
    assert [dt.datetime.fromisoformat(r["start"]).timestamp() for r in rows] == [1000.0, 1001.5, 1004.0]
    assert timeline_csv(rows).splitlines()[0] == "node,start,duration_s,model_calls,tokens,verdict"
    assert timeline_csv(rows).splitlines()[2].endswith(",2.25,1,300,attempt 1 rejected: weak on 'triage'")

    stream = io.StringIO()
    render_timeline(Console(file=stream, width=200, highlight=False), rows)
    lines = [line.split() for line in stream.getvalue().splitlines()]
    assert [line[0] for line in lines] == ["node", "intake", "review_design", "escalate", "total"]
    assert lines[2][2:] == ["2.250", "1", "300", "attempt", "1", "rejected:", "weak", "on", "'triage'"]
    assert lines[-1][1:] == ["2.251", "1", "300"]


def test_show_prints_each_budget_used_and_allowed() -> None:
    record = _record("budget_exhausted", "model calls: 2 used of 2 allowed; stopped before design")
    record = record.model_copy(update={"context": {"max_model_calls": 2, "max_seconds": 90.5}})
    calls = [
        ModelCall(role="understand", model="scripted", prompt_tokens=1000, completion_tokens=200),
        ModelCall(role="review:understand", model="scripted", prompt_tokens=30, completion_tokens=4),
    ]
    from autogenesis.state import Event

    events = [Event(node="understand", kind="done", duration_s=1.5), Event(node="x", kind="verdict", duration_s=9)]
    lines = _render(record, {"calls": calls, "events": events})
    at = lines.index("halt: budget_exhausted — model calls: 2 used of 2 allowed; stopped before design")
    assert lines[at + 1] == "budgets: model calls 2 of 2; tokens 1,234 of no limit; seconds 1.5 of 90.5"
