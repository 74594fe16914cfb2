"""Code generation: the files of a project, and hostile model text kept inert."""

from __future__ import annotations

import ast
import importlib.metadata
import io
import json
import re
import subprocess
import sys
import tokenize
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement

from autogenesis.blueprint.build import blueprint_from_draft
from autogenesis.blueprint.codegen import UnsafeBlueprint, render_project
from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.hierarchy import add_approvers
from autogenesis.blueprint.ir import Scenario
from autogenesis.blueprint.literals import py_string, py_text
from autogenesis.blueprint.verify import scan_project, verify
from autogenesis.drafts import AgentDraft, BlueprintDraft
from autogenesis.state import Documentation, Specification

HOSTILE = "__import__('os').system('x') \"\"\" ''' \n{{ name }} {% if 1 %}x{% endif %} \\ \x00 \u2028 `"

EXPECTED_FILES = [
    "README.md",
    "helpdesk/__init__.py",
    "helpdesk/__main__.py",
    "helpdesk/graph.py",
    "helpdesk/nodes/__init__.py",
    "helpdesk/nodes/reply.py",
    "helpdesk/nodes/reply_reviewer.py",
    "helpdesk/nodes/triage.py",
    "helpdesk/nodes/triage_reviewer.py",
    "helpdesk/prompts/__init__.py",
    "helpdesk/prompts/reply.py",
    "helpdesk/prompts/reply_reviewer.py",
    "helpdesk/prompts/triage.py",
    "helpdesk/prompts/triage_reviewer.py",
    "helpdesk/runtime.py",
    "helpdesk/state.py",
    "langgraph.json",
    "pyproject.toml",
    "tests/test_graph.py",
]


def _hostile_blueprint() -> tuple[object, dict[str, str]]:
    draft = BlueprintDraft(
        name="helpdesk",
        agents=[AgentDraft(name="triage", role=HOSTILE), AgentDraft(name="reply", role="Draft a reply")],
    )
    spec = Specification(
        goal=HOSTILE,
        capabilities=("x",),
        scenarios=(Scenario(name="attack", input=HOSTILE, expect=HOSTILE),),
    )
    bp = add_approvers(blueprint_from_draft(draft, spec), {"triage": HOSTILE}, max_retries=2)
    prompts = {"triage": HOSTILE, "reply": "You write replies."}
    return bp, prompts


def _string_constants(source: str) -> list[str]:
    return [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_project_files() -> None:
    files = render_project(linear_blueprint(), {})
    assert sorted(files) == EXPECTED_FILES
    for path, text in files.items():
        if path.endswith(".py"):
            ast.parse(text, filename=path)
    assert scan_project(files) == []
    assert json.loads(files["langgraph.json"]) == {
        "dependencies": ["."],
        "graphs": {"helpdesk": "./helpdesk/graph.py:graph"},
        "python_version": "3.11",
    }
    project = tomllib.loads(files["pyproject.toml"])["project"]
    assert (project["name"], project["version"], project["scripts"]) == (
        "helpdesk",
        "1.0.0",
        {"helpdesk": "helpdesk.__main__:main"},
    )
    assert "nothing of AutoGenesis" in files["README.md"]


def test_the_local_extra_requires_our_distribution_and_this_installation_satisfies_it() -> None:
    """`autogenesis` on PyPI is an unrelated package: the extra names our distribution."""
    files = render_project(linear_blueprint(), {})
    project = tomllib.loads(files["pyproject.toml"])["project"]
    assert project["dependencies"] == [
        "langchain>=1.0",
        "langchain-core>=1.0",
        "langgraph>=1.2,<2",
        "langgraph-checkpoint-sqlite>=3.0",
    ]
    (ours,) = [Requirement(r) for r in project["optional-dependencies"]["local"]]
    assert ours.name == "autogenesis-langgraph"
    assert importlib.metadata.version(ours.name) in ours.specifier
    assert ours.name in importlib.metadata.packages_distributions()["autogenesis"]  # what `import autogenesis` is


def test_the_readme_installs_what_its_commands_run() -> None:
    files = render_project(linear_blueprint(), {})
    project = tomllib.loads(files["pyproject.toml"])["project"]
    assert project["optional-dependencies"] == {
        "local": ["autogenesis-langgraph>=0.1"],
        "postgres": ["langgraph-checkpoint-postgres>=3.0", "psycopg[binary]>=3.2"],
        "dev": ["pytest>=8", "langgraph-cli[inmem]>=0.4"],
    }
    blocks = re.findall(r"^```bash\n(.*?)^```", files["README.md"], flags=re.DOTALL | re.MULTILINE)
    commands = [line.partition("#")[0].strip() for block in blocks for line in block.splitlines()]
    assert commands == [
        "python -m pip install -e '.[dev]'",
        'python -m helpdesk "your input"',
        'python -m helpdesk "your input" --model scripted',
        "LANGGRAPH_CLI_NO_ANALYTICS=1 HELPDESK_MODEL=scripted langgraph dev --no-browser --host 127.0.0.1",
        "python -m pytest -q",
    ]
    assert 'argv, prog="helpdesk", input_fields=INPUT_FIELDS' in files["helpdesk/__main__.py"]
    assert "INPUT_FIELDS = ()" in files["helpdesk/graph.py"]  # no tools: `request` is the only input
    assert 'MODEL_ENV = "HELPDESK_MODEL"' in files["helpdesk/runtime.py"]


def test_generated_code_is_ruff_clean(tmp_path: Path) -> None:
    files = render_project(linear_blueprint(), {})
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    ruff = Path(sys.executable).parent / "ruff"
    fmt = subprocess.run(
        [ruff, "format", "--check", "--line-length=100", "."], cwd=tmp_path, capture_output=True, text=True
    )
    lint = subprocess.run(
        [ruff, "check", "--select=E,F,W,I,B,UP,SIM", "."], cwd=tmp_path, capture_output=True, text=True
    )
    assert (fmt.returncode, lint.returncode) == (0, 0), fmt.stdout + lint.stdout


def test_hostile_text_ends_up_quoted() -> None:
    bp, prompts = _hostile_blueprint()
    assert verify(bp) == []
    files = render_project(
        bp, prompts, Documentation(overview=HOSTILE, user_guide="u", operations="o", architecture="")
    )
    assert scan_project(files) == []
    prompt_module = files["helpdesk/prompts/triage.py"]
    assert _string_constants(prompt_module).count(HOSTILE) == 2  # ROLE and SYSTEM_PROMPT
    assert HOSTILE in _string_constants(files["helpdesk/prompts/triage_reviewer.py"])
    assert HOSTILE in _string_constants(files["tests/test_graph.py"])
    for path, text in files.items():
        if not path.endswith(".py"):
            continue
        tree = ast.parse(text)
        calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
        assert not any(isinstance(f, ast.Name) and f.id == "__import__" for f in calls), path
        # Outside its string literals, no file holds a template's braces: the text was never rendered as one.
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        code = " ".join(t.string for t in tokens if t.type not in (tokenize.STRING, tokenize.COMMENT))
        assert "{{" not in code, path


def test_hostile_project_runs(tmp_path: Path) -> None:
    bp, prompts = _hostile_blueprint()
    for path, text in render_project(bp, prompts).items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "helpdesk", HOSTILE.replace("\x00", ""), "--model", "scripted"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("reply: __import__('os').system('x')")


def test_agent_named_like_a_path_is_rejected_or_sanitized() -> None:
    bp = linear_blueprint(reviewed=False)
    hostile = bp.model_copy(update={"agents": (bp.agents[0].model_copy(update={"slug": "../../etc"}), bp.agents[1])})
    assert "agent name '../../etc' contains a path separator" in [str(f) for f in verify(hostile)]
    with pytest.raises(UnsafeBlueprint, match=re.escape("agent name '../../etc' contains a path separator")):
        render_project(hostile, {})
    draft = BlueprintDraft(name="../../etc", agents=[AgentDraft(name="../../etc", role="r")])
    built = blueprint_from_draft(draft, Specification(goal="g", capabilities=("c",)))
    assert (built.name, built.agents[0].slug) == ("etc", "etc")
    assert all(not path.startswith(("/", "..")) and ".." not in path for path in render_project(built, {}))


def test_megabyte_description_is_rejected() -> None:
    bp = linear_blueprint().model_copy(update={"description": "x" * 1_000_000})
    with pytest.raises(UnsafeBlueprint) as error:
        render_project(bp, {})
    assert str(error.value) == "description is 1000000 characters long; the limit is 4000"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_literals_evaluate_back_to_the_text(text: str) -> None:
    assert ast.literal_eval(py_string(text)) == text
    assert ast.literal_eval(ast.parse(f"X = {py_text(text)}\n").body[0].value) == text  # type: ignore[attr-defined]
