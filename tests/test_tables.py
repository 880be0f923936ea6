"""Acceptance 2: a table-form report yields the same facts as a real docx table and as text tables
flattened every way a publishing system does it; the prose extractor never counts a cell twice."""

from __future__ import annotations

import pytest

from tasks.extract import extract_report, extract_text
from tasks.read import canonical_text, read_document
from tests.format_fixtures import to_docx, to_html, to_pdf

HEAD = ["某县科学技术协会", "2022年度部门整体支出绩效自评表", "单位：万元"]
ROWS = [["项目", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额", "120.00", "130.50", "128.20", "10", "98.24%", "9.8"],
        ["其中：基本支出", "80.00", "85.50", "85.00", "", "99.42%", ""],
        ["项目支出", "40.00", "45.00", "43.20", "", "96.00%", ""],
        ["总分", "", "", "", "100", "", "95.5"]]
TAIL = ["填报日期：2023年3月1日"]

FLATTENED = {
    "pipe cells": "\n".join(HEAD + [" | ".join(row) for row in ROWS] + TAIL),
    "spaced columns": "\n".join(HEAD + [" ".join(cell or "-" for cell in row) for row in ROWS] + TAIL),
    "one cell per line": "\n".join(HEAD + [cell or "-" for row in ROWS for cell in row] + TAIL),
}


def _facts_key(facts) -> tuple:  # noqa: ANN001 - ReportFacts
    return (sorted((a.concept, a.basis, a.value_yuan) for a in facts.amounts),
            sorted((r.kind, r.concept, r.value_pct) for r in facts.rates),
            sorted((s.label, s.value) for s in facts.scores))


@pytest.fixture(scope="module")
def docx_facts():  # noqa: ANN201
    return extract_report(read_document("自评表.docx", to_docx([*HEAD, ROWS, *TAIL])))


def test_every_column_kind_is_read_from_a_docx_table(docx_facts) -> None:  # noqa: ANN001
    amounts = {(a.concept, a.basis): a.value_yuan for a in docx_facts.amounts}
    assert amounts == {
        ("expenditure.total", "budget"): 1_200_000.0, ("expenditure.total", "adjusted_budget"): 1_305_000.0,
        ("expenditure.total", "final"): 1_282_000.0, ("expenditure.basic", "budget"): 800_000.0,
        ("expenditure.basic", "adjusted_budget"): 855_000.0, ("expenditure.basic", "final"): 850_000.0,
        ("expenditure.project", "budget"): 400_000.0, ("expenditure.project", "adjusted_budget"): 450_000.0,
        ("expenditure.project", "final"): 432_000.0,
    }  # the unit came from the caption "单位：万元"; 分值 (a weight) is no fact
    assert sorted((r.concept, r.kind, r.value_pct) for r in docx_facts.rates) == [
        ("expenditure.basic", "execution", 99.42), ("expenditure.project", "execution", 96.0),
        ("expenditure.total", "execution", 98.24)]
    assert sorted((s.label, s.value) for s in docx_facts.scores) == [("indicator_score", 9.8),
                                                                    ("self_eval_score", 95.5)]


def test_provenance_names_table_row_and_column(docx_facts) -> None:  # noqa: ANN001
    final = next(a for a in docx_facts.amounts if (a.concept, a.basis) == ("expenditure.basic", "final"))
    assert final.provenance == "table 1, row 3, column 全年执行数"
    assert final.as_written == "85.00"
    json_row = next(row for row in docx_facts.to_json()["amounts"] if row["id"] == final.id)
    assert json_row["provenance"] == final.provenance


@pytest.mark.parametrize("form", sorted(FLATTENED))
def test_flattened_text_tables_give_the_docx_facts(form: str, docx_facts) -> None:  # noqa: ANN001
    flattened = extract_text(canonical_text(FLATTENED[form]), "自评表.txt")
    assert _facts_key(flattened) == _facts_key(docx_facts)


@pytest.mark.parametrize("build", [to_pdf, to_html], ids=["pdf", "html"])
def test_pdf_and_html_tables_give_the_docx_facts(build, docx_facts) -> None:  # noqa: ANN001
    document = read_document("自评表", build([*HEAD, ROWS, *TAIL]))
    facts = extract_report(document)
    assert _facts_key(facts) == _facts_key(docx_facts)
    if document.format == "pdf":
        assert all(a.provenance.startswith("page 1, table 1, row ") for a in facts.amounts)


def test_a_cell_is_reported_once_even_when_the_prose_reading_would_take_it() -> None:
    # With units in the cells, the prose extractor alone would read "基本支出 | 80万元" as well.
    text = canonical_text("部门整体支出情况\n项目 | 年初预算数 | 全年执行数\n基本支出 | 80万元 | 85万元\n")
    facts = extract_text(text, "t.txt")
    spans = [a.span for a in facts.amounts]
    assert len(spans) == len(set(spans)) == 2
    assert {(a.basis, a.value_yuan) for a in facts.amounts} == {("budget", 800_000.0), ("final", 850_000.0)}


def test_a_table_without_a_stated_unit_yields_no_amounts() -> None:
    text = canonical_text("项目 | 年初预算数 | 全年执行数\n基本支出 | 80.00 | 85.00\n")
    assert extract_text(text, "t.txt").amounts == []  # 80 元 or 80 万元? never guessed
