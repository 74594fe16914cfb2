"""Writing a generated project to its output folder: versioned, atomic, never overwriting."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
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


def write_project(project: GeneratedProject, out_dir: str | os.PathLike[str], *, run_id: str) -> Deployment:
    """Write `project` to `<out_dir>/<name>/v<N>` with the next free N.

    A version this run already wrote with the same content is reused, so a deploy interrupted
    after its rename and run again does not make a second copy.
    """
    safe_relative(project.name)
    base = Path(out_dir) / project.name
    base.mkdir(parents=True, exist_ok=True)
    content = digest(project.files)
    versions = sorted(int(m.group(1)) for p in base.iterdir() if (m := _VERSION.match(p.name)))
    for number in versions:
        marker = base / f"v{number}" / MARKER
        try:
            recorded = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if recorded.get("run") == run_id and recorded.get("digest") == content:
            return Deployment(path=str((base / f"v{number}").resolve()), version=number, files=len(project.files))
    number = (versions[-1] if versions else 0) + 1
    staging = Path(tempfile.mkdtemp(prefix=f".v{number}-", dir=base))
    try:
        for rel, text in project.files.items():
            target = staging / safe_relative(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        marker_data = {"run": run_id, "digest": content, "version": number, "name": project.name}
        (staging / MARKER).write_text(json.dumps(marker_data, indent=2) + "\n", encoding="utf-8")
        final = base / f"v{number}"
        os.rename(staging, final)  # atomic; fails rather than overwrite if another writer took it
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Deployment(path=str(final.resolve()), version=number, files=len(project.files))
