"""The sandbox's report parsing and isolation probe (the runs themselves are integration tests)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from autogenesis.sandbox import _parse_junit, network_isolation
from autogenesis.state import TestFailure, TestReport

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="5" time="0.5">
<testcase classname="tests.test_graph" name="test_ok" time="0.1" />
<testcase classname="tests.test_graph" name="test_ok_too" time="0.1" />
<testcase classname="tests.test_graph" name="test_bad" time="0.1">
<failure message="AssertionError: no">trace</failure></testcase>
<testcase classname="tests.test_graph.TestThing" name="test_method" time="0.1"><skipped message="later" /></testcase>
<testcase classname="" name="tests.test_other" time="0.1">
<error message="collection failure">E   ImportError: nope</error></testcase>
</testsuite></testsuites>"""


def test_junit_report_is_parsed() -> None:
    assert _parse_junit(JUNIT, duration_s=1.23456, sandbox="s") == TestReport(
        passed=2,
        failed=1,
        errors=1,
        duration_s=1.235,
        failures=(
            TestFailure(test="tests/test_graph.py::test_bad", message="AssertionError: no"),
            TestFailure(test="tests.test_other", message="collection failure: E   ImportError: nope"),
        ),
        sandbox="s",
    )


def test_network_isolation_is_probed_once() -> None:
    first = network_isolation()
    assert network_isolation() is first
    assert first[1] in ("no network (new network namespace via unshare -n)",) or first[1].startswith(
        "network NOT isolated"
    )


def test_pytest_is_a_runtime_dependency() -> None:
    # Every build's integrate stage runs the generated tests with pytest: not a dev-only tool here.
    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    assert "pytest>=8" in project["project"]["dependencies"]
