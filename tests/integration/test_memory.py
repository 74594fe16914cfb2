"""Learning from past builds, on SQLite and Postgres: a similar request's design prompt shows the
approved first blueprint; `memory forget` removes it; a dissimilar request gets no example."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from autogenesis import Context, build_graph
from autogenesis.checkpoints import Persistence, open_persistence
from autogenesis.cli import cli as autogenesis_cli
from autogenesis.drafts import BlueprintDraft
from autogenesis.memory import method, similarity
from autogenesis.models.base import Prompt, T
from autogenesis.models.messages import prompt_messages
from autogenesis.models.scripted import Script, ScriptedChatModel

HELPDESK = "a helpdesk that triages tickets, drafts replies and has a reviewer approve them"
SIMILAR = "a support desk that triages customer tickets and drafts answers that a reviewer approves"
DISSIMILAR = "a recipe planner that suggests weekly meals and builds a shopping list"

#: The first build's blueprint as the design agent writes one: its two workers, not the reviewer.
FIRST_BLUEPRINT = (
    '{"name": "helpdesk_triages_tickets", "agents": ['
    '{"name": "triages_tickets", "role": "triages tickets", "kind": "worker", "after": ""}, '
    '{"name": "drafts_replies", "role": "drafts replies", "kind": "worker", "after": "triages_tickets"}]}'
)
SIMILAR_SPEC = (
    "Goal: a support desk that triages customer tickets and drafts answers that a reviewer approves\n\n"
    "Capabilities:\n- triages customer tickets\n- drafts answers\n\n"
    "Constraints:\n- every agent's output is reviewed before it is used"
)


class Recording(Script):
    """The scripted model's script, also keeping every prompt it was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.prompts: list[Prompt] = []

    def generate(self, schema: type[T], prompt: Prompt) -> T:
        self.prompts.append(prompt)
        return super().generate(schema, prompt)

    def design_query(self) -> str:
        """The request message the model received for the (single) design call."""
        [design] = [p for p in self.prompts if p.role == "design"]
        return str(prompt_messages(design, BlueprintDraft)[-1].content)


def build(persistence: Persistence, thread: str, request: str, out: Path, *, whole: bool) -> tuple[Recording, Any]:
    """Build `request` in-process; a build that is not `whole` stops once its design is drafted."""
    script = Recording()
    app = build_graph(ScriptedChatModel(script)).compile(
        checkpointer=persistence.checkpointer,
        store=persistence.store,
        interrupt_after=None if whole else ["design"],
    )
    context = Context(out_dir=str(out))
    config = {"configurable": {"thread_id": thread}, "recursion_limit": context.recursion_limit()}
    return script, app.invoke({"request": request}, config, context=context, durability="sync")


def cli(*args: str) -> Result:
    """`autogenesis memory ARGS...`, in this process: a subprocess would import everything again."""
    return CliRunner().invoke(autogenesis_cli, ["memory", *args])


@dataclass
class Learned:
    """What one backend showed: the design queries of each build, and the CLI's answers."""

    db: str
    first: Any
    queries: dict[str, str]
    listed: Result
    shown: Result
    shown_json: Result
    forgot: Result
    forgot_again: Result
    listed_after: Result


@pytest.fixture(scope="module")
def pg_database(fresh_database: Callable[[], AbstractContextManager[str]]) -> Iterator[str]:
    """A fresh database for this module's Postgres builds, dropped after them."""
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def learned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Learned:
    """An approved helpdesk build, then a dissimilar request, a similar one, the memory
    commands forgetting the first build, and the similar request again. Only the first build runs
    to its end: the others stop after their design, so they leave no record of their own."""
    folder = tmp_path_factory.mktemp(request.param)
    db = str(folder / "runs.db") if request.param == "sqlite" else request.getfixturevalue("pg_database")
    queries: dict[str, str] = {}
    with open_persistence(db) as persistence:
        _, first = build(persistence, "first", HELPDESK, folder / "out", whole=True)
        queries["dissimilar"] = build(persistence, "other", DISSIMILAR, folder / "out", whole=False)[0].design_query()
        queries["similar"] = build(persistence, "second", SIMILAR, folder / "out", whole=False)[0].design_query()
        listed = cli("list", "--db", db, "--json")
        shown, shown_json = cli("show", "first", "--db", db), cli("show", "first", "--db", db, "--json")
        forgot, forgot_again = cli("forget", "first", "--db", db), cli("forget", "first", "--db", db)
        listed_after = cli("list", "--db", db)
        queries["forgotten"] = build(persistence, "third", SIMILAR, folder / "out", whole=False)[0].design_query()
    return Learned(db, first, queries, listed, shown, shown_json, forgot, forgot_again, listed_after)


def test_a_similar_request_is_shown_the_approved_first_blueprint(learned: Learned) -> None:
    assert learned.first["status"] == "approved" and learned.first["test_report"].passed == 4
    [[score], _] = similarity(SIMILAR, [HELPDESK])
    assert learned.queries["similar"] == (
        f"{SIMILAR_SPEC}\n\n"
        "Worked example: a past build of a similar request "
        f"(approved, 4 tests passed, 0 failed; similarity {score:.2f}). "
        "Take what fits this specification; name and role agents after its capabilities, not the example's.\n"
        "<<< past build first\n"
        f"Request: {HELPDESK}\n"
        f"Blueprint: {FIRST_BLUEPRINT}\n"
        ">>> end of past build"
    )


def test_after_memory_forget_the_design_prompt_has_no_example(learned: Learned) -> None:
    assert (learned.forgot.exit_code, learned.forgot.stdout) == (0, "forgot build first\n")
    assert learned.forgot_again.exit_code == 2
    assert learned.forgot_again.stderr == (
        f"autogenesis: error: no past build 'first' in {learned.db} (autogenesis memory list shows them)\n"
    )
    assert learned.queries["forgotten"] == SIMILAR_SPEC
    assert learned.listed_after.stdout.splitlines()[0] == f"similarity: {method()}"
    assert "first" not in learned.listed_after.stdout


def test_a_dissimilar_request_gets_no_example(learned: Learned) -> None:
    assert "past build" not in learned.queries["dissimilar"]
    assert learned.queries["dissimilar"].startswith(f"Goal: {DISSIMILAR}\n\nCapabilities:\n")


def test_memory_list_and_show_name_the_build_its_outcome_and_the_method(learned: Learned) -> None:
    assert learned.listed.exit_code == 0, learned.listed.stderr
    listed = json.loads(learned.listed.stdout)
    assert listed["similarity"] == method()
    assert [(b["id"], b["status"], b["tests_passed"], b["example"]) for b in listed["builds"]] == [
        ("first", "approved", 4, True)
    ]
    record = json.loads(learned.shown_json.stdout)
    assert (record["id"], record["request"], record["outcome"]["status"]) == ("first", HELPDESK, "approved")
    assert record["blueprint"] == learned.first["blueprint"].model_dump(mode="json")
    assert record["spec"] == learned.first["spec"].model_dump(mode="json")
    assert [(r["stage"], r["approved"]) for r in record["outcome"]["reviews"]] == [
        (r.stage, True) for r in learned.first["reviews"]
    ]
    lines = learned.shown.stdout.splitlines()
    assert lines[:4] == [
        "build: first",
        f"request: {HELPDESK}",
        f"outcome: approved (deployed version 1 to {learned.first['deployment'].path})",
        "tests: 4 passed, 0 failed, 0 errors",
    ]
    assert lines[-1] == (
        "blueprint: helpdesk_triages_tickets v1: triages_tickets (llm), drafts_replies (llm), "
        "drafts_replies_reviewer (llm)"
    )


def test_memory_show_of_an_unknown_build_is_a_one_line_error(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    proc = cli("show", "nothing", "--db", db)
    assert (proc.exit_code, proc.stdout) == (2, "")
    assert proc.stderr == f"autogenesis: error: no past build 'nothing' in {db} (autogenesis memory list shows them)\n"
