"""Prompts, one module per agent: each renders a `Prompt` with worked examples for its schema."""

from __future__ import annotations

from autogenesis.models.base import Example


def all_examples() -> tuple[Example, ...]:
    """Every worked example of every agent's prompt: what no answer may copy."""
    from autogenesis.prompts import design, design_prompts, document, feedback, hierarchy, optimize, review, understand

    modules = (understand, design, hierarchy, design_prompts, optimize, document, feedback, review)
    return tuple(example for module in modules for example in module.EXAMPLES)
