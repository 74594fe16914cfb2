"""Checks on what users give us, each failing with a one-line message."""

from __future__ import annotations

from typing import Any

from autogenesis.state import MAX_REQUEST_CHARS


class InvalidRequest(ValueError):
    """A request no run should start from."""


def validate_request(value: Any, *, limit: int = MAX_REQUEST_CHARS) -> str:
    """The request, stripped; InvalidRequest when it is not text, empty, not UTF-8 or too long."""
    if not isinstance(value, str):
        raise InvalidRequest(f"the request must be text, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest("the request is not valid UTF-8") from None
    request = value.strip()
    if not request:
        raise InvalidRequest("the request is empty")
    if len(request) > limit:
        raise InvalidRequest(f"the request is {len(request):,} characters; the limit is {limit:,}")
    if "\x00" in request:
        raise InvalidRequest("the request contains a NUL character")
    return request
