"""The audit's side of the warehouse: the roster, the audit's inputs, audit runs and their findings."""

from __future__ import annotations

import csv
import json
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from tasks.audit import AuditFinding
from warehouse.queries import query
from warehouse.transactions import transaction

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
    conn.register("incoming_roster", frame)
    try:
        with transaction(conn):
            conn.execute(query("audit/delete_roster"))
            conn.execute(query("audit/insert_roster"))
    finally:
        conn.unregister("incoming_roster")
    return len(frame)


def audit_years(conn: duckdb.DuckDBPyConnection) -> list[int]:
    """Every fiscal year of the reports the audit sees (v_audit_reports), ascending."""
    return [year for (year,) in conn.execute(query("audit/years")).fetchall()]


def audit_reports(conn: duckdb.DuckDBPyConnection, fiscal_years: int | Sequence[int]) -> pd.DataFrame:
    """The years' reports as the audit sees them (v_audit_reports), by year, then by file name."""
    return _frame(conn, query("audit/reports"), {"years": _years(fiscal_years)})


def audit_amounts(conn: duckdb.DuckDBPyConnection, fiscal_years: int | Sequence[int]) -> pd.DataFrame:
    """The years' amount facts, each with its report's unit and year (GX findings name them)."""
    return _frame(conn, query("audit/amounts"), {"years": _years(fiscal_years)})


def audit_texts(conn: duckdb.DuckDBPyConnection, fiscal_years: int | Sequence[int], years_back: int = 1) -> pd.DataFrame:
    """Canonical texts of the years' reports and of the `years_back` years before each (for copied text)."""
    return _frame(conn, query("audit/texts"), {"years": _years(fiscal_years), "years_back": years_back})


def _frame(conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    # through Arrow: DuckDB's own .df() builds pandas' string arrays ~4x slower (1.4M amounts: 4.3 s vs 1.2 s)
    return conn.execute(sql, params).arrow().read_all().to_pandas()


def check_labels(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(conn.execute(query("audit/check_labels")).fetchall())


def roster_size(conn: duckdb.DuckDBPyConnection) -> int:
    return int(conn.execute(query("audit/roster_size")).fetchone()[0])


def _years(fiscal_years: int | Sequence[int]) -> list[int]:
    return [fiscal_years] if isinstance(fiscal_years, int) else [int(year) for year in fiscal_years]


def start_audit_run(conn: duckdb.DuckDBPyConnection, fiscal_year: int, params: dict[str, Any]) -> str:
    run_id = str(uuid.uuid4())
    conn.execute(query("audit/start_run"), [run_id, fiscal_year, json.dumps(params, ensure_ascii=False, default=str)])
    return run_id


@dataclass(slots=True)
class FinishedRun:
    """What `finish_audit_runs` writes for one run: its findings (in run order) and its outcome."""

    run_id: str
    fiscal_year: int
    findings: list[AuditFinding]
    n_reports: int
    gx_success: bool | None
    summary: dict[str, Any]
    evidence_json: list[str] | None = None  # the findings' evidence as JSON, if already serialized


def finish_audit_run(
    conn: duckdb.DuckDBPyConnection, run_id: str, fiscal_year: int, findings: list[AuditFinding], *,
    n_reports: int, gx_success: bool | None, summary: dict[str, Any],
) -> None:
    """Write the run's findings and mark it completed, in one transaction."""
    finish_audit_runs(conn, [FinishedRun(run_id, fiscal_year, findings, n_reports, gx_success, summary)])


def finish_audit_runs(conn: duckdb.DuckDBPyConnection, runs: list[FinishedRun]) -> None:
    """Write every run's findings and mark each completed, in one transaction (one insert for all)."""
    frame = pd.concat([_findings_frame(run) for run in runs], ignore_index=True) if runs else _findings_frame(None)
    conn.register("incoming_audit_findings", frame)
    try:
        with transaction(conn):
            conn.execute(query("audit/insert_findings"))
            for run in runs:
                conn.execute(query("audit/complete_run"), {
                    "n_reports": run.n_reports, "n_findings": len(run.findings), "gx_success": run.gx_success,
                    "summary": json.dumps(run.summary, ensure_ascii=False, default=str), "run_id": run.run_id})
    finally:
        conn.unregister("incoming_audit_findings")


def _findings_frame(run: FinishedRun | None) -> pd.DataFrame:
    findings = run.findings if run else []
    evidence = (run.evidence_json if run and run.evidence_json is not None
                else [json.dumps(f.evidence, ensure_ascii=False, default=str) for f in findings])
    return pd.DataFrame({
        "run_id": run.run_id if run else None,
        "finding_no": range(1, len(findings) + 1),
        "fiscal_year": run.fiscal_year if run else None,
        "check_name": [f.check_name for f in findings],
        "severity": [f.severity for f in findings],
        "doc_sha256": [f.doc_sha256 for f in findings],
        "unit_name": [f.unit_name for f in findings],
        "message": [f.message for f in findings],
        "evidence": evidence,
    }, columns=["run_id", "finding_no", "fiscal_year", "check_name", "severity", "doc_sha256", "unit_name",
                "message", "evidence"]).astype({"doc_sha256": "object", "unit_name": "object"})


def fail_audit_run(conn: duckdb.DuckDBPyConnection, run_id: str, error: str) -> None:
    conn.execute(query("audit/fail_run"), [json.dumps({"error": error}, ensure_ascii=False), run_id])
