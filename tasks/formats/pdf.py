"""PDF via pdfplumber: tables and reflowed text lines per page, in reading order, page numbers kept.

A PDF wraps paragraphs into lines; the extractor reads sentences, so lines are joined back into
paragraphs. Lines close together (gap under ~0.6 line height) may belong together; in a document that
spaces its paragraphs that is enough, elsewhere the line above must also reach the right edge. A
first-line indent always starts a paragraph.
"""

from __future__ import annotations

import io
from typing import Any

from tasks.formats.blocks import Block, FormatError, Parsed
from tasks.formats.limits import ReadLimits

_FULL_LINE_SLACK = 2.5  # a line ending within this many character widths of the right edge is full
_PARAGRAPH_GAP = 0.6  # a vertical gap of this share of the line height or more starts a paragraph
_MAX_LINE_GAP = 2.0  # gaps above this many line heights (blank lines, page furniture) are not counted
_SPACED_SHARE = 0.15  # the document spaces paragraphs when this share of line gaps are paragraph gaps
_INDENT = 1.5  # a line starting this many character widths right of the left edge starts a paragraph


def parse_pdf(data: bytes, limits: ReadLimits) -> Parsed:
    import pdfplumber  # imported in the parser process only
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise FormatError(f"encrypted PDF: needs a password to open ({type(exc).__name__})") from exc
    except PDFSyntaxError as exc:
        raise FormatError(f"corrupt PDF: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on broken files
        # pdfplumber wraps pdfminer's errors: PdfminerException(PDFPasswordIncorrect()).
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)) or "password" in str(exc).lower():
            raise FormatError(f"encrypted PDF: needs a password to open ({type(inner).__name__})") from exc
        raise FormatError(f"corrupt PDF: {type(inner).__name__}: {inner}") from exc
    pages_content: list[tuple[int, list[tuple[float, Block]], list[dict[str, Any]]]] = []
    with pdf:
        try:
            for number, page in enumerate(pdf.pages, start=1):
                pages_content.append((number, *_page_content(page, number)))
        except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
            raise FormatError(f"encrypted PDF: needs a password to open ({type(exc).__name__})") from exc
        pages = len(pdf.pages)
    spaced = _spaces_paragraphs([lines for _, _, lines in pages_content])
    blocks: list[Block] = []
    carries_on = False  # the previous page ended in a full line of prose: its paragraph may go on
    for number, placed, lines in pages_content:
        paragraphs = _paragraphs(lines, spaced)
        placed += [(top, Block(text=text, page=number)) for top, text in paragraphs]
        placed.sort(key=lambda item: item[0])
        page_blocks = [block for _, block in placed]
        if carries_on and page_blocks and not page_blocks[0].is_table and not _starts_indented(lines):
            blocks[-1].text = _join_wrapped(blocks[-1].text, page_blocks.pop(0).text)
        blocks.extend(page_blocks)
        carries_on = bool(blocks) and not blocks[-1].is_table and bool(lines) and _ends_full(lines)
    if not any((block.text or "").strip() or block.rows for block in blocks):
        raise FormatError(f"no text layer: needs OCR (a scanned PDF of {pages} page(s))")
    return Parsed(blocks=blocks)


def _page_content(page: Any, number: int) -> tuple[list[tuple[float, Block]], list[dict[str, Any]]]:
    """The page's tables (placed by their top) and its text lines outside the tables."""
    tables = page.find_tables()
    placed: list[tuple[float, Block]] = []
    for table in tables:
        rows = [[cell or "" for cell in row] for row in table.extract()]
        if rows:
            placed.append((table.bbox[1], Block(rows=rows, page=number)))
    outside = page
    x0, top, x1, bottom = page.bbox
    for table in tables:  # text inside a table's box belongs to its cells, not to the prose
        # A table drawn wider than its page (a landscape form on a portrait page) is cut at the edge.
        left, upper, right, lower = table.bbox
        clipped = (max(left, x0), max(upper, top), min(right, x1), min(lower, bottom))
        if clipped[0] < clipped[2] and clipped[1] < clipped[3]:
            outside = outside.outside_bbox(clipped)
    return placed, outside.extract_text_lines(return_chars=True)


def _gaps(lines: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """(gap to the line above, line height) for each line but the first."""
    return [(b["top"] - a["bottom"], max(b["bottom"] - b["top"], 1.0)) for a, b in zip(lines, lines[1:], strict=False)]


def _spaces_paragraphs(pages: list[list[dict[str, Any]]]) -> bool:
    """Does the document put space between paragraphs? Then a gap, not the line length, splits them."""
    gaps = [gap for lines in pages for gap in _gaps(lines) if gap[0] < _MAX_LINE_GAP * gap[1]]
    wide = sum(1 for gap, height in gaps if gap >= _PARAGRAPH_GAP * height)
    return bool(gaps) and wide >= _SPACED_SHARE * len(gaps)


def _paragraphs(lines: list[dict[str, Any]], spaced: bool) -> list[tuple[float, str]]:
    if not lines:
        return []
    left = min(line["x0"] for line in lines)
    right = max(line["x1"] for line in lines)
    paragraphs: list[tuple[float, str]] = []
    text, top, previous = "", lines[0]["top"], None
    for line in lines:
        height = max(line["bottom"] - line["top"], 1.0)
        char_width = _char_width(line, height)
        if previous is not None:
            gap = line["top"] - previous["bottom"]
            indented = line["x0"] > left + _INDENT * char_width
            full = previous["x1"] >= right - _FULL_LINE_SLACK * char_width
            if gap < _PARAGRAPH_GAP * height and (spaced or full) and not indented:
                text = _join_wrapped(text, line["text"])
                previous = line
                continue
            paragraphs.append((top, text))
            text, top = "", line["top"]
        text = line["text"]
        previous = line
    paragraphs.append((top, text))
    return paragraphs


def _ends_full(lines: list[dict[str, Any]]) -> bool:
    last = lines[-1]
    height = max(last["bottom"] - last["top"], 1.0)
    return last["x1"] >= max(line["x1"] for line in lines) - _FULL_LINE_SLACK * _char_width(last, height)


def _starts_indented(lines: list[dict[str, Any]]) -> bool:
    if not lines:
        return False
    first = lines[0]
    height = max(first["bottom"] - first["top"], 1.0)
    return first["x0"] > min(line["x0"] for line in lines) + _INDENT * _char_width(first, height)


def _char_width(line: dict[str, Any], height: float) -> float:
    chars = line.get("chars") or []
    if not chars:
        return height
    return max(chars[-1]["x1"] - chars[-1]["x0"], height * 0.5)


def _join_wrapped(text: str, continuation: str) -> str:
    # Chinese wraps without a space; Latin words wrapped at a line end need one back.
    if text and continuation and text[-1].isascii() and text[-1].isalpha() and continuation[0].isascii() \
            and continuation[0].isalpha():
        return f"{text} {continuation}"
    return text + continuation
