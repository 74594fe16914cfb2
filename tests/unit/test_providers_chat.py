"""Model settings resolved to LangChain chat models: forms, per-role routing, clear errors; nothing loaded."""

from __future__ import annotations

import importlib.util

import pytest

from autogenesis.drafts import Verdict
from autogenesis.models import ModelConfigError
from autogenesis.models.base import Prompt
from autogenesis.models.chat import generate, model_name
from autogenesis.models.local_chat import LocalChatModel
from autogenesis.models.providers import ChatRoleRouter, resolve_chat_model
from autogenesis.models.scripted import ScriptedChatModel

pytestmark = pytest.mark.real_model  # resolves real providers (cheap: nothing is loaded or contacted)

REVIEW = Prompt(role="review:design", task="judge", input="work")


def test_single_settings() -> None:
    scripted = resolve_chat_model("scripted:reject=design")
    assert isinstance(scripted, ScriptedChatModel) and model_name(scripted) == "scripted:reject=design"
    local = resolve_chat_model("local?max_tokens=64&retries=1")
    assert isinstance(local, LocalChatModel) and local.max_tokens == 64
    assert local.metadata is not None and local.metadata["autogenesis_retries"] == 1


@pytest.mark.skipif(importlib.util.find_spec("langchain_openai") is None, reason="langchain-openai not installed")
def test_openai_base_url_form_and_provider_model_form() -> None:
    served = resolve_chat_model("openai:http://127.0.0.1:9/v1#qwen?temperature=0.2")
    assert type(served).__name__ == "ChatOpenAI"
    assert served.openai_api_base == "http://127.0.0.1:9/v1" and served.model_name == "qwen"  # type: ignore[attr-defined]
    assert served.temperature == 0.2  # type: ignore[attr-defined]


def test_per_role_settings_route_each_role() -> None:
    router = resolve_chat_model("default=scripted,review=scripted:reject=design,understand=local")
    assert isinstance(router, ChatRoleRouter)
    assert isinstance(router.model_for("understand"), LocalChatModel)
    assert model_name(router.model_for("review:design")) == "scripted:reject=design"
    assert router.model_for("design") is router.default
    assert generate(router, Verdict, REVIEW).approved is False  # the reviewer's script rejects


@pytest.mark.skipif(importlib.util.find_spec("langchain_anthropic") is not None, reason="langchain-anthropic installed")
def test_a_missing_provider_package_names_the_extra() -> None:
    with pytest.raises(ModelConfigError, match=r"pip install 'autogenesis\[anthropic\]'"):
        resolve_chat_model("anthropic:claude-sonnet-4-5")


def test_unknown_settings_are_config_errors() -> None:
    for setting in ("nosuch:m", "gpt", "local:x", "hf:/nowhere", "design=", "local?colour=red"):
        with pytest.raises(ModelConfigError):
            resolve_chat_model(setting)
