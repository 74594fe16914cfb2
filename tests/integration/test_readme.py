"""The README's Python example, run as written: it deploys, and a resume reloads the run quietly."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_example() -> str:
    section = README.read_text().split("### From Python", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "the README's From Python section has no python block"
    return match.group(1)


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "always", "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "always"},
        stdin=subprocess.DEVNULL,
        timeout=600,
    )


def test_the_readme_python_example_deploys_and_resumes_without_warnings(tmp_path: Path) -> None:
    example = _python_example()
    first = _run(example, tmp_path)
    assert first.returncode == 0, first.stderr
    status, path = first.stdout.split()
    assert status == "approved"
    assert Path(path) == (tmp_path / "generated" / "helpdesk_triages_tickets" / "v1").resolve()
    assert first.stderr == ""

    # The README's resume: the same config, None as input; the finished run is reloaded from disk.
    resume = example.replace('{"request": "a helpdesk that triages tickets"}', "None")
    assert resume != example
    again = _run(resume, tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split() == ["approved", path]
    assert again.stderr == ""
