"""The live display as a terminal shows it: with the spinner running, every verdict line names its stage.

The CLI runs in a pseudo terminal and its bytes go through a terminal emulator (pyte), so the
assertions are on what a user would see on screen, after carriage returns, cursor moves and
erased lines, not on the raw stream.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pyte
import pytest

HELPDESK = "a helpdesk that triages tickets"
COLUMNS = 120
#: Tall enough that nothing scrolls off the emulated screen.
ROWS = 300
DEADLINE_S = 300.0
#: Variables that would make rich ignore the terminal or change its size.
_TERMINAL_OVERRIDES = ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")


def run_in_terminal(*args: str, cwd: Path) -> tuple[int, bytes]:
    """Run `autogenesis ARGS` in `cwd` with a pseudo terminal as stdin, stdout and stderr; its exit code and output."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in _TERMINAL_OVERRIDES}
    env.update(TERM="xterm", COLUMNS=str(COLUMNS), LINES=str(ROWS))
    proc = subprocess.Popen(
        [sys.executable, "-m", "autogenesis", *args], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd
    )
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + DEADLINE_S
    try:
        while True:
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                proc.kill()
                pytest.fail(f"no exit after {DEADLINE_S:g} s; output so far:\n{output.decode(errors='replace')}")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(master)
    return proc.wait(timeout=60), bytes(output)


def screen_lines(output: bytes) -> list[str]:
    """The lines a terminal shows after rendering `output`, trailing blanks removed."""
    screen = pyte.Screen(COLUMNS, ROWS)
    pyte.ByteStream(screen).feed(output)
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def test_every_verdict_line_on_screen_names_its_stage(tmp_path: Path) -> None:
    # Relative paths keep every line, the resume hint included, within the terminal's width.
    db = "r.db"
    code, output = run_in_terminal(
        "build",
        HELPDESK,
        "--model",
        "scripted:reject=design",
        "--db",
        db,
        "--out",
        "out",
        "--thread",
        "tty",
        "--max-retries",
        "design=2",
        cwd=tmp_path,
    )
    lines = screen_lines(output)
    assert code == 3, "\n".join(lines)
    assert b"\x1b[" in output  # the spinner really ran: rich drew it with escape sequences

    shown = subprocess.run(
        [sys.executable, "-m", "autogenesis", "show", "tty", "--db", db, "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    events = json.loads(shown.stdout)["state"]["events"]
    verdicts = [f"  {'✓' if ' approved' in e['detail'] else '✗'} {e['node']}: {e['detail']}" for e in events]
    on_screen = [line for line in lines if ": attempt " in line]
    assert on_screen == [v for v, e in zip(verdicts, events, strict=True) if e["kind"] == "verdict"]
    reason = "2 attempts rejected; last reasons: weak on 'triages tickets'"
    assert [re.sub(r"\d+\.\d\ds", "N.NNs", line) for line in lines] == [
        "building thread tty with model scripted:reject=design",
        "  • intake N.NNs",
        "  • understand N.NNs",
        "  ✓ review_understand: attempt 1 approved",
        "  • design N.NNs",
        "  ✗ review_design: attempt 1 rejected: weak on 'triages tickets'",
        "  • design N.NNs",
        "  ✗ review_design: attempt 2 rejected: weak on 'triages tickets'",
        "  • escalate N.NNs",
        f"  ■ escalated:design: {reason}",
        "escalated:design thread tty",
        f"why: {reason}",
        f"continue with: autogenesis resume tty --db {db} --max-retries design=3",
    ]
