"""Deploying versions: never overwriting, and carrying the user's edits into the next version."""

from __future__ import annotations

import json
from pathlib import Path

from autogenesis.deploy import MARKER, carry_user_edits, is_user_file, write_project
from autogenesis.state import GeneratedProject

FILES = {
    "desk/tools.py": "def lookup(): return 'generated'\n",
    "desk/prompts/triage.py": "SYSTEM_PROMPT = 'Sort tickets.'\n",
    "desk/prompts/reply.py": "SYSTEM_PROMPT = 'Write replies.'\n",
    "desk/prompts/__init__.py": "",
    "desk/graph.py": "# wiring\n",
}


def _project(version: int, **changed: str) -> GeneratedProject:
    return GeneratedProject(name="desk", version=version, files={**FILES, **changed})


def test_the_user_s_files_are_the_tools_and_prompts() -> None:
    assert [p for p in FILES if is_user_file("desk", p)] == [
        "desk/tools.py",
        "desk/prompts/triage.py",
        "desk/prompts/reply.py",
    ]


def test_edits_are_carried_kept_beside_ours_or_reported(tmp_path: Path) -> None:
    v1 = Path(write_project(_project(1), tmp_path, run_id="r").path)
    marker = json.loads((v1 / MARKER).read_text())
    assert sorted(marker["generated"]) == sorted(FILES)
    (v1 / "desk/tools.py").write_text("def lookup(): return 'from our API'\n")  # v2 leaves it as it was
    (v1 / "desk/prompts/triage.py").write_text("SYSTEM_PROMPT = 'Sort tickets by team.'\n")  # v2 changes it too
    (v1 / "desk/prompts/reply.py").unlink()  # a deleted file is not an edit to carry
    (v1 / "desk/graph.py").write_text("# rewired by hand\n")
    v2 = _project(2, **{"desk/prompts/triage.py": "SYSTEM_PROMPT = 'Sort tickets, then route them.'\n"})
    carry = carry_user_edits(v2, v1)
    assert (carry.carried, carry.conflicts, carry.not_carried) == (
        ("desk/tools.py",),
        ("desk/prompts/triage.py",),
        ("desk/graph.py",),
    )
    assert carry.files == {
        **v2.files,
        "desk/tools.py": "def lookup(): return 'from our API'\n",
        "desk/prompts/triage.py.yours-v1": "SYSTEM_PROMPT = 'Sort tickets by team.'\n",
    }
    deployed = write_project(v2, tmp_path, run_id="r", previous=v1)
    assert (deployed.version, deployed.files, deployed.carried) == (2, len(FILES) + 1, ("desk/tools.py",))
    written = Path(deployed.path)
    assert (written / "desk/tools.py").read_text() == "def lookup(): return 'from our API'\n"
    assert (written / "desk/prompts/triage.py").read_text() == "SYSTEM_PROMPT = 'Sort tickets, then route them.'\n"
    # The marker keeps what AutoGenesis generated, so v3 tells the user's edits apart again.
    generated = json.loads((written / MARKER).read_text())["generated"]
    assert set(generated) == set(FILES)
    assert carry_user_edits(_project(3), written).carried == ("desk/tools.py",)


def test_no_previous_version_or_an_unreadable_marker_carries_nothing(tmp_path: Path) -> None:
    assert carry_user_edits(_project(1), None).files == FILES
    (tmp_path / MARKER).write_text("{not json")
    assert carry_user_edits(_project(2), tmp_path).carried == ()
