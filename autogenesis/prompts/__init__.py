"""Prompts, one module per agent: each renders a `Prompt` with worked examples for its schema."""
