"""Checks on what users give us, each failing with a one-line message."""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import Any, BinaryIO

from autogenesis.state import MAX_REQUEST_CHARS


class InvalidRequest(ValueError):
    """A request no run should start from."""


_SURROGATE = re.compile("[\ud800-\udfff]")
#: Letters, numbers, punctuation and symbols: what a reader sees. Spaces, controls, marks alone and
#: format characters (zero-width spaces and joiners, direction marks, the byte order mark) are not.
_VISIBLE = ("L", "N", "P", "S")
#: How much of standard input is read at a time.
_CHUNK = 1 << 16


def validate_request(value: Any, *, limit: int = MAX_REQUEST_CHARS) -> str:
    """The request, stripped; InvalidRequest when it is not text, empty or invisible, not UTF-8 or too long."""
    if not isinstance(value, str):
        raise InvalidRequest(f"the request must be text, not {type(value).__name__}")
    lone = _SURROGATE.search(value)
    if lone is not None:
        # A lone surrogate is what Python makes of bytes that are not UTF-8 (in argv, say).
        raise InvalidRequest(f"the request is not valid UTF-8 (at character {lone.start() + 1:,})")
    request = value.strip()
    if not request:
        raise InvalidRequest("the request is empty")
    if len(request) > limit:
        raise InvalidRequest(f"the request is {len(request):,} characters; the limit is {limit:,}")
    if "\x00" in request:
        raise InvalidRequest("the request contains a NUL character")
    if not any(unicodedata.category(ch).startswith(_VISIBLE) for ch in request):
        raise InvalidRequest("the request has no visible character (only spaces, controls or zero-width characters)")
    return request


def read_request(stream: BinaryIO, *, source: str = "standard input", limit: int = MAX_REQUEST_CHARS) -> str:
    """The request read from `stream` as UTF-8 and checked (`validate_request`).

    Reading stops once the text, stripped, is over `limit` characters, so an endless input is
    refused as too long; only spaces around the request are read to their end.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    text, offset = "", 0
    while True:
        chunk = stream.read(_CHUNK)
        start = offset - len(decoder.getstate()[0])  # where the bytes the decoder holds begin
        try:
            text += decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise InvalidRequest(
                f"the request on {source} is not valid UTF-8 (at byte {start + exc.start + 1:,})"
            ) from None
        offset += len(chunk)
        text = text.lstrip()
        body = text.rstrip()
        if len(body) > limit:
            raise InvalidRequest(f"the request on {source} is longer than the limit of {limit:,} characters")
        # Spaces after the body count only once more text follows them: then there are too many.
        text = body + text[len(body) : len(body) + limit + 1]
        if not chunk:
            return validate_request(text, limit=limit)
