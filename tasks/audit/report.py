"""The HTML audit report of a fiscal year (`DIR/audit-Y.html`) and the findings export beside it.

One file, no external resources: inline CSS, inline SVG charts (execution-rate distribution, findings
by check and by region) and a small inline script (`templates/grid.js.j2`, no library, no network)
that makes the long tables sortable, filterable and paged. Every report of the year is listed with
its ingest validation result beside its audit findings; every finding is listed with its evidence as
a sentence (`wording.toml`). Without JavaScript the same tables show whole.
All findings also go to `audit-Y-findings.csv` and `.xlsx` (`export.py`), linked from the page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from tasks.audit import AuditFinding
from tasks.audit.charts import histogram, horizontal_bars
from tasks.audit.wording import evidence_sentence, load_wording

WORST_REPORTS = 20
PAGE_SIZE = 100  # rows per page of the long tables (the reader can change it)
NO_REGION = "（未注明）"
NO_UNIT = "（未识别）"
# v_audit_reports columns the report reads (a frame may lack some: they show empty)
REPORT_COLUMNS = ("sha256", "file_name", "unit_name", "province", "city", "status", "n_errors", "n_warnings",
                  "self_eval_score", "execution_pct")


@dataclass(slots=True)
class AuditReport:
    fiscal_year: int
    run_id: str
    generated_at: str
    reports: pd.DataFrame  # v_audit_reports rows of the year
    findings: list[AuditFinding]
    check_labels: dict[str, str] = field(default_factory=dict)  # check_name -> Chinese label
    gx_results: list[dict[str, Any]] = field(default_factory=list)
    data_docs_link: str | None = None  # relative to the HTML file
    roster_size: int = 0
    run_name: str | None = None  # the GX run name of this audit
    xlsx: bool = True  # the findings are also written (and linked) as XLSX, not only CSV


@dataclass(frozen=True, slots=True)
class ReportFiles:
    html: Path
    csv: Path
    xlsx: Path | None  # None: not asked for


def report_path(out_dir: Path, fiscal_year: int) -> Path:
    return out_dir / f"audit-{fiscal_year}.html"


def export_paths(out_dir: Path, fiscal_year: int) -> tuple[Path, Path]:
    stem = out_dir / f"audit-{fiscal_year}-findings"
    return stem.with_suffix(".csv"), stem.with_suffix(".xlsx")


def write_report(report: AuditReport, out_dir: Path, frame: pd.DataFrame | None = None) -> ReportFiles:
    """The HTML report and the CSV (and, if `report.xlsx`, the XLSX) of all findings, in `out_dir`.
    `frame`: the report's `findings_frame`, if the caller has it already."""
    from tasks.audit.export import write_csv, write_xlsx

    out_dir.mkdir(parents=True, exist_ok=True)
    frame = findings_frame(report) if frame is None else frame
    csv_path, xlsx_path = export_paths(out_dir, report.fiscal_year)
    write_csv(frame, csv_path)
    if report.xlsx:
        write_xlsx(frame, xlsx_path, sheet_title=f"{report.fiscal_year}年度审核发现")
    return ReportFiles(html=write_html(report, out_dir, frame), csv=csv_path, xlsx=xlsx_path if report.xlsx else None)


def write_html(report: AuditReport, out_dir: Path, frame: pd.DataFrame | None = None) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = report_path(out_dir, report.fiscal_year)
    path.write_text(render_html(report, frame), encoding="utf-8")
    return path


def render_html(report: AuditReport, frame: pd.DataFrame | None = None) -> str:
    return _environment().get_template("audit.html.j2").render(**_context(report, frame))


@cache
def _environment() -> Environment:  # one per process: templates are compiled once
    return Environment(loader=PackageLoader("tasks.audit", "templates"), autoescape=select_autoescape(["html", "j2"]))


def findings_frame(report: AuditReport) -> pd.DataFrame:
    """One row per finding (in run order: `finding_no` as in audit_findings) with its report's file,
    region and validation result, the labels, and the evidence as a sentence and as JSON."""
    findings = report.findings
    labels = load_wording()
    frame = pd.DataFrame({
        "fiscal_year": report.fiscal_year, "run_id": report.run_id,
        "finding_no": range(1, len(findings) + 1),
        "check_name": [f.check_name for f in findings], "severity": [f.severity for f in findings],
        "doc_sha256": [f.doc_sha256 for f in findings], "finding_unit": [f.unit_name for f in findings],
        "message": [f.message for f in findings],
        "evidence_text": [evidence_sentence(f.check_name, f.evidence) for f in findings],
        "evidence": [json.dumps(f.evidence, ensure_ascii=False, default=str) for f in findings],
        # a unit without a report: its roster region is in the evidence
        "evidence_region": [_region(f.evidence) if not f.doc_sha256 else None for f in findings],
    }, columns=["fiscal_year", "run_id", "finding_no", "check_name", "severity", "doc_sha256", "finding_unit",
                "message", "evidence_text", "evidence", "evidence_region"]).astype({"doc_sha256": object})
    reports = _reports(report.reports).rename(columns={"sha256": "doc_sha256", "unit_name": "report_unit"})
    frame = frame.merge(reports[["doc_sha256", "report_unit", "file_name", "region", "status", "n_errors",
                                 "n_warnings"]], on="doc_sha256", how="left")
    frame["unit_name"] = frame["finding_unit"].where(frame["finding_unit"].notna(), frame["report_unit"])
    frame["region"] = frame["region"].where(frame["region"].notna(), frame["evidence_region"])
    frame["check_zh"] = frame["check_name"].map(report.check_labels).fillna(frame["check_name"])
    frame["severity_zh"] = frame["severity"].map(labels["severity"]).fillna(frame["severity"])
    frame["validation_status"] = frame["status"].map(labels["status"])
    frame["validation_errors"] = frame["n_errors"].astype("Int64")
    frame["validation_warnings"] = frame["n_warnings"].astype("Int64")
    return frame.drop(columns=["finding_unit", "report_unit", "evidence_region", "status", "n_errors", "n_warnings"])


def _reports(reports: pd.DataFrame) -> pd.DataFrame:
    """The year's reports with the columns the report reads (absent ones empty) and a region label."""
    frame = reports.reindex(columns=list(REPORT_COLUMNS)).astype({"sha256": object})
    region = frame["province"].fillna("").astype(str) + frame["city"].fillna("").astype(str)
    frame["region"] = region.where(region != "", NO_REGION)
    return frame


def _context(report: AuditReport, frame: pd.DataFrame | None) -> dict[str, Any]:
    found = findings_frame(report) if frame is None else frame
    reports = _reports(report.reports)
    on_reports = found[found["doc_sha256"].notna()]

    # per report: audit errors, warnings and the checks that flagged it (group-bys, not a loop per report)
    # a group-by's size, not pd.crosstab (whose pure-Python aggregation took ~0.5 s a year at 100k)
    counts = on_reports.groupby(["doc_sha256", "severity"]).size().unstack(fill_value=0).reindex(
        columns=["error", "warning"], fill_value=0)
    checks = _checks_by_report(on_reports)
    rows = reports.merge(counts.rename(columns={"error": "audit_errors", "warning": "audit_warnings"}),
                         left_on="sha256", right_index=True, how="left")
    rows = rows.merge(checks.rename("checks"), left_on="sha256", right_index=True, how="left")
    rows[["audit_errors", "audit_warnings"]] = rows[["audit_errors", "audit_warnings"]].fillna(0).astype(int)
    rows["checks"] = rows["checks"].fillna("")
    rows["status_zh"] = rows["status"].map(load_wording()["status"]).fillna("")
    rows["status_rank"] = rows["status"].map({"failed": 0, "warning": 1, "passed": 2}).fillna(3)
    rows["anchor"] = "doc-" + rows["sha256"].astype(str).str[:12]
    rows = rows.sort_values(["audit_errors", "audit_warnings", "status_rank", "file_name"],
                            ascending=[False, False, True, True], kind="stable")
    flagged = rows[(rows["audit_errors"] > 0) | (rows["audit_warnings"] > 0)]

    # findings about reports, grouped by report in the order of the reports table (its anchor on the first)
    order = pd.Series(range(len(rows)), index=rows["sha256"].to_numpy())
    on_reports = on_reports.assign(rank=on_reports["doc_sha256"].map(order).fillna(len(rows)),
                                   sev=on_reports["severity"].map({"error": 0}).fillna(1))
    on_reports = on_reports.sort_values(["rank", "sev", "finding_no"], kind="stable")
    unit_level = found[found["doc_sha256"].isna()]

    by_check = found["check_zh"].value_counts()
    by_region = found["region"].fillna(NO_REGION).value_counts().head(15)
    rates = [float(v) for v in reports["execution_pct"].dropna()]
    severities = found["severity"].value_counts()
    csv_path, xlsx_path = export_paths(Path("."), report.fiscal_year)
    return {
        "year": report.fiscal_year, "run_id": report.run_id, "run_name": report.run_name,
        "generated_at": report.generated_at, "n_reports": len(reports), "roster_size": report.roster_size,
        "n_findings": len(found), "n_errors": int(severities.get("error", 0)),
        "n_warnings": int(severities.get("warning", 0)), "n_reports_flagged": len(flagged),
        "n_validation_failed": int((reports["status"] == "failed").sum()),
        "chart_execution": histogram(rates, title=f"{report.fiscal_year}年度支出执行率分布（报告数）",
                                     highlight_below=80, highlight_above=110, chart_id="chart-execution"),
        "chart_checks": horizontal_bars(list(by_check.items()), title="审核发现：按检查项", chart_id="chart-checks"),
        "chart_regions": horizontal_bars(list(by_region.items()), title="审核发现：按地区（前15）",
                                         chart_id="chart-regions"),
        "check_rows": [{"label": name, "count": int(count)} for name, count in by_check.items()],
        "worst": _records(flagged.head(WORST_REPORTS)),
        "n_report_rows": len(rows), "report_rows": _report_rows(rows),
        "n_finding_rows": len(on_reports), "finding_rows": _finding_rows(on_reports),
        "n_unit_rows": len(unit_level), "unit_rows": _unit_rows(unit_level),
        "gx_results": report.gx_results, "data_docs_link": report.data_docs_link,
        "csv_name": csv_path.name, "xlsx_name": xlsx_path.name if report.xlsx else None, "page_size": PAGE_SIZE,
        "no_unit": NO_UNIT,
    }


def _checks_by_report(findings: pd.DataFrame) -> pd.Series:
    """Per report, the labels of the checks that flagged it, sorted and joined (a pandas group-by
    with a Python function per group took seconds for a year of 17k flagged reports)."""
    pairs = findings[["doc_sha256", "check_zh"]].drop_duplicates().sort_values(["doc_sha256", "check_zh"])
    joined: dict[str, str] = {}
    for doc, check in zip(pairs["doc_sha256"].tolist(), pairs["check_zh"].tolist(), strict=True):
        joined[doc] = f"{joined[doc]}、{check}" if doc in joined else check
    return pd.Series(joined, dtype=object)


# The long tables (every report, every finding) are built as whole columns of HTML: a template loop
# costs ~0.1 ms a row, and a year of 17k reports and as many findings would take seconds. Every text
# goes through `_escape` (the same five characters as Jinja's autoescape) before it is joined.

def _escape(values: pd.Series) -> pd.Series:
    text = values.astype(object).where(values.notna(), "").astype(str)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&#34;"), ("'", "&#39;")):
        text = text.str.replace(char, entity, regex=False)
    return text


def _numbers(values: pd.Series, spec: str) -> pd.Series:
    """Numbers formatted with `spec` ('' where missing)."""
    out = pd.Series("", index=values.index, dtype=object)
    present = values.notna()
    out[present] = values[present].astype(float).map(spec.format)
    return out


def _cells(cells: list[tuple[pd.Series, str | pd.Series]], index: pd.Index, attrs: pd.Series | str = "") -> str:
    """`<tr{attrs}><td class=…>…</td>…</tr>` per row from columns of escaped HTML; one string."""
    html = pd.Series("<tr", index=index, dtype=object) + attrs + ">"
    for content, css in cells:
        html = html + '<td class="' + css + '">' + content + "</td>"
    return "\n".join((html + "</tr>").tolist())


def _report_rows(rows: pd.DataFrame) -> str:
    flagged = (rows["audit_errors"] > 0) | (rows["audit_warnings"] > 0)
    errors, warnings = rows["audit_errors"], rows["audit_warnings"]
    return _cells([
        (_escape(rows["unit_name"].fillna(NO_UNIT)), ""),
        (_escape(rows["file_name"]) + ' <span class="sha">' + _escape(rows["sha256"].str[:12]) + "</span>", ""),
        (_escape(rows["region"]), ""),
        (_escape(rows["status_zh"]), _escape(rows["status"])),
        (_numbers(rows["n_errors"], "{:.0f}"), "num"), (_numbers(rows["n_warnings"], "{:.0f}"), "num"),
        (errors.astype(str), pd.Series(np.where(errors > 0, "num error", "num"), index=rows.index)),
        (warnings.astype(str), pd.Series(np.where(warnings > 0, "num warning", "num"), index=rows.index)),
        (_escape(rows["checks"]), ""),
        (_numbers(rows["self_eval_score"], "{:g}"), "num"), (_numbers(rows["execution_pct"], "{:.2f}"), "num"),
        (pd.Series(np.where(flagged, '<a href="#' + _escape(rows["anchor"]) + '">查看证据</a>', ""), index=rows.index), ""),
    ], rows.index)


def _finding_rows(findings: pd.DataFrame) -> str:
    key = findings["doc_sha256"].astype(str).str[:12]
    first = ~key.duplicated()  # the anchor of a report's evidence: its first finding
    attrs = pd.Series(np.where(first, ' id="doc-' + _escape(key) + '"', ""), index=findings.index) \
        + ' data-key="' + _escape(key) + '"'
    return _cells([
        (_escape(findings["unit_name"].fillna(NO_UNIT)), ""),
        (_escape(findings["file_name"]) + ' <span class="sha">' + _escape(key) + "</span>", ""),
        (_escape(findings["check_zh"]), ""),
        (_escape(findings["severity_zh"]), _escape(findings["severity"]) + " tag"),
        (_escape(findings["validation_status"]), "tag"),
        (_escape(findings["message"]), ""), (_escape(findings["evidence_text"]), ""),
    ], findings.index, attrs)


def _unit_rows(findings: pd.DataFrame) -> str:
    attrs = ' id="unit-' + findings["finding_no"].astype(str) + '"'
    return _cells([
        (_escape(findings["unit_name"]), ""), (_escape(findings["region"]), ""), (_escape(findings["check_zh"]), ""),
        (_escape(findings["severity_zh"]), _escape(findings["severity"]) + " tag"),
        (_escape(findings["message"]), ""), (_escape(findings["evidence_text"]), ""),
    ], findings.index, attrs)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts for the template, with pandas' missing values (NaN, NA) as None."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _region(values: dict[str, Any]) -> str:
    text = "".join(v for v in (values.get("province"), values.get("city")) if isinstance(v, str) and v)
    return text or NO_REGION
