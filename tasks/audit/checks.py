"""The group-by checks of the audit: one SQL file each (`warehouse/queries/audit/check_<check>.sql`),
run in DuckDB.

Each query selects `doc_sha256, unit_name, fiscal_year, message, evidence` (evidence: a JSON object)
for every audited fiscal year in `$years` at once (each year judged on its own: partitions and
group-bys by year), ordered by year; the thresholds come in as named parameters. Cross-report
checks are group-bys and window functions over `v_audit_reports`, never pairwise comparisons.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import duckdb

from tasks.audit import DEFAULT_THRESHOLDS, AuditFinding, AuditThresholds
from warehouse.queries import query

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
    return query(f"audit/check_{check_name}")


def run_sql_checks(
    conn: duckdb.DuckDBPyConnection, fiscal_years: int | Sequence[int], thresholds: AuditThresholds = DEFAULT_THRESHOLDS
) -> list[AuditFinding]:
    """Every SQL check for the year(s): by year, then in the order of SQL_CHECKS (an audit of one
    year gets the same findings, in the same order, from a call for several)."""
    years = [fiscal_years] if isinstance(fiscal_years, int) else list(fiscal_years)
    values: dict[str, Any] = {"years": years, **asdict(thresholds)}
    found: list[AuditFinding] = []
    for check_name, severity in SQL_CHECKS.items():
        sql = check_sql(check_name)
        # DuckDB rejects named parameters the query does not use: pass only those it names.
        params = {name: values[name] for name in set(_NAMED_PARAMETER.findall(sql))}
        for doc_sha256, unit_name, fiscal_year, message, evidence in conn.execute(sql, params).fetchall():
            found.append(AuditFinding(check_name=check_name, severity=severity, message=message,
                                      doc_sha256=doc_sha256, unit_name=unit_name,
                                      evidence=json.loads(evidence), fiscal_year=fiscal_year))
    position = {year: rank for rank, year in enumerate(years)}
    return sorted(found, key=lambda finding: position[finding.fiscal_year])  # stable: check order kept
