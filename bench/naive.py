"""The pipeline a user would write from the Prefect tutorials: one task per document per step.

It is the benchmark's baseline only. It makes 4 task runs per document, each a round trip to the
Prefect API; past ~1000 task runs the ephemeral API falls behind, so the benchmark runs it at a small
N and says so.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tasks.load import finish_run, load_batch, start_run
from tasks.models import Processed
from tasks.pipeline import read_and_extract
from tasks.validate import validate_report
from warehouse.db import connect


@task(cache_policy=NO_CACHE, persist_result=False)
def read_file(path: str) -> bytes:
    return Path(path).read_bytes()


@task(cache_policy=NO_CACHE, persist_result=False)
def extract(path: str, data: bytes) -> Processed:
    return read_and_extract(path, data)


@task(cache_policy=NO_CACHE, persist_result=False)
def validate(item: Processed) -> Processed:
    if item.facts is not None:
        validate_report(item.facts)
    return item


@task(cache_policy=NO_CACHE, persist_result=False)
def load(db: str, run_id: str, item: Processed) -> None:
    conn = connect(db)
    try:
        load_batch(conn, run_id, [item])
    finally:
        conn.close()


@flow(name="naive-ingest", persist_result=False)
def naive_flow(paths: list[str], db: str) -> int:
    conn = connect(db)
    run_id = start_run(conn, flow="naive-ingest", params={})
    conn.close()
    for path in paths:
        load(db, run_id, validate(extract(path, read_file(path))))
    conn = connect(db)
    finish_run(conn, run_id, files_seen=len(paths), loaded=len(paths), rejected=0, unchanged=0,
               status="completed", summary={})
    conn.close()
    return len(paths)
