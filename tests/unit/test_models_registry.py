"""Model settings resolved to LangChain chat models: every form, per-role routing, clear errors, nothing loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI

from autogenesis.drafts import Verdict
from autogenesis.models import ModelConfigError, RoleRouter, describe_models, generate, resolve_model
from autogenesis.models.base import Prompt
from autogenesis.models.chat import model_name
from autogenesis.models.local import MARKER
from autogenesis.models.local_chat import LocalChatModel
from autogenesis.models.registry import GenerationOptions, split_options
from autogenesis.models.scripted import ScriptedChatModel

pytestmark = pytest.mark.real_model  # resolves real providers (cheap: nothing is loaded or contacted)

REVIEW = Prompt(role="review:design", task="judge", input="work")


def _meta(model: BaseChatModel) -> tuple[str, int]:
    meta = model.metadata or {}
    return meta["autogenesis_setting"], meta["autogenesis_retries"]


def test_options_syntax() -> None:
    assert split_options("local") == ("local", None)
    assert split_options("openai:http://h:1/v1#m?temperature=0.2&max_tokens=64") == (
        "openai:http://h:1/v1#m",
        GenerationOptions(temperature=0.2, max_tokens=64),
    )
    with pytest.raises(ModelConfigError, match="unknown model option 'temp'"):
        split_options("local?temp=1")
    with pytest.raises(ModelConfigError, match="not a number"):
        split_options("local?max_tokens=lots")
    with pytest.raises(ModelConfigError, match="out of range"):
        split_options("local?timeout=0")


def test_single_settings() -> None:
    scripted = resolve_model("scripted:reject=design")
    assert isinstance(scripted, ScriptedChatModel) and _meta(scripted) == ("scripted:reject=design", 2)
    local = resolve_model("local?max_tokens=64&retries=1&temperature=0.5")
    assert isinstance(local, LocalChatModel)
    assert (local.folder, local.max_tokens, local.temperature, _meta(local)) == (None, 64, 0.5, ("local", 1))


def test_openai_server_and_openai_api_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    served = resolve_model("openai:http://127.0.0.1:9/v1/#qwen?temperature=0.2&timeout=7")
    assert isinstance(served, ChatOpenAI)
    assert (served.openai_api_base, served.model_name, served.temperature) == ("http://127.0.0.1:9/v1", "qwen", 0.2)
    assert (served.request_timeout, served.max_retries, _meta(served)) == (
        7.0,
        1,
        ("openai:http://127.0.0.1:9/v1/#qwen", 2),
    )
    with pytest.raises(
        ModelConfigError, match=r"cannot set up model 'openai:gpt-4o-mini': Missing credentials.*OPENAI_API_KEY"
    ):
        resolve_model("openai:gpt-4o-mini")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    api = resolve_model("openai:gpt-4o-mini?max_tokens=300")
    assert isinstance(api, ChatOpenAI)
    assert (api.model_name, api.max_tokens, api.openai_api_base) == ("gpt-4o-mini", 300, None)


def test_per_role_settings_route_each_role() -> None:
    router = resolve_model("default=scripted,review=scripted:reject=design,understand=local?max_tokens=128")
    assert isinstance(router, RoleRouter)
    understand = router.model_for("understand")
    assert isinstance(understand, LocalChatModel) and understand.max_tokens == 128
    assert model_name(router.model_for("review:design")) == "scripted:reject=design"
    assert router.model_for("design") is router.default
    assert generate(router, Verdict, REVIEW).approved is False  # the reviewers' script rejects
    assert isinstance(resolve_model("design=scripted").default, LocalChatModel)  # type: ignore[attr-defined]


def test_a_missing_provider_package_names_the_package_and_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "langchain_anthropic", None)  # not installed, as far as imports can tell
    with pytest.raises(ModelConfigError) as raised:
        resolve_model("anthropic:claude-sonnet-4-5")
    assert str(raised.value) == (
        "model 'anthropic:claude-sonnet-4-5' needs the anthropic provider package: "
        "pip install langchain-anthropic (or the 'anthropic' extra of autogenesis-langgraph)"
    )


def test_bad_settings_are_config_errors(tmp_path: Path) -> None:
    cases = {
        "nosuch:m": "unknown model 'nosuch:m'",
        "gpt": "unknown model 'gpt': expected provider:model",
        "local:x": "'local' takes no argument",
        "hf:/nowhere": "does not exist",
        f"hf:{tmp_path}": "not a transformers model folder",
        "huggingface:no-such-org/no-such-model": "not in the local Hugging Face cache",
        "design=": "expected ROLE=MODEL",
        "local?colour=red": "unknown model option 'colour'",
        "scripted?temperature=0.1": "takes no generation settings",
        "openai:ftp://example#m": "must be http:// or https://",
        " ": "empty model setting",
    }
    for setting, message in cases.items():
        with pytest.raises(ModelConfigError, match=message):
            resolve_model(setting)


def test_describe_models_lists_providers_and_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOGENESIS_CACHE", str(tmp_path))
    monkeypatch.setitem(sys.modules, "langchain_anthropic", None)
    done = tmp_path / "models" / "some-model"
    done.mkdir(parents=True)
    (done / "model.safetensors").write_bytes(b"x" * 1000)
    (done / MARKER).write_text('{"dtype": "float32"}')
    (tmp_path / "models" / "broken").mkdir()
    rows = describe_models()
    providers = {r["name"]: r for r in rows if r["kind"] == "provider"}
    assert set(providers) == {
        "scripted",
        "local",
        "hf",
        "huggingface",
        "openai",
        "anthropic",
        "ollama",
        "google_genai",
        "mistralai",
    }
    assert [name for name, row in providers.items() if row["default"]] == ["local"]
    assert providers["anthropic"]["description"].endswith(
        "(not installed: pip install langchain-anthropic (or the 'anthropic' extra of autogenesis-langgraph))"
    )
    cache = [(r["name"], r["bytes"], r["complete"]) for r in rows if r["kind"] == "cache"]
    assert cache == [("broken", 0, False), ("some-model", 1000 + len('{"dtype": "float32"}'), True)]


def test_import_and_resolve_load_no_model_and_open_no_connection() -> None:
    code = (
        "import sys, autogenesis.models as m; "
        "m.resolve_model('default=local,design=openai:http://127.0.0.1:9/v1#m,review=anthropic:claude-x'); "
        "print(sorted(k for k in ('torch', 'transformers', 'xgrammar', 'langchain_huggingface') if k in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    # anthropic may be missing: then the whole setting is refused before anything loads.
    assert done.returncode == 0 or "pip install langchain-anthropic" in done.stderr, done.stderr
    code = code.replace(",review=anthropic:claude-x", "")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"
