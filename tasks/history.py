"""Findings history: what each run raised, cleared and kept, per report, and the diff of two runs.

A finding is followed across runs by its key within its report: the rule and the sorted ids of the
facts involved (`sum_mismatch:a2,a3,a4`; a repeat of the same rule over the same facts gets `#2`).
The message is not part of the key: a correction may change the figures a message quotes while the
finding stays the same one.

Every run that validates reports writes one `run_reports` row per report (status before and after)
and one `finding_history` row per finding it raised, kept (persisting) or cleared. The functions
here write inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from warehouse.queries import query

CHANGES: tuple[str, ...] = ("raised", "cleared", "persisting")

NEW_FINDING_SCHEMA = pa.schema([
    ("doc_sha256", pa.string()), ("finding_no", pa.int32()), ("rule", pa.string()),
    ("severity", pa.string()), ("message", pa.string()), ("fact_ids", pa.list_(pa.string())),
])


class HistoryError(ValueError):
    """A run reference that names no run, or several."""


@dataclass(slots=True)
class RunChanges:
    """What one run did to the findings of the reports it validated."""

    reports: int = 0
    raised: int = 0
    cleared: int = 0
    persisting: int = 0
    status_changes: dict[str, int] | None = None  # "failed->passed": count

    def add(self, other: RunChanges) -> None:
        self.reports += other.reports
        self.raised += other.raised
        self.cleared += other.cleared
        self.persisting += other.persisting
        merged = dict(self.status_changes or {})
        for change, count in (other.status_changes or {}).items():
            merged[change] = merged.get(change, 0) + count
        self.status_changes = merged


def _keyed_findings(conn: duckdb.DuckDBPyConnection, shas: list[str]) -> pa.Table:
    """The findings of `shas` with their finding keys (see history/keyed_findings_of_reports.sql)."""
    return conn.sql(query("history/keyed_findings_of_reports"), params=[shas]).to_arrow_table()


def _report_status(conn: duckdb.DuckDBPyConnection, shas: list[str]) -> pa.Table:
    return conn.sql(query("history/report_status_of_reports"), params=[shas]).to_arrow_table()


def record_loaded(conn: duckdb.DuckDBPyConnection, run_id: str, doc_shas: Sequence[str]) -> None:
    """History of reports loaded for the first time by `run_id`: every finding they carry is raised."""
    if not doc_shas:
        return
    # Nothing stood before a first load: the empty selection gives the tables their columns.
    _record_history(conn, run_id, list(doc_shas), before=_keyed_findings(conn, []),
                    status_before=_report_status(conn, []))


def replace_findings(
    conn: duckdb.DuckDBPyConnection, run_id: str, doc_shas: Sequence[str], findings: pd.DataFrame
) -> RunChanges:
    """Replace the findings of `doc_shas` by `findings` (doc_sha256, rule, severity, message,
    fact_ids, in report order), bring `reports.status/n_errors/n_warnings` in line with them, and
    record the history. Runs inside the caller's transaction."""
    shas = list(dict.fromkeys(doc_shas))
    if not shas:
        return RunChanges(status_changes={})
    unknown = set(findings["doc_sha256"]) - set(shas) if len(findings) else set()
    if unknown:
        raise ValueError(f"findings for reports outside the selection: {sorted(unknown)[:3]}")
    before = _keyed_findings(conn, shas)
    status_before = _report_status(conn, shas)

    conn.execute(query("history/delete_findings_of_reports"), [shas])
    _insert_findings(conn, run_id, findings)
    conn.execute(query("history/update_report_status"), [shas, shas])
    _record_history(conn, run_id, shas, before, status_before)
    return _run_changes(conn, run_id, shas)


def _insert_findings(conn: duckdb.DuckDBPyConnection, run_id: str, findings: pd.DataFrame) -> None:
    if findings.empty:
        return
    numbered = pd.DataFrame({
        "doc_sha256": findings["doc_sha256"].astype(str).to_numpy(),
        "finding_no": findings.groupby("doc_sha256", sort=False).cumcount().to_numpy() + 1,
        "rule": findings["rule"].astype(str).to_numpy(),
        "severity": findings["severity"].astype(str).to_numpy(),
        "message": findings["message"].astype(str).to_numpy(),
        "fact_ids": [list(ids) for ids in findings["fact_ids"]],
    })
    conn.register("incoming_findings", pa.Table.from_pandas(numbered, schema=NEW_FINDING_SCHEMA,
                                                             preserve_index=False))
    try:
        conn.execute(query("history/insert_incoming_findings"), [run_id])
    finally:
        conn.unregister("incoming_findings")


def _record_history(conn: duckdb.DuckDBPyConnection, run_id: str, shas: list[str],
                    before: pa.Table, status_before: pa.Table) -> None:
    """The finding_history and run_reports rows of `run_id` for `shas`: the findings and statuses
    standing now against `before` and `status_before` (what stood before the run)."""
    tables = {"findings_before": before, "findings_after": _keyed_findings(conn, shas),
              "status_before": status_before}
    for name, table in tables.items():
        conn.register(name, table)
    try:
        conn.execute(query("history/record_finding_changes"), [run_id])
        conn.execute(query("history/record_run_reports"), [run_id, shas])
    finally:
        for name in tables:
            conn.unregister(name)


def _run_changes(conn: duckdb.DuckDBPyConnection, run_id: str, shas: list[str]) -> RunChanges:
    counts = dict(conn.execute(query("history/count_changes_of_run"), [run_id, shas]).fetchall())
    status_changes = dict(conn.execute(query("history/count_status_changes_of_run"), [run_id, shas]).fetchall())
    return RunChanges(reports=len(shas), raised=counts.get("raised", 0), cleared=counts.get("cleared", 0),
                      persisting=counts.get("persisting", 0), status_changes=status_changes)


# --- reading the history ----------------------------------------------------------------------------


def resolve_run(conn: duckdb.DuckDBPyConnection, reference: str) -> str:
    """A run id from its full id or a unique prefix of it."""
    matches = [run_id for (run_id,) in conn.execute(
        query("history/runs_starting_with"), [reference.strip()]).fetchall()]
    if not reference.strip() or not matches:
        raise HistoryError(f"no run {reference!r}: see `jixiao sql \"SELECT run_id, flow, started_at FROM runs\"`")
    if len(matches) > 1:
        raise HistoryError(f"run {reference!r} is ambiguous ({len(matches)} runs start with it): give more characters")
    return matches[0]


def _diff_scope(conn: duckdb.DuckDBPyConnection, run_a: str, run_b: str) -> list[str]:
    """The reports a diff of two resolved runs is about (see history/diff_scope.sql)."""
    rows = conn.execute(query("history/diff_scope"), {"a": run_a, "b": run_b}).fetchall()
    return [sha for (sha,) in rows]


def diff_reports(conn: duckdb.DuckDBPyConnection, run_a: str, run_b: str) -> int:
    """How many reports `findings_diff(run_a, run_b)` is about (see history/diff_scope.sql)."""
    run_a, run_b = resolve_run(conn, run_a), resolve_run(conn, run_b)
    return len(_diff_scope(conn, run_a, run_b))


def findings_diff(conn: duckdb.DuckDBPyConnection, run_a: str, run_b: str) -> pd.DataFrame:
    """The findings standing after run A against those standing after run B, for the reports the
    runs between them validated (the runs after the earlier of the two, up to the later one; a run
    against itself: its own reports). So the diff a revalidate run prints counts what the run counts.

    A report's findings "after run X" are those of the last run up to X (by start time) that
    validated it. Rows: change (raised: only after B; cleared: only after A; persisting: both),
    report, rule, severity, message.
    """
    run_a, run_b = resolve_run(conn, run_a), resolve_run(conn, run_b)
    scope = _diff_scope(conn, run_a, run_b)
    return conn.execute(query("history/findings_diff"), {"a": run_a, "b": run_b, "scope": scope}).df()
