"""Load processed files into the DuckDB warehouse.

One transaction per batch: either every row of the batch is written or none is. Rows go in as whole
frames (a registered Arrow table or pandas frame, then INSERT ... SELECT), never row by row, so a
batch of hundreds of reports is a handful of statements.

Documents are keyed by the sha256 of their bytes: bytes already in the warehouse are 'unchanged'
and write nothing; changed bytes under a known path are a new document (a new version). Bytes that
were rejected before and now read differently (a reader fixed since) are processed again.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, NamedTuple

import duckdb
import pandas as pd
import pyarrow as pa

from tasks.frames import facts_to_frames
from tasks.history import record_loaded
from tasks.models import Processed, ReportFacts, report_status

RUN_STATUSES: tuple[str, ...] = ("running", "completed", "failed", "cancelled")

DOCUMENT_SCHEMA = pa.schema([
    ("sha256", pa.string()), ("path", pa.string()), ("file_name", pa.string()), ("format", pa.string()),
    ("encoding", pa.string()), ("size_bytes", pa.int64()), ("status", pa.string()),
    ("reject_reason", pa.string()), ("canonical_text", pa.string()), ("load_seq", pa.int64()),
])
REPORT_SCHEMA = pa.schema([
    ("sha256", pa.string()), ("unit_name", pa.string()), ("province", pa.string()), ("city", pa.string()),
    ("county", pa.string()), ("fiscal_year", pa.int32()), ("report_date", pa.string()),
    ("status", pa.string()), ("n_errors", pa.int32()), ("n_warnings", pa.int32()),
])
FINDING_SCHEMA = pa.schema([
    ("doc_sha256", pa.string()), ("finding_no", pa.int32()), ("rule", pa.string()),
    ("severity", pa.string()), ("message", pa.string()), ("fact_ids", pa.list_(pa.string())),
])


class FileOutcome(NamedTuple):
    path: str
    sha256: str
    outcome: str  # 'loaded' | 'rejected' | 'unchanged'
    reason: str | None


@dataclass(slots=True)
class BatchStats:
    loaded: int = 0
    rejected: int = 0
    unchanged: int = 0
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def files_seen(self) -> int:
        return self.loaded + self.rejected + self.unchanged

    @classmethod
    def combine(cls, batches: Iterable[BatchStats]) -> BatchStats:
        """The stats of a whole run from those of its batches."""
        total = cls()
        for batch in batches:
            total.loaded += batch.loaded
            total.rejected += batch.rejected
            total.unchanged += batch.unchanged
            total.outcomes.extend(batch.outcomes)
        return total


def start_run(conn: duckdb.DuckDBPyConnection, *, flow: str, params: dict[str, Any]) -> str:
    """Record the start of a run; return its run_id (a uuid4 string)."""
    run_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO runs (run_id, flow, started_at, status, params) VALUES (?, ?, now(), 'running', ?)",
        [run_id, flow, _to_json(params)],
    )
    return run_id


def finish_run(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    files_seen: int,
    loaded: int,
    rejected: int,
    unchanged: int,
    status: str,
    summary: dict[str, Any],
) -> None:
    """Close a running run with its counts; a run is finished once and never rewritten."""
    if status not in RUN_STATUSES or status == "running":
        raise ValueError(f"run status must be one of {RUN_STATUSES[1:]}, not {status!r}")
    updated = conn.execute(
        """
        UPDATE runs
        SET finished_at = now(), status = ?, files_seen = ?, loaded = ?, rejected = ?, unchanged = ?,
            summary = ?
        WHERE run_id = ? AND status = 'running'
        RETURNING run_id
        """,
        [status, files_seen, loaded, rejected, unchanged, _to_json(summary), run_id],
    ).fetchall()
    if not updated:
        raise ValueError(f"no running run with run_id {run_id!r} (unknown, or already finished)")


def load_batch(conn: duckdb.DuckDBPyConnection, run_id: str, batch: Sequence[Processed]) -> BatchStats:
    """Write a batch of processed files in one transaction; report what happened to each file."""
    for item in batch:
        if item.loaded and item.facts is None:
            raise ValueError(f"{item.document.path}: a loaded file must carry its facts")
    stats = BatchStats()
    if not batch:
        return stats
    conn.execute("BEGIN TRANSACTION")
    try:
        _require_running(conn, run_id)
        new_items = _sort_out(conn, batch, stats)
        _write_new(conn, run_id, new_items)
        conn.execute("COMMIT")
    except BaseException:
        # The original error is what matters; a failing ROLLBACK must not hide it.
        with contextlib.suppress(duckdb.Error):
            conn.execute("ROLLBACK")
        raise
    return stats


def _require_running(conn: duckdb.DuckDBPyConnection, run_id: str) -> None:
    # Rows name the run that loaded them, so that run must exist and still be open.
    found = conn.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchall()
    if found != [("running",)]:
        raise ValueError(f"no running run with run_id {run_id!r}: call start_run first")


def _sort_out(conn: duckdb.DuckDBPyConnection, batch: Sequence[Processed], stats: BatchStats) -> list[Processed]:
    """Record each file's outcome in `stats`; return the files whose bytes are new to the warehouse."""
    known = {
        sha: (path, status, reason)
        for sha, path, status, reason in conn.execute(
            "SELECT sha256, path, status, reject_reason FROM documents"
            " WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))",
            [[item.document.sha256 for item in batch]],
        ).fetchall()
    }
    first_in_batch: dict[str, str] = {}
    new_items: list[Processed] = []
    for item in batch:
        doc = item.document
        retry = doc.sha256 in known and known[doc.sha256][1] == "rejected" and (
            item.loaded or item.reject_reason != known[doc.sha256][2])
        if doc.sha256 in known and not retry:
            first_path, status, _ = known[doc.sha256]
            reason = f"same bytes already in the warehouse ({status}, first seen as {first_path})"
        elif doc.sha256 in first_in_batch:
            reason = f"same bytes as {first_in_batch[doc.sha256]} earlier in this batch"
        else:
            first_in_batch[doc.sha256] = doc.path
            new_items.append(item)
            if item.loaded:
                stats.loaded += 1
                stats.outcomes.append(FileOutcome(doc.path, doc.sha256, "loaded", None))
            else:
                stats.rejected += 1
                stats.outcomes.append(FileOutcome(doc.path, doc.sha256, "rejected", item.reject_reason))
            continue
        stats.unchanged += 1
        stats.outcomes.append(FileOutcome(doc.path, doc.sha256, "unchanged", reason))
    return new_items


def _write_new(conn: duckdb.DuckDBPyConnection, run_id: str, new_items: list[Processed]) -> None:
    if not new_items:
        return
    [[known]] = conn.execute(
        "SELECT list(sha256) FROM documents WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))",
        [[item.document.sha256 for item in new_items]],
    ).fetchall()
    retried = set(known or [])
    # A file rejected before (an unreadable encoding, a reader bug since fixed) that now reads
    # differently is processed again: its documents row is brought up to date, its version kept.
    for item in new_items:
        if item.document.sha256 in retried:
            doc = item.document
            conn.execute(
                "UPDATE documents SET status = ?, reject_reason = ?, format = ?, encoding = ?,"
                " canonical_text = ?, loaded_at = now() WHERE sha256 = ?",
                ["loaded" if item.loaded else "rejected", item.reject_reason, doc.format, doc.encoding,
                 doc.text or None, doc.sha256],
            )
    fresh = [item for item in new_items if item.document.sha256 not in retried]
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and blocks the connection.
    [(last_seq,)] = conn.execute("SELECT coalesce(max(load_seq), 0) FROM documents").fetchall()
    if fresh:
        _insert_frame(
            conn, "documents", _documents_table(fresh, first_seq=last_seq + 1),
            extra_columns={"first_run_id": "?", "loaded_at": "now()"}, params=[run_id],
        )
    reports = [(item.document.sha256, item.facts) for item in new_items
               if item.loaded and item.facts is not None]
    if not reports:
        return
    _insert_frame(conn, "reports", _reports_table(reports))
    for table, frame in facts_to_frames(reports).items():
        _insert_frame(conn, table, frame)
    _insert_frame(conn, "findings", _findings_table(reports), extra_columns={"run_id": "?"}, params=[run_id])
    # Findings history: everything a newly loaded report carries is raised by this run.
    record_loaded(conn, run_id, [sha for sha, _ in reports])


def insert_fact_rows(conn: duckdb.DuckDBPyConnection, reports: list[tuple[str, ReportFacts]]) -> None:
    """Insert the amounts, rates, staff and scores of reports whose `reports` row exists (re-extraction)."""
    for table, frame in facts_to_frames(reports).items():
        _insert_frame(conn, table, frame)


def _insert_frame(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    frame: pa.Table | pd.DataFrame,
    *,
    extra_columns: dict[str, str] | None = None,
    params: list[Any] | None = None,
) -> None:
    """INSERT every row of `frame` into `table` in one statement (plus per-batch `extra_columns`)."""
    if len(frame) == 0:
        return
    extra_columns = extra_columns or {}
    # `table` and the column names come from this module, never from input; values are parameters.
    names = frame.column_names if isinstance(frame, pa.Table) else [str(c) for c in frame.columns]
    columns = ", ".join([*names, *extra_columns])
    select = ", ".join([*names, *extra_columns.values()])
    source = f"incoming_{table}"
    conn.register(source, frame)
    try:
        conn.execute(f"INSERT INTO {table} ({columns}) SELECT {select} FROM {source}", params or [])
    finally:
        conn.unregister(source)


def _documents_table(items: list[Processed], *, first_seq: int) -> pa.Table:
    rows = [
        {
            "sha256": item.document.sha256,
            "path": item.document.path,
            "file_name": PurePath(item.document.path).name,
            "format": item.document.format,
            "encoding": item.document.encoding,
            "size_bytes": item.document.size,
            "status": "loaded" if item.loaded else "rejected",
            "reject_reason": item.reject_reason,
            "canonical_text": item.document.text or None,
            "load_seq": first_seq + offset,
        }
        for offset, item in enumerate(items)
    ]
    return pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA)


def _reports_table(reports: list[tuple[str, ReportFacts]]) -> pa.Table:
    rows = []
    for sha, facts in reports:
        severities = [finding.severity for finding in facts.findings]
        rows.append({
            "sha256": sha,
            "unit_name": facts.unit_name,
            "province": facts.region.get("province"),
            "city": facts.region.get("city"),
            "county": facts.region.get("county"),
            "fiscal_year": facts.fiscal_year,
            "report_date": facts.report_date,
            # derived from the findings so that status, n_errors and n_warnings always agree
            "status": report_status(facts.findings),
            "n_errors": severities.count("error"),
            "n_warnings": severities.count("warning"),
        })
    return pa.Table.from_pylist(rows, schema=REPORT_SCHEMA)


def _findings_table(reports: list[tuple[str, ReportFacts]]) -> pa.Table:
    rows = [
        {
            "doc_sha256": sha,
            "finding_no": number,
            "rule": finding.rule,
            "severity": finding.severity,
            "message": finding.message,
            "fact_ids": list(finding.facts),
        }
        for sha, facts in reports
        for number, finding in enumerate(facts.findings, start=1)
    ]
    return pa.Table.from_pylist(rows, schema=FINDING_SCHEMA)


def _to_json(value: dict[str, Any]) -> str:
    # Paths and other plain objects in params become their string form.
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
