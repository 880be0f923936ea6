"""`jixiao sql --format table|csv|json|markdown`: machine formats carry values exactly, through a real pipe."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shlex
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner, Result

from jixiao import cli
from jixiao.output_formats import (
    OutputFormat,
    default_format,
    is_terminal,
    json_value,
    plain_text,
    to_markdown,
)
from tests.conftest import report_text
from tests.test_history import build_warehouse

JIXIAO = Path(sys.executable).with_name("jixiao")
BOX_CHARACTERS = set("┏┓┗┛┃━│─┡┩└┘┌┐╇╈")

# one row per report: a Chinese unit name, money as DECIMAL and as the stored DOUBLE, a count, a NULL
QUERY = """
    SELECT r.unit_name,
           (sum(a.value_yuan) FILTER (a.concept = 'income.fiscal'))::DECIMAL(18, 2) AS income_yuan,
           sum(a.value_yuan) FILTER (a.concept = 'income.fiscal') AS income_yuan_double,
           count(*) AS n_amounts,
           r.report_date,
           r.fiscal_year
    FROM reports AS r JOIN amounts AS a ON a.doc_sha256 = r.sha256
    GROUP BY ALL
    ORDER BY r.unit_name
"""
UNITS = {"某县教育局": "1200.5", "峨边彝族自治县科学技术协会": "161.76", "某县卫生健康局": "1234567.89"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three small reports loaded the way ingest loads a batch (without starting Prefect)."""
    db = tmp_path_factory.mktemp("sql_format") / "jixiao.duckdb"
    build_warehouse(db, {f"r{index}.txt": report_text(unit, income=income, spent=income)
                         for index, (unit, income) in enumerate(UNITS.items())})
    return db


@pytest.fixture(scope="module")
def expected(warehouse: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The query's result as the duckdb Python API returns it."""
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = conn.execute(QUERY)
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    finally:
        conn.close()
    assert len(rows) == len(UNITS)
    assert all(row[4] is None for row in rows)  # report_date: the NULL the formats must carry
    return columns, rows


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(cli.app, list(args), env={"COLUMNS": "250"})


def _jixiao_sql(db: Path, *options: str) -> str:
    return shlex.join([str(JIXIAO), "sql", QUERY, "--db", str(db), *options])


# The reading end of the pipe: another Python parsing the CSV with the csv module, reporting as JSON.
READER = (
    "import csv, io, json, sys; "
    "rows = list(csv.reader(io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8', newline=''))); "
    "print(json.dumps(rows))"
)


def _pipe(command: str, reader: str = READER) -> subprocess.CompletedProcess[str]:
    pipeline = f"{command} | {shlex.join([sys.executable, '-c', reader])}"
    return subprocess.run(pipeline, shell=True, capture_output=True, text=True, timeout=120, check=False)


# --- csv through a pipe ---------------------------------------------------------------------------------


def test_csv_through_a_real_pipe_round_trips_every_value_exactly(warehouse: Path, expected: tuple) -> None:
    assert JIXIAO.is_file(), f"the jixiao script is not installed beside {sys.executable}"
    columns, rows = expected

    result = _pipe(_jixiao_sql(warehouse, "--format", "csv"))

    assert result.returncode == 0, result.stderr
    header, *records = json.loads(result.stdout)
    assert header == columns
    assert len(records) == len(rows)
    for record, row in zip(records, rows, strict=True):
        unit, income, income_double, n_amounts, report_date, year = record
        assert unit == row[0] and unit in UNITS  # Chinese text intact
        assert isinstance(row[1], Decimal) and income == format(row[1], "f")  # digit for digit, no separators
        assert Decimal(income) == row[1] == Decimal(UNITS[unit]) * 10_000
        assert float(income_double) == row[2]  # the double reads back as the same double
        assert int(n_amounts) == row[3]
        assert report_date == ""  # NULL
        assert int(year) == row[5]


def test_the_default_into_a_pipe_is_plain_utf8_csv_whatever_the_locale(warehouse: Path, expected: tuple) -> None:
    columns, rows = expected
    # the reader hands back the raw bytes, so the test sees exactly what went through the pipe
    raw = "import sys; sys.stdout.write(sys.stdin.buffer.read().hex())"
    result = _pipe(f"PYTHONIOENCODING=ascii LC_ALL=C {_jixiao_sql(warehouse)}", reader=raw)

    assert result.returncode == 0, result.stderr
    data = bytes.fromhex(result.stdout)
    assert not data.startswith(b"\xef\xbb\xbf")  # no BOM
    text = data.decode("utf-8")
    assert not BOX_CHARACTERS & set(text)
    assert text.split("\r\n")[0] == ",".join(columns)  # RFC 4180 line ends
    assert "12,345,678,900" not in text and "12345678900.00" in text  # 1234567.89 万元, no thousands separators
    assert "rows" not in text  # no table title
    assert list(csv.reader(io.StringIO(text, newline=""))) [1:] == [
        [plain_text(value) for value in row] for row in rows]


def test_csv_keeps_cells_raw_and_quotes_them_the_rfc_4180_way(warehouse: Path) -> None:
    result = run_cli("sql", """SELECT '=SUM(A1)' AS formula, '逗号,与"引号"' AS quoted, 'two
lines' AS multiline""", "--db", str(warehouse), "--format", "csv")

    assert result.exit_code == 0, result.output
    assert '"逗号,与""引号"""' in result.stdout
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        ["formula", "quoted", "multiline"], ["=SUM(A1)", '逗号,与"引号"', "two\nlines"]]


def test_max_rows_cuts_every_format_and_says_so_on_stderr(warehouse: Path) -> None:
    for output_format in ("csv", "json", "markdown", "table"):
        result = run_cli("sql", "SELECT * FROM range(5) AS t(n)", "--db", str(warehouse),
                         "--format", output_format, "--max-rows", "2")

        assert result.exit_code == 0, result.output
        assert "only the first 2 rows" in result.stderr and "only the first" not in result.stdout
        assert "4" not in result.stdout and "1" in result.stdout, output_format


# --- json and markdown ----------------------------------------------------------------------------------


def test_json_is_one_array_of_objects_with_exact_numbers_and_null(warehouse: Path, expected: tuple) -> None:
    columns, rows = expected

    result = run_cli("sql", QUERY, "--db", str(warehouse), "--format", "json")

    assert result.exit_code == 0, result.output
    parsed = json.loads(result.stdout, parse_float=Decimal)
    assert parsed == [dict(zip(columns, row, strict=True)) for row in rows]  # Decimal == Decimal, None == null
    assert json.loads(result.stdout)[0]["report_date"] is None
    assert "\\u" not in result.stdout and next(iter(UNITS)) in result.stdout  # ensure_ascii=False


def test_json_of_an_empty_result_is_an_empty_array(warehouse: Path) -> None:
    result = run_cli("sql", "SELECT * FROM reports WHERE false", "--db", str(warehouse), "--format", "json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_markdown_is_a_pipe_table_with_a_header_separator_and_escaped_pipes(warehouse: Path) -> None:
    result = run_cli("sql", "SELECT 'a|b' AS text, 1234567.5::DECIMAL(10, 1) AS yuan, NULL AS nothing",
                     "--db", str(warehouse), "--format", "markdown")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "| text | yuan | nothing |",
        "| --- | ---: | --- |",
        "| a\\|b | 1234567.5 |  |",
    ]


# --- the default and the table -------------------------------------------------------------------------


def test_the_default_is_a_table_on_a_terminal_and_csv_otherwise() -> None:
    assert default_format(True) is OutputFormat.table
    assert default_format(False) is OutputFormat.csv

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert is_terminal(Tty()) and not is_terminal(io.StringIO())


def test_on_a_terminal_the_default_table_is_unchanged(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = run_cli("sql", QUERY, "--db", str(warehouse), "--format", "table")
    monkeypatch.setattr(cli, "is_terminal", lambda: True)
    default = run_cli("sql", QUERY, "--db", str(warehouse))

    assert default.exit_code == explicit.exit_code == 0, default.output
    assert default.stdout == explicit.stdout
    assert "3 rows" in default.stdout and "┃" in default.stdout and "12345678900.00" in default.stdout


def test_an_unknown_format_is_a_usage_error(warehouse: Path) -> None:
    result = run_cli("sql", "SELECT 1", "--db", str(warehouse), "--format", "xml")

    assert result.exit_code == 2
    assert "xml" in result.stderr


# --- the value rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "text", "as_json"), [
    (None, "", "null"),
    (True, "true", "true"),
    (12345678, "12345678", "12345678"),
    (Decimal("1617600.00"), "1617600.00", "1617600.00"),
    (Decimal("1E+3"), "1000", "1000"),
    (0.1, "0.1", "0.1"),
    (1617600.0, "1617600.0", "1617600.0"),
    (float("nan"), "nan", "null"),
    (dt.date(2024, 1, 2), "2024-01-02", '"2024-01-02"'),
    (dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "2024-01-02T03:04:05+00:00", '"2024-01-02T03:04:05+00:00"'),
    (["a1", "a2"], '["a1", "a2"]', '["a1", "a2"]'),
    ({"金额": Decimal("1.50")}, '{"金额": 1.50}', '{"金额": 1.50}'),
])
def test_values_are_written_exactly(value: Any, text: str, as_json: str) -> None:
    assert plain_text(value) == text
    assert json_value(value) == as_json


def test_markdown_of_no_rows_is_the_header_and_the_separator() -> None:
    assert to_markdown(["a", "b"], []) == "| a | b |\n| --- | --- |\n"
