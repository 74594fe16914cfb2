"""Text as literals of the formats generated files are written in: the only way text enters them.

One function per format, each exact for every string: Python literals evaluate back to the
text itself; TOML, JSON and YAML strings parse back to it; Markdown text renders as it. The
data formats hold Unicode scalar values only, so a lone surrogate (U+D800 to U+DFFF, which no
UTF-8 file can hold either) is written there as U+FFFD; Python literals keep it, escaped.
Characters that do not print (controls, format characters such as the right-to-left override,
line and paragraph separators, non-characters) are written as escapes wherever the format has
them, so no generated file hides text from its reader.
"""

from __future__ import annotations

import re
import string
import textwrap

_PY_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: TOML basic strings and JSON strings share these short escapes.
_DATA_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_YAML_ESCAPES = {**_DATA_ESCAPES, "\x00": "\\0", "\x1b": "\\e"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_REPLACEMENT = "\ufffd"
#: What Markdown renderers show as U+FFFD even as character references: lone surrogates, controls
#: other than tab, newline and carriage return, and non-characters.
_MARKDOWN_LOST = re.compile(
    "[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000))
    + "]"
)
#: ASCII punctuation that means something inside a line in CommonMark or GitHub's Markdown (code,
#: emphasis, strikethrough, links, HTML, entities, table cells, math); any punctuation does at the
#: start of a line (headings, lists, quotes, fences, breaks, underlines), and `.` or `)` after a
#: line's first digits (ordered lists).
_MARKDOWN_INLINE = frozenset("\\`*_[]<>&|~$")
_MARKDOWN_LIST = re.compile(r"[0-9]+[.)]")


def scalar_text(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD: what a UTF-8 file can hold."""
    return _SURROGATE.sub(_REPLACEMENT, text)


def py_string(text: str) -> str:
    """`text` as a double-quoted Python string literal that evaluates back to exactly `text`
    (lone surrogates included: Python writes them as `\\udXXX`)."""
    return _quoted(text, _PY_ESCAPES, astral="long", scalars_only=False)


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


def _quoted(text: str, escapes: dict[str, str], astral: str, *, scalars_only: bool = True) -> str:
    """`text` in double quotes: `escapes`, then `\\uXXXX` for what does not print, and beyond U+FFFF
    `\\UXXXXXXXX` (`astral="long"`) or a UTF-16 surrogate pair (`"pair"`, JSON's only way).
    Lone surrogates are replaced (`scalar_text`) unless the format can hold them (`scalars_only=False`)."""
    out = ['"']
    for ch in scalar_text(text) if scalars_only else text:
        if ch in escapes:
            out.append(escapes[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        elif astral == "pair":
            high, low = divmod(ord(ch) - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def toml_string(text: str) -> str:
    """`text` as a TOML basic string: `tomllib` reads back `scalar_text(text)`."""
    return _quoted(text, _DATA_ESCAPES, astral="long")


def json_string(text: str) -> str:
    """`text` as a JSON string: `json.loads` reads back `scalar_text(text)`."""
    return _quoted(text, _DATA_ESCAPES, astral="pair")


def yaml_string(text: str) -> str:
    """`text` as a YAML double-quoted scalar: a YAML parser reads back `scalar_text(text)`."""
    return _quoted(text, _YAML_ESCAPES, astral="long")


def _markdown_char(ch: str) -> str:
    if ch in _MARKDOWN_INLINE:
        return "\\" + ch
    return ch if ch.isprintable() else f"&#x{ord(ch):x};"


def _markdown_line(body: str) -> str:
    """A line without leading or trailing spaces, escaped so that it starts no block and no inline markup."""
    numbered = _MARKDOWN_LIST.match(body)
    if numbered:
        cut = numbered.end() - 1
        return body[:cut] + "\\" + body[cut] + "".join(map(_markdown_char, body[cut + 1 :]))
    if body and body[0] in string.punctuation and body[0] not in _MARKDOWN_INLINE:
        return "\\" + body[0] + "".join(map(_markdown_char, body[1:]))
    return "".join(map(_markdown_char, body))


def markdown_shown(text: str) -> str:
    """What Markdown can show of `text`: `text` with what renderers replace (`_MARKDOWN_LOST`) as U+FFFD."""
    return _MARKDOWN_LOST.sub(_REPLACEMENT, text)


def markdown_text(text: str, *, one_line: bool = False) -> str:
    """`text` as Markdown that renders as exactly `markdown_shown(text)`, all of it in one paragraph.

    It cannot break out of that paragraph: punctuation that could start a block or markup is
    escaped (no heading, list, quote, fence, table, HTML, link or emphasis, no table cell ends), what
    does not print is a character reference, a line's leading and trailing spaces are references
    (Markdown would drop them or make a hard break), and a newline stays one only between two
    lines that are not empty, so no blank line ends the paragraph; `one_line` writes every
    newline as a reference (a table cell). Empty text is no paragraph at all.
    """
    out = ""
    for number, line in enumerate(markdown_shown(text).split("\n")):
        body = line.strip(" ")
        lead = len(line) - len(line.lstrip(" "))
        trail = len(line) - len(line.rstrip(" ")) if body else 0
        rendered = "&#32;" * lead + _markdown_line(body) + "&#32;" * trail
        if number:
            out += "\n" if out and rendered and not one_line else "&#10;"
        out += rendered
    return out
