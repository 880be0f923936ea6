"""The HTML audit report and its findings export: self-contained, with its charts, tables, evidence
sentences and links, hostile text inert; rendered (and its tables driven) in headless Chromium."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from lxml import html as lxml_html
from openpyxl import load_workbook

from tasks.audit import AuditFinding
from tasks.audit.report import AuditReport, render_html, write_html, write_report

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed: `apt-get install -y chromium` (.ci/run does it)")
SCRIPT_TAG = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'


def sha(n: int) -> str:
    """A report's sha256 in the samples: distinct in its first 12 characters, as anchors use."""
    return f"{n:012x}".ljust(64, "a")


def sample_report(extra_reports: int = 0) -> AuditReport:
    """Six reports (the third fails validation), four findings; `extra_reports` more, clean."""
    rates = [95.0, 96.5, 93.2, 55.0, 97.1, 94.4] + [90.0 + n % 9 for n in range(extra_reports)]
    reports = pd.DataFrame([
        {"sha256": sha(n), "file_name": f"2023_unit{n}.txt", "unit_name": f"某县第{n}局", "province": "湖南省",
         "city": "株洲市" if n % 2 else "衡阳市", "fiscal_year": 2023, "execution_pct": rate,
         "self_eval_score": 90.0 + n % 10, "status": "failed" if n == 3 else "passed",
         "n_errors": int(n == 3) * 2, "n_warnings": int(n == 3)}
        for n, rate in enumerate(rates, start=1)])
    findings = [
        AuditFinding("execution_outlier", "warning", "某县第4局支出执行率55.00%，远离当年中位数", sha(4), "某县第4局",
                     {"execution_pct": 55.0, "median_pct": 95.0, "scale_pct": 5.0, "robust_z": -8.0, "z_limit": 3.5,
                      "n_reports": 6}),
        AuditFinding("score_inflation", "error", "某县第3局自评得分93分，但报告有2个校验错误", sha(3), "某县第3局",
                     {"self_eval_score": 93, "min_score": 95, "n_errors": 2, "error_rules": ["rate_mismatch"]}),
        AuditFinding("copied_text", "warning", "某县第3局的报告有1个段落与某县第1局的报告雷同", sha(3), "某县第3局",
                     {"n_paragraphs": 1, "other_unit": "某县第1局", "other_reports": ["2023_unit1.txt"],
                      "paragraphs": [{"paragraph": f"{SCRIPT_TAG}扶持残疾人居家就业", "offset": 10,
                                      "other_file_name": "2023_unit1.txt", "other_offset": 12, "similarity": 0.9}]}),
        AuditFinding("missing_report", "error", "名录中的秭归县统计局未提交2023年度自评报告", None, "秭归县统计局",
                     {"fiscal_year": 2023, "province": "湖北省", "city": "宜昌市", "roster_source": "units.csv"}),
    ]
    return AuditReport(fiscal_year=2023, run_id="run-1", generated_at="2024-06-15 03:00:00+08:00", reports=reports,
                       findings=findings, check_labels={"execution_outlier": "执行率异常", "score_inflation": "自评得分虚高",
                                                        "copied_text": "段落雷同", "missing_report": "应报未报"},
                       gx_results=[{"suite": "audit_reports", "label": "单位名称已识别", "column": "unit_name",
                                    "success": True, "unexpected_count": 0}], roster_size=7)


def hostile_report() -> AuditReport:
    """A unit named with a script tag and one named as a spreadsheet formula, each with a finding."""
    report = sample_report()
    report.reports.loc[0, "unit_name"] = SCRIPT_TAG
    report.reports.loc[1, "unit_name"] = FORMULA
    report.findings += [
        AuditFinding("not_on_roster", "warning", f"报告单位“{SCRIPT_TAG}”不在应报单位名录中", sha(1), SCRIPT_TAG,
                     {"file_name": "2023_unit1.txt", "unit_name": SCRIPT_TAG}),
        AuditFinding("not_on_roster", "warning", FORMULA, sha(2), FORMULA,
                     {"file_name": "2023_unit2.txt", "unit_name": FORMULA}),
    ]
    return report


def test_report_has_charts_tables_and_working_evidence_links() -> None:
    page = lxml_html.fromstring(render_html(sample_report()))
    assert {svg.get("id") for svg in page.iter("{http://www.w3.org/2000/svg}svg", "svg")} == {
        "chart-execution", "chart-checks", "chart-regions"}
    worst = page.get_element_by_id("worst-reports")
    rows = worst.findall(".//tbody/tr")
    assert [row.findall("td")[1].text_content() for row in rows] == ["某县第3局", "某县第4局"]  # errors first
    anchors = {element.get("id") for element in page.iter() if element.get("id")}
    links = [a.get("href") for a in page.iter("a") if (a.get("href") or "").startswith("#")]
    assert links and all(link[1:] in anchors for link in links)
    assert "湖北省宜昌市" in page.get_element_by_id("chart-regions").text_content()  # a missing unit's region
    assert "秭归县统计局" in page.get_element_by_id("unit-findings").text_content()


def test_each_report_shows_its_validation_result_beside_its_audit_findings() -> None:
    page = lxml_html.fromstring(render_html(sample_report()))
    table = page.get_element_by_id("all-reports")
    headers = [th.text_content() for th in table.findall(".//thead/tr/th")]
    rows = {tr.findall("td")[0].text_content(): dict(zip(headers, (td.text_content().strip() for td in tr.findall("td")),
                                                         strict=True)) for tr in table.findall(".//tbody/tr")}
    assert len(rows) == 6  # every report of the year, flagged or not
    # the report failing validation: its 2 validation errors beside its audit error and warning
    assert {k: rows["某县第3局"][k] for k in ("入库校验", "校验错误", "校验警告", "审核错误", "审核警告")} == {
        "入库校验": "有错误", "校验错误": "2", "校验警告": "1", "审核错误": "1", "审核警告": "1"}
    assert rows["某县第5局"]["入库校验"] == "通过" and rows["某县第5局"]["审核错误"] == "0"
    worst = page.get_element_by_id("worst-reports")
    first = [td.text_content().strip() for td in worst.findall(".//tbody/tr")[0].findall("td")]
    assert first[4:7] == ["有错误", "2", "1"]


def test_evidence_reads_as_sentences() -> None:
    page = lxml_html.fromstring(render_html(sample_report()))
    evidence = [tr.findall("td")[-1].text_content() for tr in page.get_element_by_id("findings").findall(".//tbody/tr")]
    assert "自评得分 93 分（不低于 95 分），但校验发现 2 个错误：rate_mismatch" in evidence
    assert "支出执行率 55.00%，当年中位数 95.00%，稳健z值 -8.00（超过 ±3.5 即异常；当年 6 份报告）" in evidence
    assert not any(text.lstrip().startswith("{") for text in evidence)  # no raw JSON
    unit = page.get_element_by_id("unit-findings").findall(".//tbody/tr")[0].findall("td")[-1].text_content()
    assert unit == "名录（units.csv）列有该单位，但没有其2023年度自评报告"


def test_report_is_self_contained_and_escapes_report_text() -> None:
    text = render_html(hostile_report())
    page = lxml_html.fromstring(text)
    # one script element, the report's own; report text cannot add one
    assert [script.get("id") for script in page.iter("script")] == ["audit-grid"]
    assert "alert(1)" not in page.get_element_by_id("audit-grid").text_content()
    assert text.count(SCRIPT_TAG) == 0 and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert SCRIPT_TAG in page.get_element_by_id("all-reports").text_content()  # shown as text
    external = [el.get(attr) for el in page.iter() for attr in ("src", "href")
                if (el.get(attr) or "").startswith(("http:", "https:", "//"))]
    assert external == []


def test_findings_export_to_csv_and_xlsx_linked_from_the_page(tmp_path: Path) -> None:
    report = hostile_report()
    files = write_report(report, tmp_path)
    assert (files.csv.name, files.xlsx.name) == ("audit-2023-findings.csv", "audit-2023-findings.xlsx")
    page = lxml_html.fromstring(files.html.read_text(encoding="utf-8"))
    assert {a.get("href") for a in page.get_element_by_id("downloads").iter("a")} == {files.csv.name, files.xlsx.name}

    with files.csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(report.findings)
    assert "单位名称 (unit_name)" in rows[0] and "证据 (evidence_text)" in rows[0]
    units = [row["单位名称 (unit_name)"] for row in rows]
    assert "'" + FORMULA in units and FORMULA not in units  # formula neutralized by a leading apostrophe
    assert SCRIPT_TAG in units  # text, not a formula: as written
    score = next(row for row in rows if row["检查项代码 (check_name)"] == "score_inflation")
    assert score["校验结果 (validation_status)"] == "有错误"
    assert score["证据 (evidence_text)"].startswith("自评得分 93 分")

    workbook = load_workbook(files.xlsx)
    sheet = workbook.active
    assert sheet.title == "2023年度审核发现" and sheet.freeze_panes == "A2" and sheet["A1"].font.b
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == list(rows[0]) and len(values) == len(report.findings) + 1
    cells = [cell for row in values[1:] for cell in row if isinstance(cell, str)]
    assert "'" + FORMULA in cells and not any(cell.startswith("=") for cell in cells)
    assert SCRIPT_TAG in cells
    numbers = [row[2] for row in values[1:]]  # 序号 (finding_no): numbers, not text
    assert numbers == list(range(1, len(report.findings) + 1))


def test_xlsx_holds_text_xml_cannot(tmp_path: Path) -> None:
    report = sample_report()
    report.reports.loc[0, "unit_name"] = "某县\x1b[31m第1局\x00"
    report.findings.append(AuditFinding("not_on_roster", "warning", "x" * 40_000, sha(1), None, {}))
    files = write_report(report, tmp_path)
    row = list(load_workbook(files.xlsx).active.iter_rows(values_only=True))[-1]
    assert row[6] == "某县\ufffd[31m第1局\ufffd" and len(row[12]) == 32_767  # Excel's limit of a cell


def _dom(page: Path, profile: Path, fragment: str = "") -> lxml_html.HtmlElement:
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri() + fragment],
        capture_output=True, text=True, timeout=120, check=True).stdout
    return lxml_html.fromstring(dom)


@needs_chromium
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    page = write_html(hostile_report(), tmp_path)
    profile = tmp_path / "chromium-profile"
    rendered = _dom(page, profile)
    charts = {svg.get("id"): svg for svg in rendered.iter("svg")}
    assert set(charts) == {"chart-execution", "chart-checks", "chart-regions"}
    assert len(charts["chart-execution"].findall(".//rect")) >= 2  # bars of the distribution
    assert len(rendered.get_element_by_id("worst-reports").findall(".//tbody/tr")) == 4
    assert [s.get("id") for s in rendered.iter("script")] == ["audit-grid"]  # hostile text stayed text
    assert SCRIPT_TAG in rendered.get_element_by_id("all-reports").text_content()
    assert len(rendered.find_class("grid-tools")) == 4  # the script ran: a toolbar per long table

    screenshot = tmp_path / "audit-2023.png"
    subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={screenshot}",
                    "--window-size=1280,2000", page.as_uri()], capture_output=True, timeout=120, check=True)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"audit report screenshot: {screenshot}")


# Runs after the report's own script: sorts, filters, pages as a reader would, and writes what each
# step showed into <pre id="probe"> for --dump-dom to carry out.
PROBE = """<pre id="probe"></pre><script>
(function () {
  var out = [], table = document.getElementById("all-reports"), tools = table.previousElementSibling;
  var first = function () { return table.tBodies[0].rows[0].cells[0].textContent; };
  out.push("rows " + table.tBodies[0].rows.length + " | " + tools.querySelector(".grid-count").textContent);
  tools.querySelectorAll("button")[1].click();
  out.push("page2 " + tools.querySelector(".grid-count").textContent);
  var score = table.tHead.rows[0].cells[9];
  score.click(); out.push("sort " + score.getAttribute("aria-sort") + " " + table.tBodies[0].rows[0].cells[9].textContent);
  score.click(); out.push("sort " + score.getAttribute("aria-sort") + " " + table.tBodies[0].rows[0].cells[9].textContent);
  var search = tools.querySelector("input[type=search]");
  search.value = "某县第17局"; search.dispatchEvent(new Event("input"));
  out.push("filter " + table.tBodies[0].rows.length + " " + first());
  search.value = ""; search.dispatchEvent(new Event("input"));
  var status = tools.querySelectorAll("select")[1];
  status.value = "有错误"; status.dispatchEvent(new Event("change"));
  out.push("status " + table.tBodies[0].rows.length + " " + first());
  document.getElementById("probe").textContent = out.join("\\n");
}());
</script></body>"""


@needs_chromium
def test_long_tables_page_sort_and_filter_in_chromium(tmp_path: Path) -> None:
    page = write_html(sample_report(extra_reports=244), tmp_path)  # 250 reports: three pages of 100
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE), encoding="utf-8")
    probe = _dom(page, tmp_path / "profile").get_element_by_id("probe").text_content().split("\n")
    assert probe == [
        "rows 100 | 共 250 行，第 1 / 3 页",
        "page2 共 250 行，第 2 / 3 页",
        "sort descending 99",  # numbers sort as numbers, largest first on the first click
        "sort ascending 90",
        "filter 1 某县第17局",
        "status 1 某县第3局",
    ]


@needs_chromium
def test_evidence_link_reveals_the_reports_findings_on_any_page(tmp_path: Path) -> None:
    report = sample_report(extra_reports=150)
    # 150 more findings on other reports, so report 4's come after the first page of the findings table
    report.findings[:0] = [AuditFinding("dated_before_year_end", "error", f"某县第{n}局落款日期早", sha(n),
                                        f"某县第{n}局", {"report_date": "2023-12-01", "fiscal_year": 2023,
                                                         "fiscal_year_ends": "2023-12-31"})
                           for n in range(7, 157)]
    page = write_html(report, tmp_path)
    rendered = _dom(page, tmp_path / "profile", fragment=f"#doc-{sha(4)[:12]}")
    rows = rendered.get_element_by_id("findings").findall(".//tbody/tr")
    assert [row.findall("td")[0].text_content() for row in rows] == ["某县第4局"]  # filtered to that report
    assert "revealed" in rows[0].get("class", "")
