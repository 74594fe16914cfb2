"""Benchmark of the sandbox: what bubblewrap's isolation costs a generated project's test run.

Run: `HF_HUB_OFFLINE=1 python bench/sandbox.py [--rounds 5]`

Each round runs the same generated project (three agents, three review pairs, two acceptance
scenarios: 6 tests) once in bubblewrap and once in the plain subprocess, in an order that
alternates from round to round, and prints each sandbox's median and best wall time per run,
the parent's peak RSS, and the ratio bubblewrap / subprocess of the medians (the goal: ≤ 1.25,
since isolation must not be why a build is slow). The isolation probe (once per process) is
timed separately.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autogenesis.blueprint.codegen import render_project
from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.ir import Scenario
from autogenesis.sandbox import Isolation, isolation, run_project_tests

ROLES = (("intake", "Read the request"), ("research", "Find what is needed"), ("answer", "Write the answer"))
SCENARIOS = (
    Scenario(name="refund", input="I want a refund", expect="a refund policy answer"),
    Scenario(name="outage", input="The site is down", expect="an incident answer"),
)


def _timed_probe(mode: str) -> tuple[Isolation, float]:
    started = time.perf_counter()
    chosen = isolation(mode)
    return chosen, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    files = render_project(linear_blueprint("support_desk", ROLES, max_retries=2, scenarios=SCENARIOS), {})
    modes = ("bubblewrap", "subprocess")
    probes = {mode: _timed_probe(mode) for mode in modes}
    for mode, (chosen, seconds) in probes.items():
        print(f"probe {mode:<10} {seconds:6.2f} s  {chosen.description}")
    if probes["bubblewrap"][0].kind != "bubblewrap":
        raise SystemExit("bubblewrap is not available here: nothing to compare")
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    for round_ in range(args.rounds):
        for mode in modes if round_ % 2 == 0 else tuple(reversed(modes)):
            os.environ["AUTOGENESIS_SANDBOX"] = mode
            started = time.perf_counter()
            report = run_project_tests(files, timeout_s=180)
            times[mode].append(time.perf_counter() - started)
            if (report.passed, report.failed, report.errors) != (6, 0, 0):
                raise SystemExit(f"{mode}: unexpected report {report}")
    print(f"\n{'sandbox':<12}{'median s':>10}{'best s':>10}   runs: {args.rounds}, 6 tests each")
    for mode in modes:
        print(f"{mode:<12}{statistics.median(times[mode]):>10.2f}{min(times[mode]):>10.2f}")
    ratio = statistics.median(times["bubblewrap"]) / statistics.median(times["subprocess"])
    print(f"\nbubblewrap / subprocess (medians): {ratio:.2f}x (goal <= 1.25)")
    print(f"parent peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
