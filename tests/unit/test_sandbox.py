"""The sandbox's results channel and isolation probe (the runs themselves are integration tests)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from autogenesis import sandbox_child
from autogenesis.sandbox import isolation, parse_results
from autogenesis.state import TestFailure, TestReport

READY = f"{sandbox_child.READY} uid=65534"
RESULTS = [
    READY,
    json.dumps({"test": "tests/test_graph.py::test_ok", "outcome": "passed", "message": ""}),
    json.dumps({"test": "tests/test_graph.py::test_bad", "outcome": "failed", "message": "AssertionError: no"}),
    json.dumps({"test": "tests/test_graph.py::TestThing::test_later", "outcome": "skipped", "message": ""}),
    json.dumps({"test": "tests/test_other.py", "outcome": "error", "message": "collection failure: ImportError: x"}),
    json.dumps({"done": True, "exitstatus": 1}),
]


def test_the_results_channel_is_parsed() -> None:
    report, status = parse_results(RESULTS, uid=65534, duration_s=1.23456, sandbox="s")
    assert status == 1
    assert report == TestReport(
        passed=1,
        failed=1,
        errors=1,
        duration_s=1.235,
        failures=(
            TestFailure(test="tests/test_graph.py::test_bad", message="AssertionError: no"),
            TestFailure(test="tests/test_other.py", message="collection failure: ImportError: x"),
        ),
        sandbox="s",
    )


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        ([], ""),
        (RESULTS[:-1], ""),  # no end of session: the process ended early
        (["autogenesis-sandbox-ready uid=0", *RESULTS[1:]], "the sandbox did not start as expected"),
        ([READY, "not json", *RESULTS[1:]], "a line of the test results is malformed"),
        ([READY, json.dumps({"test": "t", "outcome": "won"}), *RESULTS[1:]], "a line of the test results is malformed"),
        ([READY, json.dumps({"test": "t", "outcome": "won", "message": ""}), *RESULTS[1:]], "unknown test outcome"),
        ([*RESULTS, RESULTS[1]], "a test result came after the end of the session"),
    ],
)
def test_a_results_channel_no_honest_run_writes_is_refused(lines: list[str], reason: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_results(lines, uid=65534, duration_s=0, sandbox="s")
    assert str(raised.value).startswith(reason)


def test_isolation_is_probed_once_per_mode() -> None:
    assert isolation() is isolation()
    assert isolation("subprocess").kind == "subprocess"
    assert "WEAKER than bubblewrap" in isolation("subprocess").description


def test_pytest_is_a_runtime_dependency() -> None:
    # Every build's integrate stage runs the generated tests with pytest: not a dev-only tool here.
    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    assert "pytest>=8" in project["project"]["dependencies"]
