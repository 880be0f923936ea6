"""The self-contained HTML audit report of a fiscal year (`DIR/audit-Y.html`).

One file, no external resources: inline CSS and inline SVG charts (execution-rate distribution,
findings by check and by region), the worst reports with links to their evidence further down.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from tasks.audit import AuditFinding
from tasks.audit.charts import histogram, horizontal_bars

WORST_REPORTS = 20
NO_REGION = "（未注明）"


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


def report_path(out_dir: Path, fiscal_year: int) -> Path:
    return out_dir / f"audit-{fiscal_year}.html"


def write_html(report: AuditReport, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = report_path(out_dir, report.fiscal_year)
    path.write_text(render_html(report), encoding="utf-8")
    return path


def render_html(report: AuditReport) -> str:
    environment = Environment(loader=PackageLoader("tasks.audit", "templates"),
                              autoescape=select_autoescape(["html", "j2"]))
    return environment.get_template("audit.html.j2").render(**_context(report))


def anchor(finding: AuditFinding, number: int) -> str:
    return f"doc-{finding.doc_sha256[:12]}" if finding.doc_sha256 else f"unit-{number}"


def _context(report: AuditReport) -> dict[str, Any]:
    reports = report.reports
    by_sha = {row["sha256"]: row for row in reports.to_dict("records")}
    label = lambda check: report.check_labels.get(check, check)  # noqa: E731

    grouped: dict[str, list[AuditFinding]] = defaultdict(list)
    unit_level: list[dict[str, Any]] = []
    for number, finding in enumerate(report.findings, start=1):
        if finding.doc_sha256:
            grouped[finding.doc_sha256].append(finding)
        else:
            unit_level.append(_finding_view(finding, label, anchor(finding, number)))

    documents = []
    for sha256, found in grouped.items():
        row = by_sha.get(sha256, {})
        documents.append({
            "anchor": anchor(found[0], 0), "sha256": sha256, "unit_name": row.get("unit_name") or found[0].unit_name,
            "file_name": row.get("file_name") or sha256[:12], "region": _region(row),
            "n_errors": sum(f.severity == "error" for f in found), "n_warnings": sum(f.severity == "warning" for f in found),
            "checks": sorted({label(f.check_name) for f in found}),
            "validation_errors": row.get("n_errors"), "score": _number(row.get("self_eval_score")),
            "execution_pct": _number(row.get("execution_pct")),
            "findings": [_finding_view(f, label, "") for f in found],
        })
    documents.sort(key=lambda d: (-d["n_errors"], -d["n_warnings"], d["file_name"]))

    by_check = Counter(label(f.check_name) for f in report.findings)
    by_region = Counter(_finding_region(f, by_sha) for f in report.findings)
    rates = [float(v) for v in reports.get("execution_pct", pd.Series(dtype=float)).dropna()]
    severities = Counter(f.severity for f in report.findings)
    return {
        "year": report.fiscal_year, "run_id": report.run_id, "generated_at": report.generated_at,
        "n_reports": len(reports), "roster_size": report.roster_size,
        "n_findings": len(report.findings), "n_errors": severities["error"], "n_warnings": severities["warning"],
        "n_reports_flagged": len(documents),
        "chart_execution": histogram(rates, title=f"{report.fiscal_year}年度支出执行率分布（报告数）",
                                     highlight_below=80, highlight_above=110, chart_id="chart-execution"),
        "chart_checks": horizontal_bars(by_check.most_common(), title="审核发现：按检查项",
                                        chart_id="chart-checks"),
        "chart_regions": horizontal_bars(by_region.most_common(15), title="审核发现：按地区（前15）",
                                         chart_id="chart-regions"),
        "check_rows": [{"label": name, "count": count} for name, count in by_check.most_common()],
        "worst": documents[:WORST_REPORTS], "documents": documents, "unit_level": unit_level,
        "gx_results": report.gx_results, "data_docs_link": report.data_docs_link,
    }


def _finding_view(finding: AuditFinding, label: Any, anchor_id: str) -> dict[str, Any]:
    return {"anchor": anchor_id, "check": label(finding.check_name), "check_name": finding.check_name,
            "severity": finding.severity, "severity_zh": "错误" if finding.severity == "error" else "警告",
            "unit_name": finding.unit_name, "message": finding.message,
            "evidence": json.dumps(finding.evidence, ensure_ascii=False, indent=2, default=str)}


def _region(row: dict[str, Any]) -> str:
    parts = [row.get("province"), row.get("city")]
    text = "".join(p for p in parts if isinstance(p, str) and p)
    return text or NO_REGION


def _finding_region(finding: AuditFinding, by_sha: dict[str, dict[str, Any]]) -> str:
    if finding.doc_sha256 and finding.doc_sha256 in by_sha:
        return _region(by_sha[finding.doc_sha256])
    return _region(finding.evidence)  # a unit that did not report: its roster region


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
