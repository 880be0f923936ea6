"""Reading docx, pdf, html and legacy Word: chosen by content, furniture dropped, reasons for refusals."""

from __future__ import annotations

import io
import zipfile

import pytest

from tasks.extract import extract_report
from tasks.formats import office
from tasks.read import TRADITIONAL_WARNING, ReadError, read_document
from tests.format_fixtures import encrypted_pdf, scanned_pdf, soffice, to_doc, to_docx, to_html, to_pdf

REPORT = ["某县妇女联合会", "2022年度部门整体支出绩效自评报告",
          "全年总收入320.61万元，其中：财政拨款收入300.61万元，占93.76%；其他收入20万元，占6.24%。"]


def test_the_reader_is_chosen_by_content_not_by_the_file_name() -> None:
    document = read_document("report.txt", to_docx(REPORT))
    assert document.format == "docx"
    assert "财政拨款收入300.61万元" in document.text


def test_html_page_keeps_the_article_and_drops_navigation_scripts_and_footer() -> None:
    page = to_html(REPORT, encoding="gb2312")
    document = read_document("page.htm", page)
    assert (document.format, document.encoding) == ("html", "gb18030")
    assert document.text.splitlines()[0] == "某县妇女联合会"
    for furniture in ("首页", "版权所有", "var x", "政府信息公开"):
        assert furniture not in document.text
    facts = extract_report(document)
    assert {a.value_yuan for a in facts.amounts} == {3_206_100.0, 3_006_100.0, 200_000.0}


def test_traditional_characters_are_converted_to_simplified() -> None:
    traditional = ["某縣婦女聯合會", "2022年度部門整體支出績效自評報告",
                   "全年總收入320.61萬元，其中：財政撥款收入300.61萬元；預算執行率100%，實際支出數據見表。"]
    for data in ("\n".join(traditional).encode("utf-8"), to_docx(traditional)):
        document = read_document("r", data)
        assert "全年总收入320.61万元" in document.text
        assert TRADITIONAL_WARNING in document.warnings
    simplified = read_document("r.txt", "\n".join(REPORT).encode("utf-8"))
    assert simplified.warnings == []


def test_pdf_page_numbers_are_the_provenance_of_prose_figures() -> None:
    facts = extract_report(read_document("r.pdf", to_pdf(REPORT)))
    assert facts.amounts and all(a.provenance == "page 1" for a in facts.amounts)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (scanned_pdf(), "no text layer: needs OCR"),
        (encrypted_pdf("绩效自评报告"), "encrypted PDF"),
        (b"%PDF-1.7\n...", "corrupt PDF|no text layer"),
        (b"PK\x03\x04garbage", "corrupt or truncated .docx"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "unsupported format: png image"),
    ],
    ids=["scanned", "encrypted", "broken-pdf", "broken-zip", "png"],
)
def test_unreadable_documents_are_rejected_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ReadError, match=reason):
        read_document("bad", data)


def test_a_zip_that_is_no_word_document_is_rejected() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ReadError, match="zip container, not a Word document"):
        read_document("book.docx", buffer.getvalue())


def test_legacy_word_without_libreoffice_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tasks.read.soffice_path", lambda: None)
    with pytest.raises(ReadError, match="needs LibreOffice \\(apt-get install libreoffice-writer-nogui\\)"):
        read_document("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert office.NEEDS_LIBREOFFICE.endswith("(apt-get install libreoffice-writer-nogui)")


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) not installed: apt-get install "
                    "libreoffice-writer-nogui to run the .doc test")
def test_legacy_word_is_converted_with_libreoffice() -> None:
    document = read_document("old.doc", to_doc(REPORT))
    assert document.format == "doc"
    assert "财政拨款收入300.61万元" in document.text
