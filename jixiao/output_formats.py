"""Machine-readable renderings of a query result for `jixiao sql --format csv|json|markdown`.

Pure functions from (columns, rows) to text. Values are written exactly, never prettified:
ints plain, Decimal in plain positional notation (`1617600.00`), floats in their shortest
round-trip form (`repr`), dates and timestamps in ISO 8601, no thousands separators.
NULL is an empty field in CSV and markdown and `null` in JSON. Lists and structs are JSON
structures in JSON output and JSON text in a CSV or markdown cell.

Report text is hostile input (a unit name can be `=HYPERLINK(...)`, `<script>` or an ESC sequence):
- CSV into a pipe is the data interface and stays exact; CSV written straight into a file
  (`jixiao sql ... > out.csv`, the file a person opens in a spreadsheet) has each text cell that
  would start a formula (= + - @ tab CR LF) prefixed with `'` (`tasks.safe_text.for_spreadsheet`).
  Numbers, dates and NULL are never altered: only text values are.
- markdown is read rendered: `<`, `>` and `&` are written as entities (shown as themselves, never
  as HTML), control characters as U+FFFD.
- JSON escapes control characters itself and is never rendered: exact.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import math
import os
import stat
import sys
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any, TextIO

from tasks.safe_text import for_spreadsheet, for_terminal


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


Rows = Sequence[Sequence[Any]]


def is_terminal(stream: TextIO | None = None) -> bool:
    """Whether `stream` (default: stdout) is an interactive terminal."""
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def default_format(terminal: bool) -> OutputFormat:
    """A table for people at a terminal; CSV for pipes and files."""
    return OutputFormat.table if terminal else OutputFormat.csv


def writes_to_file(stream: TextIO | None = None) -> bool:
    """Whether `stream` (default: stdout) is a regular file (`> out.csv`), not a pipe, terminal or device."""
    stream = sys.stdout if stream is None else stream
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # no file descriptor (a test runner's buffer)
        return False


def render(output_format: OutputFormat, columns: Sequence[str], rows: Rows, *,
           spreadsheet_safe: bool | None = None) -> str:
    """The whole result in a machine format (not `table`: that one is rich's, see jixiao.console).

    `spreadsheet_safe` (CSV only): neutralize text cells that would start a formula; None decides
    by where stdout goes: into a regular file yes, into a pipe no (see the module docstring)."""
    if output_format is OutputFormat.csv:
        return to_csv(columns, rows, spreadsheet_safe=writes_to_file() if spreadsheet_safe is None
                      else spreadsheet_safe)
    renderers = {OutputFormat.json: to_json, OutputFormat.markdown: to_markdown}
    if output_format not in renderers:
        raise ValueError(f"no plain-text renderer for {output_format!r}")
    return renderers[output_format](columns, rows)


# --- scalar values -----------------------------------------------------------------------------------


def plain_text(value: Any) -> str:
    """One value as exact plain text; NULL is the empty string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")  # never exponent notation
    if isinstance(value, float):
        return repr(value)  # shortest string that reads back as the same double
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, list | tuple | dict):
        return json_value(value)
    return str(value)


def json_value(value: Any) -> str:
    """One value as JSON text, numbers written exactly (a Decimal stays a JSON number, digit for digit)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else "null"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "null"  # JSON has no NaN or Infinity
    if isinstance(value, dict):
        items = (f"{json.dumps(str(key), ensure_ascii=False)}: {json_value(item)}" for key, item in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(json_value(item) for item in value) + "]"
    return json.dumps(plain_text(value), ensure_ascii=False)


# --- whole results -----------------------------------------------------------------------------------


def to_csv(columns: Sequence[str], rows: Rows, *, spreadsheet_safe: bool = False) -> str:
    """RFC 4180 CSV: a header row, CRLF line ends, fields quoted only when they need it.

    `spreadsheet_safe`: text values (and headers) that a spreadsheet would run as a formula get a
    leading `'`; values that are not text (numbers, dates, NULL) are written exactly all the same."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    if spreadsheet_safe:
        writer.writerow([for_spreadsheet(str(column)) for column in columns])
        writer.writerows([for_spreadsheet(value) if isinstance(value, str) else plain_text(value) for value in row]
                         for row in rows)
    else:
        writer.writerow(columns)
        writer.writerows([plain_text(value) for value in row] for row in rows)
    return buffer.getvalue()


def to_json(columns: Sequence[str], rows: Rows) -> str:
    """One JSON array of objects (column name -> value), one object per line."""
    keys = [json.dumps(column, ensure_ascii=False) for column in columns]
    objects = ["{" + ", ".join(f"{key}: {json_value(value)}" for key, value in zip(keys, row, strict=True)) + "}"
               for row in rows]
    if not objects:
        return "[]\n"
    return "[\n" + ",\n".join(objects) + "\n]\n"


def to_markdown(columns: Sequence[str], rows: Rows) -> str:
    """A GitHub pipe table; numeric columns right-aligned, `|` in cells escaped, NULL empty."""
    lines = [_markdown_row(columns), _markdown_row(_alignment(index, rows) for index in range(len(columns)))]
    lines.extend(_markdown_row(plain_text(value) for value in row) for row in rows)
    return "\n".join(lines) + "\n"


def _markdown_row(cells: Any) -> str:
    return "| " + " | ".join(_markdown_cell(cell) for cell in cells) + " |"


def _markdown_cell(text: str) -> str:
    # Entities for <, > and &: a renderer shows them as the characters, never as HTML (<script>).
    text = html.escape(text, quote=False).replace("|", "\\|")
    return for_terminal(text.replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>"))


def _alignment(index: int, rows: Rows) -> str:
    values = [row[index] for row in rows if row[index] is not None]
    numeric = bool(values) and all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in values)
    return "---:" if numeric else "---"
