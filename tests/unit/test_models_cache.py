"""The converted-model cache is written atomically: an interrupted conversion leaves nothing usable behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from autogenesis.models import local


def test_interrupted_conversion_leaves_no_cache_and_the_next_one_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGENESIS_CACHE", str(tmp_path))
    target = local.local_model_dir()
    assert target.parent == tmp_path / "models"

    def interrupted(out: Path, scratch: Path, progress: bool = True) -> None:
        out.mkdir()
        (out / "model.safetensors").write_bytes(b"half")
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-save

    monkeypatch.setattr(local, "convert_gguf", interrupted)
    with pytest.raises(KeyboardInterrupt):
        local.ensure_local_model()
    assert not target.exists()
    assert not list(target.parent.glob(".convert-*"))

    (target.parent / ".convert-killed").mkdir()  # what a SIGKILL would leave: cleaned up next time
    calls: list[Path] = []

    def complete(out: Path, scratch: Path, progress: bool = True) -> None:
        calls.append(out)
        out.mkdir()
        (out / local.MARKER).write_text("{}")

    monkeypatch.setattr(local, "convert_gguf", complete)
    assert local.ensure_local_model() == target
    assert local.is_converted(target)
    assert not (target.parent / ".convert-killed").exists()
    assert local.ensure_local_model() == target
    assert len(calls) == 1  # converted once, then reused
