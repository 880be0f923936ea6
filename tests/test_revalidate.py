"""`jixiao revalidate`: rules re-run over stored facts with corrections, no file read; dry run = real run."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner, Result

from jixiao.cli import app
from tasks import pipeline
from tasks.load import finish_run, start_run
from tasks.revalidate import Selection, apply_reextraction, reextract_batch, select_reports
from tests.shared import PROJECT_ROOT
from tests.test_history import CLEAN_REPORT, TYPO_REPORT, build_warehouse
from warehouse.db import connect

SUM_MISMATCH_SAMPLE = (PROJECT_ROOT / "samples" / "03_baoxing_linyeju.txt").read_text(encoding="utf-8")
CORPUS = {"typo.txt": TYPO_REPORT, "clean.txt": CLEAN_REPORT, "baoxing.txt": SUM_MISMATCH_SAMPLE}
SHA_PREFIX = re.compile(r"\b[0-9a-f]{12}\b")


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})


def rows(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql, params).fetchall()


def status_of(db: Path) -> dict[str, str]:
    return dict(rows(db, "SELECT d.file_name, r.status FROM reports AS r JOIN documents AS d USING (sha256)"))


def forbid_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("revalidation read a file")

    monkeypatch.setattr(pipeline, "read_and_extract", refuse)
    monkeypatch.setattr(pipeline, "read_document", refuse)


@pytest.mark.prefect
def test_a_corrected_report_passes_after_revalidate_and_no_file_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "jixiao.duckdb"
    ingest_run = build_warehouse(db, CORPUS)
    assert status_of(db) == {"typo.txt": "failed", "clean.txt": "passed", "baoxing.txt": "failed"}
    fix = tmp_path / "fix.csv"
    fix.write_text("document,concept,basis,corrected_value_yuan,reason,author\n"
                   "typo.txt,expenditure.project,final,617600,16.76万元为61.76万元之误,张工\n", encoding="utf-8")
    assert run_cli("correct", str(fix), "--db", str(db)).exit_code == 0
    # From here on no file may be read: inputs and archive gone, the reader refuses.
    shutil.rmtree(tmp_path / "inbox")
    shutil.rmtree(tmp_path / "archive")
    forbid_reading(monkeypatch)

    result = run_cli("revalidate", "--status", "failed", "--db", str(db))

    assert result.exit_code == 0, result.output
    assert "2 report(s) revalidated" in result.output and "1 cleared, 1 persisting" in result.output
    assert status_of(db) == {"typo.txt": "passed", "clean.txt": "passed", "baoxing.txt": "failed"}
    [(run_id,)] = rows(db, "SELECT run_id FROM runs WHERE flow = 'revalidate' AND status = 'completed'")
    assert set(rows(db, "SELECT file_name, rule, change FROM v_finding_history WHERE run_id = ?", [run_id])) == {
        ("typo.txt", "sum_mismatch", "cleared"), ("baoxing.txt", "sum_mismatch", "persisting")}
    diff = run_cli("findings", "--diff", ingest_run[:8], run_id[:8], "--db", str(db))
    assert diff.exit_code == 0, diff.output
    assert "0 raised, 1 cleared, 1 persisting" in diff.output
    assert re.search(r"cleared\s.*typo\.txt.*sum_mismatch", diff.output)


@pytest.mark.prefect
def test_dry_run_lists_exactly_the_reports_a_real_run_touches(tmp_path: Path) -> None:
    db = tmp_path / "jixiao.duckdb"
    build_warehouse(db, CORPUS)
    for selection in (["--rule", "sum_mismatch"], ["--year", "2024"], ["--unit", "卫生健康"]):
        warehouse_before = rows(db, "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM run_reports)")
        dry = run_cli("revalidate", *selection, "--dry-run", "--db", str(db))
        assert dry.exit_code == 0, dry.output
        listed = set(SHA_PREFIX.findall(dry.output))
        assert rows(db, "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM run_reports)") == warehouse_before

        real = run_cli("revalidate", *selection, "--db", str(db))
        assert real.exit_code == 0, real.output
        [(run_id,)] = rows(db, "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")
        touched = {sha[:12] for (sha,) in rows(db, "SELECT doc_sha256 FROM run_reports WHERE run_id = ?", [run_id])}
        assert listed and listed == touched, selection


def test_selection_combines_status_year_unit_and_rule(tmp_path: Path) -> None:
    db = tmp_path / "jixiao.duckdb"
    build_warehouse(db, CORPUS)

    def names(**criteria: Any) -> set[str]:
        with connect(db) as conn:
            return {report.file_name for report in select_reports(conn, Selection(**criteria))}

    assert names() == {"typo.txt", "clean.txt", "baoxing.txt"}
    assert names(status="failed") == {"typo.txt", "baoxing.txt"}
    assert names(status="failed", year=2023) == {"baoxing.txt"}
    assert names(unit="教育") == {"typo.txt"}
    assert names(rule="sum_mismatch", year=2024) == {"typo.txt"}
    assert names(rule="over_budget") == set()


def test_reextract_replaces_the_facts_from_the_archived_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ingest with an extractor bug: total expenditure taken ten times too large (a warning follows).
    real_extract = pipeline.extract_report

    def buggy_extract(document: Any) -> Any:
        facts = real_extract(document)
        facts.amounts = [replace(a, value_yuan=a.value_yuan * 10) if a.concept == "expenditure.total" else a
                         for a in facts.amounts]
        return facts

    monkeypatch.setattr(pipeline, "extract_report", buggy_extract)
    db = tmp_path / "jixiao.duckdb"
    build_warehouse(db, {"clean.txt": CLEAN_REPORT})
    monkeypatch.setattr(pipeline, "extract_report", real_extract)  # the extractor fixed
    shutil.rmtree(tmp_path / "inbox")  # the archive is what gets read
    assert status_of(db) == {"clean.txt": "warning"}

    with connect(db) as conn:
        selected = select_reports(conn, Selection())
        assert reextract_batch(selected, tmp_path / "elsewhere")[0].startswith("archived bytes not readable")
        [item] = reextract_batch(selected, tmp_path / "archive")
        run_id = start_run(conn, flow="revalidate", params={})
        changes = apply_reextraction(conn, run_id, [item], [selected[0].sha256])
        finish_run(conn, run_id, files_seen=1, loaded=1, rejected=0, unchanged=0, status="completed", summary={})

    assert (changes.cleared, changes.status_changes) == (1, {"warning->passed": 1})
    assert status_of(db) == {"clean.txt": "passed"}
    assert rows(db, "SELECT value_yuan FROM amounts WHERE concept = 'expenditure.total'") == [(1_617_600.0,)]
    assert rows(db, "SELECT count(*) FROM findings") == [(0,)]


@pytest.mark.prefect
def test_revalidation_batches_are_large_by_default_and_any_size_gives_the_same_findings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "jixiao.duckdb"
    build_warehouse(db, CORPUS)
    before = rows(db, "SELECT doc_sha256, rule, message FROM findings ORDER BY ALL")
    monkeypatch.setenv("JIXIAO_BATCH_SIZE", "1")  # ingest's batch size does not apply to revalidation
    assert run_cli("revalidate", "--db", str(db)).exit_code == 0
    monkeypatch.setenv("JIXIAO_REVALIDATE_BATCH_SIZE", "2")
    assert run_cli("revalidate", "--db", str(db)).exit_code == 0
    sizes = rows(db, "SELECT params->>'batch_size' FROM runs WHERE flow = 'revalidate' ORDER BY started_at")
    assert sizes == [("10000",), ("2",)]
    assert rows(db, "SELECT doc_sha256, rule, message FROM findings ORDER BY ALL") == before

    # batches of one, validated side by side on the worker pool: each report gets its own findings back
    with duckdb.connect(str(db)) as conn:
        conn.execute("DELETE FROM findings")
    monkeypatch.setenv("JIXIAO_REVALIDATE_BATCH_SIZE", "1")
    assert run_cli("revalidate", "--db", str(db)).exit_code == 0
    assert rows(db, "SELECT doc_sha256, rule, message FROM findings ORDER BY ALL") == before


COUNTS = re.compile(r"(\d+) raised, (\d+) cleared, (\d+) persisting")
DIFF_COMMAND = re.compile(r"jixiao findings --diff (\S+) (\S+)")


@pytest.mark.prefect
def test_the_run_and_its_diff_count_the_findings_of_the_reports_it_revalidated_only(
        tmp_path: Path) -> None:
    # baoxing.txt and typo.txt each carry a sum_mismatch; each run below revalidates one of them, so
    # the other one's finding is no concern of that run, and neither its summary nor its diff counts it.
    db = tmp_path / "jixiao.duckdb"
    build_warehouse(db, CORPUS)
    fix = tmp_path / "fix.csv"
    fix.write_text("document,concept,basis,corrected_value_yuan,reason,author\n"
                   "typo.txt,expenditure.project,final,617600,笔误,张工\n", encoding="utf-8")
    assert run_cli("correct", str(fix), "--db", str(db)).exit_code == 0

    for unit, expected in (("林业", ("0", "0", "1")), ("教育", ("0", "1", "0"))):
        run = run_cli("revalidate", "--unit", unit, "--db", str(db))
        assert run.exit_code == 0, run.output
        assert "1 report(s) revalidated" in run.output
        [run_counts] = COUNTS.findall(run.output)
        [(run_a, run_b)] = DIFF_COMMAND.findall(run.output)  # the command the run prints, as a user pastes it
        diff = run_cli("findings", "--diff", run_a, run_b, "--db", str(db))
        assert diff.exit_code == 0, diff.output
        assert COUNTS.findall(diff.output) == [run_counts] == [expected], (unit, run.output, diff.output)
        assert "1 report" in diff.output
