"""`jixiao explain REPORT`: findings with their source sentences, the figures involved highlighted."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from jixiao.cli import app
from tasks.explain import CORRECTED_STYLE, FIGURE_STYLE, InvolvedFact, explain_report, highlighted_sentences
from tests.test_history import CLEAN_REPORT, TYPO_REPORT, build_warehouse, correct_typo
from warehouse.db import connect

# as in the canonical text (NFKC: full-width punctuation becomes ASCII)
TYPO_SENTENCE = unicodedata.normalize("NFKC", "（二）部门财政资金支出：161.76万元，其中基本支出100.00万元，项目支出16.76万元。")


PER_CAPITA = "\n聘用讲解员6名，人均年补助3.2万元。\n"


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})


def _fact(text: str, figure: str, corrected: float | None = None) -> InvolvedFact:
    start = text.index(figure)
    return InvolvedFact(fact_id="a1", fact_type="amount", concept="x", concept_zh="x", qualifier="final",
                        as_written=figure, value=1.0, value_unit="元", span=(start, start + len(figure)),
                        corrected_value=corrected)


def test_the_sentence_around_each_figure_is_shown_once_with_the_figures_marked() -> None:
    text = "一、概况。\n收入161.76万元，支出[b]16.76万元。\n三、结论。"
    facts = [_fact(text, "161.76万元"), _fact(text, "16.76万元", corrected=617_600.0)]

    [sentence] = highlighted_sentences(text, facts)

    assert sentence == (f"收入[{FIGURE_STYLE}]161.76万元[/]，支出\\[b][{CORRECTED_STYLE}]16.76万元[/]。")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("explain") / "jixiao.duckdb"
    build_warehouse(db, {"typo.txt": TYPO_REPORT, "clean.txt": CLEAN_REPORT,
                         "other.txt": CLEAN_REPORT.replace("某县卫生健康局", "某市教育局"),
                         "percapita.txt": CLEAN_REPORT.replace("某县卫生健康局", "某县档案馆") + PER_CAPITA})
    return db


def test_explain_shows_the_finding_its_source_sentence_and_its_figures(db: Path) -> None:
    result = run_cli("explain", "typo.txt", "--db", str(db))

    assert result.exit_code == 0, result.output
    assert "sum_mismatch" in result.output and "status: failed" in result.output
    assert f"原文 {TYPO_SENTENCE}" in result.output
    for figure in ("161.76万元", "100.00万元", "16.76万元"):
        assert figure in result.output


def test_explain_marks_a_corrected_figure_and_gives_the_correction(db: Path) -> None:
    with connect(db) as conn:
        correct_typo(conn)
        [(sha,)] = conn.execute("SELECT sha256 FROM documents WHERE file_name = 'typo.txt'").fetchall()
        [finding] = explain_report(conn, sha).findings  # findings stay until a revalidation
        conn.execute("DELETE FROM corrections")
    assert f"[{CORRECTED_STYLE}]16.76万元[/]" in finding.sentences[0]
    assert [(f.fact_id, f.corrected_value, f.correction_reason) for f in finding.facts if f.corrected_value] == [
        ("a4", 617_600.0, "笔误")]


def test_a_report_is_found_by_unit_name_and_an_ambiguous_name_lists_the_candidates(db: Path) -> None:
    by_unit = run_cli("explain", "某县卫生健康局", "--db", str(db))
    assert by_unit.exit_code == 0, by_unit.output
    assert "No findings" in by_unit.output and "clean.txt" in by_unit.output

    ambiguous = run_cli("explain", "某县教育局", "--db", str(db))  # exact name of one unit: not ambiguous
    assert ambiguous.exit_code == 0 and "typo.txt" in ambiguous.output
    ambiguous = run_cli("explain", "教育局", "--db", str(db))
    assert ambiguous.exit_code == 1
    assert "fits 2 reports" in ambiguous.output and "typo.txt" in ambiguous.output and "other.txt" in ambiguous.output


def test_explain_lists_the_money_it_could_not_classify_in_its_sentence(db: Path) -> None:
    result = run_cli("explain", "percapita.txt", "--db", str(db))

    assert result.exit_code == 0, result.output
    assert "Unclassified money figures" in result.output and "人均年补助【3.2万元】" in result.output
    clean = run_cli("explain", "clean.txt", "--db", str(db))
    assert "Every money figure read is classified." in clean.output
