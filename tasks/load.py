"""Load processed files into the DuckDB warehouse.

One transaction per batch: either every row of the batch is written or none is. Rows go in as whole
frames (a registered Arrow table or pandas frame, then INSERT ... SELECT), never row by row, so a
batch of hundreds of reports is a handful of statements.

Documents are keyed by the sha256 of their bytes: bytes already in the warehouse are 'unchanged'
and write nothing; changed bytes under a known path are a new document (a new version). Bytes that
were rejected before and now read differently (a reader fixed since) are processed again.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, NamedTuple

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tasks.frames import facts_to_frames
from tasks.history import record_loaded
from tasks.models import Processed, ReportFacts, report_status
from warehouse.queries import query
from warehouse.transactions import transaction

RUN_STATUSES: tuple[str, ...] = ("running", "completed", "failed", "cancelled")

DOCUMENT_SCHEMA = pa.schema([
    ("sha256", pa.string()), ("path", pa.string()), ("file_name", pa.string()), ("format", pa.string()),
    ("encoding", pa.string()), ("size_bytes", pa.int64()), ("status", pa.string()),
    ("reject_reason", pa.string()), ("canonical_text", pa.string()), ("load_seq", pa.int64()),
])
REPORT_SCHEMA = pa.schema([
    ("sha256", pa.string()), ("unit_name", pa.string()), ("province", pa.string()), ("city", pa.string()),
    ("county", pa.string()), ("fiscal_year", pa.int32()), ("report_date", pa.string()),
    ("report_kind", pa.string()), ("subject", pa.string()), ("status", pa.string()), ("n_errors", pa.int32()), ("n_warnings", pa.int32()),
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
    conn.execute(query("runs/start_run"), [run_id, flow, _to_json(params)])
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
    # UPDATE's own row count, not RETURNING (which a DuckLake warehouse does not have)
    [(updated,)] = conn.execute(
        query("runs/finish_run"), [status, files_seen, loaded, rejected, unchanged, _to_json(summary), run_id],
    ).fetchall()
    if not updated:
        raise ValueError(f"no running run with run_id {run_id!r} (unknown, or already finished)")


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """A batch of processed files as Arrow tables, ready for one transaction.

    Built where the files were processed (a worker process), so the one writer only sorts out what
    is new and inserts whole tables; Arrow tables also cross process boundaries far cheaper than the
    Python objects they come from.
    """

    files: pa.Table  # one row per input file, in order (FILE_SCHEMA)
    reports: pa.Table  # one row per distinct loaded document (REPORT_SCHEMA)
    facts: dict[str, pa.Table]  # one table per tasks.frames.FACT_TABLES entry, keyed by doc_sha256
    findings: pa.Table  # FINDING_SCHEMA

    def __len__(self) -> int:
        return self.files.num_rows

    def money_counts(self) -> dict[str, tuple[int, int]]:
        """sha256 -> (money figures classified as amounts, unclassified) of every loaded document."""
        amounts = Counter(self.facts["amounts"]["doc_sha256"].to_pylist())
        unclassified = Counter(self.facts["unclassified"]["doc_sha256"].to_pylist())
        return {sha: (amounts[sha], unclassified[sha]) for sha in self.reports["sha256"].to_pylist()}

    def finding_summary(self) -> dict[str, tuple[str, list[tuple[str, str]]]]:
        """sha256 -> (report status, [(rule, severity), ...]) of every loaded document."""
        summary = {sha: (status, []) for sha, status in zip(
            self.reports["sha256"].to_pylist(), self.reports["status"].to_pylist(), strict=True)}
        for sha, rule, severity in zip(self.findings["doc_sha256"].to_pylist(), self.findings["rule"].to_pylist(),
                                       self.findings["severity"].to_pylist(), strict=True):
            summary[sha][1].append((rule, severity))
        return summary


FILE_SCHEMA = pa.schema([field for field in DOCUMENT_SCHEMA if field.name != "load_seq"])


def prepare_batch(batch: Sequence[Processed], frames: dict[str, pd.DataFrame] | None = None) -> PreparedBatch:
    """Processed files -> a PreparedBatch (pure: no database). Raises for a loaded file without facts.

    `frames`: the fact frames of exactly the batch's loaded documents keyed by sha256, when the caller
    has them already (validation builds them)."""
    for item in batch:
        if item.loaded and item.facts is None:
            raise ValueError(f"{item.document.path}: a loaded file must carry its facts")
    files = pa.Table.from_pylist([_file_row(item) for item in batch], schema=FILE_SCHEMA)
    # the same bytes twice in a batch are one document: their facts are written once
    reports: dict[str, ReportFacts] = {}
    for item in batch:
        if item.loaded and item.facts is not None:
            reports.setdefault(item.document.sha256, item.facts)
    pairs = list(reports.items())
    return PreparedBatch(
        files=files,
        reports=_reports_table(pairs),
        facts={table: _arrow(frame) for table, frame in (frames or facts_to_frames(pairs)).items()},
        findings=_findings_table(pairs),
    )


def load_batch(conn: duckdb.DuckDBPyConnection, run_id: str, batch: Sequence[Processed]) -> BatchStats:
    """Write a batch of processed files in one transaction; report what happened to each file."""
    return load_prepared(conn, run_id, prepare_batch(batch))


def load_prepared(conn: duckdb.DuckDBPyConnection, run_id: str, batch: PreparedBatch) -> BatchStats:
    """Write a prepared batch in one transaction; report what happened to each file."""
    stats = BatchStats()
    if not len(batch):
        return stats
    with transaction(conn):
        _require_running(conn, run_id)
        new_rows = _sort_out(conn, batch.files, stats)
        _write_new(conn, run_id, batch, new_rows)
    return stats


def _require_running(conn: duckdb.DuckDBPyConnection, run_id: str) -> None:
    # Rows name the run that loaded them, so that run must exist and still be open.
    found = conn.execute(query("runs/status_of_run"), [run_id]).fetchall()
    if found != [("running",)]:
        raise ValueError(f"no running run with run_id {run_id!r}: call start_run first")


def _sort_out(conn: duckdb.DuckDBPyConnection, files: pa.Table, stats: BatchStats) -> list[int]:
    """Record each file's outcome in `stats`; return the rows of `files` whose bytes are new."""
    shas, paths = files["sha256"].to_pylist(), files["path"].to_pylist()
    statuses, reasons = files["status"].to_pylist(), files["reject_reason"].to_pylist()
    known = {
        sha: (path, status, reason)
        for sha, path, status, reason in conn.execute(query("load/known_documents"), [shas]).fetchall()
    }
    first_in_batch: dict[str, str] = {}
    new_rows: list[int] = []
    for row, (sha, path, status, reject_reason) in enumerate(zip(shas, paths, statuses, reasons, strict=True)):
        loaded = status == "loaded"
        retry = sha in known and known[sha][1] == "rejected" and (loaded or reject_reason != known[sha][2])
        if sha in known and not retry:
            first_path, known_status, _ = known[sha]
            reason = f"same bytes already in the warehouse ({known_status}, first seen as {first_path})"
        elif sha in first_in_batch:
            reason = f"same bytes as {first_in_batch[sha]} earlier in this batch"
        else:
            first_in_batch[sha] = path
            new_rows.append(row)
            if loaded:
                stats.loaded += 1
                stats.outcomes.append(FileOutcome(path, sha, "loaded", None))
            else:
                stats.rejected += 1
                stats.outcomes.append(FileOutcome(path, sha, "rejected", reject_reason))
            continue
        stats.unchanged += 1
        stats.outcomes.append(FileOutcome(path, sha, "unchanged", reason))
    return new_rows


def _write_new(conn: duckdb.DuckDBPyConnection, run_id: str, batch: PreparedBatch, new_rows: list[int]) -> None:
    if not new_rows:
        return
    new = batch.files.take(new_rows)
    [[known]] = conn.execute(query("load/stored_shas_among"), [new["sha256"].to_pylist()]).fetchall()
    retried = pa.array(sorted(known or []), pa.string())
    is_retry = pc.is_in(new["sha256"], value_set=retried)
    # A file rejected before (an unreadable encoding, a reader bug since fixed) that now reads
    # differently is processed again: its documents row is brought up to date, its version kept.
    # (Only those rows become Python objects: a batch's texts need not.)
    for doc in new.filter(is_retry).to_pylist():
        conn.execute(query("load/update_retried_document"),
                     [doc["status"], doc["reject_reason"], doc["format"], doc["encoding"], doc["canonical_text"],
                      doc["sha256"]])
    fresh = new.filter(pc.invert(is_retry))
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and blocks the connection.
    [(last_seq,)] = conn.execute(query("load/last_load_seq")).fetchall()
    if fresh.num_rows:
        load_seq = pa.array(range(last_seq + 1, last_seq + 1 + fresh.num_rows), pa.int64())
        _insert_frame(conn, "documents", fresh.append_column("load_seq", load_seq),
                      extra_columns={"first_run_id": "?", "loaded_at": "now()"}, params=[run_id])
    loaded = new.filter(pc.equal(new["status"], "loaded"))["sha256"]
    if not len(loaded):
        return

    def only_loaded(table: pa.Table, key: str) -> pa.Table:
        if not table.num_rows:
            return table
        return table.filter(pc.is_in(table[key], value_set=loaded.combine_chunks()))

    _insert_frame(conn, "reports", only_loaded(batch.reports, "sha256"))
    for table, frame in batch.facts.items():
        _insert_frame(conn, table, only_loaded(frame, "doc_sha256"))
    _insert_frame(conn, "findings", only_loaded(batch.findings, "doc_sha256"), extra_columns={"run_id": "?"},
                  params=[run_id])
    # Findings history: everything a newly loaded report carries is raised by this run.
    record_loaded(conn, run_id, loaded.to_pylist())


def insert_fact_rows(conn: duckdb.DuckDBPyConnection, reports: list[tuple[str, ReportFacts]]) -> None:
    """Insert the facts (every FACT_TABLES table) of reports whose `reports` row exists (re-extraction)."""
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
    # Built here, not a warehouse/queries file: one statement for every table and column set of this
    # module (a file per table would repeat it). `table` and the column names come from this module,
    # never from input; values are parameters.
    names = frame.column_names if isinstance(frame, pa.Table) else [str(c) for c in frame.columns]
    columns = ", ".join([*names, *extra_columns])
    select = ", ".join([*names, *extra_columns.values()])
    source = f"incoming_{table}"
    conn.register(source, frame)
    try:
        conn.execute(f"INSERT INTO {table} ({columns}) SELECT {select} FROM {source}", params or [])
    finally:
        conn.unregister(source)


def _arrow(frame: pd.DataFrame) -> pa.Table:
    """A fact frame as an Arrow table; a column with no value at all is typed as text, not null."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for index, column in enumerate(table.schema):
        if pa.types.is_null(column.type):
            table = table.set_column(index, column.name, table.column(index).cast(pa.string()))
    return table


def _file_row(item: Processed) -> dict[str, Any]:
    return {
        "sha256": item.document.sha256,
        "path": item.document.path,
        "file_name": PurePath(item.document.path).name,
        "format": item.document.format,
        "encoding": item.document.encoding,
        "size_bytes": item.document.size,
        "status": "loaded" if item.loaded else "rejected",
        "reject_reason": item.reject_reason,
        "canonical_text": item.document.text or None,
    }


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
            "report_kind": facts.report_kind,
            "subject": facts.subject,
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
