"""The one redaction: URL passwords, password parameters and credential variables of the environment."""

from __future__ import annotations

import pytest

from autogenesis.secrets import redact, register_secret


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("--db postgresql://u:hunter2@h/db now", "--db postgresql://u:***@h/db now"),
        ("postgresql://u:p@ss@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("postgresql://u:pa/ss@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u:pw@h1,h2:5/db", "postgresql://u:***@h1,h2:5/db"),
        ("postgresql://h/db?sslmode=off&password=hunter2", "postgresql://h/db?sslmode=off&password=***"),
        ("host=h password='a b' port=5", "host=h password=*** port=5"),
        ("postgresql://u@h/db and mail x@y.z", "postgresql://u@h/db and mail x@y.z"),
        ("openai:http://127.0.0.1:8000/v1#qwen", "openai:http://127.0.0.1:8000/v1#qwen"),
    ],
)
def test_passwords_in_text_are_masked(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_credential_variables_are_masked_and_others_are_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_abcdefgh")
    monkeypatch.setenv("SHORT_TOKEN", "abc")
    monkeypatch.setenv("AUTOGENESIS_MODEL", "scripted-model")
    assert redact("sk-test-0123456789 ghp_abcdefgh abc scripted-model") == "*** *** abc scripted-model"


def test_a_registered_password_is_masked_decoded_too() -> None:
    register_secret("p%40ss-word")
    assert redact("server said p@ss-word and p%40ss-word") == "server said *** and ***"
