"""The side of the sandbox that runs inside it: unpack the project, drop privileges, run pytest.

`python -m autogenesis.sandbox_child` is the sandbox's first process. It gives up root (when it
has it) for an unprivileged uid with a process-count limit, unpacks the project it reads as a tar
stream on stdin into its private folder, then becomes pytest with this module loaded as a plugin.
The plugin reports each test's outcome as one JSON line on a descriptor the parent holds the
other end of (the process's original stdout), not in a file: the tests can neither overwrite nor
pre-write their results in their folder. Everything pytest prints goes to stderr, the log.

Configured by the parent through the environment (`ENV_*` below); nothing here is for users.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import sys
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

ENV_ROOT = "AUTOGENESIS_SANDBOX_ROOT"
ENV_UID = "AUTOGENESIS_SANDBOX_UID"
ENV_NPROC = "AUTOGENESIS_SANDBOX_NPROC"
ENV_RESULTS = "AUTOGENESIS_SANDBOX_RESULTS"
ENV_PROBE = "AUTOGENESIS_SANDBOX_PROBE"
#: The first line the child writes on the results channel once it runs unprivileged.
READY = "autogenesis-sandbox-ready"
#: This module's import name (`__name__` is "__main__" when it runs as the first process).
MODULE = "autogenesis.sandbox_child"
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Ask the kernel to kill this process (and so pytest, which it becomes) when its parent dies."""
    import ctypes
    import signal

    # Not Linux (no prctl): the parent's timeout kill still applies.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _drop_privileges(uid: int | None, nproc: int) -> None:
    if nproc > 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    if uid is None or os.getuid() != 0:
        return
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:  # pragma: no cover - the kernel guarantees it
        raise SystemExit("the sandbox could not drop root")


def _unpack(root: Path) -> Path:
    project, home = root / "project", root / "home"
    project.mkdir(parents=True)
    home.mkdir()
    payload = sys.stdin.buffer.read()
    # By hand rather than `extractall(filter="data")`, which Python 3.11 has only from 3.11.4 on:
    # regular files only, each inside the project (the parent checked the paths too).
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:") as archive:
        for member in archive:
            target = (project / member.name).resolve()
            if not member.isfile() or not target.is_relative_to(project.resolve()):
                raise SystemExit(f"the sandbox refused {member.name!r}: not a file inside the project")
            source = archive.extractfile(member)
            assert source is not None  # a regular file's member has its data
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read())
    return project


def main() -> None:
    _die_with_parent()
    uid = os.environ.pop(ENV_UID, "")
    _drop_privileges(int(uid) if uid else None, int(os.environ.pop(ENV_NPROC, "0")))
    results = os.dup(1)
    os.write(results, f"{READY} uid={os.getuid()}\n".encode())
    if os.environ.pop(ENV_PROBE, ""):
        import pytest  # noqa: F401  # the probe: can the unprivileged side import what tests need?

        import autogenesis  # noqa: F401

        return
    project = _unpack(Path(os.environ.pop(ENV_ROOT)))
    os.dup2(2, 1)
    os.set_inheritable(results, True)
    os.chdir(project)
    env = {**os.environ, ENV_RESULTS: str(results)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", MODULE]
    os.execve(sys.executable, command, env)


# -- the pytest plugin (loaded in the pytest process by `-p autogenesis.sandbox_child`) --------

_channel: io.TextIOWrapper | None = None


def _send(record: dict[str, Any]) -> None:
    if _channel is not None:
        _channel.write(json.dumps(record) + "\n")
        _channel.flush()


def _crash_message(report: Any) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)
    lines = [line.strip() for line in str(report.longrepr).splitlines() if line.strip()]
    return lines[-1] if lines else report.outcome


def pytest_configure(config: pytest.Config) -> None:
    global _channel
    inherited = os.environ.pop(ENV_RESULTS, "")
    if not inherited:
        return
    # Moved off the inherited number and not inherited by the tests' own child processes.
    fd = os.dup(int(inherited))
    os.close(int(inherited))
    _channel = open(fd, "w", encoding="utf-8", closefd=True)  # noqa: SIM115 - open for the session


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _send({"test": report.nodeid, "outcome": "error", "message": f"collection failure: {_crash_message(report)}"})


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        outcome = "skipped" if report.skipped else report.outcome
        _send({"test": report.nodeid, "outcome": outcome, "message": _crash_message(report) if report.failed else ""})
    elif report.failed:
        message = f'failed on {report.when} with "{_crash_message(report)}"'
        _send({"test": report.nodeid, "outcome": "error", "message": message})
    elif report.skipped and report.when == "setup":
        _send({"test": report.nodeid, "outcome": "skipped", "message": ""})


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _send({"done": True, "exitstatus": int(exitstatus)})


if __name__ == "__main__":
    main()
