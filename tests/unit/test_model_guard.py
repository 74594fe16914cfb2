"""The test suite's guard: unmarked tests cannot reach a real model provider."""

from __future__ import annotations

import os

import pytest

from autogenesis.models import resolve_model


def test_unmarked_tests_get_only_the_scripted_model() -> None:
    assert os.environ["AUTOGENESIS_MODEL"] == "scripted"
    assert resolve_model("scripted").name == "scripted"
    with pytest.raises(pytest.fail.Exception, match="reached the real model provider 'local'; mark it real_model"):
        resolve_model("local")
