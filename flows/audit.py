"""The annual audit flow: cross-report checks of fiscal years over the warehouse.

`audit_flow` audits one fiscal year (the scheduled run: the previous year by default);
`audit_all_years_flow` audits every fiscal year of the warehouse in one pass. Both run the same steps
once for all their years (one flow run, one read of each input, one GX project):
roster (optional CSV -> `roster` table) -> SQL checks in DuckDB for all years at once (group-bys by
year: missing units, duplicates, swings, execution outliers, score inflation, early dates) -> text
checks (MinHash LSH for copied paragraphs, each year against itself and the year before; a phrase
lexicon for text of another kind of unit) -> Great Expectations suites over frames pulled into
pandas, each year validated under its own run name `audit-Y-<run id>` in the file-backed GX project
`OUT/gx` (+ Data Docs of every run in `OUT/data_docs`, built once) -> per year, the HTML report
`OUT/audit-Y.html` and its findings as `OUT/audit-Y-findings.csv` (and `.xlsx` when asked: by
default for one year, not for all years) -> one `audit_runs` row per year, and all findings, in one
transaction -> in a Prefect flow run, a markdown artifact summarizing the run.
`run_audit` (the CLI) runs these steps as a Prefect flow run when a Prefect API records runs, and
directly otherwise, without starting Prefect's server (~4–8 s here): the same steps and warehouse content
(flows/orchestrator.py).
OUT defaults to `audit/` beside the warehouse (`warehouse/audit/` for the default one, git-ignored).
"""

from __future__ import annotations

import time
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from expectations.audit.runner import GxOutcome, GxRun, import_gx_in_background, run_suites_by_run
from flows import orchestrator as orchestration
from flows import runners
from flows.settings import Settings, describe
from tasks.audit import DEFAULT_THRESHOLDS, AuditFinding, AuditThresholds
from tasks.audit.checks import run_sql_checks
from tasks.audit.report import AuditReport, ReportFiles, findings_frame, write_report
from tasks.audit.store import (
    FinishedRun,
    audit_amounts,
    audit_reports,
    audit_texts,
    audit_years,
    check_labels,
    fail_audit_run,
    finish_audit_runs,
    read_roster,
    replace_roster,
    roster_size,
    start_audit_run,
)
from tasks.audit.text import text_checks
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


def text_checks_on_pool(texts: Any, fiscal_years: list[int], thresholds: AuditThresholds) -> list[AuditFinding]:
    # over many texts, the years are split between the worker processes (the ingest's pool, if this
    # process ran one) while this one runs the SQL checks and GX
    workers = runners.default_workers()
    return text_checks(texts, fiscal_years, thresholds, pool=lambda: runners.process_pool(workers), workers=workers)


TEXT_CHECKS = orchestration.Step("text-checks", text_checks_on_pool)
GX_SUITES = orchestration.Step("gx-suites", run_suites_by_run)


def run_audit(fiscal_years: list[int] | None = None, *, db: str | None = None, roster: str | None = None,
              out_dir: str | None = None, data_docs: bool = True,
              swing_threshold: float = DEFAULT_THRESHOLDS.swing_threshold, xlsx: bool | None = None,
              orchestrator: orchestration.Orchestrator = "auto") -> dict[str, Any]:
    """Audit `fiscal_years` (None: every year of the warehouse) and return the result, each year's summary
    under `runs`. A Prefect flow run when a Prefect API records runs (`audit_flow` for one year, else
    `audit_all_years_flow`, with their artifact); otherwise the same steps directly, without starting
    Prefect's server. `xlsx` defaults to yes for one year, no for several."""
    one_year = fiscal_years is not None and len(fiscal_years) == 1
    options: dict[str, Any] = dict(db=db, roster=roster, out_dir=out_dir, data_docs=data_docs,
                                   swing_threshold=swing_threshold, xlsx=one_year if xlsx is None else xlsx)
    if not orchestration.uses_prefect(orchestrator):
        with orchestration.direct_steps(threads=2, log_name="jixiao.audit") as steps:
            return audit(fiscal_years, steps=steps, **options)
    if one_year:  # the scheduled audit's flow: its runs and automations are named "annual-audit"
        return {"fiscal_years": fiscal_years, "runs": [prefect_flows()["audit_flow"](fiscal_years[0], **options)]}
    return prefect_flows()["audit_all_years_flow"](fiscal_years=fiscal_years, **options)


def _audit_flow(fiscal_year: int | None = None, db: str | None = None, roster: str | None = None,
                out_dir: str | None = None, data_docs: bool = True,
                swing_threshold: float = DEFAULT_THRESHOLDS.swing_threshold, xlsx: bool = True) -> dict[str, Any]:
    """Audit the reports of `fiscal_year` (default: the previous year); return the run's summary."""
    fiscal_year = fiscal_year or previous_fiscal_year()
    result = _audit_in_flow_run([fiscal_year], db=db, roster=roster, out_dir=out_dir, data_docs=data_docs,
                                swing_threshold=swing_threshold, xlsx=xlsx)
    return result["runs"][0]


def _audit_all_years_flow(db: str | None = None, roster: str | None = None, out_dir: str | None = None,
                          data_docs: bool = True, swing_threshold: float = DEFAULT_THRESHOLDS.swing_threshold,
                          xlsx: bool = False, fiscal_years: list[int] | None = None) -> dict[str, Any]:
    """Audit every fiscal year of the warehouse (or `fiscal_years`) in one pass: one audit run per
    year (its findings, report and GX run as `audit_flow` of that year would make them) into one
    output folder. XLSX exports only with `xlsx` (openpyxl writes ~10k findings a second: for a
    large warehouse it would be most of the run). Returns every year's summary under `runs`, the
    totals, and the seconds each stage took (`stage_s`)."""
    return _audit_in_flow_run(fiscal_years, db=db, roster=roster, out_dir=out_dir, data_docs=data_docs,
                              swing_threshold=swing_threshold, xlsx=xlsx)


def _audit_in_flow_run(fiscal_years: list[int] | None, **options: Any) -> dict[str, Any]:
    from prefect.artifacts import create_markdown_artifact  # in a flow run: Prefect is imported already

    result = audit(fiscal_years, steps=orchestration.PrefectSteps(), **options)
    create_markdown_artifact(markdown="\n".join(summary_markdown(summary) for summary in result["runs"]),
                             key=ARTIFACT_KEY, description=f"Annual audit {', '.join(map(str, result['fiscal_years']))}: "
                                                            f"{result['n_findings']} findings")
    return result


def prefect_flows() -> dict[str, Any]:
    """The Prefect flows (deployments, the yearly flow, tests), made on first use: a direct run never
    imports Prefect."""
    return {"audit_flow": orchestration.prefect_flow("annual-audit", _audit_flow),
            "audit_all_years_flow": orchestration.prefect_flow("annual-audit-all-years", _audit_all_years_flow)}


def __getattr__(name: str) -> Any:
    if name in ("audit_flow", "audit_all_years_flow"):
        return prefect_flows()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def audit(fiscal_years: list[int] | None, *, steps: orchestration.RunSteps, db: str | None, roster: str | None,
          out_dir: str | None, data_docs: bool, swing_threshold: float, xlsx: bool) -> dict[str, Any]:
    """The steps of an audit run, in order, whoever runs them; returns the result (see `run_audit`)."""
    import_gx_in_background()  # ~3 s of imports, while the warehouse is read and the SQL checks run
    logger = steps.log
    settings = Settings.for_run(db)
    where = describe(settings.target)
    out = Path(out_dir) if out_dir else default_out_dir(settings)
    thresholds = AuditThresholds(swing_threshold=swing_threshold)
    stage_s: dict[str, float] = {}
    with writing(settings.target, holder=f"audit run {steps.run_name}", wait_s=settings.lock_wait_s,
                 on_wait=logger.warning) as conn:
        if roster:
            units = replace_roster(conn, read_roster(Path(roster)), source=Path(roster).name)
            logger.info("roster: %d units from %s", units, roster)
        years = list(fiscal_years) if fiscal_years is not None else audit_years(conn)
        run_ids = {year: start_audit_run(conn, year, {
            "fiscal_year": year, "db": where, "roster": roster, "out_dir": str(out), "thresholds": asdict(thresholds)})
            for year in years}
        try:
            with _stage(stage_s, "read"):
                reports = audit_reports(conn, years)
                amounts = audit_amounts(conn, years)
                texts = audit_texts(conn, years)
                labels, n_roster = check_labels(conn), roster_size(conn)
            text_findings = steps.submit(TEXT_CHECKS, "text-checks", texts, years, thresholds)  # beside the next two steps
            del texts  # the largest input: not kept through the rest of the run
            with _stage(stage_s, "sql_checks"):
                findings = run_sql_checks(conn, years, thresholds)
            reports_of, amounts_of = _by_year(reports, years), _by_year(amounts, years)
            with _stage(stage_s, "gx"):
                outcomes = dict(zip(years, steps.call(GX_SUITES, "gx-suites", [
                    GxRun({"reports": reports_of[year], "amounts": amounts_of[year]}, gx_run_name(year, run_ids[year]),
                          {"fiscal_year": year, "run_id": run_ids[year]}) for year in years],
                    out if data_docs else None), strict=True))
            with _stage(stage_s, "text_checks_wait"):
                findings += text_findings.result()
            findings_of = _findings_by_year(findings, outcomes, years)
            summaries, finished = [], []
            for year in years:
                run_id, gx, year_findings = run_ids[year], outcomes[year], findings_of[year]
                report = AuditReport(
                    fiscal_year=year, run_id=run_id, generated_at=datetime.now().astimezone().isoformat(" ", "seconds"),
                    reports=reports_of[year], findings=year_findings, check_labels=labels, gx_results=gx.results,
                    data_docs_link=gx.data_docs_index.relative_to(out).as_posix() if gx.data_docs_index else None,
                    roster_size=n_roster, run_name=gx.run_name, xlsx=xlsx)
                with _stage(stage_s, "findings_frame"):
                    frame = findings_frame(report)
                with _stage(stage_s, "report_files"):
                    files = write_report(report, out, frame)
                summary = _summary(run_id, year, where, reports_of[year], year_findings, gx, files, labels)
                summaries.append(summary)
                finished.append(FinishedRun(run_id, year, year_findings, n_reports=len(reports_of[year]),
                                            gx_success=gx.success, summary=summary,
                                            evidence_json=frame["evidence"].tolist()))
                logger.info("audit %d: %d reports, %d findings -> %s", year, len(reports_of[year]), len(year_findings),
                            files.html)
            with _stage(stage_s, "store"):
                finish_audit_runs(conn, finished)
        except BaseException as exc:
            for run_id in run_ids.values():
                fail_audit_run(conn, run_id, f"{type(exc).__name__}: {exc}")
            traceback.clear_frames(exc.__traceback__)  # keep frames' frames (texts) out of the failed state
            raise
    logger.info("audit stages (s): %s", ", ".join(f"{name} {seconds:.1f}" for name, seconds in stage_s.items()))
    return {"fiscal_years": years, "db": where, "out_dir": str(out), "n_reports": len(reports),
            "n_findings": len(findings), "runs": summaries, "stage_s": {k: round(v, 2) for k, v in stage_s.items()}}


@contextmanager
def _stage(stage_s: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        stage_s[name] = stage_s.get(name, 0.0) + time.perf_counter() - started


def _by_year(frame: pd.DataFrame, years: list[int]) -> dict[int, pd.DataFrame]:
    """The rows of each year (in their order), each frame indexed from 0 like a query of that year."""
    groups = dict(list(frame.groupby("fiscal_year", sort=False))) if len(frame) else {}
    return {year: groups[year].reset_index(drop=True) if year in groups else frame.iloc[0:0].reset_index(drop=True)
            for year in years}


def _findings_by_year(findings: list[AuditFinding], outcomes: dict[int, GxOutcome],
                      years: list[int]) -> dict[int, list[AuditFinding]]:
    """Each year's findings in run order: SQL checks, copied text, foreign text, then its GX suites."""
    by_year: dict[int, list[AuditFinding]] = {year: [] for year in years}
    for finding in findings:
        by_year[finding.fiscal_year].append(finding)  # type: ignore[index]
    for year in years:
        by_year[year] += outcomes[year].findings
    return by_year


def _summary(run_id: str, fiscal_year: int, db: str, reports: Any, findings: list[AuditFinding],
             gx: GxOutcome, files: ReportFiles, check_labels: dict[str, str]) -> dict[str, Any]:
    by_check = Counter((f.check_name, f.severity) for f in findings)
    return {
        "run_id": run_id, "fiscal_year": fiscal_year, "db": str(db), "n_reports": len(reports),
        "n_findings": len(findings),
        "by_check": [{"check": check, "zh_label": check_labels.get(check, check), "severity": severity,
                      "count": count} for (check, severity), count in by_check.most_common()],
        "gx_success": gx.success, "gx_failed": sum(not r["success"] for r in gx.results),
        "html_report": str(files.html), "findings_csv": str(files.csv),
        "findings_xlsx": str(files.xlsx) if files.xlsx else None,
        "gx_run_name": gx.run_name, "data_docs": str(gx.data_docs_index) if gx.data_docs_index else None,
    }


def summary_markdown(summary: dict[str, Any]) -> str:
    exports = ", ".join(f"`{summary[key]}`" for key in ("findings_csv", "findings_xlsx") if summary[key])
    lines = [
        f"# 年度审核 {summary['fiscal_year']}",
        "",
        f"- run: `{summary['run_id']}`",
        f"- reports audited: **{summary['n_reports']}**, findings: **{summary['n_findings']}**",
        "- Great Expectations: " + ("all passed" if summary["gx_success"]
                                    else f"{summary['gx_failed']} expectations failed"),
        f"- HTML report: `{summary['html_report']}`",
        f"- findings: {exports}",
        "",
        "| check | 检查项 | severity | findings |",
        "|---|---|---|---:|",
    ]
    lines += [f"| {row['check']} | {row['zh_label']} | {row['severity']} | {row['count']} |" for row in summary["by_check"]]
    if not summary["by_check"]:
        lines.append("| – | 未发现问题 | – | 0 |")
    return "\n".join(lines) + "\n"
