"""The command line of a generated system, and the model it serves under `langgraph dev`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from autogenesis.models.base import ModelConfigError, Prompt, StructuredModel, T
from autogenesis.models.registry import DEFAULT_MODEL, resolve_model


def parse_model_arg(
    argv: Sequence[str], *, prog: str | None = None, env_var: str | None = None
) -> tuple[str, StructuredModel]:
    """The input text and the model from `INPUT [--model SETTING]` (the same settings as AutoGenesis).

    Without `--model`, `$env_var` names the model, as it does for the graph `langgraph dev` serves,
    so one setting picks a project's model wherever it runs.
    """
    default = (os.environ.get(env_var) if env_var else None) or DEFAULT_MODEL
    shown_default = f"${env_var}, else {DEFAULT_MODEL}" if env_var else DEFAULT_MODEL
    parser = argparse.ArgumentParser(prog=prog, description="Run the system on one input and print its result.")
    parser.add_argument("input", help="what to ask the system")
    parser.add_argument(
        "--model",
        default=default,
        help="model setting, as for AutoGenesis: scripted, local, hf:PATH, endpoint:URL, openai:URL#model, "
        f"or ROLE=SETTING,... (default: {shown_default})",
    )
    args = parser.parse_args(list(argv))
    try:
        return args.input, resolve_model(args.model)
    except ModelConfigError as error:
        parser.error(str(error))
        raise  # unreachable: parser.error exits


class LazyModel:
    """A model resolved on its first call, so building a graph loads no weights."""

    def __init__(self, setting: str | None = None, *, env_var: str | None = None) -> None:
        self._setting = setting
        self._env_var = env_var
        self._model: StructuredModel | None = None
        self._lock = threading.Lock()
        self.name = setting or (f"${env_var}" if env_var else DEFAULT_MODEL)

    def _resolved(self) -> StructuredModel:
        with self._lock:
            if self._model is None:
                setting = self._setting or (os.environ.get(self._env_var) if self._env_var else None)
                self._model = resolve_model(setting)
            return self._model

    def generate(self, schema: type[T], prompt: Prompt) -> T:
        return self._resolved().generate(schema, prompt)


def ask_on_terminal(question: Any) -> str:
    """Put a human agent's question to the person at the terminal."""
    text = question.get("question", question) if isinstance(question, Mapping) else question
    return input(f"{text}\n> ")


def report(state: Mapping[str, Any], result_key: str | None) -> int:
    """Print a finished run's result (or why it halted); the process exit code."""
    status = state.get("status")
    if status:
        reasons = (state.get("feedback") or {}).get(str(status).partition(":")[2], [])
        print(f"halted: {status}" + "".join(f"\n- {r}" for r in reasons), file=sys.stderr)
        return 3  # a typed halt, as for AutoGenesis itself (2 is bad input)
    if result_key is not None and result_key in state:
        value = state[result_key]
        print(value if isinstance(value, str) else json.dumps(value, indent=2))
    else:
        shown = {k: v for k, v in state.items() if k not in ("attempts", "approved", "feedback", "choices")}
        print(json.dumps(shown, indent=2, default=str))
    return 0
