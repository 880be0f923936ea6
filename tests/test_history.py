"""Findings history: ingest raises, revalidation keeps or clears, `findings_diff` compares two runs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tasks.batch import read_and_process_batch
from tasks.corrections import effective_frames
from tasks.history import HistoryError, findings_diff, resolve_run
from tasks.load import finish_run, load_batch, start_run
from tasks.revalidate import apply_findings, validate_batch
from tests.conftest import report_text
from warehouse.db import SQL_DIR, connect, migrate

# Expenditure 161.76万元 = basic 100.00 + project 16.76: the project figure is a typo for 61.76.
TYPO_REPORT = report_text("某县教育局", income="161.76", spent="161.76").replace(
    "支出：161.76万元。", "支出：161.76万元，其中基本支出100.00万元，项目支出16.76万元。")
# A report every rule passes.
CLEAN_REPORT = report_text("某县卫生健康局", year=2023)


def build_warehouse(db: Path, files: dict[str, str], archive: Path | None = None) -> str:
    """Ingest `files` (name -> text, written under db's folder) with the plain batch functions; return the run id."""
    folder = db.parent / "inbox"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(str(folder / name))
    processed = read_and_process_batch(paths, archive or db.parent / "archive", max_file_bytes=1_000_000)
    conn = connect(db)
    try:
        run_id = start_run(conn, flow="ingest", params={})
        stats = load_batch(conn, run_id, processed)
        finish_run(conn, run_id, files_seen=len(paths), loaded=stats.loaded, rejected=stats.rejected,
                   unchanged=stats.unchanged, status="completed", summary={})
    finally:
        conn.close()
    return run_id


def revalidate_all(conn: duckdb.DuckDBPyConnection) -> str:
    """One revalidation run over every report, with the plain functions (no Prefect)."""
    shas = [sha for (sha,) in conn.execute("SELECT sha256 FROM reports ORDER BY sha256").fetchall()]
    run_id = start_run(conn, flow="revalidate", params={})
    apply_findings(conn, run_id, shas, validate_batch(effective_frames(conn, shas), shas))
    finish_run(conn, run_id, files_seen=0, loaded=0, rejected=0, unchanged=0, status="completed", summary={})
    return run_id


def correct_typo(conn: duckdb.DuckDBPyConnection) -> None:
    [(sha,)] = conn.execute("SELECT sha256 FROM documents WHERE file_name = 'typo.txt'").fetchall()
    conn.execute("INSERT INTO corrections (doc_sha256, concept, basis, corrected_value_yuan, reason, author,"
                 " row_hash, document_ref, source_file, load_seq)"
                 " VALUES (?, 'expenditure.project', 'final', 617600, '笔误', '张工', 'h', 'typo.txt', 't.csv', 1)",
                 [sha])


def history(conn: duckdb.DuckDBPyConnection, run_id: str) -> set[tuple[str, str, str]]:
    return set(conn.execute("SELECT file_name, rule, change FROM v_finding_history WHERE run_id = ?",
                            [run_id]).fetchall())


@pytest.fixture
def warehouse(tmp_path: Path) -> tuple[Path, str]:
    db = tmp_path / "jixiao.duckdb"
    return db, build_warehouse(db, {"typo.txt": TYPO_REPORT, "clean.txt": CLEAN_REPORT})


def test_ingest_records_every_finding_as_raised_and_each_report_it_validated(warehouse: tuple[Path, str]) -> None:
    db, ingest_run = warehouse
    with connect(db) as conn:
        assert history(conn, ingest_run) == {("typo.txt", "sum_mismatch", "raised")}
        assert sorted(conn.execute("SELECT status_before, status_after FROM run_reports WHERE run_id = ?",
                                   [ingest_run]).fetchall()) == [(None, "failed"), (None, "passed")]


def test_revalidation_without_corrections_keeps_findings_identical_and_persisting(
        warehouse: tuple[Path, str]) -> None:
    db, _ = warehouse
    with connect(db) as conn:
        before = conn.execute("SELECT doc_sha256, finding_no, rule, severity, message, fact_ids FROM findings"
                              " ORDER BY ALL").fetchall()
        run_id = revalidate_all(conn)
        after = conn.execute("SELECT doc_sha256, finding_no, rule, severity, message, fact_ids FROM findings"
                             " ORDER BY ALL").fetchall()
        assert after == before
        assert history(conn, run_id) == {("typo.txt", "sum_mismatch", "persisting")}


def test_a_correction_clears_the_finding_and_the_diff_of_two_runs_shows_it(warehouse: tuple[Path, str]) -> None:
    db, ingest_run = warehouse
    with connect(db) as conn:
        correct_typo(conn)
        run_id = revalidate_all(conn)
        assert history(conn, run_id) == {("typo.txt", "sum_mismatch", "cleared")}
        assert conn.execute("SELECT reports.status, n_errors FROM reports JOIN documents USING (sha256)"
                            " WHERE file_name = 'typo.txt'").fetchall() == [("passed", 0)]
        diff = findings_diff(conn, ingest_run[:8], run_id)
        assert list(zip(diff["change"], diff["file_name"], diff["rule"], strict=True)) == [
            ("cleared", "typo.txt", "sum_mismatch")]
        # the other way round, the finding is raised; a run against itself changes nothing
        assert list(findings_diff(conn, run_id, ingest_run)["change"]) == ["raised"]
        assert set(findings_diff(conn, ingest_run, ingest_run)["change"]) == {"persisting"}


def test_a_run_reference_must_name_exactly_one_run(warehouse: tuple[Path, str]) -> None:
    db, ingest_run = warehouse
    with connect(db) as conn:
        assert resolve_run(conn, ingest_run[:6]) == ingest_run
        with pytest.raises(HistoryError, match="no run"):
            resolve_run(conn, "not-a-run")
        with pytest.raises(HistoryError, match="no run"):
            resolve_run(conn, "")


def test_history_backfill_of_an_older_warehouse_keys_findings_as_ingest_does(warehouse: tuple[Path, str]) -> None:
    db, ingest_run = warehouse
    with connect(db) as conn:
        recorded = conn.execute("SELECT * FROM finding_history ORDER BY ALL").fetchall()
        # a warehouse from before the history tables: migration 020 fills them from the findings
        conn.execute("DROP TABLE finding_history; DROP TABLE run_reports;"
                     " DELETE FROM schema_migrations WHERE file_name = '020_history.sql'")
        assert migrate(conn, SQL_DIR) == ["020_history.sql"]
        assert conn.execute("SELECT * FROM finding_history ORDER BY ALL").fetchall() == recorded
        assert recorded and {row[0] for row in recorded} == {ingest_run}


def test_revalidation_keeps_the_warning_of_a_report_without_figures(tmp_path: Path) -> None:
    db = tmp_path / "jixiao.duckdb"
    build_warehouse(db, {"words.txt": "某县档案馆\n部门整体支出绩效自评报告\n本年度各项工作正常开展。\n"})
    with connect(db) as conn:
        before = conn.execute("SELECT rule, severity, message, fact_ids FROM findings").fetchall()
        revalidate_all(conn)
        assert conn.execute("SELECT rule, severity, message, fact_ids FROM findings").fetchall() == before
