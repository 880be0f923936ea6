"""Blocks -> canonical text plus regions (which table cell / page each stretch of text came from).

A table becomes one line per row, its cells joined by " | ", so the prose extractor and the table
extractor both see it and every span still points into one text. Each piece is normalized the way
`tasks.read.canonical_text` normalizes a whole text file (NFKC, folded spaces), so offsets are
known while the text is built.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from tasks.formats.blocks import Block
from tasks.models import Region

CELL_SEPARATOR = " | "
_SPACES = re.compile(r"[^\S\n]+")
_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x0b\x0c]")

# Traditional-only characters frequent in these reports, each with its simplified form. A text is
# taken as traditional when it has more of the first than of the second (never converted otherwise:
# OpenCC is slow and may alter names).
_TRADITIONAL = "預萬實際費億與這個們來時會為國過發經說對開關麼還見長門問體學區務計劃總額決達將業資單報執結餘撥數據項點當職員補貼險衛參構運產準確從無"
_SIMPLIFIED = "预万实际费亿与这个们来时会为国过发经说对开关么还见长门问体学区务计划总额决达将业资单报执结余拨数据项点当职员补贴险卫参构运产准确从无"
_MIN_TRADITIONAL_HITS = 5


def normalize_piece(text: str, *, single_line: bool = False) -> str:
    """One paragraph or cell as canonical text: NFKC, spaces folded, lines stripped."""
    text = unicodedata.normalize("NFKC", text)
    text = _LINE_BREAKS.sub("\n", text).replace("\ufeff", "").replace("\u200b", "")
    if single_line:
        text = text.replace("\n", " ")
    text = _SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip("\n")


def looks_traditional(text: str) -> bool:
    traditional = sum(text.count(ch) for ch in _TRADITIONAL)
    simplified = sum(text.count(ch) for ch in _SIMPLIFIED)
    return traditional >= _MIN_TRADITIONAL_HITS and traditional > simplified


def to_simplified() -> Callable[[str], str]:
    import opencc  # opencc-python-reimplemented: loaded only for the rare traditional document

    converter = opencc.OpenCC("t2s")
    return converter.convert


def blocks_text(blocks: list[Block]) -> str:
    """All the raw text of the blocks (to decide on traditional characters before assembling)."""
    parts: list[str] = []
    for block in blocks:
        if block.rows is None:
            parts.append(block.text)
        else:
            parts.extend(cell for row in block.rows for cell in row)
    return "\n".join(parts)


def assemble(blocks: list[Block], convert: Callable[[str], str] | None = None) -> tuple[str, list[Region]]:
    """(canonical text, regions): paragraphs and table rows in order, one blank line at most between."""
    lines: list[str] = []
    regions: list[Region] = []
    offset = 0  # where the next line starts in the text being built
    table_number = 0
    page_start: tuple[int | None, int] = (None, 0)

    def add_line(line: str) -> None:
        nonlocal offset
        if not line and (not lines or not lines[-1]):
            return  # no leading blank line, and never two in a row
        lines.append(line)
        offset += len(line) + 1

    def close_page(page: int | None) -> None:
        nonlocal page_start
        current, start = page_start
        if current is not None and offset - 1 > start:
            regions.append(Region(start=start, end=offset - 1, page=current))
        page_start = (page, offset)

    for block in blocks:
        if block.page != page_start[0]:
            close_page(block.page)
        if block.rows is None:
            text = normalize_piece(convert(block.text) if convert else block.text)
            for line in text.split("\n") if text else [""]:
                add_line(line)
            continue
        table_number += 1
        rows = [[normalize_piece(convert(c) if convert else c, single_line=True) for c in row] for row in block.rows]
        rows = [row for row in rows if any(row)]
        if not rows:
            continue
        header = rows[0]
        if lines and lines[-1]:
            add_line("")  # a table stands apart from the paragraph before it
        for row_number, cells in enumerate(rows, start=1):
            line, cell_spans = _row_line(cells)
            for column_index, (start, end) in cell_spans:
                column = header[column_index] if column_index < len(header) and header[column_index] else None
                regions.append(Region(start=offset + start, end=offset + end, page=block.page, table=table_number,
                                      row=row_number, column=column or str(column_index + 1), cell=column_index))
            add_line(line)
        add_line("")
    close_page(None)
    while lines and not lines[-1]:
        lines.pop()
    text = "\n".join(lines)
    return text, [region for region in regions if region.end <= len(text)]


def _row_line(cells: list[str]) -> tuple[str, list[tuple[int, tuple[int, int]]]]:
    """"a | | b" (an empty cell leaves its separator, so columns stay countable) and each cell's span."""
    line = ""
    spans: list[tuple[int, tuple[int, int]]] = []
    for index, cell in enumerate(cells):
        if index > 0:
            line += " |" if not cell else CELL_SEPARATOR
        elif not cell:
            line += "|"
        if cell:
            spans.append((index, (len(line), len(line) + len(cell))))
            line += cell
    return line, spans
