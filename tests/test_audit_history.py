"""A complete, reproducible audit: every unexpected row a finding (no cap), each naming its report's
unit and year; two audits into one folder keep two named GX runs, listed offline by the Data Docs index."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pytest
from lxml import html as lxml_html

from tasks.load import load_batch, start_run
from tasks.pipeline import process_batch
from tests.audit_corpus import AUDIT_YEAR, many_units, report, without_expenditure
from tests.test_audit_report import CHROMIUM, CHROMIUM_FLAGS, needs_chromium
from warehouse.db import connect

N_UNITS, N_WITHOUT_EXPENDITURE = 40, 35  # 35 > the 20 findings a failed expectation used to be cut to


@pytest.fixture(scope="module")
def two_audits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A warehouse of 40 reports for AUDIT_YEAR, 35 of them without a final total expenditure,
    audited twice into the same output folder."""
    from flows.audit import audit_flow

    folder = tmp_path_factory.mktemp("history")
    db, out = folder / "jixiao.duckdb", folder / "audit"
    units = many_units(N_UNITS)
    files = [(f"{AUDIT_YEAR}_{unit.short}.txt",
              (without_expenditure(report(unit, AUDIT_YEAR)) if i < N_WITHOUT_EXPENDITURE
               else report(unit, AUDIT_YEAR)).encode("utf-8")) for i, unit in enumerate(units)]
    processed = process_batch(files)
    assert all(item.facts is not None for item in processed), [item.reject_reason for item in processed]
    conn = connect(db)
    load_batch(conn, start_run(conn, flow="test", params={}), processed)
    conn.close()
    summaries = [audit_flow(AUDIT_YEAR, db=str(db), out_dir=str(out)) for _ in range(2)]
    return {"db": db, "out": out, "summaries": summaries, "units": {unit.name for unit in units}}


def _expenditure_findings(db: Path, run_id: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(
            "SELECT f.unit_name, f.fiscal_year, f.doc_sha256, r.unit_name, r.fiscal_year, f.evidence "
            "FROM audit_findings AS f LEFT JOIN reports AS r ON r.sha256 = f.doc_sha256 "
            "WHERE f.run_id = ? AND f.check_name = 'gx_expectation' "
            "AND (f.evidence->>'column') = 'expenditure_final_yuan'", [run_id]).fetchall()


@pytest.mark.prefect
def test_every_report_breaking_an_expectation_is_a_finding_with_its_unit_and_year(two_audits: dict[str, Any]) -> None:
    latest = two_audits["summaries"][-1]
    found = _expenditure_findings(two_audits["db"], latest["run_id"])
    assert len(found) == N_WITHOUT_EXPENDITURE
    assert len({sha for _, _, sha, *_ in found}) == N_WITHOUT_EXPENDITURE  # one per report
    for unit, year, sha, report_unit, report_year, evidence in found:
        assert sha is not None and unit == report_unit and unit in two_audits["units"]
        assert year == report_year == AUDIT_YEAR == json.loads(evidence)["fiscal_year"]
    # the latest-run view users query shows them all too, by unit
    with duckdb.connect(str(two_audits["db"]), read_only=True) as conn:
        units = conn.execute("SELECT count(DISTINCT unit_name) FROM v_audit_findings WHERE check_name = 'gx_expectation' "
                             "AND (evidence->>'column') = 'expenditure_final_yuan'").fetchone()[0]
    assert units == N_WITHOUT_EXPENDITURE


@pytest.mark.prefect
def test_html_and_exports_list_every_finding(two_audits: dict[str, Any]) -> None:
    latest, out = two_audits["summaries"][-1], two_audits["out"]
    page = lxml_html.fromstring(Path(latest["html_report"]).read_text(encoding="utf-8"))
    rows = page.get_element_by_id("findings").findall(".//tbody/tr")
    evidence = [row.findall("td")[-1].text_content() for row in rows]
    assert evidence.count("支出合计决算数 为空（期望：不为空）") == N_WITHOUT_EXPENDITURE
    with Path(latest["findings_csv"]).open(encoding="utf-8-sig", newline="") as handle:
        exported = [row for row in csv.DictReader(handle) if row["证据 (evidence_text)"] == "支出合计决算数 为空（期望：不为空）"]
    assert len(exported) == N_WITHOUT_EXPENDITURE
    assert all(row["单位名称 (unit_name)"] and row["预算年度 (fiscal_year)"] == str(AUDIT_YEAR) for row in exported)
    assert Path(latest["findings_csv"]).parent == out and Path(latest["findings_xlsx"]).is_file()


@pytest.mark.prefect
def test_two_audits_keep_two_named_runs_in_the_gx_store(two_audits: dict[str, Any]) -> None:
    out, summaries = two_audits["out"], two_audits["summaries"]
    names = {f"audit-{AUDIT_YEAR}-{summary['run_id']}" for summary in summaries}
    assert {summary["gx_run_name"] for summary in summaries} == names
    stored = {path.name for path in (out / "gx" / "uncommitted" / "validations").glob("*/*") if path.is_dir()}
    assert stored == names  # both runs' results, by name, in the file-backed validation store
    pages = list((out / "data_docs" / "validations").rglob("*.html"))
    assert len(pages) == 4  # two suites, two runs
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "__none__" not in text and "Data asset: None" not in text
        assert any(name in text for name in names)


@needs_chromium
@pytest.mark.prefect
def test_data_docs_index_lists_both_runs_offline_in_chromium(two_audits: dict[str, Any], tmp_path: Path) -> None:
    index = two_audits["out"] / "data_docs" / "index.html"
    # --disable-background-networking and no proxy exceptions: the page must not need the network
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         "--proxy-server=127.0.0.1:9", "--dump-dom", index.as_uri()],
        capture_output=True, text=True, timeout=120, check=True).stdout
    rendered = lxml_html.fromstring(dom)
    listed = [cell.text_content().strip() for cell in rendered.find_class("run-name")]
    assert sorted(listed) == sorted(f"audit-{AUDIT_YEAR}-{s['run_id']}" for s in two_audits["summaries"])
    links = [a.get("href") for a in rendered.find_class("validation")]
    assert len(links) == 4 and all((index.parent / link).is_file() for link in links)
