"""Word .docx: zip safety checks first, then python-docx walks paragraphs and tables in order."""

from __future__ import annotations

import io
import zipfile

from tasks.formats.blocks import Block, FormatError, Parsed
from tasks.formats.limits import ReadLimits

_CHUNK = 1 << 16
_XML_HEAD_BYTES = 4096  # a DTD can only sit in the prolog, before the root element


def check_docx_container(data: bytes, limits: ReadLimits) -> None:
    """Reject what must never reach python-docx: bad zips, zip bombs, XML with a DTD, non-Word zips.

    Declared sizes are checked first (cheap), then every member is actually inflated chunk by chunk
    and counted, because a forged header can lie about the size.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise FormatError(f"corrupt or truncated .docx (bad zip: {exc})") from exc
    with archive:
        members = archive.infolist()
        if "word/document.xml" not in {member.filename for member in members}:
            raise FormatError("zip container, not a Word document (no word/document.xml)")
        if len(members) > limits.max_zip_members:
            raise FormatError(f"zip holds {len(members):,} files, over the limit of {limits.max_zip_members:,}")
        declared = sum(member.file_size for member in members)
        if declared > limits.max_unzipped_bytes:
            raise FormatError(_bomb(declared, limits))
        inflated = 0
        for member in members:
            try:
                with archive.open(member) as stream:
                    head = b""
                    while chunk := stream.read(_CHUNK):
                        inflated += len(chunk)
                        if inflated > limits.max_unzipped_bytes:
                            raise FormatError(_bomb(inflated, limits, actual=True))
                        if len(head) < _XML_HEAD_BYTES:
                            head += chunk[: _XML_HEAD_BYTES - len(head)]
            except FormatError:
                raise
            except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
                raise FormatError(f"corrupt .docx: {member.filename}: {exc}") from exc
            if member.filename.endswith((".xml", ".rels")) and b"<!DOCTYPE" in head.upper():
                # No legitimate Office part has a DTD; one with entities is a billion-laughs attempt.
                raise FormatError(f"XML with a DTD in {member.filename} (entity expansion is not allowed)")


def _bomb(size: int, limits: ReadLimits, *, actual: bool = False) -> str:
    how = "inflates to more than" if actual else "declares"
    return (f"zip bomb: .docx {how} {size:,} bytes decompressed, over the limit of "
            f"{limits.max_unzipped_bytes:,} (JIXIAO_MAX_UNZIPPED_BYTES)")


def parse_docx(data: bytes, limits: ReadLimits) -> Parsed:
    """Paragraphs and tables of the body in document order; merged cells are kept once."""
    check_docx_container(data, limits)
    import docx  # python-docx: imported in the parser process only
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on broken parts
        raise FormatError(f"corrupt .docx: {type(exc).__name__}: {exc}") from exc
    blocks: list[Block] = []
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            blocks.append(Block(text=Paragraph(element, document).text))
        elif tag == "tbl":
            blocks.append(Block(rows=_table_rows(Table(element, document))))
    return Parsed(blocks=blocks)


def _table_rows(table) -> list[list[str]]:  # noqa: ANN001 - docx.table.Table
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # A horizontally merged cell is returned once per grid column: keep its text once, and an
            # empty cell in the columns it spans, so the columns stay aligned with the header.
            cells.append("" if cell._tc is previous else cell.text)
            previous = cell._tc
        rows.append(cells)
    return rows
