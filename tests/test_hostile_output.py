"""Hard to break (issue 16): report text that reaches output comes out inert.

A unit name, a file name or a sentence can be `<script>`, a spreadsheet formula, rich markup or a
terminal escape sequence. On a terminal (explain, findings, sql tables, the ingest summary, export)
nothing of it is read as markup and no control character reaches the screen; CSV written into a
file is safe to open in a spreadsheet while CSV into a pipe stays exact; markdown shows it as text.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from jixiao.cli import app
from jixiao.console import render_table
from jixiao.output_formats import to_csv, to_markdown
from jixiao.summary import render_summary
from tasks.safe_text import for_terminal
from tests.conftest import report_text
from tests.test_history import build_warehouse

JIXIAO = str(Path(sys.executable).with_name("jixiao"))
ESCAPES = ("\x1b[2J", "\x1b]8;;http://x\x07", "\x1b[31m", "\x9b31m")  # clear screen, hyperlink, colour, C1 CSI
MARKUP = ("[bold red]x[/]", "[link=http://x]y[/link]", "\\[red]z", ":thumbs_up:")
FORMULA = '=HYPERLINK("http://x","y")'
SCRIPT = "<script>alert(1)</script>"
WIDE = {"COLUMNS": "1000"}  # no folded cells: every value is on one line of the output


def _hostile_report(unit: str, marker: str) -> str:
    """A report (income 100, expenditure 130: one finding) whose sentences carry every attack."""
    text = report_text(unit, income="100", spent="130")
    text = text.replace("（二）部门财政资金支出：", f"（二）{ESCAPES[0]}[red]x[/red]{SCRIPT}:thumbs_up:部门财政资金支出：")
    return text + f"另有{ESCAPES[1]}其他[bold]杂项[/bold]{marker}款50万元。\n"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("hostile_output") / "jixiao.duckdb"
    build_warehouse(db, {
        "markup.txt": _hostile_report("某县[link=http://x]y[/link]局", "a"),
        "formula.txt": _hostile_report(FORMULA + "局", "b"),
        "script.txt": _hostile_report(SCRIPT + "局", "c"),
        "bypass.txt": _hostile_report("某县\\[red]z局", "d"),
        f"{ESCAPES[2]}[bold red]x[]{ESCAPES[3]}.txt": _hostile_report("某县名局", "e"),
    })
    return db


def _stored(db: Path) -> list[str]:
    """Every text value of the warehouse that the commands below show: unit and file names, labels."""
    with duckdb.connect(str(db), read_only=True) as conn:
        values = conn.execute("SELECT file_name, coalesce(unit_name, '') FROM v_report_summary").fetchall()
        labels = conn.execute("SELECT label FROM unclassified").fetchall()
    found = [value for row in values for value in row if value] + [label for (label,) in labels]
    assert any("\x1b" in value for value in found) and any("[link=" in value for value in found)
    return found


def _assert_inert(output: str, shown: list[str]) -> None:
    assert not any(char in output for char in "\x1b\x07\x9b"), repr(output[:2000])
    for value in shown:  # markup left as written: rich read none of it (it would have eaten the tags)
        assert for_terminal(value) in output, (value, output[:3000])


def _run(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args), env=WIDE)
    assert result.exit_code == 0, result.output
    return result


def test_findings_and_sql_tables_show_data_as_text(db: Path) -> None:
    stored = _stored(db)
    names = [value for value in stored if not value.startswith("x") and "杂项" not in value]
    _assert_inert(_run("findings", "--db", str(db)).stdout, names)
    result = _run("sql", "SELECT file_name, unit_name, '[red]q[/red]' AS \"[bold]col\" FROM v_report_summary",
                  "--db", str(db), "--format", "table")
    _assert_inert(result.stdout, [*names, "[red]q[/red]", "[bold]col"])


def test_explain_shows_the_sentences_and_labels_as_text(db: Path) -> None:
    for name in ("markup.txt", "bypass.txt"):
        output = _run("explain", name, "--db", str(db)).stdout
        assert "[red]x[/red]" in output and SCRIPT in output and ":thumbs_up:" in output  # the sentence
        assert "\ufffd[2J" in output  # the escape is visible as what it is, and does nothing
        assert "其他[bold]杂项[/bold]" in output  # the unclassified figure's label and sentence
        _assert_inert(output, [])
    output = _run("explain", "某县\\[red]z局", "--db", str(db)).stdout
    assert "某县\\[red]z局" in output


def test_an_error_quoting_data_is_one_plain_line(db: Path) -> None:
    result = CliRunner().invoke(app, ["sql", "SELECT CAST(unit_name AS INTEGER) FROM reports WHERE unit_name "
                                      "LIKE '%link=%'", "--db", str(db)], env=WIDE)
    assert result.exit_code == 1
    assert "[link=http://x]y[/link]" in result.stderr and "\x1b" not in result.stderr
    result = CliRunner().invoke(app, ["explain", "[bold]nothing\x1b[2J", "--db", str(db)], env=WIDE)
    assert result.exit_code == 1 and "[bold]nothing" in result.stderr and "\x1b" not in result.stderr


def test_the_ingest_summary_shows_paths_and_reasons_as_text() -> None:
    summary = {"run_id": "r1", "status": "completed", "db": "/tmp/[red]w[/red].duckdb", "files_seen": 1,
               "loaded": 0, "unchanged": 0, "rejected": 1,
               "rejections": [{"path": "in/[link=http://x]y[/link]\x1b[2J.txt", "reason": "bad [bold]x\x07"}],
               "findings": [{"rule": "[red]r[/red]", "severity": "warning", "count": 1}],
               "report_status": {"passed": 0, "warning": 0, "failed": 0}}
    out = io.StringIO()
    render_summary(summary, Console(file=out, width=1000))
    _assert_inert(out.getvalue(), ["in/[link=http://x]y[/link]\x1b[2J.txt", "bad [bold]x\x07", "[red]r[/red]",
                                   "/tmp/[red]w[/red].duckdb"])


def test_render_table_on_a_colour_terminal_styles_only_its_own_null(db: Path) -> None:
    out = io.StringIO()
    Console(file=out, width=1000, force_terminal=True, color_system="standard").print(
        render_table(["a"], [["[bold red]x[/]"], ["\\[red]z"], [None]], title="[red]t"))
    text = out.getvalue()
    assert "[bold red]x[/]" in text and "\\[red]z" in text and "[red]t" in text
    assert "\x1b[31m" not in text and "\x1b[1;31m" not in text  # no red from the data


def test_export_prints_its_table_as_text(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "[red]out[/red]"
    result = _run("export", "--parquet", str(target), "--db", str(db))
    assert f"labels to {target}" in result.stdout  # the title names the folder as given, not as markup
    with duckdb.connect() as conn:  # the Parquet files carry the values exactly: data, not a display
        units = {unit for (unit,) in conn.execute(
            f"SELECT unit_name FROM '{target}/v_report_summary.parquet'").fetchall()}
    assert FORMULA + "局" in units and SCRIPT + "局" in units


# --- CSV and markdown -----------------------------------------------------------------------------


def _sql_to(db: Path, destination: str, tmp_path: Path) -> list[list[str]]:
    """`jixiao sql ... --format csv` with stdout redirected into a file, or into a pipe."""
    query = f"SELECT unit_name, -1.5::DECIMAL(4, 1) AS minus, '-3' AS text_minus FROM reports WHERE unit_name = '{FORMULA}局'"
    command = [JIXIAO, "sql", query, "--db", str(db), "--format", "csv"]
    if destination == "file":
        path = tmp_path / "out.csv"
        with path.open("wb") as handle:
            subprocess.run(command, stdout=handle, check=True, timeout=120)
        data = path.read_bytes()
    else:
        data = subprocess.run(command, stdout=subprocess.PIPE, check=True, timeout=120).stdout
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_csv_into_a_file_is_safe_in_a_spreadsheet_and_exact_into_a_pipe(db: Path, tmp_path: Path) -> None:
    assert _sql_to(db, "file", tmp_path) == [["unit_name", "minus", "text_minus"], ["'" + FORMULA + "局", "-1.5", "'-3"]]
    assert _sql_to(db, "pipe", tmp_path) == [["unit_name", "minus", "text_minus"], [FORMULA + "局", "-1.5", "-3"]]


def test_csv_spreadsheet_mode_alters_text_only() -> None:
    from datetime import date
    from decimal import Decimal

    rows = [["=1+1", -5, Decimal("-1.50"), -0.25, date(2024, 1, 2), None, "@SUM(A1)", "text"]]
    written = to_csv(["=c", "n", "d", "f", "day", "null", "at", "t"], rows, spreadsheet_safe=True)
    assert list(csv.reader(io.StringIO(written))) == [
        ["'=c", "n", "d", "f", "day", "null", "at", "t"], ["'=1+1", "-5", "-1.50", "-0.25", "2024-01-02", "", "'@SUM(A1)", "text"]]
    assert list(csv.reader(io.StringIO(to_csv(["c"], [["=1+1"]]))))[1] == ["=1+1"]  # the default: exact


def test_markdown_shows_html_and_escapes_as_text() -> None:
    table = to_markdown(["unit"], [[SCRIPT + "\x1b[2J|x & y"]])
    assert "<script>" not in table and "&lt;script&gt;alert(1)&lt;/script&gt;" in table
    assert "\x1b" not in table and "\ufffd[2J\\|x &amp; y" in table


# --- needs the jixiao/cli.py change of issue 16 (extract's output, sql --raw) -----------------------------


def test_extract_shows_file_and_unit_names_as_text(tmp_path: Path) -> None:
    """Before: `extract` printed the file and unit names as rich markup (a `[red]` file name lost its
    tags, a `[link=…]` unit became a hyperlink) and passed ESC sequences through."""
    report = tmp_path / "[red]a.txt"
    report.write_text(report_text(f"某县[link=http://x]y[/link]{ESCAPES[0]}局"), encoding="utf-8")
    result = _run("extract", str(report))
    _assert_inert(result.output, ["[red]a.txt", "某县[link=http://x]y[/link]"])


def test_sql_raw_writes_formulas_exactly_into_a_file(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "raw.csv"
    with path.open("wb") as handle:
        subprocess.run([JIXIAO, "sql", f"SELECT unit_name FROM reports WHERE unit_name = '{FORMULA}局'", "--db",
                        str(db), "--format", "csv", "--raw"], stdout=handle, check=True, timeout=120)
    assert list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))) == [
        ["unit_name"], [FORMULA + "局"]]
