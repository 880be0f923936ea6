"""Tables of findings that fit the terminal without breaking a number across two lines.

rich wraps a cell at spaces only and folds anything longer at any character: a Chinese message has
no spaces, so `支出合计（决算）1339.87万元` came out as `…1339` / `.87万元` on an 80-column terminal, and
rich narrows the widest columns first whatever they hold. Here a cell breaks between Chinese
characters and at spaces, never inside a number (`1,617,600.00元`) or a word; closing punctuation
stays with what it closes. Column widths are given out from what each column needs at least (its
longest unbreakable piece) and at most (its longest line), so a number always has room for itself.
Only when even those minimums do not fit (a very narrow terminal) are the widest text columns
folded, and never a number column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from tasks.safe_text import for_terminal

_CLOSING = "）)]」』】》”’，,。、；;：:！!？?％%"
# One unbreakable piece: a number with its separators and money unit, a run of ASCII letters and
# digits (an identifier may break after _ . / -), white space, or any other single character; each
# with the closing punctuation that follows it.
_NUMBER = r"[-+]?\d[\d,]*(?:\.\d+)?(?:亿元|万元|元)?(?![A-Za-z_\d])"
_STARTS_WITH_NUMBER = re.compile(_NUMBER)
_PIECE = re.compile(
    r"(?:"
    rf"{_NUMBER}"
    r"|[A-Za-z0-9]+[_./\\-]*"
    r"|\s+"
    r"|."
    rf")[{re.escape(_CLOSING)}]*",
    re.DOTALL,
)


def pieces(text: str) -> list[str]:
    """`text` cut where a line may break (see _PIECE)."""
    return _PIECE.findall(text)


def wrap(text: str, width: int) -> list[str]:
    """The lines of `text` at most `width` cells wide, broken only between pieces (a piece wider than
    the whole width, which the column widths avoid, is folded)."""
    width = max(width, 1)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for piece in pieces(paragraph):
            size = cell_len(piece)
            if piece.isspace():
                if line and used + size <= width:
                    line, used = line + piece, used + size
                elif line:  # a break at a space: the space goes
                    lines.append(line.rstrip())
                    line, used = "", 0
                continue
            if used + size > width and line:
                lines.append(line.rstrip())
                line, used = "", 0
            if size > width:
                *full, line = chop_cells(piece, width)
                lines.extend(full)
                used = cell_len(line)
            else:
                line, used = line + piece, used + size
        lines.append(line.rstrip())
    return lines


class Wrapped:
    """A text cell that wraps with `wrap`; rich measures and renders it like any renderable."""

    def __init__(self, text: str, style: str = "") -> None:
        self.text = text
        self.style = style

    @property
    def min_width(self) -> int:
        return max((cell_len(piece) for piece in pieces(self.text) if not piece.isspace()), default=1)

    @property
    def number_width(self) -> int:
        """The widest number in the text: the column may be narrowed to it, folding words, not numbers."""
        return max((cell_len(piece) for piece in pieces(self.text) if _STARTS_WITH_NUMBER.match(piece)), default=1)

    @property
    def max_width(self) -> int:
        return max((cell_len(line) for line in self.text.split("\n")), default=1)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.min_width, self.max_width).with_maximum(options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text("\n".join(wrap(self.text, options.max_width)), style=self.style, overflow="fold")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.15g}"  # as jixiao.console.render_table writes doubles
    # cells are data from reports: shown as Text (never markup), control characters made inert
    return for_terminal(str(value))


def fitted_widths(floors: Sequence[int], minimums: Sequence[int], maximums: Sequence[int],
                  numeric: Sequence[bool], room: int) -> list[int]:
    """Content widths of the columns within `room` cells.

    Each column its maximum when all fit; else its minimum (its widest unbreakable piece) plus a share
    of the rest (water-filling, below); else (the minimums too wide) the widest columns
    narrowed one cell at a time down to their floor (the widest number they hold: words fold,
    numbers do not); else, on a terminal too narrow even for that, text columns down to one cell
    (number columns never: a cropped figure reads as another figure)."""
    if sum(maximums) <= room:
        return list(maximums)
    widths = list(minimums)
    spare = room - sum(widths)
    if spare >= 0:
        # A column that lacks less than an even share of what is left gets all it lacks (a unit name
        # stays on one line); the columns that lack more (a long message) share the rest in proportion
        # to what they lack, so the squeeze falls on the text that wraps anyway.
        wants = {index: high - low for index, (low, high) in enumerate(zip(minimums, maximums, strict=True))
                 if high > low}
        while wants:
            satisfied = [index for index, want in wants.items() if want <= spare // len(wants)]
            if not satisfied:
                total = sum(wants.values())
                shares = {index: spare * want // total for index, want in wants.items()}
                # the cells rounding down leaves go to the columns that lack the most
                for index in sorted(wants, key=lambda index: wants[index] - shares[index], reverse=True)[
                        :spare - sum(shares.values())]:
                    shares[index] += 1
                for index, share in shares.items():
                    widths[index] += share
                break
            for index in satisfied:
                want = wants.pop(index)
                widths[index] += want
                spare -= want
        return widths
    for limits in (floors, [floor if is_number else 1 for floor, is_number in zip(floors, numeric, strict=True)]):
        while sum(widths) > room:
            narrowable = [index for index, width in enumerate(widths) if width > limits[index]]
            if not narrowable:
                break
            widths[max(narrowable, key=lambda index: widths[index])] -= 1
    return widths


class FittedTable:
    """A rich table of `rows` under `columns`, laid out for the width it is printed at."""

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> None:
        self.columns = list(columns)
        self.rows = [list(row) for row in rows]
        self.title = title

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self._table(options.max_width)

    def _cells(self) -> Iterator[tuple[bool, list[Any]]]:
        for index in range(len(self.columns)):
            values = [row[index] for row in self.rows]
            present = [value for value in values if value is not None]
            yield bool(present) and all(_is_number(value) for value in present), values

    def _table(self, width: int) -> Table:
        numeric: list[bool] = []
        cells: list[list[Wrapped | Text]] = []
        for is_number, values in self._cells():
            numeric.append(is_number)
            cells.append([Text("NULL", style="dim") if value is None
                          else Text(_plain(value)) if is_number else Wrapped(_plain(value)) for value in values])
        headers = [Wrapped(_plain(column)) for column in self.columns]
        floors, minimums, maximums = [], [], []
        for header, column_cells, is_number in zip(headers, cells, numeric, strict=True):
            def widest(measure: str, column_cells: list[Wrapped | Text] = column_cells) -> int:
                return max((cell.cell_len if isinstance(cell, Text) else getattr(cell, measure)
                            for cell in column_cells), default=1)

            maximums.append(max(widest("max_width"), header.max_width))
            # a number column never wraps; a text column wants its longest piece (its header may wrap too)
            # and must keep room for the longest number in it
            minimums.append(maximums[-1] if is_number else max(widest("min_width"), header.min_width))
            floors.append(maximums[-1] if is_number else widest("number_width"))
        # a box edge left of every column and at the right end, one cell of padding on each side
        room = width - (len(self.columns) + 1) - 2 * len(self.columns)
        widths = fitted_widths(floors, minimums, maximums, numeric, room)
        table = Table(title=Text(_plain(self.title)) if self.title is not None else None, title_justify="left")
        for header, column_width, is_number in zip(headers, widths, numeric, strict=True):
            table.add_column(header, width=column_width, no_wrap=is_number, overflow="fold",
                             justify="right" if is_number else "left")
        for row in zip(*cells, strict=True) if cells else []:
            table.add_row(*row)
        return table

