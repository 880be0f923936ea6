"""`jixiao findings`: the --rule, --unit and --severity filters, and tables that keep figures whole on
a narrow terminal."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from rich.cells import cell_len
from typer.testing import CliRunner, Result

from jixiao.cli import app
from tasks.batch import read_and_process_batch
from tasks.load import finish_run, load_batch, start_run
from tests.shared import PROJECT_ROOT
from tests.test_history import revalidate_all
from warehouse.db import connect

# Amounts and rates as messages write them: 1339.87, 13,398,700.00, 102 (in 102%) is left out, as are
# years and file-name digits: a figure with a decimal point or a thousands separator.
FIGURE = re.compile(r"\d[\d,.]*\d")


def run_cli(*args: str, columns: int = 250) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql, params).fetchall()


SAMPLES = sorted((PROJECT_ROOT / "samples").glob("*.txt"))


def load_samples(db: Path, paths: list[Path]) -> str:
    """Ingest the files as they are (some are GB18030) with the plain batch functions; the run id."""
    processed = read_and_process_batch([str(path) for path in paths], db.parent / "archive", max_file_bytes=1_000_000)
    with connect(db) as conn:
        run_id = start_run(conn, flow="ingest", params={})
        stats = load_batch(conn, run_id, processed)
        finish_run(conn, run_id, files_seen=len(paths), loaded=stats.loaded, rejected=stats.rejected,
                   unchanged=stats.unchanged, status="completed", summary={})
    return run_id


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample reports: errors and warnings of a dozen rules, long Chinese messages full of figures."""
    db = tmp_path_factory.mktemp("findings") / "jixiao.duckdb"
    load_samples(db, SAMPLES)
    return db


def listed(output: str) -> int:
    """The count the table's title gives ("22 findings"), 0 for "No findings match."."""
    if "No findings match." in output:
        return 0
    [count] = re.findall(r"^(\d+) findings?\b", output, flags=re.MULTILINE)
    return int(count)


def figures(text: str) -> Counter[str]:
    return Counter(figure for figure in FIGURE.findall(text) if "." in figure or "," in figure)


@pytest.mark.parametrize(
    ("options", "where", "params"),
    [
        (["--rule", "over_budget"], "f.rule = ?", ["over_budget"]),
        (["--rule", "超预算"], "f.rule = ?", ["over_budget"]),  # the rule's Chinese label, as v_findings shows it
        (["--severity", "warning"], "f.severity = ?", ["warning"]),
        (["--unit", "县"], "contains(f.unit_name, ?)", ["县"]),
        (["--unit", "宝兴"], "contains(f.unit_name, ?)", ["宝兴"]),
        (["--rule", "sum_mismatch", "--unit", "林业"], "f.rule = ? AND contains(f.unit_name, ?)",
         ["sum_mismatch", "林业"]),
        (["--severity", "error", "--year", "2021"], "f.severity = ? AND f.fiscal_year = ?", ["error", 2021]),
        (["--severity", "error", "--status", "warning"], "f.severity = ? AND r.status = 'warning'", ["error"]),
    ],
)
def test_rule_unit_and_severity_filters_combine_with_the_others(
        db: Path, options: list[str], where: str, params: list) -> None:
    [(expected,)] = rows(db, "SELECT count(*) FROM v_findings AS f JOIN reports AS r ON r.sha256 = f.doc_sha256"
                             f" WHERE f.is_latest AND {where}", params)

    result = run_cli("findings", *options, "--db", str(db))

    assert result.exit_code == 0, result.output
    assert listed(result.output) == expected, result.output
    if options[:2] == ["--rule", "over_budget"]:
        assert expected >= 2 and "over_budget" in result.output and "sum_mismatch" not in result.output
    if options == ["--severity", "warning"]:
        assert expected >= 2 and "warning" in result.output and " error " not in result.output


def test_the_filters_select_something_on_the_samples(db: Path) -> None:
    # the parametrized counts above mean something only if the filters do pick rows out of the whole
    everything = listed(run_cli("findings", "--db", str(db)).output)
    assert 0 < listed(run_cli("findings", "--unit", "宝兴", "--db", str(db)).output) < everything
    assert 0 < listed(run_cli("findings", "--severity", "error", "--db", str(db)).output) < everything
    assert listed(run_cli("findings", "--severity", "error", "--year", "2021", "--db", str(db)).output) > 0


def test_an_unknown_rule_or_severity_is_a_one_line_error(db: Path) -> None:
    result = run_cli("findings", "--rule", "sum_mismatc", "--db", str(db))
    assert result.exit_code == 1
    assert "unknown rule 'sum_mismatc'" in result.stderr and "sum_mismatch (合计与明细不符)" in result.stderr
    assert "Traceback" not in result.output

    result = run_cli("findings", "--severity", "info", "--db", str(db))
    assert result.exit_code == 2
    assert "'info' is not one of" in result.stderr and "'error'" in result.stderr and "'warning'" in result.stderr


def test_unit_text_is_a_value_not_sql(db: Path) -> None:
    result = run_cli("findings", "--unit", "x' OR '1'='1", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "No findings match." in result.output


def test_on_an_80_column_terminal_every_figure_stays_on_one_line(db: Path) -> None:
    messages = "\n".join(message for (message,) in rows(db, "SELECT message FROM v_findings"))
    assert sum(figures(messages).values()) > 50  # the samples' messages quote many figures

    result = run_cli("findings", "--db", str(db), columns=80)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(cell_len(line) for line in lines) <= 80  # the table fits the terminal
    # each figure of every message found whole on some line, as often as the messages hold it
    assert sum((figures(line) for line in lines), Counter()) == figures(messages)
    assert {"2020", "2021", "2022", "2023"} & set(re.findall(r"│ (\d{4}) │", result.output))


def test_the_diff_table_keeps_figures_whole_too(tmp_path: Path) -> None:
    db = tmp_path / "jixiao.duckdb"
    ingest_run = load_samples(db, SAMPLES[:8])
    with connect(db) as conn:
        run_id = revalidate_all(conn)
    messages = "\n".join(message for (message,) in rows(db, "SELECT message FROM findings"))

    result = run_cli("findings", "--diff", ingest_run[:8], run_id[:8], "--db", str(db), columns=80)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert figures(messages) and sum((figures(line) for line in lines), Counter()) == figures(messages)


def test_a_message_wraps_between_characters_never_inside_a_figure(db: Path) -> None:
    from jixiao.fitted_table import wrap

    for (message,) in rows(db, "SELECT message FROM findings"):
        widest_figure = max((cell_len(figure) for figure in FIGURE.findall(message)), default=1)
        for width in range(widest_figure + 2, 61):  # a figure and its unit (元) fit from here on
            lines = wrap(message, width)
            assert all(cell_len(line) <= width for line in lines), (width, lines)
            assert sum((figures(line) for line in lines), Counter()) == figures(message), (width, lines)
            # nothing lost but the spaces a line break replaces
            assert "".join(lines).replace(" ", "") == message.replace(" ", "")
