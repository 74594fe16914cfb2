"""What `autogenesis models` prints: the providers, and what is cached locally (with sizes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: One line per provider, for the CLI.
PROVIDER_HELP = {
    "scripted": "deterministic fake model for tests and demos (scripted[:options])",
    "local": "embedded Gemma 3 270M, converted once into the user cache (local)",
    "hf": "a local transformers model folder (hf:PATH)",
    "endpoint": "Hugging Face TGI / Inference Endpoint, JSON-schema grammar (endpoint:URL)",
    "openai": "OpenAI-compatible server: vLLM, Ollama, llama.cpp (openai:URL[#model])",
}


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
    from autogenesis.models.registry import DEFAULT_MODEL, providers

    rows: list[dict[str, Any]] = [
        {
            "kind": "provider",
            "name": name,
            "description": PROVIDER_HELP.get(name, ""),
            "default": DEFAULT_MODEL.partition(":")[0] == name,
        }
        for name in providers()
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
