"""The audit's side of the warehouse: the roster, the audit's inputs, audit runs and their findings."""

from __future__ import annotations

import csv
import json
import unicodedata
import uuid
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from tasks.audit import AuditFinding

ROSTER_COLUMNS = ("unit_name", "province", "city", "county", "first_year", "last_year")


class RosterError(ValueError):
    """The roster CSV cannot be used; the message says which row and why."""


def read_roster(path: Path) -> pd.DataFrame:
    """The roster CSV (UTF-8, header `unit_name[,province,city,county,first_year,last_year]`)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "unit_name" not in reader.fieldnames:
            raise RosterError(f"{path}: the roster needs a `unit_name` column (found: {reader.fieldnames})")
        rows: list[dict[str, Any]] = []
        for line, raw in enumerate(reader, start=2):
            row = {column: _clean(raw.get(column)) for column in ROSTER_COLUMNS}
            if not row["unit_name"]:
                raise RosterError(f"{path}, line {line}: empty unit_name")
            for column in ("first_year", "last_year"):
                if row[column] is not None:
                    try:
                        row[column] = int(row[column])
                    except ValueError:
                        raise RosterError(f"{path}, line {line}: {column} {row[column]!r} is not a year") from None
            rows.append(row)
    frame = pd.DataFrame(rows, columns=list(ROSTER_COLUMNS))
    duplicated = frame["unit_name"][frame["unit_name"].duplicated()]
    if not duplicated.empty:
        raise RosterError(f"{path}: unit listed twice: {', '.join(sorted(set(duplicated)))}")
    return frame


def _clean(value: str | None) -> str | None:
    # NFKC and no inner spaces: the way the reader canonicalizes report texts (full-width -> ASCII).
    if value is None:
        return None
    cleaned = "".join(unicodedata.normalize("NFKC", value).split())
    return cleaned or None


def replace_roster(conn: duckdb.DuckDBPyConnection, roster: pd.DataFrame, source: str) -> int:
    """Replace the roster table with `roster` in one transaction; return the number of units."""
    frame = roster.assign(source=source).astype({"first_year": "Int64", "last_year": "Int64"})
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute("DELETE FROM roster")
        conn.register("incoming_roster", frame)
        conn.execute(
            "INSERT INTO roster (unit_name, province, city, county, first_year, last_year, source) "
            "SELECT unit_name, province, city, county, first_year, last_year, source FROM incoming_roster"
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.unregister("incoming_roster")
    return len(frame)


def audit_reports(conn: duckdb.DuckDBPyConnection, fiscal_year: int) -> pd.DataFrame:
    """The year's reports as the audit sees them (v_audit_reports)."""
    return conn.execute("SELECT * FROM v_audit_reports WHERE fiscal_year = ? ORDER BY file_name",
                        [fiscal_year]).df()


def audit_amounts(conn: duckdb.DuckDBPyConnection, fiscal_year: int) -> pd.DataFrame:
    """The year's amount facts, each with its report's unit and year (GX findings name them)."""
    return conn.execute(
        "SELECT a.*, r.unit_name, r.fiscal_year FROM amounts AS a JOIN v_audit_reports AS r ON r.sha256 = a.doc_sha256 "
        "WHERE r.fiscal_year = ? ORDER BY a.doc_sha256, a.fact_id", [fiscal_year]).df()


def audit_texts(conn: duckdb.DuckDBPyConnection, fiscal_year: int, years_back: int = 1) -> pd.DataFrame:
    """Canonical texts of the year's reports and of the `years_back` years before (for copied text)."""
    return conn.execute(
        """
        SELECT a.sha256, a.unit_key, a.unit_name, a.file_name, a.fiscal_year, d.canonical_text
        FROM v_audit_reports AS a
        JOIN documents AS d ON d.sha256 = a.sha256
        WHERE a.fiscal_year BETWEEN ? AND ?
        ORDER BY a.fiscal_year, a.file_name
        """,
        [fiscal_year - years_back, fiscal_year],
    ).df()


def start_audit_run(conn: duckdb.DuckDBPyConnection, fiscal_year: int, params: dict[str, Any]) -> str:
    run_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO audit_runs (run_id, fiscal_year, status, params) VALUES (?, ?, 'running', ?)",
        [run_id, fiscal_year, json.dumps(params, ensure_ascii=False, default=str)],
    )
    return run_id


def finish_audit_run(
    conn: duckdb.DuckDBPyConnection, run_id: str, fiscal_year: int, findings: list[AuditFinding], *,
    n_reports: int, gx_success: bool | None, summary: dict[str, Any],
) -> None:
    """Write the run's findings and mark it completed, in one transaction."""
    frame = pd.DataFrame({
        "run_id": run_id,
        "finding_no": range(1, len(findings) + 1),
        "fiscal_year": fiscal_year,
        "check_name": [f.check_name for f in findings],
        "severity": [f.severity for f in findings],
        "doc_sha256": [f.doc_sha256 for f in findings],
        "unit_name": [f.unit_name for f in findings],
        "message": [f.message for f in findings],
        "evidence": [json.dumps(f.evidence, ensure_ascii=False, default=str) for f in findings],
    }, columns=["run_id", "finding_no", "fiscal_year", "check_name", "severity", "doc_sha256", "unit_name",
                "message", "evidence"]).astype({"doc_sha256": "object", "unit_name": "object"})
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.register("incoming_audit_findings", frame)
        conn.execute(
            "INSERT INTO audit_findings SELECT run_id, finding_no, fiscal_year, check_name, severity, "
            "doc_sha256, unit_name, message, evidence::JSON FROM incoming_audit_findings"
        )
        conn.execute(
            """
            UPDATE audit_runs SET finished_at = now(), status = 'completed', n_reports = ?, n_findings = ?,
                gx_success = ?, summary = ?
            WHERE run_id = ? AND status = 'running'
            """,
            [n_reports, len(findings), gx_success, json.dumps(summary, ensure_ascii=False, default=str), run_id],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.unregister("incoming_audit_findings")


def fail_audit_run(conn: duckdb.DuckDBPyConnection, run_id: str, error: str) -> None:
    conn.execute(
        "UPDATE audit_runs SET finished_at = now(), status = 'failed', summary = ? WHERE run_id = ?",
        [json.dumps({"error": error}, ensure_ascii=False), run_id],
    )
