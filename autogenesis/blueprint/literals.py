"""Model text as source literals: the only way it enters generated code."""

from __future__ import annotations

import json
import textwrap

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def py_string(text: str) -> str:
    """`text` as a double-quoted Python string literal that evaluates back to exactly `text`."""
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def py_text(text: str, *, indent: int = 4, width: int = 96) -> str:
    """`text` as a literal for the right-hand side of an assignment: one string, or a
    parenthesized run of adjacent strings (split at spaces and newlines) when it is long."""
    single = py_string(text)
    if len(single) <= width - indent:
        return single
    pieces: list[str] = []
    for line in text.splitlines(keepends=True):
        pieces += textwrap.wrap(
            line,
            width=max(20, width - indent - 10),
            drop_whitespace=False,
            replace_whitespace=False,
            break_long_words=True,
            break_on_hyphens=False,
        ) or [line]
    if "".join(pieces) != text:  # wrapping must never change the text
        pieces = [text[i : i + 60] for i in range(0, len(text), 60)]
    pad = " " * indent
    return "(\n" + "".join(f"{pad}{py_string(piece)}\n" for piece in pieces) + pad[:-4] + ")"


def py_strings(items: tuple[str, ...] | list[str]) -> str:
    """A tuple literal of strings."""
    if not items:
        return "()"
    inner = ", ".join(py_string(item) for item in items)
    return f"({inner},)" if len(items) == 1 else f"({inner})"


def toml_string(text: str) -> str:
    """`text` as a TOML basic string (JSON escapes with ASCII output are valid TOML)."""
    return json.dumps(text, ensure_ascii=True)
