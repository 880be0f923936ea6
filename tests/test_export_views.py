"""`jixiao export --parquet DIR` writes the analyst views and the Chinese labels too, and pandas, Polars
and the duckdb shell read what it wrote."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from tasks.export import LABELS_FILE, export_parquet, warehouse_labels
from tests.conftest import report_text
from tests.test_duckdb_cli import run_shell
from tests.test_history import build_warehouse

UNITS = ["峨边彝族自治县科学技术协会", "某县教育局", "某县卫生健康局"]
ANALYST_VIEWS = {"v_report_summary", "v_findings", "v_facts", "v_amounts", "v_documents"}
LABEL_COLUMNS = ["object_name", "object_kind", "column_name", "label_zh"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("export_views") / "jixiao.duckdb"
    build_warehouse(db, {f"r{index}.txt": report_text(unit, year=2023 + index % 2) for index, unit in enumerate(UNITS)})
    return db


@pytest.fixture(scope="module")
def exported(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export_views_out") / "parquet"
    result = CliRunner().invoke(app, ["export", "--parquet", str(out), "--db", str(warehouse)],
                                env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "views" in result.stdout and "v_report_summary" in result.stdout
    return out


def _query(db: Path, sql: str) -> list[tuple]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _kv(path: Path) -> dict[str, str]:
    metadata = pq.read_schema(path).metadata or {}
    return {key.decode(): value.decode() for key, value in metadata.items()}


# --- what is written ------------------------------------------------------------------------------------


def test_every_view_is_written_with_its_rows_and_columns(warehouse: Path, exported: Path) -> None:
    views = [name for (name,) in _query(warehouse, "SELECT view_name FROM duckdb_views() WHERE NOT internal")]
    assert set(views) >= ANALYST_VIEWS
    for view in views:
        count = _query(warehouse, f'SELECT count(*) FROM "{view}"')[0][0]
        columns = [c for (c,) in _query(warehouse, "SELECT column_name FROM duckdb_columns() "
                                                   f"WHERE table_name = '{view}' ORDER BY column_index")]
        table = pq.read_table(exported / f"{view}.parquet")
        assert table.num_rows == count, view
        assert table.column_names == columns, view
    assert pq.read_table(exported / "v_report_summary.parquet").num_rows == len(UNITS)


def test_the_labels_file_holds_every_comment_of_the_warehouse(warehouse: Path, exported: Path) -> None:
    labels = pq.read_table(exported / LABELS_FILE)
    assert labels.column_names == LABEL_COLUMNS
    rows = {(r["object_name"], r["object_kind"], r["column_name"]): r["label_zh"] for r in labels.to_pylist()}

    tables = _query(warehouse, "SELECT table_name, comment FROM duckdb_tables() WHERE comment IS NOT NULL")
    views = _query(warehouse, "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal AND comment IS NOT NULL")
    columns = _query(warehouse, "SELECT table_name, column_name, comment FROM duckdb_columns() "
                                "WHERE NOT internal AND comment IS NOT NULL")
    assert tables and views and columns
    for name, comment in tables:
        assert rows[(name, "table", None)] == comment
    for name, comment in views:
        assert rows[(name, "view", None)] == comment
    view_names = {name for (name,) in _query(warehouse, "SELECT view_name FROM duckdb_views() WHERE NOT internal")}
    for name, column, comment in columns:
        assert rows[(name, "view" if name in view_names else "table", column)] == comment
    assert rows[("reports", "table", None)].startswith("自评报告")
    assert rows[("v_report_summary", "view", "unit_name")] == "单位名称"
    assert {kind for (_, kind, _) in rows} == {"table", "view"}


def test_a_chinese_label_round_trips_in_the_key_value_metadata_of_each_file(warehouse: Path, exported: Path) -> None:
    ((table_comment, column_comment),) = _query(
        warehouse, "SELECT t.comment, c.comment FROM duckdb_tables() t JOIN duckdb_columns() c USING (table_name) "
                   "WHERE table_name = 'amounts' AND column_name = 'value_yuan'")
    partitions = sorted((exported / "amounts").glob("fiscal_year=*/*.parquet"))
    assert len(partitions) == 2  # 2023 and 2024
    for path in partitions:
        assert _kv(path)["label_zh"] == table_comment
        assert _kv(path)["label_zh.value_yuan"] == column_comment == "金额（元）"

    summary = _kv(exported / "v_report_summary.parquet")
    assert summary["label_zh"].startswith("报告概览")
    assert summary["label_zh.unit_name"] == "单位名称"
    assert _kv(exported / "concepts.parquet")["label_zh"].startswith("概念维表")


def test_a_view_column_without_a_comment_takes_the_label_of_the_column_it_reads(tmp_path: Path) -> None:
    conn = duckdb.connect()
    conn.execute("CREATE TABLE money (unit_name VARCHAR, yuan DOUBLE)")
    conn.execute("COMMENT ON TABLE money IS '金额表'")
    conn.execute("COMMENT ON COLUMN money.unit_name IS '单位名称'")
    conn.execute("COMMENT ON COLUMN money.yuan IS '金额（元）'")
    conn.execute("INSERT INTO money VALUES ('某县教育局', 1617600.0)")
    conn.execute("CREATE VIEW v_money AS SELECT m.unit_name, m.yuan, m.yuan / 10000 AS wan_yuan FROM money AS m")

    labels = {(label.object_name, label.column_name): label for label in warehouse_labels(conn)}
    exported = export_parquet(conn, tmp_path)
    conn.close()

    assert labels[("v_money", "unit_name")].label_zh == "单位名称"
    assert labels[("v_money", "yuan")].object_kind == "view"
    assert ("v_money", "wan_yuan") not in labels and ("v_money", None) not in labels  # nothing to borrow
    assert {(item.table, item.kind) for item in exported} == {("money", "table"), ("v_money", "view"),
                                                              ("_labels", "labels")}
    assert _kv(tmp_path / "v_money.parquet") == {"label_zh.unit_name": "单位名称", "label_zh.yuan": "金额（元）"}


def test_exporting_again_replaces_the_view_files(warehouse: Path, tmp_path: Path) -> None:
    for _ in range(2):
        assert CliRunner().invoke(app, ["export", "--parquet", str(tmp_path), "--db", str(warehouse)]).exit_code == 0
    assert pq.read_table(tmp_path / "v_report_summary.parquet").num_rows == len(UNITS)


# --- read by other engines ------------------------------------------------------------------------------


def test_pandas_reads_the_views_tables_and_labels(exported: Path) -> None:
    summary = pd.read_parquet(exported / "v_report_summary.parquet")
    amounts = pd.read_parquet(exported / "amounts")  # the hive-partitioned folder
    labels = pd.read_parquet(exported / LABELS_FILE)

    assert sorted(summary["unit_name"]) == sorted(UNITS)
    assert set(amounts["fiscal_year"].astype(int)) == {2023, 2024}
    assert list(labels.columns) == LABEL_COLUMNS
    reports = labels[(labels["object_name"] == "reports") & labels["column_name"].isna()]
    assert reports["label_zh"].iloc[0].startswith("自评报告")


def test_polars_reads_the_views_tables_and_labels(exported: Path) -> None:
    summary = pl.read_parquet(exported / "v_report_summary.parquet")
    amounts = pl.read_parquet(exported / "amounts" / "**" / "*.parquet", hive_partitioning=True)
    labels = pl.read_parquet(exported / LABELS_FILE)

    assert sorted(summary["unit_name"].to_list()) == sorted(UNITS)
    assert set(amounts["fiscal_year"].to_list()) == {2023, 2024}
    label = labels.filter((pl.col("object_name") == "v_findings") & (pl.col("column_name") == "rule_zh"))
    assert label["label_zh"].to_list() == ["规则（中文）"]


def test_the_duckdb_shell_reads_the_views_and_the_labels(exported: Path) -> None:
    summary = exported / "v_report_summary.parquet"
    result = run_shell("-csv", "-c", f"SELECT count(*) AS n, count(DISTINCT unit_name) AS units FROM '{summary}'",
                       "-c", f"SELECT decode(value) AS label FROM parquet_kv_metadata('{summary}') "
                             "WHERE decode(key) = 'label_zh.unit_name'",
                       "-c", f"SELECT label_zh FROM '{exported / LABELS_FILE}' "
                             "WHERE object_name = 'reports' AND column_name IS NULL",
                       "-json", "-c", f"SELECT count(*) AS n FROM read_parquet('{exported}/amounts/*/*.parquet', "
                                      "hive_partitioning = true)")

    assert result.returncode == 0, result.stderr
    text, _, as_json = result.stdout.partition("[")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[:2] == [["n", "units"], [str(len(UNITS)), str(len(UNITS))]]
    assert rows[2:4] == [["label"], ["单位名称"]]
    assert rows[4][0] == "label_zh" and rows[5][0].startswith("自评报告")
    assert json.loads("[" + as_json)[0]["n"] > 0
