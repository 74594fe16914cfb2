"""The test suite's guard: unmarked tests cannot reach a real model provider."""

from __future__ import annotations

import os

import pytest

from autogenesis.models import resolve_model
from autogenesis.models.chat import model_name


def test_unmarked_tests_get_only_the_scripted_model() -> None:
    assert os.environ["AUTOGENESIS_MODEL"] == "scripted"
    assert model_name(resolve_model("scripted")) == "scripted"
    with pytest.raises(pytest.fail.Exception, match="reached the real model provider 'local'; mark it real_model"):
        resolve_model("local")
    for setting in (
        "anthropic:claude-sonnet-4-5",
        "openai:http://127.0.0.1:9/v1#m",
        "default=scripted,design=openai:gpt-4o",
    ):
        with pytest.raises(pytest.fail.Exception, match="reached the real model provider"):
            resolve_model(setting)
