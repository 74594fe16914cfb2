"""Safe names: what the model proposes becomes a slug before it names anything in code."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import keyword
import re
import sys
from collections.abc import Iterable

#: The longest agent, field or project name.
MAX_NAME_CHARS = 40

#: The field a caller fills in; every generated system reads its input from it.
INPUT_FIELD = "request"
#: The field the finish agent writes and the CLI prints.
RESULT_FIELD = "result"

#: State keys the runtime adds to every generated system (`ReviewState` in the generated `runtime.py`).
RUNTIME_FIELDS = frozenset({"attempts", "approved", "feedback", "status"})

#: Import names a generated project's package must not take wherever it is installed: AutoGenesis,
#: what the project and its tests import (with their dependencies), and the folders beside it.
RESERVED_PROJECT_NAMES = (
    frozenset(
        {
            "autogenesis",
            "langgraph",
            "langgraph_sdk",
            "langchain",
            "langchain_core",
            "langsmith",
            "pydantic",
            "pydantic_core",
            "typing_extensions",
            "typing_inspection",
            "annotated_types",
            "jsonpatch",
            "jsonpointer",
            "yaml",
            "tenacity",
            "packaging",
            "orjson",
            "ormsgpack",
            "xxhash",
            "zstandard",
            "requests",
            "urllib3",
            "certifi",
            "idna",
            "charset_normalizer",
            "httpx",
            "httpcore",
            "anyio",
            "sniffio",
            "h11",
            "aiosqlite",
            "sqlite_vec",
            "psycopg",
            "psycopg_pool",
            "jinja2",
            "click",
            "rich",
            "transformers",
            "torch",
            "numpy",
            "xgrammar",
            "pytest",
            "_pytest",
            "pluggy",
            "iniconfig",
            "py",
            "hypothesis",
            "conftest",
            "tests",
            "test",
        }
    )
    | frozenset(sys.stdlib_module_names)
    | frozenset(sys.builtin_module_names)
)

#: What a project name that would shadow something gets, repeated until it shadows nothing.
_UNSHADOW_SUFFIX = "_system"

_SLUG = re.compile(r"[a-z][a-z0-9_]*\Z")
#: A terminal control sequence (CSI like ESC[31m, OSC like ESC]0;title BEL, or ESC and one character):
#: no word of a name.
_TERMINAL_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.?)", re.DOTALL)


def is_keyword(name: str) -> bool:
    return keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in {"true", "false", "none"}


def is_slug(name: str) -> bool:
    """A lowercase identifier of at most 40 characters that is no keyword and no dunder."""
    return (
        bool(_SLUG.match(name))
        and len(name) <= MAX_NAME_CHARS
        and not is_keyword(name)
        and "__" not in name
        and not name.endswith("_")
    )


def slugify(text: str, *, fallback: str, max_chars: int = MAX_NAME_CHARS) -> str:
    """`text` as a slug: lowercase ASCII words joined by `_`, never a keyword; `fallback` when empty."""
    words = re.findall(r"[a-z0-9]+", _TERMINAL_SEQUENCE.sub(" ", text).lower())
    slug = "_".join(words)
    if not slug or not slug[0].isalpha():
        slug = f"{fallback}_{slug}" if slug else fallback
    slug = slug[:max_chars].rstrip("_")
    if is_keyword(slug):
        slug = f"{slug}_{fallback}"[:max_chars].rstrip("_")
    return slug


def unique(slug: str, taken: Iterable[str], *, max_chars: int = MAX_NAME_CHARS) -> str:
    """`slug`, or `slug_2`, `slug_3`, ... when it is taken (still within `max_chars`)."""
    used = set(taken)
    if slug not in used:
        return slug
    n = 2
    while True:
        suffix = f"_{n}"
        candidate = slug[: max_chars - len(suffix)].rstrip("_") + suffix
        if candidate not in used:
            return candidate
        n += 1


def shadows(name: str, *, installed: bool = True) -> str | None:
    """What a top-level package called `name` would hide, in words; None when it hides nothing.

    Its folder comes first on `sys.path` when its tests run and when it runs from its folder, so
    it must not share the import name of a keyword, the standard library, what every generated
    project imports, or (`installed`) any module installed here; nor, installed, the name of a
    distribution. Without `installed`, only the rules that hold on every machine are checked.
    """
    if is_keyword(name):
        return "a Python keyword"
    if name in sys.stdlib_module_names or name in sys.builtin_module_names:
        return "a standard library module"
    if name in RESERVED_PROJECT_NAMES:
        return "a module generated projects or their tests import"
    if not installed:
        return None
    try:
        installed = importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a module already imported without a spec, or a broken finder
        installed = True
    if installed:
        return "an installed module"
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return None
    return "an installed distribution"


def unshadowed(name: str, *, max_chars: int = MAX_NAME_CHARS) -> str:
    """`name`, else `name_system` (then `name_system_2`, ...): the first that shadows nothing (see `shadows`)."""
    candidate, n = name, 1
    while shadows(candidate) is not None:
        suffix = _UNSHADOW_SUFFIX if n == 1 else f"{_UNSHADOW_SUFFIX}_{n}"
        candidate = name[: max_chars - len(suffix)].rstrip("_") + suffix
        n += 1
    return candidate
