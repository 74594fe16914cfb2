"""Small helpers to render artifacts as prompt text."""

from __future__ import annotations

from collections.abc import Iterable


def bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def section(title: str, body: str) -> str:
    return f"{title}:\n{body.strip()}" if body.strip() else ""


def join(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)
