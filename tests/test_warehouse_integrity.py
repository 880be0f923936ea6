"""The fact tables' keys, no longer enforced by DuckDB (050_unkeyed_fact_tables.sql), hold after every
writer; a warehouse made before that migration keeps its rows and its Chinese labels through it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import warehouse.db as warehouse_db
from tasks.load import finish_run, start_run
from tasks.revalidate import Selection, apply_reextraction, reextract_batch, select_reports
from tests.test_history import CLEAN_REPORT, TYPO_REPORT, build_warehouse, correct_typo, revalidate_all
from warehouse.db import SQL_DIR, connect, migrate, migration_files
from warehouse.integrity import FACT_GRAIN, key_violations

UNKEYED_MIGRATION = "050_unkeyed_fact_tables.sql"


def test_duplicates_and_orphans_are_reported() -> None:
    conn = connect(":memory:")
    assert key_violations(conn) == {}
    conn.execute("INSERT INTO staff VALUES ('a' || repeat('0', 63), 's1', 'staff.total', 3, '3人', 0, 2, 'label')")
    conn.execute("INSERT INTO staff VALUES ('a' || repeat('0', 63), 's1', 'staff.total', 3, '3人', 0, 2, 'label')")
    assert key_violations(conn) == {"staff duplicates": 1, "staff orphans": 2}


def test_keys_hold_after_ingest_reingest_revalidate_correction_and_reextraction(tmp_path: Path) -> None:
    db = tmp_path / "jixiao.duckdb"
    files = {"typo.txt": TYPO_REPORT, "clean.txt": CLEAN_REPORT}
    build_warehouse(db, files)
    build_warehouse(db, files)  # the same bytes again: unchanged, nothing written twice
    with connect(db) as conn:
        counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] for table in FACT_GRAIN}
        assert counts["amounts"] > 0 and counts["findings"] > 0
        correct_typo(conn)
        revalidate_all(conn)
        revalidate_all(conn)
        for _ in range(2):  # re-extraction replaces a report's facts, never adds to them
            selected = select_reports(conn, Selection())
            items = reextract_batch(selected, tmp_path / "archive")
            run_id = start_run(conn, flow="revalidate", params={})
            apply_reextraction(conn, run_id, items, [report.sha256 for report in selected])
            finish_run(conn, run_id, files_seen=0, loaded=0, rejected=0, unchanged=0, status="completed", summary={})
        assert key_violations(conn) == {}
        after = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] for table in FACT_GRAIN}
    del after["findings"], counts["findings"]  # revalidation after the correction changes the findings
    assert after == counts


def test_a_keyed_warehouse_keeps_its_rows_and_labels_through_the_migration(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the warehouse as it was before 050: every migration up to it, then rows loaded
    earlier = tmp_path / "sql"
    earlier.mkdir()
    for file in migration_files():
        if file.name < UNKEYED_MIGRATION:
            shutil.copy(file, earlier / file.name)
    db = tmp_path / "old" / "jixiao.duckdb"
    db.parent.mkdir()
    with monkeypatch.context() as patched:  # connect() migrates only as far as `earlier` goes
        patched.setattr(warehouse_db.migrate, "__defaults__", (earlier,))
        connect(db).close()
    # rows as today's loader writes them, kept to the columns the old schema had
    current = tmp_path / "current" / "jixiao.duckdb"
    current.parent.mkdir()
    build_warehouse(current, {"typo.txt": TYPO_REPORT, "clean.txt": CLEAN_REPORT})
    with duckdb.connect(str(db)) as conn:
        # ATTACH takes no parameters in duckdb 1.5: the path (a tmp dir of this test) as a quoted literal
        conn.execute(f"ATTACH '{str(current).replace(chr(39), chr(39) * 2)}' AS current (READ_ONLY)")
        tables = conn.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'jixiao'"
                              " AND table_name NOT IN ('schema_migrations', 'concepts', 'bases')").fetchall()
        first = ["runs", "documents", "reports"]  # what the others' foreign keys point to
        for table in sorted((t for (t,) in tables), key=lambda t: (first.index(t) if t in first else 3, t)):
            if conn.execute(f'SELECT count(*) FROM "{table}"').fetchone() != (0,):
                continue  # rows the migrations themselves write (check definitions)
            columns = [c for (c,) in conn.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'jixiao' AND table_name = ?"
                " ORDER BY column_index", [table]).fetchall()]
            names = ", ".join(f'"{c}"' for c in columns)  # names from the catalog, not from input
            conn.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM current."{table}"')

    def snapshot(conn: duckdb.DuckDBPyConnection) -> dict[str, object]:
        return {
            "rows": {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=str)
                     for table in FACT_GRAIN if table != "unclassified"},  # unclassified came later (060)
            "comments": conn.execute(
                "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE table_name IN"
                " ('amounts', 'rates', 'staff', 'scores', 'findings') ORDER BY ALL").fetchall(),
            "table_comments": conn.execute(
                "SELECT table_name, comment FROM duckdb_tables() WHERE table_name IN"
                " ('amounts', 'rates', 'staff', 'scores', 'findings') ORDER BY ALL").fetchall(),
        }

    with duckdb.connect(str(db)) as conn:
        before = snapshot(conn)
        assert "PRIMARY KEY" in conn.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'amounts'").fetchall()[0][0]
        shutil.copy(SQL_DIR / UNKEYED_MIGRATION, earlier / UNKEYED_MIGRATION)
        assert migrate(conn, earlier) == [UNKEYED_MIGRATION]
        assert snapshot(conn) == before
        assert UNKEYED_MIGRATION not in migrate(conn, SQL_DIR)  # the later ones apply on top
        for table in FACT_GRAIN:
            [(sql,)] = conn.execute("SELECT sql FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()
            assert "PRIMARY KEY" not in sql and "REFERENCES" not in sql and "NOT NULL" in sql
        assert all(comment for _, _, comment in before["comments"])  # type: ignore[union-attr]

