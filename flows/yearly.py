"""The scheduled yearly ingestion: ingest an inbox folder, then audit the fiscal year.

Deployed from `deployments/prefect.yaml` (served by `jixiao serve`, or run by a worker of the
`jixiao` work pool). Both steps run as subflows, so the run's page in Prefect shows the ingest and
the audit with their own artifacts.

The paths default to the environment of the process that runs the flow (JIXIAO_INBOX,
JIXIAO_ROSTER, JIXIAO_DB), never to a path relative to its working directory: a worker runs flows
in a folder of its own, so `inbox` there would not be the inbox the user meant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from flows.audit import DEFAULT_TIMEZONE, audit_flow, previous_fiscal_year
from flows.ingest import ingest_flow
from flows.settings import Settings


@flow(name="yearly-ingestion", persist_result=False)
def yearly_ingestion_flow(
    inbox: str | None = None,
    fiscal_year: int | None = None,
    db: str | None = None,
    roster: str | None = None,
    out_dir: str | None = None,
    audit: bool = True,
    timezone: str = DEFAULT_TIMEZONE,
) -> dict[str, Any]:
    """Ingest every report under `inbox`, then run the annual audit of `fiscal_year`.

    `inbox` defaults to $JIXIAO_INBOX (else inbox/ in the project folder); `fiscal_year` to the
    previous calendar year in `timezone` (reports on year Y are written in Y+1); `db` to
    $JIXIAO_DB; `roster`, a units CSV for the completeness check, to $JIXIAO_ROSTER.
    """
    logger = get_run_logger()
    year = fiscal_year or previous_fiscal_year(timezone)
    settings = Settings()
    inbox_path = str(Path(inbox or settings.inbox).expanduser())
    roster_path = roster or (str(settings.roster.expanduser()) if settings.roster else None)
    logger.info("yearly ingestion: inbox %s, fiscal year %d, roster %s", inbox_path, year, roster_path or "as loaded")
    ingest_summary = ingest_flow([inbox_path], db=db)
    logger.info("ingested %s: %d files, %d loaded, %d unchanged, %d rejected", inbox_path,
                ingest_summary["files_seen"], ingest_summary["loaded"], ingest_summary["unchanged"],
                ingest_summary["rejected"])
    audit_summary = audit_flow(year, db=db, roster=roster_path, out_dir=out_dir) if audit else None
    if audit_summary:
        logger.info("audit %d: %d reports, %d findings", year, audit_summary["n_reports"], audit_summary["n_findings"])
    return {"fiscal_year": year, "ingest": ingest_summary, "audit": audit_summary}
