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

# Also spelled out in warehouse/sql/020_history.sql (the backfill): keep the two in step.
FINDING_KEY_SQL = """
    rule || ':' || array_to_string(list_sort(fact_ids), ',')
    || CASE WHEN row_number() OVER same_key > 1 THEN '#' || row_number() OVER same_key ELSE '' END
"""
_SAME_KEY_WINDOW = "WINDOW same_key AS (PARTITION BY doc_sha256, rule, list_sort(fact_ids) ORDER BY finding_no)"

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


def _keyed_findings_sql(where: str) -> str:
    return f"""
        SELECT doc_sha256, {FINDING_KEY_SQL} AS finding_key, rule, severity, message, fact_ids
        FROM findings WHERE {where} {_SAME_KEY_WINDOW}
    """


def record_loaded(conn: duckdb.DuckDBPyConnection, run_id: str, doc_shas: Sequence[str]) -> None:
    """History of reports loaded for the first time by `run_id`: every finding they carry is raised."""
    if not doc_shas:
        return
    shas = list(doc_shas)
    conn.execute(
        """
        INSERT INTO run_reports
        SELECT ?, sha256, NULL, status, n_errors, n_warnings FROM reports
        WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))
        """,
        [run_id, shas],
    )
    conn.execute(
        f"""
        INSERT INTO finding_history
        SELECT ?, doc_sha256, finding_key, rule, severity, message, fact_ids, 'raised'
        FROM ({_keyed_findings_sql("doc_sha256 IN (SELECT unnest(?::VARCHAR[]))")})
        """,
        [run_id, shas],
    )


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
    in_selection = "doc_sha256 IN (SELECT unnest(?::VARCHAR[]))"
    before = conn.sql(_keyed_findings_sql(in_selection), params=[shas]).to_arrow_table()
    status_before = conn.sql(
        "SELECT sha256, status FROM reports WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))",
        params=[shas]).to_arrow_table()

    conn.execute(f"DELETE FROM findings WHERE {in_selection}", [shas])
    _insert_findings(conn, run_id, findings)
    conn.execute(
        f"""
        UPDATE reports SET
            n_errors = coalesce(counts.n_errors, 0),
            n_warnings = coalesce(counts.n_warnings, 0),
            status = CASE WHEN coalesce(counts.n_errors, 0) > 0 THEN 'failed'
                          WHEN coalesce(counts.n_warnings, 0) > 0 THEN 'warning' ELSE 'passed' END
        FROM (SELECT unnest(?::VARCHAR[]) AS sha256) AS chosen
        LEFT JOIN (
            SELECT doc_sha256, count(*) FILTER (severity = 'error') AS n_errors,
                   count(*) FILTER (severity = 'warning') AS n_warnings
            FROM findings WHERE {in_selection} GROUP BY doc_sha256
        ) AS counts ON counts.doc_sha256 = chosen.sha256
        WHERE reports.sha256 = chosen.sha256
        """,
        [shas, shas],
    )
    return _record_changes(conn, run_id, shas, before, status_before)


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
        conn.execute("INSERT INTO findings (doc_sha256, finding_no, rule, severity, message, fact_ids, run_id)"
                     " SELECT *, ? FROM incoming_findings", [run_id])
    finally:
        conn.unregister("incoming_findings")


def _record_changes(conn: duckdb.DuckDBPyConnection, run_id: str, shas: list[str],
                    before: pa.Table, status_before: pa.Table) -> RunChanges:
    conn.register("findings_before", before)
    conn.register("status_before", status_before)
    try:
        conn.execute(
            f"""
            INSERT INTO finding_history
            SELECT ?, coalesce(now_.doc_sha256, old.doc_sha256), coalesce(now_.finding_key, old.finding_key),
                   coalesce(now_.rule, old.rule), coalesce(now_.severity, old.severity),
                   coalesce(now_.message, old.message), coalesce(now_.fact_ids, old.fact_ids),
                   CASE WHEN old.finding_key IS NULL THEN 'raised'
                        WHEN now_.finding_key IS NULL THEN 'cleared' ELSE 'persisting' END
            FROM ({_keyed_findings_sql("doc_sha256 IN (SELECT unnest(?::VARCHAR[]))")}) AS now_
            FULL JOIN findings_before AS old
              ON old.doc_sha256 = now_.doc_sha256 AND old.finding_key = now_.finding_key
            """,
            [run_id, shas],
        )
        conn.execute(
            """
            INSERT INTO run_reports
            SELECT ?, r.sha256, b.status, r.status, r.n_errors, r.n_warnings
            FROM reports AS r LEFT JOIN status_before AS b ON b.sha256 = r.sha256
            WHERE r.sha256 IN (SELECT unnest(?::VARCHAR[]))
            """,
            [run_id, shas],
        )
    finally:
        conn.unregister("findings_before")
        conn.unregister("status_before")
    counts = dict(conn.execute(
        "SELECT change, count(*) FROM finding_history WHERE run_id = ? AND doc_sha256 IN (SELECT unnest(?::VARCHAR[]))"
        " GROUP BY change", [run_id, shas]).fetchall())
    status_changes = dict(conn.execute(
        "SELECT status_before || '->' || status_after, count(*) FROM run_reports"
        " WHERE run_id = ? AND doc_sha256 IN (SELECT unnest(?::VARCHAR[])) AND status_before <> status_after"
        " GROUP BY ALL", [run_id, shas]).fetchall())
    return RunChanges(reports=len(shas), raised=counts.get("raised", 0), cleared=counts.get("cleared", 0),
                      persisting=counts.get("persisting", 0), status_changes=status_changes)


# --- reading the history ----------------------------------------------------------------------------


def resolve_run(conn: duckdb.DuckDBPyConnection, reference: str) -> str:
    """A run id from its full id or a unique prefix of it."""
    matches = [run_id for (run_id,) in conn.execute(
        "SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY started_at", [reference.strip()]).fetchall()]
    if not reference.strip() or not matches:
        raise HistoryError(f"no run {reference!r}: see `jixiao sql \"SELECT run_id, flow, started_at FROM runs\"`")
    if len(matches) > 1:
        raise HistoryError(f"run {reference!r} is ambiguous ({len(matches)} runs start with it): give more characters")
    return matches[0]


# The reports a diff of two runs is about: those validated by the runs after the earlier one up to
# the later one (by start time), or by the run itself when both name one run. A report no run in
# between touched has the same findings on both sides: counting them "persisting" made a diff say 21
# where the run it follows had 18 (the persisting findings of the reports it revalidated).
_DIFF_SCOPE_SQL = """
    bounds AS (
        SELECT min(started_at) AS earlier, max(started_at) AS later, count(DISTINCT run_id) AS n_runs
        FROM runs WHERE run_id IN ($a, $b)
    ),
    scope AS (
        SELECT DISTINCT rr.doc_sha256
        FROM run_reports AS rr JOIN runs AS o ON o.run_id = rr.run_id, bounds AS bo
        WHERE CASE WHEN bo.n_runs = 1 THEN rr.run_id = $a
                   ELSE o.started_at > bo.earlier AND o.started_at <= bo.later END
    )
"""


def diff_reports(conn: duckdb.DuckDBPyConnection, run_a: str, run_b: str) -> int:
    """How many reports `findings_diff(run_a, run_b)` is about (see _DIFF_SCOPE_SQL)."""
    run_a, run_b = resolve_run(conn, run_a), resolve_run(conn, run_b)
    [(count,)] = conn.execute(f"WITH {_DIFF_SCOPE_SQL} SELECT count(*) FROM scope",
                              {"a": run_a, "b": run_b}).fetchall()
    return int(count)


def findings_diff(conn: duckdb.DuckDBPyConnection, run_a: str, run_b: str) -> pd.DataFrame:
    """The findings standing after run A against those standing after run B, for the reports the
    runs between them validated (the runs after the earlier of the two, up to the later one; a run
    against itself: its own reports). So the diff a revalidate run prints counts what the run counts.

    A report's findings "after run X" are those of the last run up to X (by start time) that
    validated it. Rows: change (raised: only after B; cleared: only after A; persisting: both),
    report, rule, severity, message.
    """
    run_a, run_b = resolve_run(conn, run_a), resolve_run(conn, run_b)
    return conn.execute(
        f"""
        WITH {_DIFF_SCOPE_SQL},
        ordered AS (SELECT run_id, started_at FROM runs),
        standing AS (
            -- per cut-off run and report in scope: the last run up to the cut-off that validated it
            SELECT cut.run_id AS cutoff, rr.doc_sha256, arg_max(rr.run_id, o.started_at) AS last_run
            FROM (SELECT run_id, started_at FROM ordered WHERE run_id IN ($a, $b)) AS cut
            JOIN run_reports AS rr ON rr.doc_sha256 IN (SELECT doc_sha256 FROM scope)
            JOIN ordered AS o ON o.run_id = rr.run_id AND o.started_at <= cut.started_at
            GROUP BY ALL
        ),
        state AS (
            SELECT s.cutoff, h.doc_sha256, h.finding_key, h.rule, h.severity, h.message
            FROM standing AS s
            JOIN finding_history AS h
              ON h.run_id = s.last_run AND h.doc_sha256 = s.doc_sha256 AND h.change <> 'cleared'
        ),
        a AS (SELECT * FROM state WHERE cutoff = $a),
        b AS (SELECT * FROM state WHERE cutoff = $b)
        SELECT
            CASE WHEN a.finding_key IS NULL THEN 'raised' WHEN b.finding_key IS NULL THEN 'cleared'
                 ELSE 'persisting' END AS change,
            coalesce(b.doc_sha256, a.doc_sha256) AS doc_sha256,
            d.file_name, r.unit_name, r.fiscal_year,
            coalesce(b.rule, a.rule) AS rule, coalesce(b.severity, a.severity) AS severity,
            coalesce(b.message, a.message) AS message
        FROM a FULL JOIN b ON a.doc_sha256 = b.doc_sha256 AND a.finding_key = b.finding_key
        LEFT JOIN documents AS d ON d.sha256 = coalesce(b.doc_sha256, a.doc_sha256)
        LEFT JOIN reports AS r ON r.sha256 = coalesce(b.doc_sha256, a.doc_sha256)
        ORDER BY CASE change WHEN 'raised' THEN 0 WHEN 'cleared' THEN 1 ELSE 2 END,
                 r.fiscal_year, d.file_name, rule
        """,
        {"a": run_a, "b": run_b},
    ).df()
