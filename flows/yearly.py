"""The scheduled yearly ingestion: ingest an inbox folder, then audit the fiscal year.

Deployed from `deployments/prefect.yaml` (served by `jixiao serve`). Both steps run as subflows, so
the run's page in Prefect shows the ingest and the audit with their own artifacts.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from flows.audit import DEFAULT_TIMEZONE, audit_flow, previous_fiscal_year
from flows.ingest import ingest_flow


@flow(name="yearly-ingestion", persist_result=False)
def yearly_ingestion_flow(
    inbox: str = "inbox",
    fiscal_year: int | None = None,
    db: str | None = None,
    roster: str | None = None,
    out_dir: str | None = None,
    audit: bool = True,
    timezone: str = DEFAULT_TIMEZONE,
) -> dict[str, Any]:
    """Ingest every report under `inbox`, then run the annual audit of `fiscal_year`.

    `fiscal_year` defaults to the previous calendar year in `timezone` (reports on year Y are
    written in Y+1); `db` defaults to $JIXIAO_DB; `roster` is a units CSV for the completeness check.
    """
    year = fiscal_year or previous_fiscal_year(timezone)
    get_run_logger().info("yearly ingestion: inbox %s, fiscal year %d", inbox, year)
    ingest_summary = ingest_flow([inbox], db=db)
    audit_summary = audit_flow(year, db=db, roster=roster, out_dir=out_dir) if audit else None
    return {"fiscal_year": year, "ingest": ingest_summary, "audit": audit_summary}
