"""How a run ends when it is stopped, contended or failed: exit codes, hints that are true, no secret shown."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from test_cli import HELPDESK, Paused, assert_clean_error, cli, show_json


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{password}@{parts.hostname}:{parts.port}"))


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.postgres
def test_no_api_key_or_database_password_in_any_output(pg_url: str, tmp_path: Path) -> None:
    key, password = f"sk-test-{secrets.token_hex(12)}", f"pw-{secrets.token_hex(8)}"
    db = with_password(pg_url, password)  # the test server trusts every connection: any password is accepted
    env = {"OPENAI_API_KEY": key}
    out = tmp_path / "out"
    outputs = [
        cli("build", HELPDESK, "--db", db, "--thread", "ok", "--out", str(out), env=env),
        cli("build", HELPDESK, "--model", "scripted:reject=design", "--max-retries", "design=1", "--db", db,
            "--thread", "esc", "--out", str(out), env=env),
        cli("runs", "--db", db, env=env),
        cli("runs", "--db", db, "--json", env=env),
        cli("show", "ok", "--db", db, env=env),
        cli("show", "esc", "--db", db, "--json", env=env),
        cli("resume", "nope", "--db", db, env=env),
        cli("runs", "--db", with_password("postgresql://u@127.0.0.1:1/x", password), env=env),
    ]  # fmt: skip
    assert [p.returncode for p in outputs] == [0, 3, 0, 0, 0, 0, 2, 2], [p.stderr for p in outputs]
    assert f"--db {with_password(db, '').replace(':@', '@')}" in outputs[1].stderr
    assert "(with the database password in $PGPASSWORD)" in outputs[1].stderr
    for proc in outputs:
        text = proc.stdout + proc.stderr
        assert key not in text and password not in text, text

    with psycopg.connect(pg_url) as conn:
        tables = [row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        dump = b"".join(
            str(row).encode() + b"".join(v for v in row if isinstance(v, bytes))
            for table in tables
            for row in conn.execute(f'SELECT * FROM "{table}"')
        )
    assert {"checkpoints", "checkpoint_blobs", "checkpoint_writes", "store"} <= set(tables)
    assert b"esc" in dump and key.encode() not in dump and password.encode() not in dump
    written = files_under(out)
    assert written and not [p for p in written if key.encode() in p.read_bytes() or password.encode() in p.read_bytes()]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_cancel_as_ctrl_c_does(signum: signal.Signals, tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    args = ("build", HELPDESK, "--db", db, "--thread", "sig", "--out", str(tmp_path / "o"))
    paused = Paused("design", tmp_path / "j", *args, log=tmp_path / "build.log")
    paused.wait()
    assert paused.stop(signum) == 130
    stderr = paused.log.read_text()
    assert "Traceback" not in stderr
    assert f"cancelled thread sig — stopped by {signum.name}" in stderr
    assert f"resume with: autogenesis resume sig --db {db}" in stderr
    assert show_json(db, "sig")["run"]["status"] == "cancelled"
    resumed = cli("resume", "sig", "--db", db, "--model", "scripted", "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert show_json(db, "sig")["state"]["status"] == "approved"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "runs.db")
    return str(request.getfixturevalue("pg_url"))


def test_a_live_thread_has_one_driver_and_a_dead_one_none(db: str, tmp_path: Path) -> None:
    args = ("build", HELPDESK, "--db", db, "--thread", "live", "--out", str(tmp_path / "o"), "-q")
    driver = Paused("design", tmp_path / "j", *args, log=tmp_path / "build.log")
    driver.wait()
    second = cli("resume", "live", "--db", db, "--model", "scripted", "-q")
    message = f"thread 'live' is running in process {driver.proc.pid}; wait for it or stop it first"
    assert_clean_error(second, 2, message)
    assert [r["status"] for r in json.loads(cli("runs", "--db", db, "--json").stdout)] == ["running"]

    assert driver.stop(signal.SIGKILL) == -signal.SIGKILL
    assert [r["status"] for r in json.loads(cli("runs", "--db", db, "--json").stdout)] == ["interrupted"]
    resumed = cli("resume", "live", "--db", db, "--model", "scripted", "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert show_json(db, "live")["state"]["status"] == "approved"


FULL_DISK = """
set -u
mount -t tmpfs -o size=512k tmpfs "$1"
"$PYTHON" -m autogenesis build "$REQUEST" --db "$1/runs.db" --out "$2" -q --thread full
echo "build exit $?"
mount -o remount,size=16m "$1"
"$PYTHON" -m autogenesis resume full --db "$1/runs.db" -q
echo "resume exit $?"
"""


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux's unshare for a private tmpfs")
def test_a_full_disk_exits_74_and_the_run_resumes_once_there_is_room(tmp_path: Path) -> None:
    # A 512 KiB tmpfs in a private mount namespace: the build's checkpoints fill it part way.
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    proc = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", FULL_DISK, "full-disk", str(disk), str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable, "REQUEST": HELPDESK},
        timeout=600,
    )
    db = disk / "runs.db"
    assert proc.stdout.split("\n")[:2] == ["build exit 74", "resume exit 0"], proc.stderr
    assert f"autogenesis: error: the database {db} is full: database or disk is full\n" in proc.stderr
    assert f"once that is fixed, resume with: autogenesis resume full --db {db}\n" in proc.stderr
    assert "approved thread full" in proc.stderr and "Traceback" not in proc.stderr


def test_a_deployment_that_fails_exits_3_and_resumes(tmp_path: Path) -> None:
    db, out = str(tmp_path / "runs.db"), tmp_path / "out"
    out.mkdir()
    (out / "helpdesk_triages_tickets").write_text("a file where the project's folder goes")
    proc = cli("build", HELPDESK, "--db", db, "--thread", "dep", "--out", str(out), "-q")
    assert proc.returncode == 3, proc.stderr
    where = out / "helpdesk_triages_tickets"
    assert f"error:deploy thread dep — cannot write the project to {where}: File exists\n" in proc.stderr
    assert f"resume with: autogenesis resume dep --db {db}\n" in proc.stderr
    (out / "helpdesk_triages_tickets").unlink()
    assert cli("resume", "dep", "--db", db, "-q").returncode == 0
    assert show_json(db, "dep")["state"]["deployment"]["path"] == str(where / "v1")


def test_a_thread_id_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    build = cli("build", HELPDESK, "--db", db, "--thread", b"t\xff", "--out", str(tmp_path / "o"))
    assert_clean_error(build, 2, "the thread id is not valid UTF-8")
    assert_clean_error(cli("show", b"t\xff", "--db", db), 2, "the thread id is not valid UTF-8")
    assert_clean_error(cli("resume", b"t\xff", "--db", db), 2, "the thread id is not valid UTF-8")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("damage", ["noise", "pages"])
def test_a_corrupt_database_exits_74_and_is_not_written(damage: str, tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    if damage == "noise":
        db.write_bytes(secrets.token_bytes(64 * 1024))
        reason = "file is not a database"
    else:
        assert (
            cli("build", HELPDESK, "--db", str(db), "--thread", "a", "--out", str(tmp_path / "o"), "-q").returncode == 0
        )
        with db.open("r+b") as file:
            file.seek(20 * 4096)
            file.write(bytes(30 * 4096))
        reason = "*** in database main ***"
    before = digest(db)
    for args in (("runs",), ("show", "a"), ("resume", "a"), ("build", HELPDESK, "--out", str(tmp_path / "o"))):
        proc = cli(*args, "--db", str(db), "-q" if args[0] in ("build", "resume") else "--json")
        assert proc.returncode == 74, proc.stderr
        assert proc.stderr.startswith(f"autogenesis: error: the database {db} is corrupt: {reason}")
        assert proc.stderr.rstrip().endswith("restore it from a backup or use another --db")
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stdout == ""
    assert digest(db) == before


def test_a_run_in_memory_prints_no_resume_hint(tmp_path: Path) -> None:
    proc = cli("build", HELPDESK, "--model", "scripted:reject=design", "--max-retries", "design=1", "--db", "memory",
               "--out", str(tmp_path / "o"), "-q")  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert "why: " in proc.stderr
    assert "resume" not in proc.stderr and "continue with" not in proc.stderr
