"""`jixiao correct FILE.csv`: corrections load as an overlay, are checked whole, and load once."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner, Result

from jixiao.cli import app
from tests.test_history import CLEAN_REPORT, TYPO_REPORT, build_warehouse

HEADER = "document,concept,basis,corrected_value_yuan,reason,author\n"
TYPO_FIX = "typo.txt,expenditure.project,final,\"617,600\",原文16.76万元为笔误,张工\n"


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = tmp_path / "jixiao.duckdb"
    build_warehouse(db, {"typo.txt": TYPO_REPORT, "clean.txt": CLEAN_REPORT, "a/same.txt": CLEAN_REPORT.replace("某县卫生健康局", "某县统计局"),
                         "b/same.txt": CLEAN_REPORT.replace("某县卫生健康局", "某县民政局")})
    return db


def write_csv(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / "corrections.csv"
    path.write_text(header + "".join(lines), encoding="utf-8")
    return path


def test_a_correction_shows_beside_the_extracted_value_and_loading_it_twice_changes_nothing(
        db: Path, tmp_path: Path) -> None:
    csv_file = write_csv(tmp_path, TYPO_FIX)
    amounts_before = rows(db, "SELECT * FROM amounts ORDER BY ALL")

    first = run_cli("correct", str(csv_file), "--db", str(db))
    assert first.exit_code == 0, first.output
    assert "1 new, 0 already loaded" in first.output
    assert rows(db, "SELECT as_written, extracted_value_yuan, corrected_value_yuan, effective_value_yuan,"
                    " correction_reason, correction_author FROM v_amounts_effective WHERE is_corrected") == [
        ("16.76万元", 167_600.0, 617_600.0, 617_600.0, "原文16.76万元为笔误", "张工")]
    assert rows(db, "SELECT * FROM amounts ORDER BY ALL") == amounts_before  # never edits the extracted facts

    corrections = rows(db, "SELECT * FROM corrections")
    second = run_cli("correct", str(csv_file), "--db", str(db))
    assert second.exit_code == 0, second.output
    assert "0 new, 1 already loaded" in second.output
    assert rows(db, "SELECT * FROM corrections") == corrections


def test_a_correction_naming_a_figure_the_report_does_not_state_is_an_error_and_nothing_loads(
        db: Path, tmp_path: Path) -> None:
    csv_file = write_csv(tmp_path, TYPO_FIX, "typo.txt,expenditure.total,budget,1000,预算数有误,张工\n",
                         "missing.txt,expenditure.total,final,1000,?,张工\n")

    result = run_cli("correct", str(csv_file), "--db", str(db))

    assert result.exit_code == 1
    assert "nothing was loaded" in result.output
    assert "row 3:" in result.output and "states no amount expenditure.total (budget)" in result.output
    assert "row 4: no loaded report 'missing.txt'" in result.output
    assert rows(db, "SELECT count(*) FROM corrections") == [(0,)]  # not even the valid first row


def test_an_ambiguous_document_is_an_error_and_a_sha256_prefix_settles_it(db: Path, tmp_path: Path) -> None:
    ambiguous = write_csv(tmp_path, "same.txt,expenditure.total,final,1000,?,张工\n")
    result = run_cli("correct", str(ambiguous), "--db", str(db))
    assert result.exit_code == 1
    assert "'same.txt' is ambiguous, it fits 2 reports" in result.output

    [(sha,)] = rows(db, "SELECT sha256 FROM documents WHERE path LIKE '%b/same.txt'")
    settled = write_csv(tmp_path, f"{sha[:10]},income.fiscal,final,1000,核对原件,李工\n")
    result = run_cli("correct", str(settled), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert rows(db, "SELECT doc_sha256, concept FROM corrections") == [(sha, "income.fiscal")]


def test_a_file_without_the_required_columns_is_refused(db: Path, tmp_path: Path) -> None:
    csv_file = write_csv(tmp_path, "typo.txt,expenditure.project,final,617600\n",
                         header="document,concept,basis,corrected_value_yuan\n")
    result = run_cli("correct", str(csv_file), "--db", str(db))
    assert result.exit_code == 1
    assert "missing column(s) reason, author" in result.output
