"""The documented `duckdb` shell (pip package `duckdb-cli`) opens a warehouse that `jixiao ingest` wrote.

The shell is a separate build of DuckDB (1.5.6 against the library's 1.5.5): this checks that it reads
the file's storage version, and sees the same rows and views as the Python API.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from tests.conftest import report_text

pytestmark = pytest.mark.prefect  # the warehouse comes from a real `jixiao ingest` run


def duckdb_cli() -> Path:
    """The `duckdb` shell installed beside this Python (the venv's bin), or skip saying why."""
    found = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"no duckdb shell beside {sys.executable}: pip install duckdb-cli (in the test extra)")
    probe = subprocess.run([found, "-csv", "-c", "SELECT 42 AS answer"], capture_output=True, text=True,
                           timeout=60, check=False)
    if probe.returncode != 0 or probe.stdout.split() != ["answer", "42"]:
        pytest.skip(f"{found} is not the DuckDB shell (`-csv -c 'SELECT 42'` gave {probe.stdout!r} {probe.stderr!r})")
    return Path(found)


def run_shell(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(duckdb_cli()), *args], capture_output=True, text=True, encoding="utf-8",
                          timeout=120, check=False)


@pytest.fixture(scope="module")
def report_folder_for_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("duckdb_cli_inbox")
    for name, unit in [("a.txt", "峨边彝族自治县科学技术协会"), ("b.txt", "某县教育局"), ("c.txt", "某县卫生健康局")]:
        (folder / name).write_text(report_text(unit), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, report_folder_for_module: Path,
             prefect_harness: None) -> Path:
    db = tmp_path_factory.mktemp("duckdb_cli") / "jixiao.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(report_folder_for_module), "--db", str(db), "--workers", "1"])
    assert result.exit_code == 0, result.output
    return db


def _csv(result: subprocess.CompletedProcess[str]) -> list[list[str]]:
    assert result.returncode == 0, result.stderr
    return list(csv.reader(io.StringIO(result.stdout)))


def test_the_shell_reads_the_storage_of_an_ingested_warehouse(ingested: Path) -> None:
    result = run_shell("-readonly", str(ingested), "-csv", "-c", "PRAGMA version")

    assert result.returncode == 0, result.stderr
    assert "version number" not in result.stderr + result.stdout  # "... storage version number ..." mismatch
    assert "Error" not in result.stderr


def test_the_shell_counts_the_same_reports_as_python(ingested: Path) -> None:
    conn = duckdb.connect(str(ingested), read_only=True)
    try:
        expected = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    finally:
        conn.close()

    rows = _csv(run_shell("-readonly", str(ingested), "-csv", "-c", "SELECT count(*) AS n FROM reports"))

    assert expected == 3
    assert rows == [["n"], [str(expected)]]


def test_the_shell_queries_the_analyst_views(ingested: Path) -> None:
    header, *rows = _csv(run_shell("-readonly", str(ingested), "-csv", "-c",
                                   "SELECT * FROM v_report_summary ORDER BY unit_name LIMIT 1"))

    assert "unit_name" in header and "status" in header
    assert len(rows) == 1
    assert rows[0][header.index("unit_name")] in {"峨边彝族自治县科学技术协会", "某县教育局", "某县卫生健康局"}
