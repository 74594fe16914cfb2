"""Property: text written by `literals.py` reads back exactly through each format's own parser."""

from __future__ import annotations

import ast
import json
import tomllib

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from autogenesis.blueprint.literals import (
    json_string,
    markdown_shown,
    markdown_text,
    py_string,
    py_text,
    scalar_text,
    toml_string,
    yaml_string,
)

#: Characters at the edges of what each format allows: around the surrogates, the last of the
#: BMP, astral ones, bidirectional controls, C0 and C1 controls, line separators, NUL.
EDGES = (
    "\ud7ff\ue000\uffff\ufffe\ufffd\U00010000\U0010ffff\U0001f600\u200d\U0001f469"
    "\u202e\u202d\u200f\u200e\u061c\u2066\u2069\u05d0\u0627"
    "\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x80\x85\x9b\x9f\xa0\xad"
    "\u2028\u2029\ufeff\u3000\ud800\udbff\udc00\udfff"
    " \"'\\`*_#>-+=|<>&~$[]()!:.0123456789"
)
#: Any code point, lone surrogates included, with the edge cases above drawn often.
TEXT = st.text(st.characters(exclude_categories=()) | st.sampled_from(EDGES), max_size=80)
HOSTILE = "# title\n\n```\n<script>x</script>\n---\n| a | b |\n1. one\n    code\\\n  \u202e\U0001f600\x1b[31m"


@settings(max_examples=300, deadline=None)
@given(TEXT)
@example(HOSTILE)
@example("\ud800")
def test_python_literals_evaluate_back_to_the_text(text: str) -> None:
    assert ast.literal_eval(py_string(text)) == text
    assert ast.literal_eval(ast.parse(f"X = {py_text(text)}\n").body[0].value) == text  # type: ignore[attr-defined]
    assert py_string(text).isprintable()  # escapes only: nothing hides in the source
    py_string(text).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(TEXT)
@example(HOSTILE)
@example("a helpdesk \U0001f600")
def test_toml_json_and_yaml_strings_read_back_as_the_text(text: str) -> None:
    expected = scalar_text(text)
    assert tomllib.loads(f"x = {toml_string(text)}\n") == {"x": expected}
    assert json.loads(f'{{"x": {json_string(text)}}}') == {"x": expected}
    assert yaml.safe_load(f"x: {yaml_string(text)}\n") == {"x": expected}
    for literal in (toml_string(text), json_string(text), yaml_string(text)):
        assert literal.isprintable()
        literal.encode("utf-8")


def test_a_lone_surrogate_becomes_the_replacement_character_in_data_formats() -> None:
    assert scalar_text("a\ud800b\udfff") == "a\ufffdb\ufffd"
    assert toml_string("\ud83d\ude00") == '"\ufffd\ufffd"'  # two lone halves, never a pair
    assert json_string("\U0001f600\u202e") == '"\U0001f600\\u202e"'
    assert json_string("\U000e0001") == '"\\udb40\\udc01"'  # JSON's only escape beyond U+FFFF
    assert toml_string("\U000e0001\x00") == '"\\U000e0001\\u0000"'
    assert yaml_string("\x00\x1b\u2028") == '"\\0\\e\\u2028"'


def _paragraph(tokens: list) -> str:  # type: ignore[type-arg]
    """The text of the one paragraph `tokens` hold (soft breaks as newlines); fails on any other block."""
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    children = tokens[1].children
    assert {c.type for c in children} <= {"text", "softbreak"}
    return "".join("\n" if c.type == "softbreak" else c.content for c in children)


@settings(max_examples=300, deadline=None)
@given(TEXT.filter(bool))
@example(HOSTILE)
@example("\n\n")
@example("  ")
def test_markdown_text_renders_as_the_text_in_one_paragraph(text: str) -> None:
    markdown = MarkdownIt("commonmark")
    assert _paragraph(markdown.parse(markdown_text(text))) == markdown_shown(text)
    # Between other blocks it stays one paragraph and leaves them as they were.
    tokens = markdown.parse(f"# before\n\n{markdown_text(text)}\n\n## after\n")
    assert [t.type for t in tokens if t.type.endswith("_open")] == ["heading_open", "paragraph_open", "heading_open"]
    assert _paragraph(tokens[3:6]) == markdown_shown(text)
    assert (tokens[-2].content, tokens[-2].map) == (
        "after",
        [4 + markdown_text(text).count("\n"), 5 + markdown_text(text).count("\n")],
    )


@settings(max_examples=300, deadline=None)
@given(TEXT.filter(bool))
@example(HOSTILE)
def test_markdown_cell_renders_as_the_text_in_one_cell(text: str) -> None:
    cell = markdown_text(text, one_line=True)
    assert "\n" not in cell
    tokens = MarkdownIt("commonmark").enable("table").parse(f"| agent | role |\n|---|---|\n| `a` | {cell} |\n")
    cells = [t for t in tokens if t.type == "inline"]
    assert [c.content for c in cells[:3]] == ["agent", "role", "`a`"]
    assert len(cells) == 4
    assert "".join(c.content for c in cells[3].children) == markdown_shown(text)


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        ("a helpdesk, with replies.", "a helpdesk, with replies."),
        ("# not a heading", "\\# not a heading"),
        ("1. not a list", "1\\. not a list"),
        ("a *b* `c` <d> | e", "a \\*b\\* \\`c\\` \\<d\\> \\| e"),
        ("one\n\ntwo", "one&#10;\ntwo"),
        ("  indented", "&#32;&#32;indented"),
        ("rtl \u202e mark \x1b", "rtl &#x202e; mark \ufffd"),
    ],
)
def test_markdown_text_escapes_only_what_could_be_markup(text: str, markdown: str) -> None:
    assert markdown_text(text) == markdown
