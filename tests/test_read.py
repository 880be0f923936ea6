"""Reading bytes: encodings detected, canonical text normalized, bad input rejected with a reason."""

from __future__ import annotations

import codecs

import pytest

from tasks.extract import extract_report
from tasks.read import ReadError, canonical_text, read_document
from tests.shared import seed_paths

REPORT = (
    "某县妇女联合会\n2022年度部门整体支出绩效自评报告\n"
    "一、部门基本情况\n本单位编制12人，实有11人。\n"
    "全年总收入３２０．６１万元，其中：财政拨款收入300.61万元，占93.76%；其他收入20万元，占6.24%。\n"
)


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (REPORT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + REPORT.encode("utf-8"), "utf-8-sig"),
        (REPORT.encode("gb18030"), "gb18030"),
        (REPORT.encode("utf-16"), "utf-16"),
    ],
)
def test_encodings_are_detected_and_give_the_same_text(encoded: bytes, encoding: str) -> None:
    document = read_document("r.txt", encoded)
    assert document.encoding == encoding
    assert document.text == canonical_text(REPORT)
    assert "320.61万元" in document.text  # full-width digits normalized


def test_gb18030_and_utf8_bom_copies_of_a_seed_give_the_same_facts() -> None:
    seed = seed_paths()[0]
    text = seed.read_text(encoding="utf-8")
    as_gb = read_document(seed.name, text.encode("gb18030"))
    as_bom = read_document(seed.name, codecs.BOM_UTF8 + text.encode("utf-8"))
    assert as_gb.encoding == "gb18030"
    assert as_bom.encoding == "utf-8-sig"
    facts_gb, facts_bom = extract_report(as_gb), extract_report(as_bom)
    assert facts_gb.amounts  # the seed has figures: equal-but-empty would prove nothing
    assert facts_gb.to_json() == facts_bom.to_json()


def test_canonical_text_unifies_breaks_and_keeps_the_layout() -> None:
    # Runs of spaces, tabs and blank lines are a flattened table's columns and empty cells.
    assert canonical_text("支出\r\n  19,909,622.50\u3000元\r\n\r\n\r\n下一段\t2  ") == \
        "支出\n  19,909,622.50 元\n\n\n下一段\t2"


def test_canonical_text_drops_pinyin_residue_and_glued_artifacts() -> None:
    mirror = "部門(mén)整體(tǐ)支出績(jì)效自評(píng)表 單(dān)位 萬(wàn)元 我們(men)"
    assert canonical_text(mirror) == "部門整體支出績效自評表 單位 萬元 我們"
    # a column letter after a header word is not pinyin, nor a lone toneless syllable
    assert canonical_text("全年预算数（A） 项目(a)") == "全年预算数(A) 项目(a)"
    assert canonical_text("支出\u200b1,234.56?万元，为?12") == "支出1,234.56万元,为12"


def test_spans_point_into_the_canonical_text() -> None:
    document = read_document("r.txt", REPORT.encode("gb18030"))
    facts = extract_report(document)
    for amount in facts.amounts:
        start, end = amount.span
        assert document.text[start:end] == amount.as_written


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"   \n\n  ", "no text"),
        (bytes(range(256)) * 40, "binary"),
        (b"%PDF-1.7\n...", "corrupt PDF|no text layer"),  # issue 3: PDF and docx are read now
        (b"PK\x03\x04garbage", "corrupt or truncated .docx"),
    ],
)
def test_bad_input_is_rejected_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ReadError, match=reason):
        read_document("bad.txt", data)
