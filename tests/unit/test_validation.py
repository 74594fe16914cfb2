"""The intake's checks on a request: exact messages, standard input read whole but bounded."""

from __future__ import annotations

import io

import pytest

from autogenesis import validation
from autogenesis.validation import InvalidRequest, read_request, validate_request


@pytest.mark.parametrize(
    ("request_text", "message"),
    [
        (
            "\u200b\u200d\ufeff \u202e\u2060",
            "the request has no visible character (only spaces, controls or zero-width characters)",
        ),
        ("\x1b\x7f\u0301", "the request has no visible character (only spaces, controls or zero-width characters)"),
        ("a helpdesk \udcff", "the request is not valid UTF-8 (at character 12)"),
        ("\ud83d\ude00", "the request is not valid UTF-8 (at character 1)"),
    ],
)
def test_invisible_or_lone_surrogate_requests_are_refused(request_text: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as error:
        validate_request(request_text)
    assert str(error.value) == message


def test_any_visible_character_is_a_request() -> None:
    assert validate_request(" \u200b\U0001f600\u200b ") == "\u200b\U0001f600\u200b"


def test_standard_input_is_decoded_whole_before_the_character_limit() -> None:
    assert read_request(io.BytesIO(("é" * 8000).encode())) == "é" * 8000
    assert read_request(io.BytesIO(b"\n  " + "😀".encode() * 8000 + b" " * 100_000)) == "😀" * 8000
    with pytest.raises(InvalidRequest) as error:
        read_request(io.BytesIO(("é" * 1_000_000).encode()))
    assert str(error.value) == "the request on standard input is longer than the limit of 8,000 characters"


def test_an_endless_standard_input_is_refused_once_too_long() -> None:
    class Endless(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            return b"a " * (size // 2)

    with pytest.raises(InvalidRequest) as error:
        read_request(Endless())  # type: ignore[arg-type]
    assert str(error.value) == "the request on standard input is longer than the limit of 8,000 characters"


def test_invalid_utf8_is_reported_at_its_byte_across_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "_CHUNK", 3)
    # "é" is split across two reads and decodes; the lone continuation byte is the 7th byte.
    with pytest.raises(InvalidRequest) as error:
        read_request(io.BytesIO(b"ab\xc3\xa9cd\xa9ef"))
    assert str(error.value) == "the request on standard input is not valid UTF-8 (at byte 7)"
    assert read_request(io.BytesIO(b"ab\xc3\xa9cd")) == "abécd"
