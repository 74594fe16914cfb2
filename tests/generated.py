"""Generated projects in the tests: written to a folder, imported from it, and run by their own tests."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

#: Runs a project's own tests with `autogenesis` unimportable, as it is where AutoGenesis is not installed.
_WITHOUT_AUTOGENESIS = (
    "import sys; sys.modules['autogenesis'] = None; import pytest; "
    "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'tests']))"
)


def write_files(files: Mapping[str, str], root: Path) -> Path:
    """The project's files (relative path → text) written under `root`; `root`."""
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


def own_tests_without_autogenesis(root: Path) -> subprocess.CompletedProcess[str]:
    """The project's own test suite, run in `root` with `autogenesis` made unimportable."""
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_AUTOGENESIS], cwd=root, capture_output=True, text=True, timeout=300
    )


@contextmanager
def imported(root: Path, module: str) -> Iterator[ModuleType]:
    """`module` of the project in `root`, imported; the project's modules are forgotten afterwards."""
    package = module.split(".")[0]
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(module)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
            del sys.modules[name]
