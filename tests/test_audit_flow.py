"""The audit flow and `jixiao audit` end to end: warehouse rows, HTML report, GX Data Docs, Prefect artifact."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from tests.audit_corpus import AUDIT_YEAR, PLANTED, planted_corpus, write_corpus, write_roster


@pytest.mark.prefect
def test_jixiao_audit_writes_findings_report_data_docs_and_artifact(tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.audit import ARTIFACT_KEY
    from flows.ingest import ingest_flow

    db, out = tmp_path / "w.duckdb", tmp_path / "out"
    ingest_flow([str(write_corpus(tmp_path / "inbox", planted_corpus()))], db=str(db))
    roster = write_roster(tmp_path / "units.csv")

    result = CliRunner().invoke(app, ["audit", "--year", str(AUDIT_YEAR), "--roster", str(roster),
                                      "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "HTML report" in result.output and "duplicate_report" in result.output

    with duckdb.connect(str(db), read_only=True) as conn:
        found = conn.execute(
            "SELECT check_name, unit_name, evidence FROM v_audit_findings WHERE fiscal_year = ?", [AUDIT_YEAR]
        ).fetchall()
        run = conn.execute("SELECT status, n_reports, n_findings, gx_success FROM audit_runs").fetchall()
    assert {(check, unit) for check, unit, _ in found} == PLANTED
    assert all(json.loads(evidence) for _, _, evidence in found)  # every finding carries evidence
    assert run == [("completed", 8, len(found), True)]  # 8 units less the missing one, plus the duplicate
    assert (out / f"audit-{AUDIT_YEAR}.html").is_file()
    assert (out / "data_docs" / "index.html").is_file()

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[ARTIFACT_KEY])))
    assert artifacts and artifacts[0].type == "markdown"
    assert "duplicate_report" in artifacts[0].data and f"年度审核 {AUDIT_YEAR}" in artifacts[0].data


def test_gx_suites_flag_reports_that_break_an_expectation(tmp_path: Path) -> None:
    from expectations.audit.runner import run_suites

    reports = pd.DataFrame({
        "sha256": ["a" * 64, "b" * 64], "unit_name": ["攸县妇女联合会", None], "province": ["湖南省", "湖南省"],
        "report_date": ["2024-03-10", "2024-03-11"], "expenditure_final_yuan": [1.9e6, 2.0e6],
        "self_eval_score": [92.0, 101.0], "execution_pct": [95.0, 96.0], "status": ["passed", "passed"],
        "error_rules": [[], []]})
    amounts = pd.DataFrame({"doc_sha256": ["a" * 64], "value_yuan": [1.9e6], "basis": ["final"]})
    outcome = run_suites({"reports": reports, "amounts": amounts}, tmp_path / "data_docs")
    assert not outcome.success
    assert sorted((f.doc_sha256[:1], f.evidence["kwargs"]["column"]) for f in outcome.findings) == [
        ("b", "self_eval_score"), ("b", "unit_name")]
    assert outcome.data_docs_index == tmp_path / "data_docs" / "index.html"
    assert sum(not r["success"] for r in outcome.results) == 2
