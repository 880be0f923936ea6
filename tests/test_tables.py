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


def test_a_readers_table_is_read_as_the_reader_gave_it_not_guessed_back_from_the_text() -> None:
    """A cell holding "|" (a name written "财政拨款|本级") would split in a `|` flattening; the docx
    reader's own grid keeps it one cell, so the columns stay where the reader put them."""
    from tasks.extract.grid import find_grids

    rows = [row[:] for row in ROWS]
    rows[2][0] = "其中：基本支出|人员和公用"
    document = read_document("自评表.docx", to_docx([*HEAD, rows, *TAIL]))
    grids = find_grids(document.text, document.regions)
    assert [g.layout for g in grids] == ["reader"]
    assert [c.text if c else None for c in grids[0].rows[2]][:4] == ["其中:基本支出|人员和公用", "80.00", "85.50",
                                                                     "85.00"]
    facts = extract_report(document)  # an unknown label: its figures are unclassified, in their columns
    assert ("expenditure.basic", "final") not in {(a.concept, a.basis) for a in facts.amounts}
    assert {u["as_written"] for u in facts.unclassified} >= {"80.00", "85.50", "85.00"}
    # The text alone: the pipe reader sees one cell more in that row and shifts its numbers one column
    # (80.00 under 全年预算数): the reader's grid is what keeps that from happening.
    shifted = extract_text(document.text, "自评表.docx")
    assert ("expenditure.basic", "adjusted_budget", 800_000.0) in {(a.concept, a.basis, a.value_yuan)
                                                                   for a in shifted.amounts}


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


# A transfer-payment form: funds by government level, funds received, a share column, an empty row.
TRANSFER_HEAD = ["2023年度省级专项资金区域绩效自评表", "专项资金名称：乡村道路养护补助资金",
                 "资金使用单位：某某县交通运输局", "单位：万元"]
TRANSFER_ROWS = [["资金来源", "全年预算数", "实际到位资金", "全年执行数", "执行率", "占比"],
                 ["合计", "500.00", "480.00", "470.50", "94.10%", "100%"],
                 ["其中：省级资金", "300.00", "300.00", "296.20", "98.73%", "60.0%"],
                 ["市级资金", "120.00", "100.00", "96.30", "80.25%", "24.0%"],
                 ["县级资金", "80.00", "80.00", "78.00", "97.50%", "16.0%"],
                 ["其他资金", "", "", "", "", ""]]


def _display_width(text: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _aligned(rows: list[list[str]]) -> list[str]:
    """As pdftotext -layout prints a table: cells padded to their column's width, two spaces apart."""
    widths = [max(_display_width(row[c]) for row in rows) for c in range(len(rows[0]))]
    return ["  ".join(cell + " " * (widths[c] - _display_width(cell)) for c, cell in enumerate(row)).rstrip()
            for row in rows]


TRANSFER_FLATTENED = {
    "pipe": TRANSFER_HEAD + [" | ".join(row) for row in TRANSFER_ROWS],
    "markdown": TRANSFER_HEAD + ["| " + " | ".join(TRANSFER_ROWS[0]) + " |", "|---" * 6 + "|"]
    + ["| " + " | ".join(row) + " |" for row in TRANSFER_ROWS[1:]],
    "tabs": TRANSFER_HEAD + ["\t".join(cell or "—" for cell in row) for row in TRANSFER_ROWS],
    "aligned": TRANSFER_HEAD + _aligned([[cell or "—" for cell in row] for row in TRANSFER_ROWS]),
    "one cell per line": TRANSFER_HEAD + [cell for row in TRANSFER_ROWS for cell in row],
}


@pytest.mark.parametrize("form", sorted(TRANSFER_FLATTENED))
def test_a_transfer_payment_form_reads_the_same_in_every_flattening(form: str) -> None:
    facts = extract_text(canonical_text("\n".join(TRANSFER_FLATTENED[form])), "转移支付.txt")
    assert (facts.report_kind, facts.subject, facts.unit_name) == (
        "transfer_payment", "乡村道路养护补助资金", "某某县交通运输局")
    amounts = sorted((a.concept, a.basis, a.value_yuan) for a in facts.amounts)
    assert amounts == sorted([
        ("expenditure.total", "adjusted_budget", 5_000_000.0), ("funds_received.total", "final", 4_800_000.0),
        ("expenditure.total", "final", 4_705_000.0),
        ("expenditure.level.provincial", "adjusted_budget", 3_000_000.0),
        ("funds_received.level.provincial", "final", 3_000_000.0),
        ("expenditure.level.provincial", "final", 2_962_000.0),
        ("expenditure.level.city", "adjusted_budget", 1_200_000.0),
        ("funds_received.level.city", "final", 1_000_000.0), ("expenditure.level.city", "final", 963_000.0),
        ("expenditure.level.county", "adjusted_budget", 800_000.0),
        ("funds_received.level.county", "final", 800_000.0), ("expenditure.level.county", "final", 780_000.0),
    ])
    assert all(a.read_by == "column_header" and a.unit == "万元" and a.unit_implied for a in facts.amounts)
    rates = sorted((r.kind, r.concept, r.value_pct) for r in facts.rates)
    assert ("execution", "expenditure.level.city", 80.25) in rates
    assert ("share", "expenditure.level.county", 16.0) in rates
    # a clean form: levels add up through 市级 + 县级 (no 市县 row), shares make 100%
    assert facts.unclassified == []


def test_the_transfer_form_is_clean_and_a_wrong_level_figure_is_flagged() -> None:
    from tasks.validate import validate_report

    clean = extract_text(canonical_text("\n".join(TRANSFER_FLATTENED["pipe"])), "转移支付.txt")
    assert validate_report(clean) == []
    wrong = "\n".join(TRANSFER_FLATTENED["pipe"]).replace("| 80.00 | 80.00 | 78.00 |", "| 90.00 | 80.00 | 78.00 |")
    findings = validate_report(extract_text(canonical_text(wrong), "转移支付.txt"))
    assert {f.rule for f in findings} >= {"sum_mismatch"}, [f.message for f in findings]
