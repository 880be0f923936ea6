"""The annual audit flow: cross-report checks of one fiscal year over the warehouse.

roster (optional CSV -> `roster` table) -> SQL checks in DuckDB (group-bys: missing units, duplicates,
swings, execution outliers, score inflation, early dates) -> text checks (MinHash LSH for copied
paragraphs, a phrase lexicon for text of another kind of unit) -> Great Expectations suites over
frames pulled into pandas, in the file-backed GX project `OUT/gx` under the run name
`audit-Y-<run id>` (+ Data Docs of every run in `OUT/data_docs`) -> the HTML report `OUT/audit-Y.html`
and all findings as `OUT/audit-Y-findings.csv/.xlsx` -> `audit_findings` + `audit_runs` rows in one
transaction -> a Prefect markdown artifact summarizing the run.
OUT defaults to `audit/` beside the warehouse (`warehouse/audit/` for the default one, git-ignored).
"""

from __future__ import annotations

import traceback
from collections import Counter
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from expectations.audit.runner import GxOutcome, run_suites
from flows.settings import Settings, describe
from tasks.audit import DEFAULT_THRESHOLDS, AuditFinding, AuditThresholds
from tasks.audit.checks import run_sql_checks
from tasks.audit.report import AuditReport, ReportFiles, write_report
from tasks.audit.store import (
    audit_amounts,
    audit_reports,
    audit_texts,
    fail_audit_run,
    finish_audit_run,
    read_roster,
    replace_roster,
    start_audit_run,
)
from tasks.audit.text import copied_paragraphs, foreign_text
from warehouse.writer import writing

ARTIFACT_KEY = "annual-audit"
DEFAULT_OUT_DIR = Path("audit")
DEFAULT_TIMEZONE = "Asia/Shanghai"


def default_out_dir(settings: Settings) -> Path:
    """Where an audit writes without `out_dir`: `audit/` beside the warehouse, outside the source tree
    or (the default warehouse) in the git-ignored `warehouse/audit/`."""
    return settings.home / DEFAULT_OUT_DIR


def gx_run_name(fiscal_year: int, run_id: str) -> str:
    """The run's name in GX's validation store and Data Docs: its fiscal year and audit run id."""
    return f"audit-{fiscal_year}-{run_id}"


def previous_fiscal_year(timezone: str = DEFAULT_TIMEZONE) -> int:
    """The fiscal year whose reports are due now: the calendar year before today's (in `timezone`)."""
    return datetime.now(ZoneInfo(timezone)).year - 1


@task(name="text-checks", cache_policy=NO_CACHE, persist_result=False)
def text_checks_task(texts: Any, fiscal_year: int, thresholds: AuditThresholds) -> list[AuditFinding]:
    return copied_paragraphs(texts, fiscal_year, thresholds) + foreign_text(texts, fiscal_year)


@task(name="gx-suites", cache_policy=NO_CACHE, persist_result=False)
def gx_task(frames: dict[str, Any], out_dir: Path | None, run_name: str, run_meta: dict[str, Any]) -> GxOutcome:
    return run_suites(frames, out_dir, run_name=run_name, run_meta=run_meta)


@flow(name="annual-audit", persist_result=False)
def audit_flow(fiscal_year: int | None = None, db: str | None = None, roster: str | None = None, out_dir: str | None = None,
               data_docs: bool = True, swing_threshold: float = DEFAULT_THRESHOLDS.swing_threshold) -> dict[str, Any]:
    """Audit the reports of `fiscal_year` (default: the previous year); return the run's summary."""
    logger = get_run_logger()
    fiscal_year = fiscal_year or previous_fiscal_year()
    settings = Settings.for_run(db)
    where = describe(settings.target)
    out = Path(out_dir) if out_dir else default_out_dir(settings)
    thresholds = AuditThresholds(swing_threshold=swing_threshold)
    params = {"fiscal_year": fiscal_year, "db": where, "roster": roster, "out_dir": str(out),
              "thresholds": asdict(thresholds)}
    with writing(settings.target, holder=f"audit run {flow_run.name}", wait_s=settings.lock_wait_s,
                 on_wait=logger.warning) as conn:
        if roster:
            units = replace_roster(conn, read_roster(Path(roster)), source=Path(roster).name)
            logger.info("roster: %d units from %s", units, roster)
        run_id = start_audit_run(conn, fiscal_year, params)
        try:
            reports = audit_reports(conn, fiscal_year)
            findings = run_sql_checks(conn, fiscal_year, thresholds)
            findings += text_checks_task(audit_texts(conn, fiscal_year), fiscal_year, thresholds)
            run_name = gx_run_name(fiscal_year, run_id)
            gx = gx_task({"reports": reports, "amounts": audit_amounts(conn, fiscal_year)},
                         out if data_docs else None, run_name, {"fiscal_year": fiscal_year, "run_id": run_id})
            findings += gx.findings
            check_labels = dict(conn.execute("SELECT check_name, zh_label FROM audit_checks").fetchall())
            roster_size = conn.execute("SELECT count(*) FROM roster").fetchone()[0]
            files = write_report(AuditReport(
                fiscal_year=fiscal_year, run_id=run_id, generated_at=datetime.now().astimezone().isoformat(" ", "seconds"),
                reports=reports, findings=findings, check_labels=check_labels, gx_results=gx.results,
                data_docs_link=gx.data_docs_index.relative_to(out).as_posix() if gx.data_docs_index else None,
                roster_size=roster_size, run_name=run_name,
            ), out)
            summary = _summary(run_id, fiscal_year, where, reports, findings, gx, files, check_labels)
            finish_audit_run(conn, run_id, fiscal_year, findings, n_reports=len(reports),
                             gx_success=gx.success, summary=summary)
        except BaseException as exc:
            fail_audit_run(conn, run_id, f"{type(exc).__name__}: {exc}")
            traceback.clear_frames(exc.__traceback__)  # keep frames' frames (texts) out of the failed state
            raise
    create_markdown_artifact(markdown=summary_markdown(summary), key=ARTIFACT_KEY,
                             description=f"Annual audit {fiscal_year}: {len(findings)} findings")
    logger.info("audit %d: %d reports, %d findings -> %s", fiscal_year, len(reports), len(findings), files.html)
    return summary


def _summary(run_id: str, fiscal_year: int, db: str, reports: Any, findings: list[AuditFinding],
             gx: GxOutcome, files: ReportFiles, check_labels: dict[str, str]) -> dict[str, Any]:
    by_check = Counter((f.check_name, f.severity) for f in findings)
    return {
        "run_id": run_id, "fiscal_year": fiscal_year, "db": str(db), "n_reports": len(reports),
        "n_findings": len(findings),
        "by_check": [{"check": check, "zh_label": check_labels.get(check, check), "severity": severity,
                      "count": count} for (check, severity), count in by_check.most_common()],
        "gx_success": gx.success, "gx_failed": sum(not r["success"] for r in gx.results),
        "html_report": str(files.html), "findings_csv": str(files.csv), "findings_xlsx": str(files.xlsx),
        "gx_run_name": gx.run_name, "data_docs": str(gx.data_docs_index) if gx.data_docs_index else None,
    }


def summary_markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"# 年度审核 {summary['fiscal_year']}",
        "",
        f"- run: `{summary['run_id']}`",
        f"- reports audited: **{summary['n_reports']}**, findings: **{summary['n_findings']}**",
        "- Great Expectations: " + ("all passed" if summary["gx_success"]
                                    else f"{summary['gx_failed']} expectations failed"),
        f"- HTML report: `{summary['html_report']}`",
        f"- findings: `{summary['findings_csv']}`, `{summary['findings_xlsx']}`",
        "",
        "| check | 检查项 | severity | findings |",
        "|---|---|---|---:|",
    ]
    lines += [f"| {row['check']} | {row['zh_label']} | {row['severity']} | {row['count']} |" for row in summary["by_check"]]
    if not summary["by_check"]:
        lines.append("| – | 未发现问题 | – | 0 |")
    return "\n".join(lines) + "\n"
