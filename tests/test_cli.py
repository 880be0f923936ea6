"""The `jixiao` command line, driven the way a user drives it (typer's CliRunner)."""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from jixiao.cli import app
from jixiao.summary import EXAMPLE_QUERY
from tasks.load import finish_run, load_batch, start_run
from tasks.models import Amount, Document, Finding, Processed, ReportFacts, report_status
from tests.shared import seed_paths
from warehouse.db import connect

CONTRACT_KEYS = {"document", "unit_name", "region", "fiscal_year", "report_date",
                 "amounts", "rates", "staff", "scores", "findings", "status"}


def run_cli(*args: str, env: dict[str, str] | None = None) -> Result:
    # A wide virtual terminal, so rich tables do not fold the words the tests look for.
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250", **(env or {})})


def _processed(name: str, unit: str, year: int, findings: list[Finding]) -> Processed:
    text = f"{unit}\n{year}年部门整体支出绩效自评报告\n收入合计161.76万元。\n"
    data = text.encode("utf-8")
    start = text.index("161.76")
    document = Document(sha256=hashlib.sha256(data).hexdigest(), path=f"reports/{name}", format="text",
                        size=len(data), encoding="utf-8", text=text)
    amount = Amount(id="a1", concept="income.total", basis="final", value_yuan=1_617_600.0,
                    as_written="161.76万元", span=(start, start + 8), unit="万元", decimals=2)
    facts = ReportFacts(document=name, unit_name=unit, region={"province": "四川省", "city": None, "county": None},
                        fiscal_year=year, report_date=None, amounts=[amount], findings=findings,
                        status=report_status(findings))
    return Processed(document=document, facts=facts)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse of three hand-made reports: one failed (2024), one with a warning (2023), one passed."""
    db = tmp_path_factory.mktemp("warehouse") / "jixiao.duckdb"
    batch = [
        _processed("kexie.txt", "某县科学技术协会", 2024,
                   [Finding("sum_mismatch", "error", "收入合计 ≠ 各项收入之和", ["a1"])]),
        _processed("jiaoyu.txt", "某县教育局", 2023,
                   [Finding("over_budget", "warning", "决算数超过预算数", ["a1"])]),
        _processed("weijian.txt", "某县卫生健康局", 2024, []),
    ]
    conn = connect(db)
    try:
        run_id = start_run(conn, flow="test", params={})
        stats = load_batch(conn, run_id, batch)
        finish_run(conn, run_id, files_seen=3, loaded=stats.loaded, rejected=0, unchanged=0,
                   status="completed", summary={})
    finally:
        conn.close()
    return db


# --- sql -----------------------------------------------------------------------------------------------


def test_sql_prints_the_result_as_a_table(warehouse: Path) -> None:
    result = run_cli("sql", "SELECT unit_name, fiscal_year, status FROM reports ORDER BY unit_name",
                     "--db", str(warehouse), "--format", "table")

    assert result.exit_code == 0, result.output
    for expected in ("unit_name", "某县科学技术协会", "某县教育局", "某县卫生健康局", "2023", "failed", "3 rows"):
        assert expected in result.stdout


def test_sql_reads_the_warehouse_named_by_jixiao_db(warehouse: Path) -> None:
    result = run_cli("sql", "SELECT count(*) AS n_reports FROM reports", env={"JIXIAO_DB": str(warehouse)})

    assert result.exit_code == 0, result.output
    assert "n_reports" in result.stdout and "3" in result.stdout


def test_a_sql_error_is_a_message_and_exit_code_1(warehouse: Path) -> None:
    result = run_cli("sql", "SELECT * FROM no_such_table", "--db", str(warehouse))

    assert result.exit_code == 1
    assert "query failed" in result.stderr and "no_such_table" in result.stderr
    assert "Traceback" not in result.output


def test_sql_cannot_change_the_warehouse(warehouse: Path) -> None:
    result = run_cli("sql", "DELETE FROM findings", "--db", str(warehouse))

    assert result.exit_code == 1
    assert "read-only" in result.stderr.lower()
    assert "2" in run_cli("sql", "SELECT count(*) FROM findings", "--db", str(warehouse)).stdout


@pytest.mark.parametrize("command", [["sql", "SELECT 1"], ["findings"]])
def test_a_missing_warehouse_is_a_clear_error(command: list[str], tmp_path: Path) -> None:
    result = run_cli(*command, "--db", str(tmp_path / "nowhere.duckdb"))

    assert result.exit_code == 1
    assert "no warehouse at" in result.stderr and "jixiao ingest" in result.stderr
    assert "Traceback" not in result.output


# --- findings ----------------------------------------------------------------------------------------


def test_findings_lists_every_finding_with_its_report(warehouse: Path) -> None:
    result = run_cli("findings", "--db", str(warehouse))

    assert result.exit_code == 0, result.output
    for expected in ("sum_mismatch", "合计与明细不符", "over_budget", "某县科学技术协会", "某县教育局", "2 findings"):
        assert expected in result.stdout


@pytest.mark.parametrize(
    ("options", "shown", "hidden"),
    [
        (["--status", "failed"], "sum_mismatch", "over_budget"),
        (["--status", "warning"], "over_budget", "sum_mismatch"),
        (["--year", "2023"], "over_budget", "sum_mismatch"),
        (["--year", "2024", "--status", "failed"], "sum_mismatch", "over_budget"),
    ],
)
def test_findings_filter_by_report_status_and_year(
    warehouse: Path, options: list[str], shown: str, hidden: str
) -> None:
    result = run_cli("findings", *options, "--db", str(warehouse))

    assert result.exit_code == 0, result.output
    assert shown in result.stdout and hidden not in result.stdout


def test_findings_says_so_when_nothing_matches(warehouse: Path) -> None:
    result = run_cli("findings", "--year", "2019", "--db", str(warehouse))

    assert result.exit_code == 0
    assert "No findings match." in result.stdout


def test_findings_rejects_an_unknown_status(warehouse: Path) -> None:
    result = run_cli("findings", "--status", "passed", "--db", str(warehouse))

    assert result.exit_code == 2
    assert "passed" in result.stderr


# --- extract -------------------------------------------------------------------------------------------


def test_extract_json_prints_only_the_fact_contract(tmp_path: Path, make_report: Callable[..., str]) -> None:
    (tmp_path / "kexie.txt").write_text(make_report("峨边彝族自治县科学技术协会"), encoding="utf-8")
    (tmp_path / "jiaoyu.txt").write_text(make_report("某县教育局", year=2023), encoding="utf-8")

    result = run_cli("extract", str(tmp_path), "--json")

    assert result.exit_code == 0, result.output
    documents = json.loads(result.stdout)  # nothing but the JSON on stdout
    assert [doc["document"] for doc in documents] == ["jiaoyu.txt", "kexie.txt"]
    for doc in documents:
        assert set(doc) >= CONTRACT_KEYS
        for amount in doc["amounts"]:
            assert {"concept", "basis", "value_yuan", "as_written", "span"} <= set(amount)
        money = doc["money_figures"]
        assert (money["classified"], money["unclassified"]) == (len(doc["amounts"]), len(doc["unclassified"]))
    classified = sum(len(doc["amounts"]) for doc in documents)
    unclassified = sum(len(doc["unclassified"]) for doc in documents)
    assert f"money figures: {classified} classified, {unclassified} unclassified" in result.stderr


def test_extract_json_on_the_seed_reports_is_valid_json() -> None:
    seeds = seed_paths()  # skips when ../shared is not beside the clone
    result = run_cli("extract", *map(str, seeds), "--json")

    assert result.exit_code == 0, result.stderr
    assert [doc["document"] for doc in json.loads(result.stdout)] == [path.name for path in seeds]


def test_extract_reports_unreadable_files_and_still_does_the_others(
    tmp_path: Path, make_report: Callable[..., str]
) -> None:
    (tmp_path / "good.txt").write_text(make_report("某县教育局"), encoding="utf-8")
    (tmp_path / "garbage.bin").write_bytes(bytes(range(256)) * 8)

    result = run_cli("extract", str(tmp_path), "--json")

    assert result.exit_code == 1
    assert "garbage.bin" in result.stderr
    assert [doc["document"] for doc in json.loads(result.stdout)] == ["good.txt"]


def test_extract_without_json_renders_each_document(tmp_path: Path, make_report: Callable[..., str]) -> None:
    (tmp_path / "kexie.txt").write_text(make_report("峨边彝族自治县科学技术协会"), encoding="utf-8")

    result = run_cli("extract", str(tmp_path / "kexie.txt"))

    assert result.exit_code == 0, result.output
    assert "kexie.txt" in result.stdout and "fiscal year" in result.stdout
    assert "money figures:" in result.stdout and "% classified" in result.stdout


def test_extract_lists_the_money_it_could_not_classify(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("某县档案馆2023年度部门整体支出绩效自评报告\n"
                                    "2023年度支出合计120.50万元。聘请讲解员6名，人均年补助3.2万元。\n", encoding="utf-8")

    result = run_cli("extract", str(tmp_path / "r.txt"))

    assert result.exit_code == 0, result.output
    assert "Unclassified" in result.stdout and "3.2万元" in result.stdout
    assert "1 classified, 1 unclassified (50.0% classified)" in result.stdout


@pytest.mark.parametrize("command", ["extract", "ingest"])
def test_a_missing_input_path_is_a_usage_error(command: str, tmp_path: Path) -> None:
    result = run_cli(command, str(tmp_path / "no_such_folder"))

    assert result.exit_code == 2
    assert "no_such_folder" in result.stderr


# --- ingest (runs the Prefect flow) -------------------------------------------------------------------


@pytest.mark.prefect
def test_ingest_prints_the_summary_and_an_example_query_that_works(report_folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "jixiao.duckdb"

    result = run_cli("ingest", str(report_folder), "--db", str(db), "--batch-size", "2", "--workers", "2")

    assert result.exit_code == 0, result.output
    for expected in ("files seen: 5", "loaded: 3", "rejected: 2", "garbage.bin", "empty.txt", "jixiao sql",
                     "Money figures: ", "% classified"):
        assert expected in result.stdout
    # 5 files in batches of at most 2, as many as a multiple of the 2 workers: 4 batches (2, 1, 1, 1)
    assert "batch 4/4: 5/5 files" in result.stderr  # plain progress lines: CliRunner is not a terminal
    command = next(line for line in result.stdout.splitlines() if line.startswith("jixiao sql"))
    pasted = run_cli(*shlex.split(command)[1:])
    assert pasted.exit_code == 0, pasted.output
    assert EXAMPLE_QUERY.split()[1].rstrip(",") in pasted.stdout  # the first selected column's header


@pytest.mark.prefect
def test_ingest_exits_1_when_the_run_fails(report_folder: Path, tmp_path: Path) -> None:
    not_a_warehouse = tmp_path / "jixiao.duckdb"
    not_a_warehouse.write_text("this is not a DuckDB file", encoding="utf-8")

    result = run_cli("ingest", str(report_folder), "--db", str(not_a_warehouse))

    assert result.exit_code == 1
    # one line naming the cause, no traceback; the file is left as it was
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "not a valid DuckDB database file" in error and str(not_a_warehouse) in error
    assert "Traceback" not in result.stderr
    assert not_a_warehouse.read_text(encoding="utf-8") == "this is not a DuckDB file"
