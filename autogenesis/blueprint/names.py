"""Safe names: what the model proposes becomes a slug before it names anything in code."""

from __future__ import annotations

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

#: Names a generated project package must not take: it would shadow what it imports.
RESERVED_PROJECT_NAMES = frozenset(
    {
        "autogenesis",
        "langgraph",
        "langgraph_sdk",
        "langchain",
        "langchain_core",
        "langsmith",
        "pydantic",
        "pydantic_core",
        "jinja2",
        "click",
        "rich",
        "httpx",
        "psycopg",
        "transformers",
        "torch",
        "numpy",
        "xgrammar",
        "pytest",
        "hypothesis",
        "typing_extensions",
        "tests",
        "test",
    }
) | frozenset(sys.stdlib_module_names)

_SLUG = re.compile(r"[a-z][a-z0-9_]*\Z")


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
    words = re.findall(r"[a-z0-9]+", text.lower())
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
