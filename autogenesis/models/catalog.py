"""What `autogenesis models` prints: the providers, and what is cached locally (with sizes)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

#: One line per provider, for the CLI.
PROVIDER_HELP = {
    "scripted": "deterministic fake model for tests and demos (scripted[:options])",
    "local": "embedded Gemma 3 270M, converted once into the user cache (local)",
    "hf": "a local transformers model folder (hf:PATH)",
    "huggingface": "a repository already in the Hugging Face cache, run locally (huggingface:REPO)",
    "openai": "OpenAI (openai:MODEL) or an OpenAI-compatible server: vLLM, Ollama, llama.cpp (openai:URL[#model])",
}

#: The `init_chat_model` providers `autogenesis models` lists, with the package each one needs.
CHAT_PROVIDERS = {
    "anthropic": "langchain_anthropic",
    "ollama": "langchain_ollama",
    "google_genai": "langchain_google_genai",
    "mistralai": "langchain_mistralai",
}


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def describe_models() -> list[dict[str, Any]]:
    """One dict per provider, and one per cached model folder; never loads a model.

    Provider rows: `{"kind": "provider", "name", "description", "default": bool}`. Cache rows:
    `{"kind": "cache", "name", "path", "bytes", "complete": bool, "details": dict}`; an
    incomplete row is an interrupted conversion (safe to delete; it is redone on first use).
    """
    from autogenesis.models.local import MARKER, cache_root, local_model_dir
    from autogenesis.models.registry import DEFAULT_MODEL, install_hint, providers

    rows: list[dict[str, Any]] = [
        {
            "kind": "provider",
            "name": name,
            "description": PROVIDER_HELP.get(name, ""),
            "default": DEFAULT_MODEL.partition(":")[0] == name,
        }
        for name in providers()
    ]
    rows += [
        {
            "kind": "provider",
            "name": name,
            "description": f"{name}:MODEL through LangChain's init_chat_model"
            + ("" if _installed(package) else f" (not installed: {install_hint(name)})"),
            "default": False,
        }
        for name, package in CHAT_PROVIDERS.items()
    ]
    models = cache_root() / "models"
    try:
        local_name = local_model_dir().name
    except ImportError:  # the embedded model's package is not installed
        local_name = ""
    if models.is_dir():
        for folder in sorted(f for f in models.iterdir() if f.is_dir()):
            marker = folder / MARKER
            details: dict[str, Any] = {}
            if marker.is_file():
                try:
                    details = json.loads(marker.read_text())
                except ValueError:
                    details = {}
            rows.append(
                {
                    "kind": "cache",
                    "name": "local" if folder.name == local_name else folder.name,
                    "path": str(folder),
                    "bytes": _size(folder),
                    "complete": marker.is_file(),
                    "details": details,
                }
            )
    return rows
