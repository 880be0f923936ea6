"""Grids -> facts: one step for every table, whatever file or flattening it came from.

A header row's cells give each column its role through the lexicon (`[[table_column]]` in
tasks/phrasings.toml): 年初预算数 = budget, 全年预算数 = adjusted_budget, 全年执行数 = final,
实际到位资金 = funds received, 执行率 / 占比 / 到位率 = rates, 分值 = weight (never a fact), 得分 = score,
年度指标值 / 实际完成值 = an indicator's target and achieved value. Row labels give the concept
(`[[table_row]]`, then the prose amount labels). The money unit comes from the cell, the column's
header, the row label, the header row or a caption above the table, in that order.

Every fact records how it was read (`read_by`): `column_header` (its column named by a header cell),
`column_position` (a column the header does not name, its role inferred from its values), and
`joined_cells` (a number the layout broke over two lines). A money figure whose concept or unit
cannot be settled is returned as unclassified, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from tasks.extract.columns import PARENS as _PARENS
from tasks.extract.columns import column_role
from tasks.extract.grid import Cell, Grid, find_grids
from tasks.extract.numbers import ARABIC_NUMBER, parse_arabic
from tasks.extract.phrasings import Phrasings, first_whole, leftmost_longest, load_phrasings
from tasks.models import UNIT_YUAN, Amount, Rate, Region, Score

MONEY_ROLES = ("budget", "adjusted_budget", "final", "funds_received")
RATE_ROLES = {"execution": "execution", "share": "share", "indicator_rate": "indicator"}
_TEXT_ROLES = (None, "label", "indicator", "indicator_part")
_VALUE = re.compile(
    rf"^(?P<cmp>[≥≤<>=]|不低于|不高于|不超过|不少于)?\s?(?P<num>{ARABIC_NUMBER})\s?"
    r"(?P<unit>亿元|万元|千元|元|%)?(?P<per>/[^\d\s]{1,6})?$")
_EMPTY = re.compile(r"^(?:-+|—+|/|无|\\)$")
_LABEL_PREFIX = re.compile(
    r"^(?:(?:其中|含|按[^:]{1,8}|资金(?:来源|构成|性质|类别))\s?:|其中(?=\S)|[一二三四五六七八九十]+、|\d{1,2}[.、]|\(\w{1,2}\)|[①-⑳])\s?")
_GROWTH_NAME = re.compile(r"增长率|增幅|增速|涨幅|同比增长|提高率")
_CAPTION_LINES = 3


@dataclass(slots=True)
class TableFacts:
    amounts: list[Amount] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    unclassified: list[dict] = field(default_factory=list)
    cells: list[tuple[int, int]] = field(default_factory=list)  # the cells read: prose skips them
    grids: int = 0
    money_tables: list[int] = field(default_factory=list)  # where each money table starts

    def covers(self, span: tuple[int, int]) -> bool:
        if not self.cells:
            return False  # no table read (most prose reports): asked of every prose figure
        return any(start <= span[0] < end for start, end in self.cells)


@cache
def _phrasings() -> Phrasings:
    return load_phrasings()


def clean_label(text: str) -> str:
    label = text.replace(" ", "")
    for _ in range(3):
        stripped = _LABEL_PREFIX.sub("", label)
        if stripped == label:
            break
        label = stripped
    return _PARENS.sub("", label).strip(":")


def row_concept(label: str, phrasings: Phrasings) -> str | None:
    cleaned = clean_label(label)
    if not cleaned:
        return None
    row = first_whole(phrasings.table_rows, cleaned)
    if row is not None:
        return row.value
    found = leftmost_longest(phrasings.amount_labels, cleaned)
    if found is not None and found[1].start() == 0 and len(cleaned) - found[1].end() <= 2:
        return found[0].value
    return None


@dataclass(slots=True)
class _Header:
    row: int
    roles: list[str | None]
    units: list[str | None]
    texts: list[str]
    kind: str  # money / indicator
    read_by: list[str]


def _header_at(grid: Grid, index: int) -> _Header | None:
    if index > 0 and grid.layout != "cell_per_line" and not _has_values(grid.rows[index]) \
            and not _has_values(grid.rows[index - 1]):
        # A header broken over two lines ("年初" over "预算数"): the two lines together name the columns,
        # unless the line above named as many on its own (then this line is the table's first row).
        joined = _header_of([grid.rows[index - 1], grid.rows[index]], index)
        above = _header_of([grid.rows[index - 1]], index - 1)
        if joined is not None and (above is None or _named(joined) > _named(above)):
            return joined
    return _header_of([grid.rows[index]], index)


def _named(header: _Header) -> int:
    return sum(1 for role in header.roles if role is not None)


def _header_of(group: list[list[Cell | None]], index: int) -> _Header | None:
    width = max(len(r) for r in group)
    texts = ["".join(r[c].text for r in group if c < len(r) and r[c] is not None) for c in range(width)]
    found = [column_role(t) for t in texts]
    roles = [role for role, _ in found]
    units = [unit for _, unit in found]
    money = sum(1 for r in roles if r in MONEY_ROLES)
    rates = sum(1 for r in roles if r in RATE_ROLES)
    if money >= 2 or (money == 1 and (rates or any(units))):
        if roles and roles[0] in MONEY_ROLES:  # a table's first column holds names, not values
            roles[0] = "label"
        return _Header(index, roles, units, texts, "money", ["column_header"] * width)
    if "actual" in roles and ("target" in roles or "indicator" in roles):
        return _Header(index, roles, units, texts, "indicator", ["column_header"] * width)
    return None


def _has_values(row: list[Cell | None]) -> bool:
    return any(cell is not None and _VALUE.match(cell.text) for cell in row)


def _caption_unit(text: str, grid: Grid, header: _Header, lines: list[str]) -> str | None:
    phrasings = _phrasings()
    above = [c.text for row in grid.rows[max(0, header.row - _CAPTION_LINES): header.row] for c in row if c]
    # One cell per line: the form's key/value cells above the table take a line each, so a caption
    # three rows up is three rows of cells up.
    back = _CAPTION_LINES * (len(header.roles) if grid.layout == "cell_per_line" else 1)
    above += lines[max(0, grid.first_line - back): grid.first_line]
    for piece in [*header.texts, *reversed(above)]:
        for pattern in phrasings.table_units:
            match = pattern.search(piece)
            if match:
                return match.group(1)
    return None


def _infer_positional_roles(grid: Grid, header: _Header, rows: range) -> None:
    """Columns past the header's last cell: a column of percentages beside budget and final columns
    is their execution rate (a header cell lost in the copy)."""
    width = max((len(grid.rows[i]) for i in rows), default=0)
    if width <= len(header.roles) or "final" not in header.roles:
        return
    for column in range(len(header.roles), width):
        values = [grid.rows[i][column] for i in rows if column < len(grid.rows[i]) and grid.rows[i][column]]
        texts = [c.text for c in values if c is not None and not _EMPTY.match(c.text)]
        role = "execution" if texts and all(t.endswith("%") for t in texts) else None
        header.roles.append(role)
        header.units.append(None)
        header.texts.append("")
        header.read_by.append("column_position")


def _label_column(roles: list[str | None], column: int) -> int | None:
    for k in range(column - 1, -1, -1):
        if roles[k] in _TEXT_ROLES:
            return k
    return None


def _row_label(row: list[Cell | None], column: int | None) -> Cell | None:
    if column is None:
        return None
    for k in range(min(column, len(row) - 1), -1, -1):
        cell = row[k]
        if cell is not None and cell.text and not _VALUE.match(cell.text):
            return cell
    return None


def extract_tables(text: str, regions: Sequence[Region] = ()) -> TableFacts:
    """Amounts, rates, scores and unclassified money of every table in the text (`regions`: the
    reader's own tables, cell by cell, where the text came from a docx, html or pdf)."""
    phrasings = _phrasings()
    facts = TableFacts()
    lines = text.split("\n")
    for grid in find_grids(text, regions):
        facts.grids += 1
        _read_grid(text, grid, lines, phrasings, facts)
    return facts


def _read_grid(text: str, grid: Grid, lines: list[str], phrasings: Phrasings, facts: TableFacts) -> None:
    index = 0
    while index < len(grid.rows):
        header = _header_at(grid, index)
        if header is None:
            index += 1
            continue
        end = index + 1
        while end < len(grid.rows) and _header_at(grid, end) is None and not _ends_table(grid.rows[end], header):
            end += 1
        if end == index + 1:
            index += 1
            continue
        rows = range(index + 1, end)
        if header.kind == "money":
            facts.money_tables.append(grid.rows[index][0].start if grid.rows[index][0] else grid.start)
            _infer_positional_roles(grid, header, rows)
            unit = _caption_unit(text, grid, header, lines)
            for number in rows:
                _money_row(text, grid, header, number, unit, phrasings, facts)
        else:
            for number in rows:
                _indicator_row(text, grid, header, number, facts)
        index = end


def _ends_table(row: list[Cell | None], header: _Header) -> bool:
    if header.kind != "money":
        return False
    first_value = next((i for i, r in enumerate(header.roles) if r in MONEY_ROLES), 1)
    label = _row_label(row, _label_column(header.roles, first_value))
    if label is None:
        return False
    return bool(_phrasings().table_section.search(label.text)) or len(clean_label(label.text)) > 24


def _parse(cell: Cell | None) -> re.Match[str] | None:
    return _VALUE.match(cell.text) if cell is not None and cell.text else None


def _where(grid: Grid, header: _Header, row: int, column: int) -> str:
    heading = header.texts[column] if column < len(header.texts) and header.texts[column] else str(column + 1)
    return f"{grid.layout} table at offset {grid.start}, row {row + 1}, column {heading}"


def _money_row(text: str, grid: Grid, header: _Header, number: int, caption_unit: str | None,
               phrasings: Phrasings, facts: TableFacts) -> None:
    row = grid.rows[number]
    total_row = False
    first_amount: Amount | None = None  # a share in this row is a share of the row's first money figure
    for column, cell in enumerate(row):
        if cell is None or column >= len(header.roles):
            continue
        role = header.roles[column]
        match = _parse(cell)
        if role in _TEXT_ROLES or role in ("note", "row_no"):
            continue
        if _EMPTY.match(cell.text):
            facts.cells.append((cell.start, cell.end))
            continue
        if match is None:
            continue
        label_cell = _row_label(row, _label_column(header.roles, column))
        label = label_cell.text if label_cell else ""
        concept = row_concept(label, phrasings) if label else None
        total_row = total_row or bool(phrasings.table_total_row.search(clean_label(label)))
        parsed = parse_arabic(match.group("num"))
        span = (cell.start, cell.start + match.end()) if not cell.joined else (cell.start, cell.end)
        as_written = text[span[0]:span[1]]
        read_by = "joined_cells" if cell.joined else header.read_by[column]
        where = _where(grid, header, number, column)
        facts.cells.append((cell.start, cell.end))
        if role in MONEY_ROLES:
            written_unit = match.group("unit") if match.group("unit") not in (None, "%") else None
            row_unit = column_role(label)[1] if label else None
            unit = written_unit or header.units[column] or row_unit or caption_unit
            if match.group("unit") == "%" or match.group("per"):
                continue
            if role == "funds_received" and concept is not None:
                received = concept.replace("expenditure.", "funds_received.", 1)
                concept = received if received.startswith("funds_received.") and (
                    received == "funds_received.total" or ".level." in received) else None
            if concept is None or unit is None:
                facts.unclassified.append({
                    "as_written": as_written, "span": list(span), "label": label,
                    "reason": "no unit stated for the table" if concept else "row label not in the lexicon",
                    "value": float(parsed.value), "unit": unit})
                continue
            facts.amounts.append(Amount(
                id=f"t{len(facts.amounts) + 1}", concept=concept, basis="final" if role == "funds_received" else role,
                value_yuan=float(round(parsed.value * UNIT_YUAN[unit], 2)), as_written=as_written, span=span,
                unit=unit, decimals=parsed.decimals, unit_implied=written_unit is None, provenance=where,
                read_by=read_by, label=label if concept.startswith("expenditure.level.") else None))
            first_amount = first_amount or facts.amounts[-1]
        elif role in RATE_ROLES and concept is not None:
            kind = RATE_ROLES[role]
            rate_concept = clean_label(header.texts[column]) if kind == "indicator" else concept
            facts.rates.append(Rate(id="", concept=rate_concept or concept, kind=kind,
                                    value_pct=float(parsed.value), as_written=as_written, span=span,
                                    decimals=parsed.decimals, provenance=where, read_by=read_by,
                                    amount_id=first_amount.id if kind == "share" and first_amount else None))
        elif role == "score" and parsed.value <= Decimal(100):
            facts.scores.append(Score(id="", value=float(parsed.value), as_written=as_written, span=span,
                                      label="self_eval_score" if total_row else "indicator_score",
                                      provenance=where, read_by=read_by))


def _indicator_row(text: str, grid: Grid, header: _Header, number: int, facts: TableFacts) -> None:
    row = grid.rows[number]
    roles = header.roles
    name_column = roles.index("indicator") if "indicator" in roles else None
    target_column = roles.index("target") if "target" in roles else None
    name_cell = row[name_column] if name_column is not None and name_column < len(row) else None
    if name_cell is None:
        name_cell = _row_label(row, (target_column or len(row)) - 1)
    name = name_cell.text if name_cell is not None else ""
    total_row = bool(_phrasings().table_total_row.search(clean_label(row[0].text))) if row and row[0] else False
    if not total_row and name:
        total_row = bool(_phrasings().table_total_row.search(clean_label(name)))
    for column, cell in enumerate(row):
        if cell is None or column >= len(roles):
            continue
        role = roles[column]
        match = _parse(cell)
        if match is None:
            continue
        parsed = parse_arabic(match.group("num"))
        span = (cell.start, cell.start + match.end())
        as_written = text[span[0]:span[1]]
        where = _where(grid, header, number, column)
        if role in ("target", "actual"):
            facts.cells.append((cell.start, cell.end))
            unit = match.group("unit")
            if unit == "%" and role == "actual":
                kind = "growth" if _GROWTH_NAME.search(name) else "indicator"
                facts.rates.append(Rate(id="", concept=name or "indicator", kind=kind, value_pct=float(parsed.value),
                                        as_written=as_written, span=span, decimals=parsed.decimals,
                                        provenance=where, read_by="column_header"))
            elif unit in UNIT_YUAN:
                _indicator_money(facts, match, parsed, role, name, as_written, span, where)
        elif role == "score" and parsed.value <= Decimal(100) and match.group("unit") is None:
            facts.cells.append((cell.start, cell.end))
            facts.scores.append(Score(id="", value=float(parsed.value), as_written=as_written, span=span,
                                      label="self_eval_score" if total_row else "indicator_score",
                                      provenance=where, read_by="column_header"))


def _indicator_money(facts: TableFacts, match: re.Match[str], parsed, role: str, name: str,
                     as_written: str, span: tuple[int, int], where: str) -> None:
    """Money in an indicator cell is a standard or a ceiling (800元/件, ≤360万元), never a budget line;
    anything else there is listed as unclassified."""
    unit = match.group("unit")
    per_unit = match.group("per") is not None or "标准" in name
    ceiling = (match.group("cmp") or "") in ("≤", "<", "不高于", "不超过") and role == "target"
    if not (per_unit or ceiling):
        facts.unclassified.append({"as_written": as_written, "span": list(span), "label": name,
                                   "reason": "money in an indicator cell", "value": float(parsed.value),
                                   "unit": unit})
        return
    facts.amounts.append(Amount(
        id=f"t{len(facts.amounts) + 1}", concept="target.unit_cost" if per_unit else "target.cost_ceiling",
        basis="budget" if role == "target" else "final",
        value_yuan=float(round(parsed.value * UNIT_YUAN[unit], 2)), as_written=as_written, span=span, unit=unit,
        decimals=parsed.decimals, unit_implied=False, provenance=where, read_by="column_header", label=name))
