"""`jixiao audit --year Y | --all-years [--roster units.csv] [--out DIR] [--db PATH] [--xlsx/--no-xlsx]`:
the annual consistency audit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from jixiao.console import (
    DbOption,
    fail,
    flow_errors_as_one_line,
    render_table,
    stderr_console,
    stdout_console,
)


def audit(
    year: Annotated[int | None, typer.Option("--year", min=1949, max=2100, help="The fiscal year to audit.",
                                             show_default=False)] = None,
    all_years: Annotated[bool, typer.Option(
        "--all-years", help="Audit every fiscal year of the warehouse in one pass (one audit run per year).")] = False,
    roster: Annotated[Path | None, typer.Option(
        "--roster", exists=True, dir_okay=False, show_default=False,
        help="CSV of the units expected to report (unit_name[,province,city,county,first_year,last_year]); "
             "replaces the roster table. Without it, the roster already loaded is used.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", file_okay=False, show_default=False,
        help="Folder for audit-YEAR.html, audit-YEAR-findings.csv/.xlsx, the GX project gx/ and its "
             "data_docs/ (default: audit/ beside the warehouse; runs into one folder keep their history).")] = None,
    db: DbOption = None,
    swing: Annotated[float, typer.Option(
        "--swing", min=0.0, help="Flag a change of total expenditure against last year beyond this share.")] = 0.5,
    xlsx: Annotated[bool | None, typer.Option(
        "--xlsx/--no-xlsx", show_default=False,
        help="Also write the findings as XLSX (default: yes for --year, no for --all-years).")] = None,
) -> None:
    """Audit one fiscal year (or, with --all-years, every one in one pass) across reports: completeness
    against the roster, duplicates, swings, execution-rate outliers, score inflation, early report
    dates, copied and foreign text, and the Great Expectations suites. Writes audit_findings, per year
    the HTML report and the findings as CSV (and XLSX: by default for --year, not for --all-years),
    and GX Data Docs (every run into the same folder, by run name audit-YEAR-<run id>).

    Exits 0 when the audit ran (findings or not), 1 when it could not run.
    """
    from jixiao.console import require_warehouse, resolve_target

    if (year is None) == (not all_years):
        fail("give either --year YEAR or --all-years")
    path = resolve_target(db)
    require_warehouse(path)
    from flows.audit import run_audit  # imports pandas (and Prefect, for a flow run): only here
    from tasks.audit.store import RosterError

    try:
        with flow_errors_as_one_line("audit"):
            summaries = run_audit(None if all_years else [year], db=db, roster=str(roster) if roster else None,
                                  out_dir=str(out) if out else None, swing_threshold=swing, xlsx=xlsx)["runs"]
    except RosterError as exc:
        fail(f"roster: {exc}")
    for summary in summaries:
        _print_summary(summary)
    years = "" if all_years else f" WHERE fiscal_year = {year}"
    stderr_console().print(
        f'Details: jixiao sql "SELECT check_name, unit_name, file_name, message FROM v_audit_findings{years}"',
        soft_wrap=True)


def _print_summary(summary: dict[str, Any]) -> None:
    year = summary["fiscal_year"]
    console = stdout_console()
    console.print(f"Audit {year}: {summary['n_reports']} reports, {summary['n_findings']} findings "
                  f"(run {summary['run_id']}).", highlight=False)
    if summary["by_check"]:
        rows = [[r["check"], r["zh_label"], r["severity"], r["count"]] for r in summary["by_check"]]
        console.print(render_table(["check", "检查项", "severity", "findings"], rows))
    console.print(f"HTML report: {summary['html_report']}", highlight=False, soft_wrap=True)
    exports = ", ".join(summary[key] for key in ("findings_csv", "findings_xlsx") if summary[key])
    console.print(f"Findings: {exports}", highlight=False, soft_wrap=True)
    if summary["data_docs"]:
        console.print(f"GX Data Docs: {summary['data_docs']} (run {summary['gx_run_name']})",
                      highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(audit)
