"""The ingest flow: counts add up, bad files are rejected with reasons, re-runs change nothing.

The batch function is tested as a plain function; the flow itself runs in Prefect's test harness.
"""

from __future__ import annotations

import errno
import gc
import hashlib
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows import ingest
from flows.ingest import RunTally, ingest_flow, progress_reported_to
from tasks import batch as batch_work
from tasks import pipeline
from tasks.archive import archived_path
from tasks.batch import read_and_process_batch
from tests.shared import fail_reads_once

READABLE_REPORTS = {"a_kexie.txt", "b_jiaoyu.txt", "c_weijian.txt"}  # see conftest.report_folder
UNREADABLE_FILES = {"garbage.bin", "empty.txt"}
WAREHOUSE_TABLES = ("documents", "reports", "amounts", "rates", "staff", "scores", "findings")


def _table_contents(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() for table in WAREHOUSE_TABLES}


def _query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    # A helper, so no test frame (which a failed flow's traceback may keep alive) holds a connection.
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the batch function, without Prefect -------------------------------------------------------------


def test_batch_rejects_bad_files_with_reasons_and_archives_every_file(report_folder: Path, tmp_path: Path) -> None:
    files = sorted(p for p in report_folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    archive = tmp_path / "archive"

    processed = read_and_process_batch([str(p) for p in files], archive, max_file_bytes=1_000_000)

    assert [item.document.path for item in processed] == [str(p) for p in files]
    by_name = {Path(item.document.path).name: item for item in processed}
    assert {name for name, item in by_name.items() if item.loaded} == READABLE_REPORTS
    assert by_name["empty.txt"].reject_reason and "empty" in by_name["empty.txt"].reject_reason
    assert by_name["garbage.bin"].reject_reason
    for path in files:
        assert archived_path(archive, _sha256(path)).read_bytes() == path.read_bytes()


def test_one_file_that_breaks_processing_does_not_stop_the_others(
    report_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_read_and_extract = pipeline.read_and_extract

    def read_and_extract(path: str, data: bytes, limits: Any = None) -> Any:
        if path.endswith("b_jiaoyu.txt"):
            raise ZeroDivisionError("a bug met on this file")
        return real_read_and_extract(path, data, limits)

    monkeypatch.setattr(pipeline, "read_and_extract", read_and_extract)
    paths = [str(report_folder / "a_kexie.txt"), str(report_folder / "b_jiaoyu.txt"),
             str(report_folder / "county" / "c_weijian.txt")]

    processed = read_and_process_batch(paths, tmp_path / "archive", max_file_bytes=1_000_000)

    assert [item.loaded for item in processed] == [True, False, True]
    assert processed[1].reject_reason == "processing failed: ZeroDivisionError: a bug met on this file"
    assert processed[1].document.sha256 == _sha256(report_folder / "b_jiaoyu.txt")


def test_a_file_over_the_size_limit_is_rejected_with_the_limit_and_still_archived(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 5000)

    (item,) = read_and_process_batch([str(big)], tmp_path / "archive", max_file_bytes=1000)

    assert item.reject_reason == "file is 5,000 bytes, over the limit of 1,000 (JIXIAO_MAX_FILE_BYTES)"
    assert item.document.size == 5000
    assert item.document.sha256 == _sha256(big)
    assert archived_path(tmp_path / "archive", _sha256(big)).read_bytes() == big.read_bytes()


def test_a_vanished_file_is_rejected_not_retried(tmp_path: Path) -> None:
    (item,) = read_and_process_batch([str(tmp_path / "gone.txt")], tmp_path / "archive", max_file_bytes=1000)

    assert item.reject_reason is not None and item.reject_reason.startswith("cannot read the file")


def test_transient_io_errors_are_raised_for_a_retry_and_become_rejections_on_the_last_attempt(
    report_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def flaky_read(path: Path, limit: int) -> Any:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(batch_work, "_read_limited", flaky_read)
    paths = [str(report_folder / "a_kexie.txt")]

    with pytest.raises(OSError, match="Input/output error"):
        read_and_process_batch(paths, tmp_path / "archive", 1_000_000, raise_transient_io=True)
    (item,) = read_and_process_batch(paths, tmp_path / "archive", 1_000_000, raise_transient_io=False)
    assert item.reject_reason is not None and "Input/output error" in item.reject_reason


@pytest.mark.parametrize(("n", "size", "workers"), [(10_000, 2000, 2), (16, 500, 2), (1, 500, 2), (3, 500, 4),
                                                    (7, 2, 3), (100_001, 2000, 2), (0, 500, 2)])
def test_batches_cover_every_file_once_and_keep_every_worker_busy(n: int, size: int, workers: int) -> None:
    files = [f"f{i}.txt" for i in range(n)]

    batches = batch_work.even_batches(files, size, workers)

    assert [name for batch in batches for name in batch] == files
    assert all(0 < len(batch) <= size for batch in batches)
    assert max(map(len, batches), default=0) - min(map(len, batches), default=0) <= 1  # even
    if n >= workers:  # as many batches as workers at least, so none of them idles
        assert len(batches) >= workers


def test_the_tally_refuses_counts_that_do_not_add_up() -> None:
    tally = RunTally(files_seen=3)
    tally.add_counts(loaded=1, rejected=0, unchanged=1)

    with pytest.raises(RuntimeError, match="count in != count out"):
        tally.check_balanced(files_discovered=3)


# --- the flow, in Prefect's test harness --------------------------------------------------------------


@pytest.mark.prefect
def test_ingest_counts_add_up_and_a_rerun_changes_nothing(report_folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "warehouse" / "jixiao.duckdb"
    progress: list[ingest.IngestProgress] = []

    with progress_reported_to(progress.append):
        first = ingest_flow([str(report_folder)], db=str(db), batch_size=2, workers=2)

    assert (first["files_seen"], first["loaded"], first["rejected"], first["unchanged"]) == (5, 3, 2, 0)
    reasons = {Path(item["path"]).name: item["reason"] for item in first["rejections"]}
    assert set(reasons) == UNREADABLE_FILES
    assert all(reason.strip() for reason in reasons.values())
    assert sum(first["report_status"].values()) == 3
    money = first["money_figures"]  # the share classified: what the warehouse holds, counted per run
    (amounts, unclassified), = _query(db, "SELECT (SELECT count(*) FROM amounts), (SELECT count(*) FROM unclassified)")
    assert (money["classified"], money["unclassified"]) == (amounts, unclassified) and amounts > 0
    assert money["classified_pct"] == round(100 * amounts / (amounts + unclassified), 1)
    # 5 files in batches of 2: announced once, then one update per batch
    # 5 files, at most 2 per batch, a multiple of the 2 workers of even batches: 2, 1, 1, 1
    assert [(p.batches_done, p.files_done) for p in progress] == [(0, 0), (1, 2), (2, 3), (3, 4), (4, 5)]

    archive = db.parent / "archive"
    seen = [p for p in report_folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
    for path in seen:
        assert archived_path(archive, _sha256(path)).read_bytes() == path.read_bytes()
    before = _table_contents(db)
    assert len(before["documents"]) == 5 and len(before["reports"]) == 3

    second = ingest_flow([str(report_folder)], db=str(db), batch_size=2)

    assert (second["files_seen"], second["loaded"], second["rejected"], second["unchanged"]) == (5, 0, 0, 5)
    assert second["findings"] == first["findings"]
    assert _table_contents(db) == before
    runs = _query(db, "SELECT run_id, status, files_seen, loaded, rejected, unchanged, "
                      "summary->>'$.files_seen' FROM runs ORDER BY started_at")
    assert runs == [
        (first["run_id"], "completed", 5, 3, 2, 0, "5"),
        (second["run_id"], "completed", 5, 0, 0, 5, "5"),
    ]


@pytest.mark.prefect
def test_ingest_publishes_its_summary_as_a_table_artifact(report_folder: Path, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    summary = ingest_flow([str(report_folder)], db=str(tmp_path / "jixiao.duckdb"))

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[ingest.SUMMARY_ARTIFACT_KEY]))
        )
    assert artifacts, "no ingest-summary artifact"
    latest = max(artifacts, key=lambda artifact: artifact.created)
    assert latest.type == "table"
    assert summary["run_id"] in str(latest.data)
    assert "empty.txt" in str(latest.data)


@pytest.mark.prefect
def test_a_transient_read_error_is_retried_by_the_task(
    report_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures_left = fail_reads_once(monkeypatch, "a_kexie.txt")
    monkeypatch.setattr(ingest.orchestration.prefect_task(ingest.PROCESS_BATCH), "retry_delay_seconds", 0)

    summary = ingest_flow([str(report_folder / "a_kexie.txt")], db=str(tmp_path / "jixiao.duckdb"),
                          workers=1)  # inline: the patched reader is not seen by pool processes

    assert failures_left["a_kexie.txt"] == 0
    assert (summary["loaded"], summary["rejected"]) == (1, 0)


@pytest.mark.prefect
def test_a_run_that_breaks_midway_is_recorded_as_failed(
    report_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "jixiao.duckdb"
    real_load = ingest.load_prepared
    calls = {"n": 0}

    def load_prepared(conn: Any, run_id: str, batch: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real_load(conn, run_id, batch)

    monkeypatch.setattr(ingest, "load_prepared", load_prepared)
    frozen_before = gc.get_freeze_count()

    with pytest.raises(RuntimeError, match="disk full"):
        ingest_flow([str(report_folder)], db=str(db), batch_size=2)

    # the flow freezes the heap while it loads (cheap per-batch collections): a failure must undo it,
    # or everything the process holds would escape the collector for good
    assert gc.get_freeze_count() == frozen_before

    assert _query(db, "SELECT status, files_seen, summary->>'$.error' FROM runs") == [
        ("failed", 2, "RuntimeError: disk full")
    ]
    # the first batch stays committed; the second wrote nothing
    assert _query(db, "SELECT count(*) FROM documents") == [(2,)]
