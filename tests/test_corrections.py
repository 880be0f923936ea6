"""`jixiao correct FILE.csv`: corrections load as an overlay, are checked whole, and load once."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner, Result

from jixiao.cli import app
from tests.test_history import CLEAN_REPORT, TYPO_REPORT, build_warehouse

# A report stating 其他收入 (income.other), the label a reviewer reads in the form and writes back.
OTHER_INCOME_REPORT = CLEAN_REPORT.replace(
    "（一）部门财政资金收入：161.76万元。", "（一）部门收入161.76万元，其中财政拨款收入150.00万元，其他收入11.76万元。")

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
                         "b/same.txt": CLEAN_REPORT.replace("某县卫生健康局", "某县民政局"),
                         "wenhua.txt": OTHER_INCOME_REPORT.replace("某县卫生健康局", "某县文化馆")})
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


def test_concepts_and_bases_may_be_named_by_their_chinese_labels(db: Path, tmp_path: Path) -> None:
    # the labels the warehouse's own tables show (concepts.zh_label, bases.zh_label)
    assert rows(db, "SELECT zh_label FROM concepts WHERE concept = 'income.other'") == [("其他收入",)]
    assert rows(db, "SELECT zh_label FROM bases WHERE basis = 'final'") == [("决算数",)]
    in_chinese = write_csv(tmp_path, "wenhua.txt,其他收入,决算数,117000,核对原件,李工\n",
                           "typo.txt,项目支出,final,617600,笔误,张工\n")

    result = run_cli("correct", str(in_chinese), "--db", str(db))

    assert result.exit_code == 0, result.output
    assert "2 new, 0 already loaded" in result.output
    # stored by their names, so the same corrections written in English are the same rows
    assert rows(db, "SELECT document_ref, concept, basis, corrected_value_yuan FROM corrections ORDER BY load_seq") == [
        ("wenhua.txt", "income.other", "final", 117_000.0), ("typo.txt", "expenditure.project", "final", 617_600.0)]
    in_english = write_csv(tmp_path, "wenhua.txt,income.other,final,117000,核对原件,李工\n",
                           "typo.txt,expenditure.project,决算数,617600,笔误,张工\n")
    again = run_cli("correct", str(in_english), "--db", str(db))
    assert again.exit_code == 0, again.output
    assert "0 new, 2 already loaded" in again.output


def test_an_unknown_label_is_an_error_naming_the_near_matches(db: Path, tmp_path: Path) -> None:
    csv_file = write_csv(tmp_path, "wenhua.txt,其它收入,决算数,117000,核对原件,李工\n",
                         "wenhua.txt,income.othr,final,117000,核对原件,李工\n",
                         "wenhua.txt,其他收入,决算,117000,核对原件,李工\n")

    result = run_cli("correct", str(csv_file), "--db", str(db))

    assert result.exit_code == 1
    assert "Traceback" not in result.output and "nothing was loaded" in result.output
    lines = result.output.splitlines()
    assert any("row 2:" in line and "'其它收入'" in line and "其他收入 (income.other)" in line for line in lines)
    assert any("row 3:" in line and "'income.othr'" in line and "income.other (其他收入)" in line for line in lines)
    assert any("row 4:" in line and "'决算'" in line and "决算数 (final)" in line for line in lines)
    assert rows(db, "SELECT count(*) FROM corrections") == [(0,)]
