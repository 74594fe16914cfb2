"""Running a generated project's tests where they can do no harm.

The tests run in bubblewrap (`bwrap`, Debian's `bubblewrap`): their own PID, mount, network, IPC
and UTS namespaces; a read-only view of the system and of the Python installation; a private
tmpfs (`/sandbox`, `/tmp`) as the only writable place, which vanishes with the sandbox; no view
of other processes or of the parent's environment; an unprivileged uid (one of its own per run when
AutoGenesis runs as root; the invoking user otherwise, in a user namespace) with a process-count limit; and
every process killed when the run ends, times out, or its parent dies (`--die-with-parent`, then
the PID namespace's init). The project reaches the sandbox as a tar stream on stdin, so nothing
is left on disk by a run that is killed. Results come back as one JSON line per test on a pipe
(`sandbox_child`), not a file the tests could overwrite, and are cross-checked with pytest's
exit status.

Where bubblewrap is missing or refused, the tests run in a plain subprocess (`unshare -n` for
the network when allowed), and `TestReport.sandbox` says how much weaker that is; set
`AUTOGENESIS_SANDBOX=bubblewrap` to refuse to run without it. Failing, hanging or hostile
generated code is reported, never raised.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Literal

import autogenesis
from autogenesis import sandbox_child
from autogenesis.blueprint.verify import path_problem
from autogenesis.state import TestFailure, TestReport

_MAX_MESSAGE_CHARS = 1000
_MAX_FAILURES = 50
_MAX_RESULTS_BYTES = 16 * 1024 * 1024
_LOG_TAIL_BYTES = 4000
_MB = 1024 * 1024
_CPU_SPARE_S = 60
#: How long the kernel may take to tear down a PID namespace whose init was killed.
_NAMESPACE_EXIT_S = 60
#: Which sandbox to use: auto (bubblewrap when it works), bubblewrap (or nothing runs), subprocess.
SANDBOX_ENV = "AUTOGENESIS_SANDBOX"
#: When AutoGenesis runs as root, each run's tests get a uid of their own, drawn from this range,
#: which owns no file they can see. RLIMIT_NPROC counts a uid's processes machine-wide: runs
#: sharing one uid (nobody) would share one process budget, and a fork bomb in one project's
#: tests would make another build's tests fail. Two runs drawing the same uid (one chance in
#: 16 million) would only share that budget: their PID namespaces keep them apart.
RUN_UIDS = range(0x6F000000, 0x6F000000 + 2**24)
#: Processes (threads included) the tests may add to those their uid already has.
MAX_PROCESSES = 256
#: Inside bubblewrap: the private folder holding `project/` and `home/`.
SANDBOX_ROOT = "/sandbox"
#: The /etc files a Python test needs; nothing else of /etc (shadow, keys, ...) is visible.
_ETC = (
    "alternatives",
    "ca-certificates",
    "group",
    "host.conf",
    "hosts",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "mime.types",
    "nsswitch.conf",
    "os-release",
    "passwd",
    "ssl",
)


@dataclass(frozen=True)
class Isolation:
    """How the tests are isolated on this machine, probed once per process and mode."""

    kind: Literal["bubblewrap", "subprocess", "unavailable"]
    prefix: tuple[str, ...]
    description: str
    #: Whether the sandbox's first process drops root for a uid of its run's own (`RUN_UIDS`);
    #: else it keeps the invoking uid.
    drops_root: bool = False

    def run_uid(self) -> int | None:
        """The uid a new run's tests get (None: the invoking uid)."""
        return RUN_UIDS[secrets.randbelow(len(RUN_UIDS))] if self.drops_root else None


def _package_root() -> str:
    return str(Path(autogenesis.__file__).resolve().parent.parent)


def _python_paths() -> list[str]:
    """The folders the interpreter, its libraries and AutoGenesis live in, outermost first."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, _package_root()}
    candidates.add(str(Path(sys.executable).resolve().parent))
    candidates.update(entry for entry in sys.path if entry)
    existing = sorted({os.path.realpath(path) for path in candidates if os.path.exists(path)})
    kept: list[str] = []
    for path in existing:
        if path == "/" or any(path == top or path.startswith(top + "/") for top in ("/usr", *kept)):
            continue
        kept.append(path)
    return kept


def _bwrap_command(bwrap: str, *, as_root: bool) -> list[str]:
    command = [bwrap, "--die-with-parent", "--new-session"]
    command += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    # As root, bubblewrap keeps only what the first process needs to become its run's uid.
    command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"] if as_root else ["--unshare-user"]
    command += ["--ro-bind", "/usr", "/usr"]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/", top)
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            command += ["--ro-bind", str(path), str(path)]
    command += ["--perms", "0755", "--dir", "/etc"]
    command += [arg for name in _ETC for arg in ("--ro-bind-try", f"/etc/{name}", f"/etc/{name}")]
    command += ["--proc", "/proc", "--dev", "/dev"]
    command += ["--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--tmpfs", SANDBOX_ROOT]
    made = {"/", "/etc", "/tmp", SANDBOX_ROOT}
    for folder in _python_paths():
        # bubblewrap makes missing parents 0700: an unprivileged uid could not walk through them.
        for parent in map(str, reversed(Path(folder).parents)):
            if parent not in made:
                made.add(parent)
                command += ["--perms", "0755", "--dir", parent]
        command += ["--ro-bind", folder, folder]
    return [*command, "--chdir", "/", "--"]


def _unshare_prefix() -> tuple[list[str], str]:
    """`unshare -n` to cut the network when the OS allows it, and what it gave."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return [], "network NOT isolated (no unshare command)"
    try:
        probe = subprocess.run([unshare, "-n", "--", "true"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as error:
        return [], f"network NOT isolated (unshare -n failed: {error})"
    if probe.returncode != 0:
        reason = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else f"exit {probe.returncode}"
        return [], f"network NOT isolated (unshare -n refused: {reason})"
    return [unshare, "-n", "--"], "no network (unshare -n)"


def _probe(prefix: list[str], uid: int | None) -> str | None:
    """Run the sandbox's first process in probe mode; None when it works, else why not."""
    env = _environment(SANDBOX_ROOT, uid=uid, nproc=0)
    env[sandbox_child.ENV_PROBE] = "1"
    try:
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", sandbox_child.MODULE],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return str(error)
    expected = f"{sandbox_child.READY} uid={uid if uid is not None else os.getuid()}"
    if proc.returncode != 0 or proc.stdout.decode(errors="replace").strip() != expected:
        lines = proc.stderr.decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"exit {proc.returncode}"
    return None


@cache
def isolation(mode: str = "auto") -> Isolation:
    """The strongest isolation this machine allows (`mode`: auto, bubblewrap or subprocess)."""
    refused = ""
    if mode in ("auto", "bubblewrap"):
        bwrap = shutil.which("bwrap")
        as_root = os.geteuid() == 0
        uid = RUN_UIDS[0] if as_root else None
        if bwrap is None:
            refused = "bubblewrap is not installed (apt-get install bubblewrap)"
        else:
            prefix = _bwrap_command(bwrap, as_root=as_root)
            refused = _probe(prefix, uid) or ""
            if not refused:
                who = "a uid of its own" if as_root else f"your uid {os.getuid()} in a user namespace"
                description = (
                    f"bubblewrap: {who}, own pid/mount/network namespaces, read-only system, "
                    f"writable only {SANDBOX_ROOT} and /tmp (private), at most {MAX_PROCESSES} more processes, "
                    "killed with its parent"
                )
                return Isolation("bubblewrap", tuple(prefix), description, drops_root=as_root)
            refused = f"bubblewrap refused: {refused}"
        if mode == "bubblewrap":
            return Isolation("unavailable", (), f"no sandbox: {refused}")
    prefix, network = _unshare_prefix()
    weaker = (
        f"subprocess as uid {os.getuid()}, {network}; WEAKER than bubblewrap: the tests can read and write "
        "what this user can and see other processes"
    )
    return Isolation("subprocess", tuple(prefix), f"{weaker} ({refused})" if refused else weaker)


def _limits(cpu_s: int, memory_mb: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * _MB, memory_mb * _MB))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _own_processes() -> int:
    """Tasks (processes and threads) of this uid now: RLIMIT_NPROC counts them all."""
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == os.getuid():
                    count += len(os.listdir(entry / "task"))
            except OSError:
                continue
    return count


def _environment(root: str, *, uid: int | None, nproc: int) -> dict[str, str]:
    project, home = f"{root}/project", f"{root}/home"
    env = {
        "PATH": os.defpath,
        "PYTHONPATH": os.pathsep.join([project, _package_root()]),
        "HOME": home,
        "TMPDIR": home,
        "AUTOGENESIS_HOME": f"{home}/autogenesis",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        # Generated tests need no plugins; not loading every installed one halves the run time.
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONUTF8": "1",
        "LANG": "C.UTF-8",
        sandbox_child.ENV_ROOT: root,
        sandbox_child.ENV_NPROC: str(nproc),
    }
    if uid is not None:
        env[sandbox_child.ENV_UID] = str(uid)
    return env


def _error_report(message: str, *, sandbox: str, duration_s: float = 0.0) -> TestReport:
    return TestReport(
        passed=0,
        failed=0,
        errors=1,
        duration_s=round(duration_s, 3),
        failures=(TestFailure(test="sandbox", message=message[-_MAX_MESSAGE_CHARS:]),),
        sandbox=sandbox,
    )


class _Results(ValueError):
    """The results channel said something no honest run says."""


def parse_results(lines: list[str], *, uid: int | None, duration_s: float, sandbox: str) -> tuple[TestReport, int]:
    """The report and pytest's exit status from the results channel's lines (see `sandbox_child`)."""
    expected = f"{sandbox_child.READY} uid={uid if uid is not None else os.getuid()}"
    if not lines or lines[0] != expected:
        raise _Results(f"the sandbox did not start as expected (first line {lines[0][:80]!r})" if lines else "")
    passed = failed = errors = 0
    failures: list[TestFailure] = []
    exitstatus: int | None = None
    for line in lines[1:]:
        try:
            record = json.loads(line)
            if record.get("done") is True:
                exitstatus = int(record["exitstatus"])
                continue
            test, outcome, message = str(record["test"]), str(record["outcome"]), str(record["message"])
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise _Results(f"a line of the test results is malformed ({error}): {line[:80]!r}") from error
        if exitstatus is not None:
            raise _Results(f"a test result came after the end of the session: {line[:80]!r}")
        if outcome == "passed":
            passed += 1
        elif outcome in ("failed", "error"):
            failed += outcome == "failed"
            errors += outcome == "error"
            if len(failures) < _MAX_FAILURES:
                failures.append(TestFailure(test=test, message=message[:_MAX_MESSAGE_CHARS]))
        elif outcome != "skipped":
            raise _Results(f"unknown test outcome {outcome!r} for {test}")
    if exitstatus is None:
        raise _Results("")
    report = TestReport(
        passed=passed,
        failed=failed,
        errors=errors,
        duration_s=round(duration_s, 3),
        failures=tuple(failures),
        sandbox=sandbox,
    )
    return report, exitstatus


def _drain(stream: IO[bytes], sink: bytearray, *, limit: int, keep_tail: bool) -> None:
    """Read `stream` to its end into `sink`, holding at most `limit` bytes (its head or its tail)."""
    while chunk := stream.read(65536):
        if keep_tail:
            sink += chunk
            del sink[:-limit]
        elif len(sink) <= limit:
            sink += chunk[: limit + 1 - len(sink)]
    stream.close()


def _namespace_init(info: int) -> int | None:
    """A pidfd for the PID namespace's init, from bubblewrap's `--info-fd` report (None if it
    reported none: it failed before starting the sandbox, and its exit code says why)."""
    data = b""
    try:
        while chunk := os.read(info, 4096):
            data += chunk
        pid = json.loads(data)["child-pid"] if data else None
        return os.pidfd_open(pid) if isinstance(pid, int) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    finally:
        os.close(info)


def _end_namespace(init: int) -> None:
    """Kill the namespace's init and wait until it has exited. The kernel kills every other
    process of the namespace and waits for them before the init's exit completes, so once this
    returns nothing the tests started is left. Bubblewrap's own exit does not guarantee that: it
    reports the tests' exit code as soon as they end, while the namespace is still being torn down."""
    try:
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(init, signal.SIGKILL)
        select.select([init], [], [], _NAMESPACE_EXIT_S)
    finally:
        os.close(init)


def _feed(stream: IO[bytes], payload: bytes) -> None:
    try:
        stream.write(payload)
        stream.close()
    except OSError:
        pass  # the sandbox died before reading it all: its exit says why


def _tar(files: Mapping[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:") as archive:
        for path, text in sorted(files.items()):
            data = text.encode("utf-8")
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _sweep_stale_folders() -> None:
    """Remove the folders of plain-subprocess runs whose process died without cleaning up."""
    for folder in Path(tempfile.gettempdir()).glob("autogenesis-sandbox-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not Path("/proc", pid).exists():
            shutil.rmtree(folder, ignore_errors=True)


def _run(
    isolation_: Isolation, root: str, payload: bytes, *, uid: int | None, timeout_s: float, memory_mb: int
) -> tuple[int | None, bytes, bytes]:
    """Run the sandbox's first process on `payload`: its exit code (None: killed at the timeout),
    its results channel and the tail of its log."""
    nproc = MAX_PROCESSES if uid is not None else _own_processes() + MAX_PROCESSES
    prefix = list(isolation_.prefix)
    info_read, info_write = os.pipe() if isolation_.kind == "bubblewrap" else (-1, -1)
    if info_write >= 0:
        prefix[1:1] = ["--info-fd", str(info_write)]
    try:
        proc = subprocess.Popen(
            [*prefix, sys.executable, "-m", sandbox_child.MODULE],
            env=_environment(root, uid=uid, nproc=nproc),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            pass_fds=(info_write,) if info_write >= 0 else (),
            # Only setrlimit calls run in the child before exec: safe with threads in the parent.
            # The wall clock is the limit that reports; the CPU limit is a backstop with room to
            # spare, so a short timeout is never cut short by a CPU signal first.
            preexec_fn=_limits(int(timeout_s) + _CPU_SPARE_S, memory_mb),
        )
    finally:
        if info_write >= 0:
            os.close(info_write)
    namespace_init = _namespace_init(info_read) if info_read >= 0 else None
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    results, log = bytearray(), bytearray()
    threads = [
        threading.Thread(target=_feed, args=(proc.stdin, payload), daemon=True),
        threading.Thread(
            target=_drain, args=(proc.stdout, results), kwargs={"limit": _MAX_RESULTS_BYTES, "keep_tail": False}
        ),
        threading.Thread(target=_drain, args=(proc.stderr, log), kwargs={"limit": _LOG_TAIL_BYTES, "keep_tail": True}),
    ]
    for thread in threads:
        thread.start()
    code: int | None
    try:
        code = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        # Whatever happened, nothing the tests started outlives the run (bubblewrap: its
        # --die-with-parent and the PID namespace take the rest with it).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if namespace_init is not None:
            _end_namespace(namespace_init)
    for thread in threads[1:]:
        thread.join(timeout=30)
    return code, bytes(results), bytes(log)


def run_project_tests(files: Mapping[str, str], *, timeout_s: float = 180, memory_mb: int = 4096) -> TestReport:
    """Run `files`' pytest suite in the sandbox and report the results."""
    chosen = isolation(os.environ.get(SANDBOX_ENV, "auto"))
    sandbox = f"{chosen.description}; cpu {int(timeout_s)} s, memory {memory_mb} MB, timeout {timeout_s:g} s"
    if chosen.kind == "unavailable":
        return _error_report(f"{SANDBOX_ENV}=bubblewrap, and {chosen.description}", sandbox=sandbox)
    unsafe = [problem for path in files if (problem := path_problem(path))]
    if unsafe:
        return _error_report("refused to write the project: " + "; ".join(unsafe[:5]), sandbox=sandbox)
    started = time.monotonic()
    folder: Path | None = None
    uid = chosen.run_uid()
    try:
        if chosen.kind == "bubblewrap":
            root = SANDBOX_ROOT
        else:
            _sweep_stale_folders()
            folder = Path(tempfile.mkdtemp(prefix=f"autogenesis-sandbox-{os.getpid()}-"))
            root = str(folder)
        code, results, log = _run(chosen, root, _tar(files), uid=uid, timeout_s=timeout_s, memory_mb=memory_mb)
    except (OSError, ValueError) as error:
        return _error_report(f"the sandbox failed: {error}", sandbox=sandbox, duration_s=time.monotonic() - started)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    duration = time.monotonic() - started
    output = log.decode("utf-8", errors="replace").strip()
    if code is None:
        return _error_report(
            f"the tests did not finish within {timeout_s:g} s and were killed", sandbox=sandbox, duration_s=duration
        )
    if len(results) > _MAX_RESULTS_BYTES:
        return _error_report("the test results exceeded 16 MB", sandbox=sandbox, duration_s=duration)
    lines = results.decode("utf-8", errors="replace").splitlines()
    try:
        report, exitstatus = parse_results(lines, uid=uid, duration_s=duration, sandbox=sandbox)
    except _Results as error:
        reason = str(error) or f"pytest exited {code} without a report"
        return _error_report(f"{reason}: {output}" if output else reason, sandbox=sandbox, duration_s=duration)
    if exitstatus != code:
        return _error_report(
            f"the results say pytest ended with status {exitstatus}, but it exited {code}: {output}",
            sandbox=sandbox,
            duration_s=duration,
        )
    if code not in (0, 1) and report.failed + report.errors == 0:
        return _error_report(f"pytest exited {code}: {output}", sandbox=sandbox, duration_s=duration)
    if code == 0 and report.failed + report.errors:
        return _error_report("the results report failures, but pytest exited 0", sandbox=sandbox, duration_s=duration)
    return report
