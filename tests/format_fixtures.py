"""Build report fixtures in every format from text: docx (python-docx), pdf (reportlab, CID font
STSong-Light: no font file needed), html (by hand, GBK), legacy .doc (LibreOffice, when installed).

A report is a list of parts: a str is a paragraph, a list of rows (lists of cell strings) is a table.
"""

from __future__ import annotations

import html
import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

Part = str | list[list[str]]


def text_parts(text: str) -> list[Part]:
    """A plain-text report as paragraphs, one per line (blank lines kept as empty paragraphs)."""
    return list(text.splitlines())


def to_docx(parts: list[Part]) -> bytes:
    import docx

    document = docx.Document()
    for part in parts:
        if isinstance(part, str):
            document.add_paragraph(part)
        else:
            table = document.add_table(rows=len(part), cols=max(len(row) for row in part))
            for row_cells, row in zip(table.rows, part, strict=True):
                for cell, value in zip(row_cells.cells, row, strict=False):
                    cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def to_pdf(parts: list[Part]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("body", fontName="STSong-Light", fontSize=10.5, leading=14, spaceAfter=8,
                           wordWrap="CJK")
    story = []
    for part in parts:
        if isinstance(part, str):
            story.append(Paragraph(escape(part), style) if part.strip() else Spacer(1, 6))
        else:
            table = Table(part)
            table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                                       ("FONTSIZE", (0, 0), (-1, -1), 9),
                                       ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
            story.append(table)
            story.append(Spacer(1, 8))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(story)
    return out.getvalue()


def to_html(parts: list[Part], encoding: str = "gbk") -> bytes:
    """A government-site page: navigation, the article (paragraphs, tables), a footer."""
    body: list[str] = []
    for part in parts:
        if isinstance(part, str):
            body.append(f"<p>{html.escape(part)}</p>" if part.strip() else "<p>&nbsp;</p>")
        else:
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                           for row in part)
            body.append(f'<table border="1">{rows}</table>')
    page = (
        f'<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}">'
        "<title>政府信息公开</title><script>var x = '年初预算数100万元';</script></head><body>"
        '<div class="nav"><a href="/">首页</a> &gt; <a href="/xxgk">政府信息公开</a> 预算执行1000万元</div>'
        '<div class="TRS_Editor">' + "\n".join(body) + "</div>"
        '<div id="footer">版权所有：某某县人民政府 主办单位支出100万元</div></body></html>'
    )
    return page.encode(encoding, errors="xmlcharrefreplace")


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_doc(parts: list[Part]) -> bytes:
    """Legacy Word 97 bytes, made by LibreOffice from the docx (the caller checks soffice() first)."""
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        (folder / "report.docx").write_bytes(to_docx(parts))
        subprocess.run([str(soffice()), f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                        "--convert-to", "doc:MS Word 97", "--outdir", str(folder), str(folder / "report.docx")],
                       check=True, capture_output=True, timeout=180)
        return (folder / "report.doc").read_bytes()


def pdf_with_content(content: bytes) -> bytes:
    """A minimal one-page PDF whose page draws `content` (raw operators), built by hand."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def encrypted_pdf(text: str, user_password: str = "secret") -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page = canvas.Canvas(out, encrypt=StandardEncryption(user_password, ownerPassword="owner"))
    page.setFont("STSong-Light", 12)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A page with only a picture-like drawing and no text layer, as a scanner makes."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    for row in range(40):
        page.rect(72, 72 + row * 15, 400, 10, fill=1)
    page.save()
    return out.getvalue()


# Hostile documents (tests/test_hostile.py, tests/test_fuzz_files.py)
BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
                             for n in range(1, 10))
                  + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                  b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")


def zip_bomb(inflated_mib: int) -> bytes:
    """A .docx-looking zip whose document.xml inflates to `inflated_mib` MiB of zeros (~1000:1)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            zeros = bytes(1 << 20)
            for _ in range(inflated_mib):
                member.write(zeros)
    return out.getvalue()


def replace_member(docx: bytes, name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member.filename, data if member.filename == name else source.read(member))
    return out.getvalue()
