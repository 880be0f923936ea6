"""The HTML audit report: self-contained, with its charts, tables and evidence links; rendered in Chromium."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from lxml import html as lxml_html

from tasks.audit import AuditFinding
from tasks.audit.report import AuditReport, render_html, write_html

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


def sample_report() -> AuditReport:
    reports = pd.DataFrame([
        {"sha256": f"{n:064x}", "file_name": f"2023_unit{n}.txt", "unit_name": f"某县第{n}局", "province": "湖南省",
         "city": "株洲市" if n % 2 else "衡阳市", "fiscal_year": 2023, "execution_pct": rate,
         "self_eval_score": 90.0 + n, "n_errors": int(n == 3)}
        for n, rate in enumerate([95.0, 96.5, 93.2, 55.0, 97.1, 94.4], start=1)])
    findings = [
        AuditFinding("execution_outlier", "warning", "某县第4局支出执行率55.00%，远离当年中位数", f"{4:064x}", "某县第4局",
                     {"execution_pct": 55.0, "median_pct": 95.0}),
        AuditFinding("score_inflation", "error", "某县第3局自评得分93分，但报告有1个校验错误", f"{3:064x}", "某县第3局",
                     {"self_eval_score": 93, "error_rules": ["rate_mismatch"]}),
        AuditFinding("copied_text", "warning", "某县第3局的报告有1个段落与某县第1局的报告雷同", f"{3:064x}", "某县第3局",
                     {"paragraphs": [{"paragraph": "<script>alert(1)</script>扶持残疾人居家就业"}]}),
        AuditFinding("missing_report", "error", "名录中的秭归县统计局未提交2023年度自评报告", None, "秭归县统计局",
                     {"province": "湖北省", "city": "宜昌市"}),
    ]
    return AuditReport(fiscal_year=2023, run_id="run-1", generated_at="2024-06-15 03:00:00+08:00", reports=reports,
                       findings=findings, check_labels={"execution_outlier": "执行率异常", "score_inflation": "自评得分虚高",
                                                        "copied_text": "段落雷同", "missing_report": "应报未报"},
                       gx_results=[{"suite": "audit_reports", "label": "单位名称已识别", "column": "unit_name",
                                    "success": True, "unexpected_count": 0}], roster_size=7)


def test_report_has_charts_tables_and_working_evidence_links() -> None:
    page = lxml_html.fromstring(render_html(sample_report()))
    assert {svg.get("id") for svg in page.iter("{http://www.w3.org/2000/svg}svg", "svg")} == {
        "chart-execution", "chart-checks", "chart-regions"}
    worst = page.get_element_by_id("worst-reports")
    rows = worst.findall(".//tbody/tr")
    assert [row.findall("td")[1].text_content() for row in rows] == ["某县第3局", "某县第4局"]  # errors first
    anchors = {element.get("id") for element in page.iter() if element.get("id")}
    links = [a.get("href") for a in worst.iter("a")]
    assert links and all(link.startswith("#") and link[1:] in anchors for link in links)
    assert "湖北省宜昌市" in page.get_element_by_id("chart-regions").text_content()  # a missing unit's region
    assert "秭归县统计局" in page.get_element_by_id("unit-findings").text_content()


def test_report_is_self_contained_and_escapes_report_text() -> None:
    text = render_html(sample_report())
    assert "<script" not in text  # quoted report text cannot inject markup
    assert "&lt;script&gt;" in text
    page = lxml_html.fromstring(text)
    external = [el.get(attr) for el in page.iter() for attr in ("src", "href")
                if (el.get(attr) or "").startswith(("http:", "https:", "//"))]
    assert external == []


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed: `apt-get install -y chromium` (.ci/run does it)")
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    page = write_html(sample_report(), tmp_path)
    profile = tmp_path / "chromium-profile"
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True).stdout
    rendered = lxml_html.fromstring(dom)
    charts = {svg.get("id"): svg for svg in rendered.iter("svg")}
    assert set(charts) == {"chart-execution", "chart-checks", "chart-regions"}
    assert len(charts["chart-execution"].findall(".//rect")) >= 2  # bars of the distribution
    assert len(rendered.get_element_by_id("worst-reports").findall(".//tbody/tr")) == 2

    screenshot = tmp_path / "audit-2023.png"
    subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={screenshot}",
                    "--window-size=1280,2000", page.as_uri()], capture_output=True, timeout=120, check=True)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"audit report screenshot: {screenshot}")
