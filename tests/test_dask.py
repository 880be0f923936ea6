"""The ingest flow on a Dask LocalCluster of 2 worker processes (prefect-dask) builds the same warehouse
as a single-process run: every table compared in full, except run ids and timestamps."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from bench.corpus import write_corpus
from flows.ingest import run_ingest

JIXIAO = str(Path(sys.executable).with_name("jixiao"))
# columns that name or time a run: they differ between any two runs by design
RUN_COLUMNS = {"run_id", "first_run_id", "started_at", "finished_at", "loaded_at", "applied_at", "params", "summary"}


def _tables(db: Path) -> dict[str, list[tuple]]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for (table,) in conn.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY 1").fetchall():
            columns = [c for (c,) in conn.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table]).fetchall()
                if c not in RUN_COLUMNS]
            select = ", ".join(f'"{c}"' for c in columns)
            out[table] = conn.execute(f'SELECT {select} FROM "{table}" ORDER BY ALL').fetchall()
        return out
    finally:
        conn.close()


@pytest.mark.prefect
def test_dask_local_cluster_builds_the_same_warehouse_as_one_process(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 36, years=[2022, 2023], seed=11)
    (corpus / "broken.txt").write_bytes(b"")  # a rejection travels the same way

    single = run_ingest([str(corpus)], db=str(tmp_path / "single.duckdb"), batch_size=8, workers=1)
    on_dask = run_ingest([str(corpus)], db=str(tmp_path / "dask.duckdb"), batch_size=8,
                         task_runner="dask", workers=2)

    assert (on_dask["loaded"], on_dask["rejected"]) == (single["loaded"], single["rejected"]) == (36, 1)
    assert on_dask["findings"] == single["findings"]
    single_tables, dask_tables = _tables(tmp_path / "single.duckdb"), _tables(tmp_path / "dask.duckdb")
    assert single_tables.keys() == dask_tables.keys()
    for table, rows in single_tables.items():
        assert dask_tables[table] == rows, table
    assert len(single_tables["amounts"]) > 300


@pytest.mark.prefect
def test_a_dask_ingest_prints_no_distributed_info_lines(tmp_path: Path) -> None:
    # The CLI in its own process, as a user runs it (its root log handler on stderr is what
    # distributed's INFO records reached), against the session's Prefect test server.
    from prefect.settings import PREFECT_API_URL

    corpus = tmp_path / "corpus"
    write_corpus(corpus, 12, years=[2023], seed=5)
    env = {**os.environ, "COLUMNS": "200", "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    env.pop("DASK_LOGGING__DISTRIBUTED", None)

    done = subprocess.run([JIXIAO, "ingest", str(corpus), "--db", str(tmp_path / "wh.duckdb"),
                           "--task-runner", "dask", "--workers", "2", "--batch-size", "6"],
                          env=env, capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stderr[-3000:]
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM reports").fetchone() == (12,)
    chatter = [line for line in done.stderr.splitlines() if re.search(r"\bINFO\b.*\bdistributed\.", line)]
    assert chatter == [], "\n".join(chatter[:10])
    assert "batch 2/2" in done.stderr  # the command's own progress lines still come through
