"""Generated project names: a package that shadows nothing, wherever its folder comes first on `sys.path`."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

from autogenesis.blueprint.build import project_name
from autogenesis.blueprint.names import MAX_NAME_CHARS, is_slug, shadows, slugify


@pytest.mark.parametrize(
    ("request_name", "package", "shadowed"),
    [
        ("requests", "requests_system", "a module generated projects or their tests import"),
        ("pluggy", "pluggy_system", "a module generated projects or their tests import"),
        ("yaml", "yaml_system", "a module generated projects or their tests import"),
        ("pytest", "pytest_system", "a module generated projects or their tests import"),
        ("langgraph", "langgraph_system", "a module generated projects or their tests import"),
        ("Langchain Core", "langchain_core_system", "a module generated projects or their tests import"),
        ("PyYAML", "pyyaml_system", "an installed distribution"),
        ("tests", "tests_system", "a module generated projects or their tests import"),
        ("json", "json_system", "a standard library module"),
        ("sys", "sys_system", "a standard library module"),
        ("match", "match_system", "a Python keyword"),
    ],
)
def test_a_name_that_would_shadow_a_module_gets_a_suffix(request_name: str, package: str, shadowed: str) -> None:
    name = request_name.lower().replace(" ", "_")
    assert shadows(name) == shadowed
    assert project_name(request_name) == package
    assert shadows(package) is None


def test_a_name_that_shadows_nothing_is_kept() -> None:
    assert shadows("helpdesk_triages_tickets") is None
    assert project_name("Helpdesk triages tickets") == "helpdesk_triages_tickets"


def test_no_installed_top_level_module_is_a_project_name() -> None:
    installed = [name for name in importlib.metadata.packages_distributions() if is_slug(name)]
    assert "yaml" in installed and "pluggy" in installed and "requests" in installed
    assert [name for name in installed if shadows(name) is None] == []
    assert [name for name in installed if project_name(name) == name] == []


def test_no_standard_library_module_is_a_project_name() -> None:
    stdlib = sorted(name for name in sys.stdlib_module_names | set(sys.builtin_module_names) if is_slug(name))
    assert [name for name in stdlib if project_name(name) != f"{name}_system"] == []


def test_any_module_on_the_path_is_shadowed_and_the_suffix_repeats_until_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ticket_widgets").mkdir()
    (tmp_path / "ticket_widgets" / "__init__.py").write_text("")
    (tmp_path / "ticket_widgets_system.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert shadows("ticket_widgets") == "an installed module"
    assert project_name("ticket widgets") == "ticket_widgets_system_2"


def test_an_installed_distribution_name_is_shadowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A distribution whose import name differs (as PyYAML's is yaml): installing the project would replace it.
    info = tmp_path / "Ticket_Board-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: Ticket-Board\nVersion: 1.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert shadows("ticket_board") == "an installed distribution"
    assert project_name("Ticket board") == "ticket_board_system"


def test_a_long_shadowing_name_keeps_within_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = "a" * MAX_NAME_CHARS
    (tmp_path / f"{name}.py").write_text("")
    (tmp_path / f"{'a' * 33}_system.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert project_name(name) == "a" * 31 + "_system_2"
    assert is_slug(project_name(name))


def test_terminal_control_sequences_are_no_words_of_a_name() -> None:
    text = "triages \x1b[31mred\x1b[0m tickets \x1b]0;title\x07 fast\x1b"
    assert slugify(text, fallback="system") == "triages_red_tickets_fast"
