"""The DuckLake backend: the schema derived from the migrations, and several writers with readers.

Each test gets its own catalog database on one throwaway Postgres server (tests/postgres.py) and its
own data directory; the multi-process tests spawn fresh interpreters, as separate machines would be.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import astuple, fields
from pathlib import Path
from typing import Any

import duckdb
import pytest

from expectations.concepts import Concept, load_concepts
from tests.postgres import PostgresServer  # the postgres_server fixture: registered in conftest
from warehouse import db, lake

OWN_TABLES = set(lake.OWN_TABLES)
SPAWN = multiprocessing.get_context("spawn")  # no fork: the parent holds DuckDB and Postgres connections


@pytest.fixture
def target(postgres_server: PostgresServer, tmp_path: Path) -> lake.LakeTarget:
    """An empty lake: a new catalog database and a new data directory."""
    dsn = postgres_server.create_database(f"lake_{uuid.uuid4().hex[:12]}")
    return lake.LakeTarget(catalog_dsn=dsn, data_path=tmp_path / "lake-data")


@pytest.fixture(scope="module")
def built(postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory,
          ) -> Iterator[duckdb.DuckDBPyConnection]:
    """One lake made by open_lake, shared by the tests that only read its schema."""
    dsn = postgres_server.create_database(f"lake_{uuid.uuid4().hex[:12]}")
    conn = lake.open_lake(lake.LakeTarget(catalog_dsn=dsn, data_path=tmp_path_factory.mktemp("lake-data")))
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def embedded() -> Iterator[duckdb.DuckDBPyConnection]:
    """The embedded warehouse's schema, as the lake must mirror it."""
    conn = db.connect(db.IN_MEMORY)
    yield conn
    conn.close()


def _catalog(conn: duckdb.DuckDBPyConnection, database: str) -> dict[str, dict[str, Any]]:
    """{table or view: {"kind", "comment", "columns": [(name, type)]}} of `database`."""
    objects: dict[str, dict[str, Any]] = {}
    for name, kind, comment in conn.execute(
        "SELECT table_name, 'table', comment FROM duckdb_tables() WHERE database_name = $db"
        " UNION ALL SELECT view_name, 'view', comment FROM duckdb_views() WHERE database_name = $db AND NOT internal",
        {"db": database}).fetchall():
        objects[name] = {"kind": kind, "comment": comment or None, "columns": [], "comments": {}}
    for table, column, data_type, comment in conn.execute(
        "SELECT table_name, column_name, data_type, comment FROM duckdb_columns()"
        " WHERE database_name = ? ORDER BY table_name, column_index", [database]).fetchall():
        objects[table]["columns"].append((column, data_type))
        if comment:
            objects[table]["comments"][column] = comment
    return objects


def _snapshot(conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute("SELECT max(snapshot_id) FROM ducklake_snapshots('lake')").fetchall()[0][0]


# --- the target URL -------------------------------------------------------------------------------


def test_url_parses_to_a_dsn_and_back_without_the_password() -> None:
    parsed = lake.LakeTarget.from_url("ducklake+postgresql://ji:s3cr%20t@db.example:6543/wh?data_path=/srv/lake")
    assert parsed.catalog_dsn == "dbname=wh host=db.example port=6543 user=ji password='s3cr t'"
    assert parsed.data_path == Path("/srv/lake")
    assert parsed.url == "ducklake+postgres://ji@db.example:6543/wh?data_path=/srv/lake"
    assert lake.LakeTarget.from_url(parsed.url).data_path == parsed.data_path


def test_url_takes_a_unix_socket_dir_as_host() -> None:
    parsed = lake.LakeTarget.from_url("ducklake+postgres://postgres@/jixiao?host=/tmp/pg&data_path=/d")
    assert parsed.catalog_dsn == "dbname=jixiao host=/tmp/pg user=postgres"
    assert lake.LakeTarget.from_url(parsed.url) == parsed


@pytest.mark.parametrize("url", [
    "postgres://u@h/db?data_path=/d",  # not a lake URL
    "ducklake+postgres://h/db?data_path=/d",  # no user
    "ducklake+postgres://u@h/?data_path=/d",  # no database
    "ducklake+postgres://u@h/db",  # no data_path
    "ducklake+postgres://u@h/db?data_path=relative/dir",
    "ducklake+postgres://u@h:port/db?data_path=/d",
    "ducklake+postgres://u@h/db?data_path=/d&datapath=/e",  # a typo is not passed on to libpq
])
def test_malformed_urls_say_the_expected_form(url: str) -> None:
    with pytest.raises(ValueError, match=r"expected ducklake\+postgres://user\[:password\]@host"):
        lake.LakeTarget.from_url(url)


# --- extensions -----------------------------------------------------------------------------------


def test_extensions_load_from_the_pip_packages() -> None:
    conn = duckdb.connect(config={"autoinstall_known_extensions": False})
    lake.load_extensions(conn)
    lake.load_extensions(conn)  # twice is fine
    loaded = dict(conn.execute("SELECT extension_name, loaded FROM duckdb_extensions()"
                               " WHERE extension_name IN ('ducklake', 'postgres_scanner')").fetchall())
    assert loaded == {"ducklake": True, "postgres_scanner": True}


def test_a_missing_extension_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(lake.EXTENSIONS, "ducklake", "duckdb-extension-not-there")
    with pytest.raises(lake.LakeError, match="pip install 'duckdb-extension-not-there==1"):
        lake.load_extensions(duckdb.connect())


# --- the schema -----------------------------------------------------------------------------------


def test_the_lake_has_every_table_and_view_of_the_embedded_warehouse(
        built: duckdb.DuckDBPyConnection, embedded: duckdb.DuckDBPyConnection) -> None:
    conn = built
    want, have = _catalog(embedded, "memory"), _catalog(conn, "lake")
    assert set(have) - OWN_TABLES == set(want)
    for name, spec in want.items():
        assert have[name]["kind"] == spec["kind"], name
        assert have[name]["columns"] == spec["columns"], name


def test_labels_survive_as_comments_or_in_lake_labels(
        built: duckdb.DuckDBPyConnection, embedded: duckdb.DuckDBPyConnection) -> None:
    conn = built
    want, have = _catalog(embedded, "memory"), _catalog(conn, "lake")
    labels = {(name, column): text for name, column, text in conn.execute(
        "SELECT object_name, column_name, label_zh FROM lake_labels").fetchall()}
    for name, spec in want.items():
        assert have[name]["comment"] == spec["comment"], name
        assert labels.get((name, None)) == spec["comment"], name
        for column, text in spec["comments"].items():
            assert labels[name, column] == text, (name, column)
            if spec["kind"] == "table":  # DuckLake keeps no comment on a view's column
                assert have[name]["comments"].get(column) == text, (name, column)
    assert labels["reports", "unit_name"] == "单位名称"


def test_dimension_rows_match_the_migrations_and_the_concept_csv(
        built: duckdb.DuckDBPyConnection, embedded: duckdb.DuckDBPyConnection) -> None:
    conn = built
    columns = ", ".join(f.name for f in fields(Concept))
    rows = set(conn.execute(f"SELECT {columns} FROM concepts").fetchall())
    assert rows == {astuple(concept) for concept in load_concepts().values()}
    for table in ("bases", "rate_kinds", "rules", "audit_checks"):
        assert set(conn.execute(f"FROM {table}").fetchall()) == set(embedded.execute(f"FROM {table}").fetchall())
    applied = conn.execute("SELECT file_name, checksum FROM schema_migrations ORDER BY 1").fetchall()
    assert applied == embedded.execute("SELECT file_name, checksum FROM schema_migrations ORDER BY 1").fetchall()


def test_every_view_queries_on_an_empty_lake(built: duckdb.DuckDBPyConnection) -> None:
    conn = built
    views = [name for (name,) in conn.execute(
        "SELECT view_name FROM duckdb_views() WHERE database_name = 'lake' ORDER BY 1").fetchall()]
    assert len(views) >= 10
    for view in views:
        conn.execute(f"SELECT * FROM {view}").fetchall()
    # also from a connection whose default database is not the lake: views bind inside their catalog
    conn.execute("USE memory")
    try:
        assert conn.execute("SELECT count(*) FROM lake.v_report_summary").fetchall() == [(0,)]
    finally:
        conn.execute("USE lake")


def test_ensure_schema_twice_changes_nothing(target: lake.LakeTarget) -> None:
    conn = lake.open_lake(target)
    before = _snapshot(conn)
    assert not lake.ensure_schema(conn)
    assert not lake.ensure_schema(conn, force=True)  # the full comparison finds nothing either
    assert _snapshot(conn) == before


def test_ensure_schema_repairs_what_is_missing(target: lake.LakeTarget) -> None:
    conn = lake.open_lake(target)
    conn.execute("ALTER TABLE reports DROP COLUMN subject")
    conn.execute("DROP VIEW v_report_summary")
    conn.execute("UPDATE concepts SET zh_label = 'x' WHERE concept = 'expenditure.total'")
    conn.execute("COMMENT ON TABLE runs IS ''")
    changes = lake.ensure_schema(conn, force=True)
    assert changes.columns == ["reports.subject"]
    assert changes.views == ["v_report_summary", "v_audit_reports"]  # and the view that reads it
    assert changes.rows == {"concepts": 1}
    assert changes.comments == 4  # runs, reports.subject and the two views made anew
    assert conn.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'runs'").fetchall()[0][0]
    assert conn.execute("SELECT zh_label FROM concepts WHERE concept = 'expenditure.total'").fetchall() != [("x",)]
    assert conn.execute("SELECT count(*) FROM concepts").fetchall() == [(len(load_concepts()),)]


def test_a_lake_at_a_newer_schema_is_not_rolled_back(target: lake.LakeTarget) -> None:
    conn = lake.open_lake(target)
    conn.execute("INSERT INTO schema_migrations (file_name, checksum) VALUES ('999_future.sql', 'x')")
    with pytest.raises(lake.LakeError, match=r"migrations this code does not know \(999_future.sql\)"):
        lake.ensure_schema(conn, force=True)


def _ensure_in_process(target: lake.LakeTarget) -> tuple[bool, float]:
    started = time.perf_counter()
    with lake.open_lake(target) as conn:
        conn.execute("SELECT count(*) FROM v_report_summary").fetchall()
    return True, time.perf_counter() - started


def test_two_processes_creating_the_schema_at_once_both_succeed(target: lake.LakeTarget) -> None:
    with SPAWN.Pool(2) as pool:
        results = pool.map(_ensure_in_process, [target, target])
    assert [ok for ok, _ in results] == [True, True]
    conn = lake.open_lake(target, read_only=True)
    assert conn.execute("SELECT count(*) FROM concepts").fetchall() == [(len(load_concepts()),)]
    assert conn.execute("SELECT count(*) FROM schema_migrations").fetchall() == [(len(db.migration_files()),)]


# --- concurrent writers and readers ---------------------------------------------------------------

N_COMMITS = 10


def _write_reports(target: lake.LakeTarget, writer: str, n: int) -> list[float]:
    """`n` commits of one document + report each, numbered like the loader does (max(load_seq) + 1):
    read-then-write, so the commit phase runs under the catalog lock. Returns each commit's seconds."""
    conn = lake.open_lake(target)
    durations = []
    for i in range(n):
        sha = hashlib.sha256(f"{writer}-{i}".encode()).hexdigest()
        started = time.perf_counter()
        with lake.catalog_lock(target):
            conn.execute("BEGIN TRANSACTION")
            [(last,)] = conn.execute("SELECT coalesce(max(load_seq), 0) FROM documents").fetchall()
            conn.execute(
                "INSERT INTO documents (sha256, path, file_name, format, size_bytes, status, first_run_id, loaded_at,"
                " load_seq) VALUES (?, ?, ?, 'txt', 1, 'loaded', ?, now(), ?)",
                [sha, f"/in/{writer}/{i}.txt", f"{i}.txt", writer, last + 1])
            conn.execute("INSERT INTO reports (sha256, unit_name, fiscal_year, status, n_errors, n_warnings)"
                         " VALUES (?, ?, 2024, 'passed', 0, 0)", [sha, writer])
            conn.execute("COMMIT")
        durations.append(time.perf_counter() - started)
    conn.close()
    return durations


def _read_until(target: lake.LakeTarget, stop: Any, results: Any) -> None:
    """Query every 0.2 s until `stop`; report the number of reads and any error."""
    try:
        conn = lake.open_lake(target, read_only=True)
        reads, seen = 0, 0
        while not stop.is_set():
            [(joined,)] = conn.execute(
                "SELECT count(*) FROM reports AS r JOIN documents AS d ON d.sha256 = r.sha256").fetchall()
            conn.execute("SELECT * FROM v_report_summary").fetchall()
            assert joined >= seen, "a reader saw rows disappear"
            seen, reads = joined, reads + 1
            stop.wait(0.2)
        results.put(("ok", reads))
    except Exception as exc:  # reported to the test, which fails on it
        results.put(("error", repr(exc)))


def test_two_writers_and_a_reader_in_separate_processes(target: lake.LakeTarget) -> None:
    lake.open_lake(target).close()  # the schema exists before the race (that race has its own test)
    stop, results = SPAWN.Event(), SPAWN.Queue()
    reader = SPAWN.Process(target=_read_until, args=(target, stop, results))
    reader.start()
    try:
        with SPAWN.Pool(2) as pool:
            durations = pool.starmap(_write_reports, [(target, "w1", N_COMMITS), (target, "w2", N_COMMITS)])
    finally:
        stop.set()
        outcome = results.get(timeout=30)
        reader.join(timeout=30)
    assert outcome[0] == "ok", outcome
    assert outcome[1] >= 1
    conn = lake.open_lake(target, read_only=True)
    assert conn.execute("SELECT count(*), count(DISTINCT load_seq), min(load_seq), max(load_seq)"
                        " FROM documents").fetchall() == [(2 * N_COMMITS, 2 * N_COMMITS, 1, 2 * N_COMMITS)]
    assert conn.execute("SELECT count(*) FROM reports").fetchall() == [(2 * N_COMMITS,)]
    assert max(max(d) for d in durations) < 5


def test_a_reader_keeps_its_snapshot_while_a_writer_commits(target: lake.LakeTarget) -> None:
    writer = lake.open_lake(target)
    reader = lake.open_lake(target, read_only=True)  # its own DuckDB instance, as another process has
    reader.execute("BEGIN TRANSACTION")
    assert reader.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]
    writer.execute("BEGIN TRANSACTION")
    writer.execute("INSERT INTO runs (run_id, flow, status) VALUES ('r1', 'ingest', 'running')")
    assert reader.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]  # not blocked by the open write
    writer.execute("COMMIT")
    assert reader.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]  # its snapshot
    reader.execute("COMMIT")
    assert reader.execute("SELECT count(*) FROM runs").fetchall() == [(1,)]  # the next one sees the commit


def test_the_catalog_lock_excludes_other_holders_until_released(target: lake.LakeTarget) -> None:
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lake.catalog_lock(target):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(10)
        with pytest.raises(lake.LakeError, match="stayed locked"), lake.catalog_lock(target, timeout_s=0.2):
            pass
        with lake.catalog_lock(target.catalog_dsn, key=lake.LOCK_KEY + 1):  # another key is free
            pass
    finally:
        release.set()
        thread.join()
    with lake.catalog_lock(target), lake.catalog_lock(target):  # re-entrant within a thread
        pass


def test_attaching_with_another_data_path_is_refused(target: lake.LakeTarget, tmp_path: Path) -> None:
    lake.open_lake(target).close()
    moved = lake.LakeTarget(target.catalog_dsn, tmp_path / "elsewhere")
    with pytest.raises(lake.LakeError, match="does not match existing data path"):
        lake.open_lake(moved)


def test_a_read_only_open_of_an_empty_catalog_is_refused(target: lake.LakeTarget) -> None:
    with pytest.raises(lake.LakeError, match="open it read-write once"):
        lake.open_lake(target, read_only=True)
