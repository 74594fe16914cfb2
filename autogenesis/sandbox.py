"""Running a generated project's tests where they can do no harm.

Each run gets a fresh temporary folder, the same interpreter, a minimal environment, CPU-time
and address-space limits, a wall-clock timeout that kills the whole process group, and no
network: a new network namespace (`unshare -n`), where even 127.0.0.1 is unreachable. Where the
OS refuses that (non-root users without user namespaces) the run goes ahead with the reason
recorded in `TestReport.sandbox`. Failing, hanging or hostile generated code is reported,
never raised.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

import autogenesis
from autogenesis.blueprint.verify import path_problem
from autogenesis.state import TestFailure, TestReport

_MAX_MESSAGE_CHARS = 1000
_MAX_FAILURES = 50
_MB = 1024 * 1024
_CPU_SPARE_S = 60


@cache
def network_isolation() -> tuple[list[str], str]:
    """The command prefix that cuts the network (`unshare -n`) and a description; probed once."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return [], "network NOT isolated: the unshare command is not installed"
    try:
        probe = subprocess.run([unshare, "-n", "--", "true"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as error:
        return [], f"network NOT isolated: unshare -n failed ({error})"
    if probe.returncode != 0:
        reason = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else f"exit {probe.returncode}"
        return [], f"network NOT isolated: unshare -n refused ({reason})"
    return [unshare, "-n", "--"], "no network (new network namespace via unshare -n)"


def _limits(cpu_s: int, memory_mb: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * _MB, memory_mb * _MB))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _environment(project: Path, home: Path) -> dict[str, str]:
    package_root = str(Path(autogenesis.__file__).resolve().parent.parent)
    return {
        "PATH": os.defpath,
        "PYTHONPATH": os.pathsep.join([str(project), package_root]),
        "HOME": str(home),
        "TMPDIR": str(home),
        "AUTOGENESIS_HOME": str(home / "autogenesis"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        # Generated tests need no plugins; not loading every installed one halves the run time.
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONUTF8": "1",
        "LANG": "C.UTF-8",
    }


def _tail(path: Path, limit: int = 4000) -> str:
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - limit))
        return f.read().decode("utf-8", errors="replace").strip()


def _error_report(message: str, *, sandbox: str, duration_s: float = 0.0) -> TestReport:
    return TestReport(
        passed=0,
        failed=0,
        errors=1,
        duration_s=round(duration_s, 3),
        failures=(TestFailure(test="sandbox", message=message[-_MAX_MESSAGE_CHARS:]),),
        sandbox=sandbox,
    )


def _test_id(case: ET.Element) -> str:
    classname, name = case.get("classname", ""), case.get("name", "")
    if not classname:
        return name
    module, _, cls = classname.partition(".Test")
    path = module.replace(".", "/") + ".py"
    return f"{path}::Test{cls}::{name}" if cls else f"{path}::{name}"


def _message(outcome: ET.Element) -> str:
    """The outcome's message; for an error (e.g. in collection) also the detail's last line, the cause."""
    message = outcome.get("message") or outcome.tag
    lines = [line.strip() for line in (outcome.text or "").splitlines() if line.strip()]
    if outcome.tag == "error" and lines and lines[-1] not in message:
        message = f"{message}: {lines[-1]}"
    return message


def _parse_junit(xml_text: str, *, duration_s: float, sandbox: str) -> TestReport:
    root = ET.fromstring(xml_text)
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    passed = failed = errors = 0
    failures: list[TestFailure] = []
    for suite in suites:
        for case in suite.iter("testcase"):
            outcome = next((child for child in case if child.tag in ("failure", "error", "skipped")), None)
            if outcome is None:
                passed += 1
                continue
            if outcome.tag == "skipped":
                continue
            if outcome.tag == "failure":
                failed += 1
            else:
                errors += 1
            text = _message(outcome)
            if len(failures) < _MAX_FAILURES:
                failures.append(TestFailure(test=_test_id(case), message=text[:_MAX_MESSAGE_CHARS]))
    return TestReport(
        passed=passed,
        failed=failed,
        errors=errors,
        duration_s=round(duration_s, 3),
        failures=tuple(failures),
        sandbox=sandbox,
    )


def run_project_tests(files: Mapping[str, str], *, timeout_s: float = 180, memory_mb: int = 4096) -> TestReport:
    """Write `files` to a fresh folder, run their pytest suite in the sandbox, report the results."""
    prefix, isolation = network_isolation()
    sandbox = f"subprocess, {isolation}, cpu {int(timeout_s)} s, memory {memory_mb} MB, timeout {timeout_s:g} s"
    unsafe = [problem for path in files if (problem := path_problem(path))]
    if unsafe:
        return _error_report("refused to write the project: " + "; ".join(unsafe[:5]), sandbox=sandbox)
    workdir = Path(tempfile.mkdtemp(prefix="autogenesis-sandbox-"))
    started = time.monotonic()
    try:
        project, home = workdir / "project", workdir / "home"
        home.mkdir()
        for path, text in files.items():
            target = project / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        junit = workdir / "junit.xml"
        command = [
            *prefix,
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            "-o",
            "junit_family=xunit2",
        ]
        log = workdir / "output.log"
        with log.open("wb") as sink:
            proc = subprocess.Popen(
                command,
                cwd=project,
                env=_environment(project, home),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Only setrlimit calls run in the child before exec: safe with threads in the parent.
                # The wall clock is the limit that reports; the CPU limit is a backstop with room
                # to spare, so a short timeout is never cut short by a CPU signal first.
                preexec_fn=_limits(int(timeout_s) + _CPU_SPARE_S, memory_mb),
            )
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return _error_report(
                    f"the tests did not finish within {timeout_s:g} s and were killed",
                    sandbox=sandbox,
                    duration_s=time.monotonic() - started,
                )
        output = _tail(log)
        duration = time.monotonic() - started
        if not junit.exists():
            return _error_report(
                f"pytest exited {proc.returncode} without a report: {output}",
                sandbox=sandbox,
                duration_s=duration,
            )
        report = _parse_junit(junit.read_text(encoding="utf-8"), duration_s=duration, sandbox=sandbox)
        if proc.returncode not in (0, 1) and report.failed + report.errors == 0:
            return _error_report(f"pytest exited {proc.returncode}: {output}", sandbox=sandbox, duration_s=duration)
        return report
    except (OSError, ValueError, ET.ParseError) as error:
        return _error_report(f"the sandbox failed: {error}", sandbox=sandbox, duration_s=time.monotonic() - started)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
