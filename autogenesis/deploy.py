"""Writing a generated project to its output folder: versioned, atomic, never overwriting."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autogenesis.state import Deployment, GeneratedProject

MARKER = ".autogenesis.json"
_VERSION = re.compile(r"^v(\d+)$")


class DeployError(OSError):
    """The project cannot be written where asked."""


def digest(files: dict[str, str]) -> str:
    """A content hash of a project's files."""
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode() + b"\0" + files[path].encode() + b"\0")
    return h.hexdigest()


def safe_relative(path: str) -> PurePosixPath:
    """`path` as a relative path that stays inside its folder; DeployError otherwise."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or "\\" in path or any(part in ("..", "") for part in pure.parts):
        raise DeployError(f"refusing to write {path!r}: not a relative path inside the project")
    return pure


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def is_user_file(name: str, path: str) -> bool:
    """Files of a generated project its user is expected to edit: the tools and the prompts."""
    prompts = f"{name}/prompts/"
    return path == f"{name}/tools.py" or (
        path.startswith(prompts) and path.endswith(".py") and path != f"{prompts}__init__.py"
    )


@dataclass(frozen=True)
class Carried:
    """What a new version takes from the user's edits of the previous one (see `carry_user_edits`)."""

    files: dict[str, str]
    carried: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    not_carried: tuple[str, ...] = ()


def carry_user_edits(project: GeneratedProject, previous: str | os.PathLike[str] | None) -> Carried:
    """`project`'s files with the user's edits of the previous deployed version carried over.

    The previous version's marker records what AutoGenesis wrote; a file on disk that differs is
    the user's edit. An edited tool or prompt file that this version generates unchanged is
    carried as the user left it. One that this version changes too is a conflict: ours is
    written and theirs is kept beside it as `<file>.yours-v<N>`, never dropped. Edits to the
    generated wiring are not carried (it is regenerated); they are reported.
    """
    files = dict(project.files)
    if previous is None:
        return Carried(files)
    folder = Path(previous)
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Carried(files)
    carried, conflicts, not_carried = [], [], []
    for rel, written in sorted((marker.get("generated") or {}).items()):
        try:
            theirs = (folder / safe_relative(rel)).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError, DeployError):
            continue
        if _sha(theirs) == written:
            continue
        if not is_user_file(project.name, rel):
            not_carried.append(rel)
        elif rel in files and _sha(files[rel]) == written:
            files[rel] = theirs
            carried.append(rel)
        else:
            files[f"{rel}.yours-v{marker.get('version', 0)}"] = theirs
            conflicts.append(rel)
    return Carried(files, tuple(carried), tuple(conflicts), tuple(not_carried))


def write_project(
    project: GeneratedProject,
    out_dir: str | os.PathLike[str],
    *,
    run_id: str,
    previous: str | os.PathLike[str] | None = None,
) -> Deployment:
    """Write `project` to `<out_dir>/<name>/v<N>` with the next free N.

    `previous` is the folder of the version this one follows: the user's edits there are carried
    over (`carry_user_edits`). A version this run already wrote with the same content is reused,
    so a deploy interrupted after its rename and run again does not make a second copy.
    Raises DeployError when the folder cannot be written (no space, no permission...).
    """
    try:
        return _write_project(project, out_dir, run_id=run_id, previous=previous)
    except DeployError:
        raise
    except OSError as exc:
        where = exc.filename or out_dir
        raise DeployError(f"cannot write the project to {where}: {exc.strerror or exc}") from exc


def _write_project(
    project: GeneratedProject,
    out_dir: str | os.PathLike[str],
    *,
    run_id: str,
    previous: str | os.PathLike[str] | None,
) -> Deployment:
    safe_relative(project.name)
    base = Path(out_dir) / project.name
    base.mkdir(parents=True, exist_ok=True)
    content = digest(project.files)
    carry = carry_user_edits(project, previous)
    found = {"carried": carry.carried, "conflicts": carry.conflicts, "not_carried": carry.not_carried}
    versions = sorted(int(m.group(1)) for p in base.iterdir() if (m := _VERSION.match(p.name)))
    for number in versions:
        marker = base / f"v{number}" / MARKER
        try:
            recorded = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if recorded.get("run") == run_id and recorded.get("digest") == content:
            folder = str((base / f"v{number}").resolve())
            return Deployment(path=folder, version=number, files=len(carry.files), **found)
    number = (versions[-1] if versions else 0) + 1
    staging = Path(tempfile.mkdtemp(prefix=f".v{number}-", dir=base))
    try:
        for rel, text in carry.files.items():
            target = staging / safe_relative(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        # What AutoGenesis wrote, file by file: the next version tells the user's edits from it.
        generated = {rel: _sha(text) for rel, text in project.files.items()}
        marker_data = {
            "run": run_id,
            "digest": content,
            "version": number,
            "name": project.name,
            "generated": generated,
        }
        (staging / MARKER).write_text(json.dumps(marker_data, indent=2) + "\n", encoding="utf-8")
        final = base / f"v{number}"
        os.rename(staging, final)  # atomic; fails rather than overwrite if another writer took it
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Deployment(path=str(final.resolve()), version=number, files=len(carry.files), **found)
