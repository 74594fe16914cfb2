"""LangChain's checkpointer conformance suite, per `--db` backend, on the savers as `open_persistence` builds them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import BASE_CAPABILITIES, Capability, DetectedCapabilities
from langgraph.checkpoint.conformance.report import CapabilityReport
from langgraph.checkpoint.conformance.spec.test_copy_thread import ALL_COPY_THREAD_TESTS
from langgraph.checkpoint.conformance.spec.test_delete_for_runs import ALL_DELETE_FOR_RUNS_TESTS
from langgraph.checkpoint.conformance.spec.test_delete_thread import ALL_DELETE_THREAD_TESTS
from langgraph.checkpoint.conformance.spec.test_get_tuple import ALL_GET_TUPLE_TESTS
from langgraph.checkpoint.conformance.spec.test_list import ALL_LIST_TESTS
from langgraph.checkpoint.conformance.spec.test_prune import ALL_PRUNE_TESTS
from langgraph.checkpoint.conformance.spec.test_put import ALL_PUT_TESTS
from langgraph.checkpoint.conformance.spec.test_put_writes import ALL_PUT_WRITES_TESTS
from pydantic import BaseModel

from autogenesis.checkpoints import open_persistence
from autogenesis.state import Review

SUITES: dict[Capability, list[Callable[..., object]]] = {
    Capability.PUT: ALL_PUT_TESTS,
    Capability.PUT_WRITES: ALL_PUT_WRITES_TESTS,
    Capability.GET_TUPLE: ALL_GET_TUPLE_TESTS,
    Capability.LIST: ALL_LIST_TESTS,
    Capability.DELETE_THREAD: ALL_DELETE_THREAD_TESTS,
    Capability.DELETE_FOR_RUNS: ALL_DELETE_FOR_RUNS_TESTS,
    Capability.COPY_THREAD: ALL_COPY_THREAD_TESTS,
    Capability.PRUNE: ALL_PRUNE_TESTS,
}


class Foreign(BaseModel):
    value: int


#: What each backend's saver implements; the suite detects capabilities from the async methods.
CLAIMED = {
    "memory": BASE_CAPABILITIES,
    "sqlite": BASE_CAPABILITIES,
    "postgres": BASE_CAPABILITIES | {Capability.PRUNE},
}


@pytest.fixture
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A factory of `--db` settings for the test's backend, each a new empty database.

    The suite reuses thread ids between capability suites, so each suite gets its own database.
    """
    kind = request.node.callspec.params["kind"]
    created: list[str] = []

    def sqlite_file() -> str:
        return str(tmp_path / f"{uuid.uuid4().hex}.db")

    def postgres_database() -> str:
        pg_server = request.getfixturevalue("pg_server")
        name = f"conformance_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(pg_server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return urlunsplit(urlsplit(pg_server)._replace(path=f"/{name}"))

    yield {"memory": lambda: "memory", "sqlite": sqlite_file, "postgres": postgres_database}[kind]
    if created:
        with psycopg.connect(request.getfixturevalue("pg_server"), autocommit=True) as admin:
            for name in created:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_suite(kind: str, new_db: Callable[[], str]) -> tuple[CapabilityReport, list[DetectedCapabilities]]:
    detections: list[DetectedCapabilities] = []

    async def saver() -> AsyncIterator[BaseCheckpointSaver[str]]:
        with open_persistence(new_db()) as persistence:
            assert persistence.kind == kind
            detections.append(DetectedCapabilities.from_instance(persistence.checkpointer))
            yield persistence.checkpointer

    registered = checkpointer_test(name=f"autogenesis-{kind}")(saver)
    return asyncio.run(validate(registered)), detections


@pytest.mark.parametrize("kind", ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_conformance_suite_passes_every_test_of_the_claimed_capabilities(
    kind: str, fresh_db: Callable[[], str]
) -> None:
    report, detections = _run_suite(kind, fresh_db)

    claimed = {Capability(name) for name, result in report.results.items() if result.detected}
    assert claimed == CLAIMED[kind]
    # The suite detects a capability by its async method, so claiming any means async works.
    assert all(d.detected == CLAIMED[kind] for d in detections) and len(detections) == len(Capability)
    results = [report.results[cap.value] for cap in claimed]
    failures = [failure for result in results for failure in result.failures]
    assert failures == []
    assert sum(r.tests_failed for r in results) == 0
    assert sum(r.tests_skipped for r in results) == 0
    assert sum(r.tests_passed for r in results) == sum(len(SUITES[cap]) for cap in claimed)
    assert report.conformance_level() == "FULL"


@pytest.mark.parametrize("kind", ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_suite_runs_on_our_strict_serializer(kind: str, fresh_db: Callable[[], str]) -> None:
    with open_persistence(fresh_db()) as persistence:
        serde = persistence.checkpointer.serde
        review = Review(stage="design", approved=True, attempt=1)
        assert serde.loads_typed(serde.dumps_typed(review)) == review
        assert serde.loads_typed(serde.dumps_typed(Foreign(value=1))) == {"value": 1}
