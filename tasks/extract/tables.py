"""Figures in tables: header cells say what a column holds, row labels name the concept.

基础数据表 / 绩效自评表: "项目 | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分". Works on the
canonical text, where a real table (docx/pdf/html) is already one line per row with cells joined by
" | ", so the same code reads real tables and tables flattened into text:
- "|" cells, one row per line;
- whitespace-separated columns under a header line ("基本支出 100.00 120.00 118.00");
- one cell per line (a header of one column name per line, then a label line and its values).
The money unit may sit only in a caption or a header cell ("单位：万元", "全年执行数(万元)").
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from tasks.extract.numbers import ARABIC_NUMBER, parse_arabic
from tasks.extract.phrasings import PHRASINGS_TOML, Phrasings, leftmost_longest
from tasks.models import UNIT_YUAN, Amount, Rate, Score

VALUE_KINDS = ("budget", "adjusted_budget", "final", "execution", "score", "weight")
AMOUNT_KINDS = ("budget", "adjusted_budget", "final")
_CELL_NUMBER = re.compile(rf"^(?P<num>{ARABIC_NUMBER})\s?(?P<unit>亿元|万元|千元|元|%)?$")
_EMPTY_CELL = re.compile(r"^(?:|-|—|/|无)$")
_LABEL_PREFIX = re.compile(r"^(?:其中[:]?|\d+[.、]|[一二三四五六七八九十]+、|\(\w\))\s*")
_CAPTION_LINES = 3  # lines above a header searched for "单位：万元"
_MAX_ROWS = 200


@dataclass(frozen=True, slots=True)
class _TablePhrasings:
    columns: tuple[tuple[re.Pattern[str], str], ...]
    units: tuple[re.Pattern[str], ...]
    row_labels: tuple[tuple[re.Pattern[str], str], ...]
    total_row: re.Pattern[str]
    any_column: re.Pattern[str]  # any column header word: a cheap gate before the per-line work


@cache
def _table_phrasings() -> _TablePhrasings:
    data = tomllib.loads(PHRASINGS_TOML.read_text(encoding="utf-8"))
    return _TablePhrasings(
        columns=tuple((re.compile(row["pattern"]), row["kind"]) for row in data["table_column"]),
        units=tuple(re.compile(row["pattern"]) for row in data["table_unit"]),
        row_labels=tuple((re.compile(row["pattern"]), row["concept"]) for row in data["table_row_label"]),
        total_row=re.compile("|".join(f"(?:{row['pattern']})" for row in data["table_total_row"])),
        any_column=re.compile("|".join(f"(?:{row['pattern']})" for row in data["table_column"])),
    )


@dataclass(slots=True)
class _Cell:
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(slots=True)
class _Table:
    number: int
    header: list[_Cell]
    kinds: list[str | None]  # per column: a VALUE_KINDS entry, "label" or None
    units: list[str | None]  # per column, from the header cell
    rows: list[list[_Cell | None]] = field(default_factory=list)
    unit: str | None = None  # from the caption or the header line
    start: int = 0
    end: int = 0


@dataclass(slots=True)
class TableFacts:
    amounts: list[Amount] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    extents: list[tuple[int, int]] = field(default_factory=list)  # the text the tables cover

    def covers(self, span: tuple[int, int]) -> bool:
        return any(start <= span[0] < end for start, end in self.extents)


def _lines(text: str) -> list[tuple[int, str]]:
    out, offset = [], 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


def _split_cells(offset: int, line: str, separator: str) -> list[_Cell]:
    cells, position = [], 0
    for piece in line.split(separator):
        stripped = piece.strip()
        lead = len(piece) - len(piece.lstrip())
        cells.append(_Cell(stripped, offset + position + lead))
        position += len(piece) + len(separator)
    return cells


def _column_kind(cell: str, phrasings: _TablePhrasings) -> tuple[str | None, str | None]:
    unit = next((m.group(1) for p in phrasings.units if (m := p.search(cell))), None)
    name = re.sub(r"\(.*?\)", "", cell).strip()
    for pattern, kind in phrasings.columns:
        if pattern.search(name):
            return kind, unit
    return None, unit


def _header(cells: list[_Cell], phrasings: _TablePhrasings) -> tuple[list[str | None], list[str | None]] | None:
    """Column kinds when these cells are a table header: two or more value columns, nothing unknown
    but the first (label) column."""
    kinds, units = zip(*(_column_kind(c.text, phrasings) for c in cells), strict=True) if cells else ((), ())
    values = [k for k in kinds if k in VALUE_KINDS and k != "weight"]
    unknown = [i for i, (k, c) in enumerate(zip(kinds, cells, strict=True)) if k is None and c.text and i > 0]
    if len(values) < 2 or unknown:
        return None
    return list(kinds), list(units)


def _is_value(cell: str) -> bool:
    return bool(_CELL_NUMBER.match(cell) or _EMPTY_CELL.match(cell))


def find_tables(text: str) -> list[_Table]:
    phrasings = _table_phrasings()
    lines = _lines(text)
    # A table starts at a header (or at a label line right above one-cell-per-line headers); prose
    # lines that name no column are skipped without the per-cell work.
    header_like = [bool(phrasings.any_column.search(line)) for _, line in lines]
    tables: list[_Table] = []
    index = 0
    while index < len(lines):
        if not (header_like[index] or (index + 1 < len(lines) and header_like[index + 1])):
            index += 1
            continue
        table, index_after = _table_at(lines, index, phrasings, len(tables) + 1)
        if table is None:
            index += 1
            continue
        table.unit = table.unit or _caption_unit(lines, index, phrasings)
        tables.append(table)
        index = index_after
    return tables


def _table_at(lines: list[tuple[int, str]], index: int, phrasings: _TablePhrasings,
              number: int) -> tuple[_Table | None, int]:
    offset, line = lines[index]
    if "|" in line:
        header = _split_cells(offset, line, "|")
        found = _header(header, phrasings)
        if found:
            table = _Table(number, header, *found, start=offset)
            index += 1
            while index < len(lines) and "|" in lines[index][1] and len(table.rows) < _MAX_ROWS:
                cells = _split_cells(*lines[index], "|")
                table.rows.append([cell if cell.text else None for cell in cells])
                index += 1
            return _finish(table, lines, index)
    if " " in line.strip():
        header = _split_cells(offset, line, " ")
        found = _header(header, phrasings)
        if found:
            table = _Table(number, header, *found, start=offset)
            width = len([k for k in found[0] if k != "label"])
            index += 1
            while index < len(lines) and len(table.rows) < _MAX_ROWS:
                row = _spaced_row(*lines[index], width)
                if row is None:
                    break
                table.rows.append(row)
                index += 1
            table.kinds = [k for k in found[0] if k != "label"]
            table.units = [u for k, u in zip(found[0], found[1], strict=True) if k != "label"]
            table.kinds.insert(0, "label")
            table.units.insert(0, None)
            return _finish(table, lines, index)
    return _one_cell_per_line(lines, index, phrasings, number)


def _spaced_row(offset: int, line: str, width: int) -> list[_Cell | None] | None:
    """"其中:基本支出 100.00 120.00 118.00 -": a label, then exactly one value per value column."""
    cells = _split_cells(offset, line, " ")
    values = cells[-width:] if len(cells) > width else []
    if not values or not all(_is_value(cell.text) for cell in values):
        return None
    label_cells = cells[: len(cells) - width]
    if not label_cells or _is_value(label_cells[-1].text):
        return None
    label = _Cell(line[label_cells[0].start - offset: label_cells[-1].end - offset], label_cells[0].start)
    return [label, *(None if _EMPTY_CELL.match(cell.text) else cell for cell in values)]


def _one_cell_per_line(lines: list[tuple[int, str]], index: int, phrasings: _TablePhrasings,
                       number: int) -> tuple[_Table | None, int]:
    header: list[_Cell] = []
    kinds: list[str | None] = []
    units: list[str | None] = []
    position = index
    if _column_kind(lines[position][1].strip(), phrasings)[0] == "label":
        header.append(_Cell(lines[position][1].strip(), lines[position][0]))
        position += 1
    else:
        header.append(_Cell("", lines[position][0]))
    kinds.append("label")
    units.append(None)
    while position < len(lines):
        kind, unit = _column_kind(lines[position][1].strip(), phrasings)
        if kind not in VALUE_KINDS or not lines[position][1].strip():
            break
        header.append(_Cell(lines[position][1].strip(), lines[position][0]))
        kinds.append(kind)
        units.append(unit)
        position += 1
    if len([k for k in kinds if k in VALUE_KINDS and k != "weight"]) < 2:
        return None, index + 1
    table = _Table(number, header, kinds, units, start=lines[index][0])
    width = len(kinds) - 1
    while position + width < len(lines) + 0 and len(table.rows) < _MAX_ROWS:
        label_offset, label = lines[position]
        group = lines[position + 1: position + 1 + width]
        if not label.strip() or _is_value(label.strip()) or len(group) < width \
                or not all(_is_value(value.strip()) for _, value in group):
            break
        row: list[_Cell | None] = [_split_cells(label_offset, label, "\n")[0]]
        for value_offset, value in group:
            cell = _split_cells(value_offset, value, "\n")[0]
            row.append(None if _EMPTY_CELL.match(cell.text) else cell)
        table.rows.append(row)
        position += 1 + width
    return _finish(table, lines, position)


def _finish(table: _Table, lines: list[tuple[int, str]], index_after: int) -> tuple[_Table | None, int]:
    if not table.rows:
        return None, index_after
    last = table.rows[-1]
    table.end = max(cell.end for cell in last if cell is not None)
    table.unit = next((u for u in table.units if u), None)
    return table, index_after


def _caption_unit(lines: list[tuple[int, str]], header_index: int, phrasings: _TablePhrasings) -> str | None:
    for _, line in reversed(lines[max(0, header_index - _CAPTION_LINES): header_index + 1]):
        for pattern in phrasings.units[:1]:  # the caption form: "单位：万元"
            match = pattern.search(line)
            if match:
                return match.group(1)
    return None


def _row_concept(label: str, phrasings: Phrasings, table_phrasings: _TablePhrasings) -> str | None:
    label = _LABEL_PREFIX.sub("", label).strip()
    for pattern, concept in table_phrasings.row_labels:
        if pattern.search(label):
            return concept
    found = leftmost_longest(phrasings.amount_labels, label)
    return found[0].value if found is not None and found[1].start() == 0 else None


def extract_tables(text: str, phrasings: Phrasings, first_ids: tuple[int, int, int] = (1, 1, 1)) -> TableFacts:
    """Amounts, execution rates and scores of every table in the text, ids numbered from `first_ids`."""
    table_phrasings = _table_phrasings()
    facts = TableFacts()
    amount_no, rate_no, score_no = first_ids
    for table in find_tables(text):
        facts.extents.append((table.start, table.end))
        for row_number, row in enumerate(table.rows, start=2):
            label_cell = row[0] if row else None
            if label_cell is None:
                continue
            concept = _row_concept(label_cell.text, phrasings, table_phrasings)
            for column, cell in enumerate(row[1:], start=1):
                kind = table.kinds[column] if column < len(table.kinds) else None
                match = _CELL_NUMBER.match(cell.text) if cell is not None else None
                if match is None or kind not in VALUE_KINDS or kind == "weight":
                    continue
                heading = table.header[column].text if column < len(table.header) else ""
                where = f"table {table.number}, row {row_number}, column {heading or column + 1}"
                number = parse_arabic(match.group("num"))
                span = (cell.start, cell.start + match.end())
                as_written = text[span[0]:span[1]]
                if kind in AMOUNT_KINDS:
                    unit = match.group("unit") if match.group("unit") not in (None, "%") else None
                    unit = unit or table.units[column] or table.unit
                    if concept is None or unit is None:
                        continue
                    facts.amounts.append(Amount(
                        id=f"a{amount_no}", concept=concept, basis=kind,
                        value_yuan=float(round(number.value * UNIT_YUAN[unit], 2)), as_written=as_written,
                        span=span, unit=unit, decimals=number.decimals,
                        unit_implied=match.group("unit") is None, provenance=where))
                    amount_no += 1
                elif kind == "execution" and concept is not None:
                    facts.rates.append(Rate(id=f"r{rate_no}", concept=concept, kind="execution",
                                            value_pct=float(number.value), as_written=as_written, span=span,
                                            decimals=number.decimals, provenance=where))
                    rate_no += 1
                elif kind == "score" and number.value <= Decimal(100):
                    total = table_phrasings.total_row.search(_LABEL_PREFIX.sub("", label_cell.text).strip())
                    facts.scores.append(Score(id=f"c{score_no}", value=float(number.value), as_written=as_written,
                                              span=span, label="self_eval_score" if total else "indicator_score",
                                              provenance=where))
                    score_no += 1
    return facts
