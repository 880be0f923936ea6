"""Text -> grids: the rows and cells of every table in a document, whatever the flattening.

docx, html and pdf readers know their tables' rows and cells: the canonical text holds each row as
one line (cells joined by " | ") and the document's regions say which span is which cell, so those
grids are taken from the regions as the reader gave them, never guessed back from the text. Text
copied out of a form comes in the flattenings seen in published reports, each read back into the
same `Grid`:

- `|` rows (web pages, markdown tables; `|---|` rules skipped, leading and trailing bars dropped);
- tab-separated rows (a copy out of Excel or Word);
- whitespace-aligned columns (pdftotext -layout): cells are runs separated by two or more spaces,
  placed in columns by their display position (a CJK character is two columns wide), so rows with
  fewer cells and header cells broken over lines land in the right column;
- one cell per line (Word cells pasted as lines, blank lines for empty cells): found from a run of
  column headers, the row width is the number of headers.

A number the layout broke over two lines ("2,948." / "36", or a last digit alone on the next line)
is joined into one cell whose span covers both parts, and marked so a fact can say how it was read.
Which row is the header, and what each column holds, is the lexicon's business (tasks/extract/tables.py).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from tasks.extract.columns import column_role  # the lexicon decides what a header is
from tasks.models import Region

_ALIGNED_GAP = re.compile(r"\S+(?: \S+)*")  # runs of text: two spaces or more end a cell
_LABEL_THEN_NUMBER = re.compile(r"(?<=[\u4e00-\u9fff:)]) (-?\d[\d,]*(?:\.\d+)?%?)$")
_HAS_GAP = re.compile(r"  |[^\S ]")  # what ends a run inside a line: two spaces, or a tab or wide space
_MAX_HEADER_CELL = 24  # characters; a longer line is prose that happens to name a column
_MARKDOWN_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_BROKEN_DECIMAL = re.compile(r"\d\.$")  # "2,948." with its decimals on the next line
_LEADING_DIGITS = re.compile(r"^\d+")
_WRAPPED_DIGITS = re.compile(r"^\d{1,3}$")
_NUMBER_END = re.compile(r"\d(?:[.,]\d+)*$")
_MAX_ROWS = 400


@dataclass(slots=True)
class Cell:
    text: str
    start: int
    end: int
    joined: bool = False  # a number put back together from two lines


@dataclass(slots=True)
class Grid:
    layout: str  # reader / pipe / tab / aligned / spaced / cell_per_line
    rows: list[list[Cell | None]]
    start: int
    end: int
    first_line: int  # index of its first line in the text
    header_rows: int = 0  # cell_per_line grids know their header row (row 0) from how they were found
    notes: list[str] = field(default_factory=list)


def lines_with_offsets(text: str) -> list[tuple[int, str]]:
    out, offset = [], 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


def find_grids(text: str, regions: Sequence[Region] = ()) -> list[Grid]:
    """Every table of the text: the reader's own (from `regions`) first, then every flattening."""
    lines = lines_with_offsets(text)
    used = [False] * len(lines)
    grids: list[Grid] = _reader_grids(text, lines, used, regions)
    for reader in (_pipe_grids, _tab_grids, _spaced_grids, _aligned_grids, _cell_per_line_grids):
        for grid in reader(lines, used):
            grids.append(grid)
    grids.sort(key=lambda g: g.start)
    return grids


def _reader_grids(text: str, lines: list[tuple[int, str]], used: list[bool], regions: Sequence[Region]) -> list[Grid]:
    """The docx/html/pdf reader's tables, cell by cell as it read them; their lines are taken."""
    tables: dict[int, dict[int, list[Region]]] = {}
    for region in regions:
        if region.table is not None and region.row is not None and region.cell is not None:
            tables.setdefault(region.table, {}).setdefault(region.row, []).append(region)
    starts = [offset for offset, _ in lines]
    grids: list[Grid] = []
    for table in sorted(tables):
        by_row = tables[table]
        width = 1 + max(region.cell for cells in by_row.values() for region in cells)
        rows: list[list[Cell | None]] = []
        line_numbers: list[int] = []
        for row_number in sorted(by_row):
            row: list[Cell | None] = [None] * width
            for region in by_row[row_number]:
                row[region.cell] = Cell(text[region.start:region.end], region.start, region.end)
            rows.append(row)
            line_numbers.append(bisect_right(starts, by_row[row_number][0].start) - 1)
        grid = _grid("reader", rows[:_MAX_ROWS], line_numbers[0])
        if grid is not None:
            grids.append(grid)
            for number in line_numbers:
                used[number] = True
    return grids


def _cells(offset: int, line: str, separator: str) -> list[Cell]:
    cells, position = [], 0
    for piece in line.split(separator):
        stripped = piece.strip()
        lead = len(piece) - len(piece.lstrip())
        start = offset + position + lead
        cells.append(Cell(stripped, start, start + len(stripped)))
        position += len(piece) + len(separator)
    return cells


def _blocks(lines: list[tuple[int, str]], used: list[bool], belongs) -> list[list[int]]:
    blocks: list[list[int]] = []
    current: list[int] = []
    for index, (_, line) in enumerate(lines):
        if not used[index] and belongs(line):
            current.append(index)
            continue
        if current:
            blocks.append(current)
        current = []
    if current:
        blocks.append(current)
    return blocks


def _grid(layout: str, rows: list[list[Cell | None]], first_line: int) -> Grid | None:
    present = [c for row in rows for c in row if c is not None]
    if not present:
        return None
    return Grid(layout, rows, min(c.start for c in present), max(c.end for c in present), first_line)


def _separated_rows(lines: list[tuple[int, str]], block: list[int], separator: str) -> list[list[Cell | None]]:
    rows: list[list[Cell | None]] = []
    # Markdown bars every row at both ends; a web copy's " | 年度资金总额 | …" starts with an empty cell.
    markdown = separator == "|" and all(lines[i][1].strip().startswith("|") for i in block)
    for index in block:
        offset, line = lines[index]
        if separator == "|" and _MARKDOWN_RULE.match(line):
            continue
        cells = _cells(offset, line, separator)
        if markdown:
            cells = cells[1:]
        while cells and not cells[-1].text:
            cells = cells[:-1]
        row: list[Cell | None] = [c if c.text else None for c in cells]
        if rows and _continues(rows[-1], row):
            rows[-1] = _join_rows(rows[-1], row)
            continue
        rows.append(row)
    return rows


def _continues(previous: list[Cell | None], row: list[Cell | None]) -> bool:
    """"… | 2,948." then "36 | 10 | …": the line break fell inside a number."""
    last = next((c for c in reversed(previous) if c is not None), None)
    first = row[0] if row else None
    return (last is not None and first is not None and previous[-1] is last
            and bool(_BROKEN_DECIMAL.search(last.text)) and bool(_LEADING_DIGITS.fullmatch(first.text)))


def _join_rows(previous: list[Cell | None], row: list[Cell | None]) -> list[Cell | None]:
    last, first = previous[-1], row[0]
    assert last is not None and first is not None
    joined = Cell(last.text + first.text, last.start, first.end, joined=True)
    return [*previous[:-1], joined, *row[1:]]


def _mark(used: list[bool], block: list[int]) -> None:
    for index in range(block[0], block[-1] + 1):
        used[index] = True


def _pipe_grids(lines: list[tuple[int, str]], used: list[bool]) -> list[Grid]:
    grids: list[Grid] = []
    if not any("|" in line for _, line in lines):
        return grids  # no line has a bar: no block (one pass in C instead of _blocks' Python loop)
    for block in _blocks(lines, used, lambda line: "|" in line):
        grid = _grid("pipe", _separated_rows(lines, block, "|")[:_MAX_ROWS], block[0])
        if grid is not None:
            grids.append(grid)
            _mark(used, block)
    return grids


def _tab_grids(lines: list[tuple[int, str]], used: list[bool]) -> list[Grid]:
    grids: list[Grid] = []
    if not any("\t" in line for _, line in lines):
        return grids  # no line has a tab: no block
    for block in _blocks(lines, used, lambda line: "\t" in line):
        grid = _grid("tab", _separated_rows(lines, block, "\t")[:_MAX_ROWS], block[0])
        if grid is not None:
            grids.append(grid)
            _mark(used, block)
    return grids


# ---------------------------------------------------------------- whitespace-aligned columns

def _has_gap(stripped: str) -> bool:
    """_HAS_GAP.search(stripped), without the regex (tried at every character, it costs more than the rest
    of a prose line's reading): a gap is a whitespace run other than one plain space, and str.split and
    the regex's \\s agree on what whitespace is."""
    return " ".join(stripped.split()) != stripped


def _display_columns(line: str) -> list[int]:
    """The display column at which each character starts (CJK and full-width characters are two wide)."""
    columns, column = [], 0
    for char in line:
        columns.append(column)
        column += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    columns.append(column)
    return columns


@dataclass(slots=True)
class _Segment:
    cell: Cell
    left: int  # display columns [left, right)
    right: int


def _segments(offset: int, line: str) -> list[_Segment]:
    display = _display_columns(line)
    segments = []
    for match in _ALIGNED_GAP.finditer(line):
        start, end = match.span()
        # "资金来源：财政拨款 1,286.45": a long label ran into the first number with one space between
        tail = _LABEL_THEN_NUMBER.search(match.group())
        if tail is not None and not _looks_numeric(match.group()):
            label_end = start + tail.start()
            segments.append(_Segment(Cell(line[start:label_end], offset + start, offset + label_end),
                                     display[start], display[label_end]))
            start = label_end + 1  # past the one space
        segments.append(_Segment(Cell(line[start:end], offset + start, offset + end), display[start], display[end]))
    return segments


def _aligned_grids(lines: list[tuple[int, str]], used: list[bool]) -> list[Grid]:
    # Only a line with a gap (or a wrapped digit) can be a row: skip measuring the rest, most of the text.
    segmented = [_segments(offset, line) if not used[i] and (_has_gap(line.strip())
                                                             or _WRAPPED_DIGITS.match(line.strip())) else []
                 for i, (offset, line) in enumerate(lines)]
    grids: list[Grid] = []
    index = 0
    while index < len(lines):
        if len(segmented[index]) < 2:
            index += 1
            continue
        block = [index]
        index += 1
        while index < len(lines) and (len(segmented[index]) >= 2 or _is_wrapped_digit(segmented, index)):
            block.append(index)
            index += 1
        if len(block) < 2:
            continue
        grid = _aligned_grid([segmented[i] for i in block], block[0])
        if grid is not None:
            grids.append(grid)
            _mark(used, block)
    return grids


def _is_wrapped_digit(segmented: list[list[_Segment]], index: int) -> bool:
    """A line holding only a digit or two, right under a row with numbers: a number's wrapped tail."""
    here = segmented[index]
    return (len(here) == 1 and bool(_WRAPPED_DIGITS.match(here[0].cell.text)) and index > 0
            and len(segmented[index - 1]) >= 2)


def _aligned_grid(rows: list[list[_Segment]], first_line: int) -> Grid | None:
    widest = max(len(row) for row in rows)
    anchors: list[list[int]] = []
    for row in rows:
        if len(row) == widest:
            for column, segment in enumerate(row):
                if column == len(anchors):
                    anchors.append([segment.left, segment.right])
                else:
                    anchors[column][0] = min(anchors[column][0], segment.left)
                    anchors[column][1] = max(anchors[column][1], segment.right)
    out: list[list[Cell | None]] = []
    for row in rows:
        if len(row) == 1 and out and _WRAPPED_DIGITS.match(row[0].cell.text):
            _join_wrapped(out[-1], row[0], anchors)
            continue
        cells: list[Cell | None] = [None] * len(anchors)
        for segment in row:
            column = _nearest_anchor(segment, anchors)
            held = cells[column]
            if held is None:
                cells[column] = segment.cell
            else:  # two runs in one column: one cell with a gap ("满意度指标" under a wide label)
                cells[column] = Cell(held.text + " " + segment.cell.text, held.start, segment.cell.end)
        out.append(cells)
    return _grid("aligned", out, first_line)


def _nearest_anchor(segment: _Segment, anchors: list[list[int]]) -> int:
    def overlap(anchor: list[int]) -> int:
        return min(anchor[1], segment.right) - max(anchor[0], segment.left)

    best = max(range(len(anchors)), key=lambda i: (overlap(anchors[i]), -i))
    if overlap(anchors[best]) > 0:
        return best
    middle = (segment.left + segment.right) / 2
    return min(range(len(anchors)), key=lambda i: abs((anchors[i][0] + anchors[i][1]) / 2 - middle))


def _join_wrapped(row: list[Cell | None], tail: _Segment, anchors: list[list[int]]) -> None:
    column = _nearest_anchor(tail, anchors)
    above = row[column]
    if above is not None and _NUMBER_END.search(above.text):
        row[column] = Cell(above.text + tail.cell.text, above.start, tail.cell.end, joined=True)


# ---------------------------------------------------------------- single spaces between cells

def _spaced_grids(lines: list[tuple[int, str]], used: list[bool]) -> list[Grid]:
    """"项目 年初预算数 全年执行数" over "基本支出 100.00 118.00": one space between cells, so a row is a
    label followed by exactly one value per value column."""

    grids: list[Grid] = []
    index = 0
    while index < len(lines):
        offset, line = lines[index]
        if " " not in line:  # no space: no header here (the test below would find no cells)
            index += 1
            continue
        # A header with wide gaps is an aligned table's (read by position below), not single-spaced.
        stripped = line.strip()
        header = _cells(offset, line, " ") if not used[index] and " " in stripped \
            and not _has_gap(stripped) else []
        header = [c for c in header if c.text]
        roles = [column_role(c.text)[0] for c in header]
        if sum(1 for r in roles if r in _MONEY_ROLES) < 2 or any(r is None for r in roles[1:]):
            index += 1
            continue
        width = len(header) - 1
        rows: list[list[Cell | None]] = [list(header)]
        position = index + 1
        while position < len(lines) and not used[position] and len(rows) < _MAX_ROWS:
            cells = [c for c in _cells(*lines[position], " ") if c.text]
            values = cells[-width:] if len(cells) > width else []
            if not values or not all(_looks_numeric(c.text) or _is_blank(c.text) for c in values) \
                    or _looks_numeric(cells[-width - 1].text):
                break
            label = Cell(" ".join(c.text for c in cells[:-width]), cells[0].start, cells[-width - 1].end)
            rows.append([label, *(None if _is_blank(c.text) else c for c in values)])
            position += 1
        if len(rows) > 1:
            grid = _grid("spaced", rows, index)
            if grid is not None:
                grids.append(grid)
                for k in range(index, position):
                    used[k] = True
        index = max(position, index + 1)
    return grids


# ---------------------------------------------------------------- one cell per line

def _cell_per_line_grids(lines: list[tuple[int, str]], used: list[bool]) -> list[Grid]:
    """Runs of header lines (one column name per line), then rows of exactly that many lines."""

    grids: list[Grid] = []
    index = 0
    while index < len(lines):
        if used[index] or not _may_start_header(lines[index][1], column_role):
            index += 1  # _header_run would stop at this very line: no header
            continue
        header, after = _header_run(lines, used, index, column_role)
        if len(header) < 3 or sum(1 for c in header if column_role(c.text)[0] in _MONEY_ROLES) < 2:
            index = max(after, index + 1)
            continue
        width = len(header)
        rows: list[list[Cell | None]] = [list(header)]
        position = after
        while position + width <= len(lines) and len(rows) < _MAX_ROWS:
            group = lines[position: position + width]
            if any(used[position + k] or "|" in text or "\t" in text for k, (_, text) in enumerate(group)):
                break
            label = group[0][1].strip()
            if not label or _looks_numeric(label) or column_role(label)[0] is not None:
                break
            values = [text.strip() for _, text in group[1:]]
            if not any(_looks_numeric(v) for v in values) and not all(_is_blank(v) for v in values):
                break
            rows.append([Cell(text.strip(), offset + len(text) - len(text.lstrip()),
                              offset + len(text.rstrip())) if text.strip() else None for offset, text in group])
            position += width
        grid = _grid("cell_per_line", rows, index)
        if grid is not None and len(rows) > 1:
            grid.header_rows = 1
            grids.append(grid)
            for k in range(index, position):
                used[k] = True
            index = position
        else:
            index = after
    return grids


_MONEY_ROLES = ("budget", "adjusted_budget", "final", "funds_received")
_EMPTY = re.compile(r"^(?:|-+|—+|/|无|\\)$")
_NUMERIC = re.compile(r"^[≥≤<>=]?\s?-?\d[\d,]*(?:\.\d+)?\s?(?:%|万元|元|亿元)?$")
_PAREN_ONLY = re.compile(r"^\([^()]{1,8}\)$")  # "(A)", "(C/B)": the rest of a header cell


def _looks_numeric(text: str) -> bool:
    return bool(_NUMERIC.match(text))


def _is_blank(text: str) -> bool:
    return bool(_EMPTY.match(text))


def _may_start_header(text: str, column_role) -> bool:
    """Whether _header_run takes this line as a first header cell (its tests for a line, in its order)."""
    stripped = text.strip()
    return bool(stripped) and "|" not in text and "\t" not in text and "  " not in stripped \
        and len(stripped) <= _MAX_HEADER_CELL and column_role(stripped)[0] is not None


def _header_run(lines: list[tuple[int, str]], used: list[bool], index: int, column_role) -> tuple[list[Cell], int]:
    header: list[Cell] = []
    position = index
    while position < len(lines) and not used[position]:
        offset, text = lines[position]
        stripped = text.strip()
        if not stripped or "|" in text or "\t" in text or "  " in stripped or len(stripped) > _MAX_HEADER_CELL:
            break
        start = offset + len(text) - len(text.lstrip())
        if header and _PAREN_ONLY.match(stripped):
            last = header[-1]
            header[-1] = Cell(last.text + stripped, last.start, start + len(stripped))
        elif column_role(stripped)[0] is not None:
            header.append(Cell(stripped, start, start + len(stripped)))
        else:
            break
        position += 1
    return header, position
