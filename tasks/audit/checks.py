"""The group-by checks of the audit: one SQL file each (`sql/<check>.sql`), run in DuckDB.

Each query selects `doc_sha256, unit_name, message, evidence` (evidence: a JSON object) for the
fiscal year `$year`; the thresholds come in as named parameters. Cross-report checks are group-bys and
window functions over `v_audit_reports`, never pairwise comparisons.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb

from tasks.audit import DEFAULT_THRESHOLDS, AuditFinding, AuditThresholds

SQL_DIR = Path(__file__).with_name("sql")
# check name -> severity (the audit_checks dimension holds the same, with Chinese labels)
SQL_CHECKS: dict[str, str] = {
    "missing_report": "error",
    "not_on_roster": "warning",
    "duplicate_report": "error",
    "expenditure_swing": "warning",
    "execution_outlier": "warning",
    "score_inflation": "error",
    "dated_before_year_end": "error",
}
_NAMED_PARAMETER = re.compile(r"\$([a-z_]+)")


def check_sql(check_name: str) -> str:
    return (SQL_DIR / f"{check_name}.sql").read_text(encoding="utf-8")


def run_sql_checks(
    conn: duckdb.DuckDBPyConnection, fiscal_year: int, thresholds: AuditThresholds = DEFAULT_THRESHOLDS
) -> list[AuditFinding]:
    """Every SQL check for the year, in the order of SQL_CHECKS."""
    values: dict[str, Any] = {"year": fiscal_year, **asdict(thresholds)}
    found: list[AuditFinding] = []
    for check_name, severity in SQL_CHECKS.items():
        sql = check_sql(check_name)
        # DuckDB rejects named parameters the query does not use: pass only those it names.
        params = {name: values[name] for name in set(_NAMED_PARAMETER.findall(sql))}
        for doc_sha256, unit_name, message, evidence in conn.execute(sql, params).fetchall():
            found.append(AuditFinding(check_name=check_name, severity=severity, message=message,
                                      doc_sha256=doc_sha256, unit_name=unit_name,
                                      evidence=json.loads(evidence)))
    return found
