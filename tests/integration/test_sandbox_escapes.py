"""Generated tests that try to escape the sandbox: each attempt is blocked or harmless, the report
stays true, and nothing the tests started or wrote outlives the run, even when the CLI is killed."""

from __future__ import annotations

import errno
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import autogenesis
from autogenesis.sandbox import RUN_UIDS, isolation, run_project_tests
from autogenesis.state import TestFailure, TestReport

PACKAGE = Path(autogenesis.__file__).resolve().parent


@pytest.fixture(scope="module", autouse=True)
def _strong_sandbox() -> None:
    # CI runs as root with Debian's bubblewrap installed: these tests are about that sandbox.
    assert isolation().kind == "bubblewrap", isolation().description


def _processes_with(token: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if token.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _sandbox_folders(pid: int) -> list[str]:
    """The folders a plain-subprocess sandbox of process `pid` would leave (bubblewrap leaves none)."""
    return [path.name for path in Path(tempfile.gettempdir()).glob(f"autogenesis-sandbox-{pid}-*")]


def _wait_until(condition: object, what: str, timeout_s: float = 60) -> None:
    """Wait for a condition of the outside world (not for a time): fail with `what` if it never holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)


@pytest.fixture
def token() -> Iterator[str]:
    # A number, so `sleep 600 <token>` is a valid command whose cmdline names this test's processes.
    value = f"0.{secrets.randbelow(10**12):012d}1"
    yield value
    for pid in _processes_with(value):  # only reached when a test failed: leave the machine clean
        os.kill(pid, signal.SIGKILL)


def test_writes_outside_the_tests_folder_fail_or_stay_inside(tmp_path: Path) -> None:
    marker = f"escape-{secrets.token_hex(6)}"
    targets = [PACKAGE / marker, Path(sys.prefix) / marker, Path.home() / marker, tmp_path / marker, Path("/") / marker]
    probe = (
        "import errno\nfrom pathlib import Path\n\n\n"
        "def test_write_everywhere() -> None:\n"
        f"    for target in {[str(t) for t in targets]!r}:\n"
        "        try:\n"
        "            Path(target).write_text('escaped')\n"
        "        except OSError as error:\n"
        "            assert error.errno in (errno.EROFS, errno.EACCES, errno.ENOENT), (target, error)\n"
        "        else:\n"
        "            raise AssertionError(f'wrote {target}')\n"
        # The private /tmp is writable, and is not the machine's.
        f"    Path('/tmp/{marker}').write_text('inside only')\n"
        f"    assert Path('/tmp/{marker}').read_text() == 'inside only'\n"
    )
    report = run_project_tests({"tests/test_write.py": probe}, timeout_s=60)
    assert (report.passed, report.failed, report.errors) == (1, 0, 0), report.failures
    assert [str(t) for t in [*targets, Path(tempfile.gettempdir()) / marker] if t.exists()] == []


def test_secrets_of_the_system_and_of_the_parent_are_out_of_reach(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"s3cret-{secrets.token_hex(8)}"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    probe = (
        "import os\nfrom pathlib import Path\n\n\n"
        "def test_shadow_is_unreadable() -> None:\n"
        "    try:\n"
        "        Path('/etc/shadow').read_bytes()\n"
        "    except OSError:\n"
        "        pass\n"
        "    else:\n"
        "        raise AssertionError('read /etc/shadow')\n\n\n"
        "def test_runs_unprivileged() -> None:\n"
        "    assert os.getuid() == os.geteuid() == os.getgid() == os.getegid()\n"
        f"    assert os.getuid() in range({RUN_UIDS.start}, {RUN_UIDS.stop}) and os.getgroups() == []\n\n\n"
        "def test_no_process_outside_the_sandbox_is_visible() -> None:\n"
        "    seen = b''\n"
        "    for entry in Path('/proc').iterdir():\n"
        "        if entry.name.isdigit():\n"
        "            for name in ('environ', 'cmdline'):\n"
        "                try:\n"
        "                    seen += (entry / name).read_bytes()\n"
        "                except OSError:\n"
        "                    pass\n"
        f"    assert {secret!r}.encode() not in seen\n"
        "    assert b'test_sandbox_escapes' not in seen  # the outer pytest's command line\n"
        f"    assert {secret!r} not in repr(dict(os.environ))\n"
        f"    assert {secret!r}.encode() not in Path(f'/proc/{{os.getppid()}}/environ').read_bytes() "
        "if os.access(f'/proc/{os.getppid()}/environ', os.R_OK) else True\n"
    )
    report = run_project_tests({"tests/test_secrets.py": probe}, timeout_s=60)
    assert (report.passed, report.failed, report.errors) == (3, 0, 0), report.failures


def _fork_to_the_limit(token: str) -> str:
    """A test body's first lines: fork up to 1,000 `sleep 600 <token>`s, counting in `started`,
    until the process limit refuses one."""
    return (
        "    started = 0\n"
        "    try:\n"
        "        for _ in range(1000):\n"
        "            if os.fork() == 0:\n"
        f"                os.execv('/bin/sleep', ['sleep', '600', {token!r}])\n"
        "            started += 1\n"
        "    except BlockingIOError:\n"
        "        pass\n"
    )


def test_a_fork_bomb_hits_the_process_limit_and_leaves_nothing(token: str) -> None:
    probe = (
        "import os\n\n\n"
        "def test_fork_1000_times() -> None:\n"
        f"{_fork_to_the_limit(token)}"
        "    assert 0 < started < 1000, started\n"
    )
    report = run_project_tests({"tests/test_fork.py": probe}, timeout_s=120)
    assert (report.passed, report.failed, report.errors) == (1, 0, 0), report.failures
    assert _processes_with(token) == []


def test_a_fork_bomb_in_one_run_leaves_a_concurrent_run_its_processes(token: str) -> None:
    # The bomb's run holds its processes until the machine writes /tmp/release into its sandbox.
    bomb = (
        "import os\nimport time\nfrom pathlib import Path\n\n\n"
        "def test_fork_to_the_limit_and_hold() -> None:\n"
        f"{_fork_to_the_limit(token)}"
        "    while not Path('/tmp/release').exists():\n"
        "        time.sleep(0.05)\n"
    )
    reports: list[TestReport] = []
    bombing = threading.Thread(
        target=lambda: reports.append(run_project_tests({"tests/test_bomb.py": bomb}, timeout_s=300))
    )
    bombing.start()
    try:
        _wait_until(lambda: len(_processes_with(token)) >= 200, "the bomb's run holds 200 processes")
        worker = (
            "import subprocess\nimport sys\nfrom concurrent.futures import ThreadPoolExecutor\n\n\n"
            "def test_threads_and_a_subprocess() -> None:\n"
            "    with ThreadPoolExecutor(8) as pool:\n"
            "        assert sum(pool.map(abs, range(-50, 0))) == 1275\n"
            "    out = subprocess.run([sys.executable, '-c', 'print(6 * 7)'], capture_output=True, text=True).stdout\n"
            "    assert out == '42\\n'\n"
        )
        report = run_project_tests({"tests/test_worker.py": worker}, timeout_s=120)
        assert (report.passed, report.failed, report.errors) == (1, 0, 0), report.failures
    finally:
        sleeper = _processes_with(token)[0]
        Path(f"/proc/{sleeper}/root/tmp/release").write_text("")
        bombing.join()
    assert [(r.passed, r.failed, r.errors) for r in reports] == [(1, 0, 0)], reports
    assert _processes_with(token) == []


def test_a_setsid_child_does_not_outlive_the_run(token: str) -> None:
    probe = (
        "import subprocess\n\n\n"
        "def test_leave_a_daemon() -> None:\n"
        f"    subprocess.Popen(['/bin/sleep', '600', {token!r}], start_new_session=True)\n"
    )
    report = run_project_tests({"tests/test_daemon.py": probe}, timeout_s=60)
    assert (report.passed, report.failed, report.errors) == (1, 0, 0), report.failures
    assert _processes_with(token) == []


def test_a_failing_test_cannot_rewrite_its_results() -> None:
    forged = (
        '<?xml version="1.0"?><testsuites><testsuite tests="1"><testcase classname="t" name="t"/>'
        "</testsuite></testsuites>"
    )
    probe = (
        "import os\nfrom pathlib import Path\n\n\n"
        "def test_forge_then_fail() -> None:\n"
        "    for folder in (Path.cwd(), Path.cwd().parent, Path('/tmp'), Path.home()):\n"
        "        for name in ('junit.xml', 'report.xml', 'results.json'):\n"
        "            try:\n"
        f"                (folder / name).write_text({forged!r})\n"
        "            except OSError:\n"
        "                pass\n"
        "    assert 1 + 1 == 3, 'the truth'\n"
    )
    report = run_project_tests({"tests/test_forge.py": probe}, timeout_s=60)
    assert (report.passed, report.failed, report.errors) == (0, 1, 0)
    assert report.failures == (
        TestFailure(
            test="tests/test_forge.py::test_forge_then_fail", message="AssertionError: the truth\nassert (1 + 1) == 3"
        ),
    )


def test_a_test_ending_the_process_early_is_not_a_pass() -> None:
    probe = (
        "import os\n\n\n"
        "def test_exit_zero() -> None:\n    os._exit(0)\n\n\n"
        "def test_never_reached() -> None:\n    pass\n"
    )
    report = run_project_tests({"tests/test_exit.py": probe}, timeout_s=60)
    assert (report.passed, report.failed, report.errors) == (0, 0, 1)
    assert report.failures[0].test == "sandbox"
    assert report.failures[0].message.startswith("pytest exited 0 without a report")


def test_the_network_is_unreachable_even_on_loopback() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    probe = (
        "import errno\nimport socket\n\n\n"
        "def test_host_loopback() -> None:\n"
        "    try:\n"
        f"        socket.create_connection(('127.0.0.1', {port}), timeout=5)\n"
        "    except OSError as error:\n"
        f"        assert error.errno in ({errno.ECONNREFUSED}, {errno.ENETUNREACH}), error\n"
        "    else:\n"
        "        raise AssertionError('reached the host')\n\n\n"
        "def test_internet() -> None:\n"
        "    try:\n"
        "        socket.create_connection(('1.1.1.1', 53), timeout=5)\n"
        "    except OSError as error:\n"
        f"        assert error.errno == {errno.ENETUNREACH}, error\n"
        "    else:\n"
        "        raise AssertionError('reached the internet')\n"
    )
    try:
        report = run_project_tests({"tests/test_net.py": probe}, timeout_s=60)
    finally:
        listener.close()
    assert (report.passed, report.failed, report.errors) == (2, 0, 0), report.failures


# A CLI build whose tests (the generated ones, plus one added where the code review no longer
# looks) leave a daemon behind and hang: the CLI is killed with -9 mid-test.
_DRIVER = """
import sys
from autogenesis import cli, sandbox
from autogenesis.nodes import integrate

def run_project_tests(files, **limits):
    files = {**files, "tests/test_hang.py": (
        "import subprocess, time\\n\\n\\ndef test_hang() -> None:\\n"
        "    subprocess.Popen(['/bin/sleep', '600', TOKEN], start_new_session=True)\\n"
        "    time.sleep(600)\\n"
    )}
    return sandbox.run_project_tests(files, **limits)

integrate.run_project_tests = run_project_tests
sys.argv = ["autogenesis", "build", "a helpdesk that triages tickets", "--model", "scripted", "--db", "memory"]
cli.main()
"""


def test_nothing_outlives_a_cli_killed_with_sigkill_mid_test(token: str, tmp_path: Path) -> None:
    driver = tmp_path / "driver.py"
    driver.write_text(_DRIVER.replace("TOKEN", repr(token)), encoding="utf-8")
    env = {**os.environ, "AUTOGENESIS_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
    cli = subprocess.Popen(
        [sys.executable, str(driver)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path
    )
    try:
        _wait_until(
            lambda: _processes_with(token) != [] or cli.poll() is not None,
            "the generated test started its daemon",
            timeout_s=300,
        )
        assert cli.poll() is None, cli.communicate()[1].decode()
        cli.send_signal(signal.SIGKILL)
        cli.wait(timeout=30)
        _wait_until(lambda: _processes_with(token) == [], "the daemon was killed with the CLI", timeout_s=30)
    finally:
        if cli.poll() is None:
            cli.kill()
        assert cli.stderr is not None
        cli.stderr.close()
    assert _sandbox_folders(cli.pid) == []
