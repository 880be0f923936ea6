"""Machine-readable renderings of a query result for `jixiao sql --format csv|json|markdown`.

Pure functions from (columns, rows) to text. Values are written exactly, never prettified:
ints plain, Decimal in plain positional notation (`1617600.00`), floats in their shortest
round-trip form (`repr`), dates and timestamps in ISO 8601, no thousands separators.
NULL is an empty field in CSV and markdown and `null` in JSON. Lists and structs are JSON
structures in JSON output and JSON text in a CSV or markdown cell. CSV cells are never altered
(no formula-injection quoting): this is a data interface, not a spreadsheet export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import sys
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any, TextIO


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


def render(output_format: OutputFormat, columns: Sequence[str], rows: Rows) -> str:
    """The whole result in a machine format (not `table`: that one is rich's, see jixiao.console)."""
    renderers = {OutputFormat.csv: to_csv, OutputFormat.json: to_json, OutputFormat.markdown: to_markdown}
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


def to_csv(columns: Sequence[str], rows: Rows) -> str:
    """RFC 4180 CSV: a header row, CRLF line ends, fields quoted only when they need it."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
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
    return text.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")


def _alignment(index: int, rows: Rows) -> str:
    values = [row[index] for row in rows if row[index] is not None]
    numeric = bool(values) and all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in values)
    return "---:" if numeric else "---"
