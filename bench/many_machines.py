"""The many-machine path in the bench: the ingest flow on a Dask cluster of 2 local worker processes,
into the embedded file warehouse and into DuckLake on a Postgres catalog (the backend several machines
write at once), beside the single-process figure of the same run.

Throughput is taken from each run's own `runs` row (started_at -> finished_at), so the cluster's and
the Postgres server's start-up are left out, as the single-process figure leaves out Prefect's."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

DASK_MAX_REPORTS = 10_000  # the cluster's figure is steady long before; bounded to keep the bench short


def _span_s(target: Any) -> tuple[float, int]:
    from warehouse.reader import reading

    conn = reading(target)
    try:
        [(span, loaded)] = conn.execute(
            "SELECT epoch(max(finished_at)) - epoch(min(started_at)), sum(loaded) FROM runs "
            "WHERE flow = 'ingest' AND status = 'completed'").fetchall()
    finally:
        conn.close()
    return float(span), int(loaded)


def bench_many_machines(paths: list[str], work: Path, workers: int = 2) -> dict[str, Any]:
    from flows.ingest import run_ingest
    from tests.postgres import running_postgres
    from warehouse.lake import LakeTarget

    sample = paths[:DASK_MAX_REPORTS]
    result: dict[str, Any] = {"dask_n": len(sample), "dask_workers": workers}
    file_db = work / "dask-file" / "jixiao.duckdb"
    started = time.perf_counter()
    run_ingest(sample, db=str(file_db), task_runner="dask", workers=workers)
    span, loaded = _span_s(file_db)
    result.update(dask_wall_s=round(time.perf_counter() - started, 1), dask_reports_per_s=round(len(sample) / span, 1),
                  dask_loaded=loaded)
    with running_postgres() as server:
        database = f"bench_{uuid.uuid4().hex[:6]}"
        server.create_database(database)
        url = (f"ducklake+postgres://postgres@/{database}?host={server.socket_dir}"
               f"&data_path={work / 'dask-lake-data'}")
        run_ingest(sample, db=url, task_runner="dask", workers=workers)
        span, loaded = _span_s(LakeTarget.from_url(url))
    result.update(dask_lake_reports_per_s=round(len(sample) / span, 1), dask_lake_loaded=loaded)
    if not result["dask_loaded"] == result["dask_lake_loaded"] == len(sample):
        raise AssertionError(f"dask runs loaded {result['dask_loaded']} / {result['dask_lake_loaded']} "
                             f"of {len(sample)} reports")
    return result
