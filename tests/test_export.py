"""`jixiao export --parquet DIR`: every table as Parquet, partitioned by fiscal year, read back by
another engine (pyarrow) with the same rows."""

from __future__ import annotations

import glob
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
from typer.testing import CliRunner

from jixiao.cli import app
from tasks.batch import read_and_process_batch
from tasks.load import load_batch, start_run
from tests.shared import PROJECT_ROOT
from warehouse.db import connect


def _warehouse(tmp_path: Path) -> Path:
    db = tmp_path / "jixiao.duckdb"
    conn = connect(db)
    run_id = start_run(conn, flow="test", params={})
    samples = sorted(glob.glob(str(PROJECT_ROOT / "samples" / "*.txt")))
    load_batch(conn, run_id, read_and_process_batch(samples, tmp_path / "archive", 10_000_000))
    conn.close()
    return db


def test_export_writes_every_table_partitioned_by_fiscal_year_and_pyarrow_reads_it_back(tmp_path: Path) -> None:
    db = _warehouse(tmp_path)
    out = tmp_path / "parquet"
    result = CliRunner().invoke(app, ["export", "--parquet", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output

    conn = duckdb.connect(str(db), read_only=True)
    tables = [t for (t,) in conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY 1").fetchall()]
    years = {y for (y,) in conn.execute("SELECT DISTINCT fiscal_year FROM reports").fetchall()}
    for table in tables:
        count = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        if (out / f"{table}.parquet").is_file():
            assert ds.dataset(out / f"{table}.parquet").count_rows() == count, table
        else:
            dataset = ds.dataset(out / table, format="parquet", partitioning="hive")
            assert dataset.count_rows() == count, table
            assert "fiscal_year" in dataset.schema.names
    assert {p.name for p in (out / "amounts").iterdir()} == {f"fiscal_year={y}" for y in years}

    # the same amounts, value for value, in each year's partition
    exported = ds.dataset(out / "amounts", format="parquet", partitioning="hive").to_table().to_pandas()
    stored = conn.execute("SELECT a.*, r.fiscal_year FROM amounts a JOIN reports r ON r.sha256 = a.doc_sha256").df()
    key = ["doc_sha256", "fact_id"]
    merged = exported.merge(stored, on=key, suffixes=("_pq", "_db"))
    assert len(merged) == len(stored)
    assert (merged["value_yuan_pq"] == merged["value_yuan_db"]).all()
    assert (merged["fiscal_year_pq"].astype(int) == merged["fiscal_year_db"]).all()
    conn.close()

    # exporting again replaces, never duplicates
    assert CliRunner().invoke(app, ["export", "--parquet", str(out), "--db", str(db)]).exit_code == 0
    assert ds.dataset(out / "amounts", format="parquet", partitioning="hive").count_rows() == len(stored)


def test_export_without_a_warehouse_is_an_error_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", "--parquet", str(tmp_path / "p"), "--db", str(tmp_path / "no.duckdb")])
    assert result.exit_code == 1
    assert "no warehouse" in result.output
