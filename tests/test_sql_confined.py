"""`jixiao sql` runs an analyst's (or a pasted) query on the warehouse only, never on the machine."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from jixiao.cli import app
from tests.conftest import report_text
from tests.test_history import build_warehouse


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("confined") / "jixiao.duckdb"
    build_warehouse(db, {"r.txt": report_text("某县统计局")})
    return db


def sql(db: Path, query: str, *extra: str) -> Result:
    return CliRunner().invoke(app, ["sql", query, "--db", str(db), "--format", "csv", *extra],
                              env={"COLUMNS": "250"})


def test_the_warehouse_itself_is_queried(db: Path) -> None:
    result = sql(db, "SELECT unit_name FROM v_report_summary")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["unit_name", "某县统计局"]


@pytest.mark.parametrize("query", [
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "INSTALL httpfs",
    "LOAD '/tmp/anything.duckdb_extension'",
    "SET enable_external_access = true",
    # issue 16, re-run: other ways to the machine's files and the locked settings, all refused
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM read_json_auto('/etc/hostname')",
    "COPY reports FROM '/etc/passwd'",
    "IMPORT DATABASE '/etc'",
    "RESET enable_external_access",
    "SET lock_configuration = false",
    "SET memory_limit = '100GB'",
    "SET temp_directory = '/tmp'",
    "ATTACH ':memory:' AS scratch",
])
def test_files_of_the_machine_and_extensions_are_refused(db: Path, query: str) -> None:
    result = sql(db, query)
    assert result.exit_code == 1
    assert "root:" not in result.stdout
    assert "error:" in result.stderr and "Traceback" not in result.stderr


def test_nothing_is_written_anywhere(db: Path, tmp_path: Path) -> None:
    copied, attached = tmp_path / "x.csv", tmp_path / "new.duckdb"
    exported = tmp_path / "exported"
    for query in (f"COPY (SELECT 42) TO '{copied}'", f"ATTACH '{attached}' AS other", f"EXPORT DATABASE '{exported}'",
                  "CREATE TABLE t AS SELECT 1", "DELETE FROM reports"):
        assert sql(db, query).exit_code == 1, query
    assert not copied.exists() and not attached.exists() and not exported.exists()
    assert sql(db, "SELECT count(*) AS n FROM reports").stdout.splitlines() == ["n", "1"]


def test_a_long_query_is_stopped_at_the_timeout(db: Path) -> None:
    result = sql(db, "SELECT count(*) FROM range(100000000000)", "--timeout", "1")
    assert result.exit_code == 1
    assert "stopped after 1 s" in result.stderr
