"""The audit flow and `jixiao audit` end to end: warehouse rows, HTML report and findings export, GX
project and Data Docs, Prefect artifact; the GX runner on its own."""

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
    assert f"audit-{AUDIT_YEAR}-findings.csv" in result.output and f"run audit-{AUDIT_YEAR}-" in result.output

    with duckdb.connect(str(db), read_only=True) as conn:
        found = conn.execute(
            "SELECT check_name, unit_name, evidence FROM v_audit_findings WHERE fiscal_year = ?", [AUDIT_YEAR]
        ).fetchall()
        run = conn.execute("SELECT status, n_reports, n_findings, gx_success FROM audit_runs").fetchall()
    assert {(check, unit) for check, unit, _ in found} == PLANTED
    assert all(json.loads(evidence) for _, _, evidence in found)  # every finding carries evidence
    assert run == [("completed", 8, len(found), True)]  # 8 units less the missing one, plus the duplicate
    assert (out / f"audit-{AUDIT_YEAR}.html").is_file()
    assert (out / f"audit-{AUDIT_YEAR}-findings.csv").is_file() and (out / f"audit-{AUDIT_YEAR}-findings.xlsx").is_file()
    assert (out / "data_docs" / "index.html").is_file()
    assert (out / "gx" / "great_expectations.yml").is_file()  # the file-backed GX project
    assert {p.stem for p in (out / "gx" / "checkpoints").glob("*.json")} == {"audit-audit_amounts", "audit-audit_reports"}

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[ARTIFACT_KEY])))
    assert artifacts and artifacts[0].type == "markdown"
    assert "duplicate_report" in artifacts[0].data and f"年度审核 {AUDIT_YEAR}" in artifacts[0].data


def test_gx_suites_flag_each_row_that_breaks_an_expectation(tmp_path: Path) -> None:
    from expectations.audit.runner import run_suites

    reports = pd.DataFrame({
        "sha256": ["a" * 64, "b" * 64], "unit_name": ["攸县妇女联合会", None], "province": ["湖南省", "湖南省"],
        "fiscal_year": [2024, 2024], "report_date": ["2024-03-10", "2024-03-11"],
        "expenditure_final_yuan": [1.9e6, 2.0e6], "self_eval_score": [92.0, 101.0], "execution_pct": [95.0, 96.0],
        "status": ["passed", "passed"], "error_rules": [[], []]})
    amounts = pd.DataFrame({"doc_sha256": ["a" * 64] * 2, "fact_id": ["m1", "m2"], "value_yuan": [1.9e6, -5e4],
                            "basis": ["final", "budget"], "concept": ["expenditure.total"] * 2,
                            "as_written": ["190万元", "-5万元"], "unit_name": ["攸县妇女联合会"] * 2,
                            "fiscal_year": [2024, 2024]})
    outcome = run_suites({"reports": reports, "amounts": amounts}, tmp_path, run_name="audit-2024-test")
    assert not outcome.success
    assert sorted((f.doc_sha256[:1], f.unit_name, f.evidence["column"], f.evidence["value"])
                  for f in outcome.findings) == [
        ("a", "攸县妇女联合会", "value_yuan", -5e4), ("b", None, "self_eval_score", 101.0), ("b", None, "unit_name", None)]
    negative = next(f for f in outcome.findings if f.evidence["column"] == "value_yuan")
    assert negative.evidence["row"] == {"doc_sha256": "a" * 64, "fact_id": "m2", "concept": "expenditure.total",
                                        "basis": "budget", "as_written": "-5万元"}
    assert negative.evidence["fiscal_year"] == 2024
    assert outcome.data_docs_index == tmp_path / "data_docs" / "index.html"
    assert sum(not r["success"] for r in outcome.results) == 3


def test_a_suite_whose_frame_lacks_a_column_says_which(tmp_path: Path) -> None:
    from expectations.audit.runner import GxSuiteError, run_suites

    reports = pd.DataFrame({"sha256": ["a" * 64], "unit_name": ["攸县妇女联合会"]})  # no fiscal_year
    amounts = pd.DataFrame(columns=["doc_sha256", "fact_id", "value_yuan", "basis", "concept", "as_written",
                                    "unit_name", "fiscal_year"])
    with pytest.raises(GxSuiteError, match="audit_reports: frame 'reports' has no column fiscal_year"):
        run_suites({"reports": reports, "amounts": amounts})


def test_gx_imported_in_the_background_leaves_a_failed_import_to_the_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import types

    from expectations.audit import runner

    uncaught: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: uncaught.append(args.exc_value))
    monkeypatch.setattr(runner, "sys", types.SimpleNamespace(modules={}))  # as if GX were not imported yet

    def broken_import(name: str) -> None:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(runner.importlib, "import_module", broken_import)
    runner.import_gx_in_background()
    for thread in threading.enumerate():
        if thread.name == "import-gx":
            thread.join(timeout=10)

    assert uncaught == []  # no traceback on stderr from the thread: the audit's own import reports it
