"""Runs with and without Prefect: who runs the steps is decided once, and the warehouse is the same either way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows import orchestrator
from flows.ingest import run_ingest
from flows.revalidate import run_revalidate
from tasks.revalidate import Selection
from tests.shared import fail_reads_once

TABLES = ("documents", "reports", "amounts", "rates", "staff", "scores", "unclassified", "findings")
VOLATILE = {"loaded_at", "first_run_id", "run_id"}  # which run wrote a row, and when


def _contents(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(db), read_only=True) as conn:
        contents = {}
        for table in TABLES:
            columns = [name for (name,) in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table]).fetchall() if name not in VOLATILE]
            contents[table] = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()
        return contents


def test_auto_uses_prefect_only_with_an_api_to_record_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # once Prefect is imported its own settings decide; here, what a fresh CLI process reads without it
    monkeypatch.delitem(sys.modules, "prefect.settings", raising=False)
    home = tmp_path / "prefect"
    home.mkdir()
    env = {"PREFECT_HOME": str(home)}
    assert not orchestrator.prefect_api_configured(env)
    assert orchestrator.prefect_api_configured({**env, "PREFECT_API_URL": "http://127.0.0.1:4200/api"})
    (home / "profiles.toml").write_text('active = "local"\n[profiles.local]\n'
                                        'PREFECT_API_URL = "http://127.0.0.1:4200/api"\n', encoding="utf-8")
    assert orchestrator.prefect_api_configured(env)
    assert not orchestrator.prefect_api_configured({**env, "PREFECT_PROFILE": "other"})
    assert orchestrator.uses_prefect("prefect") and not orchestrator.uses_prefect("direct")
    assert orchestrator.uses_prefect("direct", task_runner="dask")  # Dask runs through prefect-dask
    with pytest.raises(ValueError, match="unknown orchestrator"):
        orchestrator.uses_prefect("sometimes")  # type: ignore[arg-type]


def test_a_direct_run_retries_a_transient_read_error_like_the_prefect_task(
        report_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failures_left = fail_reads_once(monkeypatch, "a_kexie.txt")
    summary = run_ingest([str(report_folder / "a_kexie.txt")], db=str(tmp_path / "jixiao.duckdb"), workers=1,
                         orchestrator="direct")

    assert failures_left["a_kexie.txt"] == 0
    assert (summary["loaded"], summary["rejected"]) == (1, 0)


@pytest.mark.prefect
def test_the_warehouse_is_the_same_with_prefect_and_without(report_folder: Path, tmp_path: Path) -> None:
    summaries = {}
    for mode in ("direct", "prefect"):
        db = tmp_path / mode / "jixiao.duckdb"
        summaries[mode] = run_ingest([str(report_folder)], db=str(db), batch_size=2, workers=2, orchestrator=mode)
        run_revalidate(Selection(), db=str(db), batch_size=2, workers=2, orchestrator=mode)

    assert _contents(tmp_path / "direct" / "jixiao.duckdb") == _contents(tmp_path / "prefect" / "jixiao.duckdb")
    direct, prefect = ({k: v for k, v in summary.items() if k not in ("run_id", "db")}
                       for summary in summaries.values())
    assert direct == prefect


@pytest.mark.prefect
def test_a_path_list_too_long_for_prefects_parameters_is_passed_as_a_file(
        report_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Prefect's server refuses flow-run parameters over 512 KiB (~6,000 paths): the limit made tiny here
    monkeypatch.setattr(orchestrator, "PARAMETER_BYTES_LIMIT", 10)
    files = sorted(str(path) for path in report_folder.iterdir() if path.is_file())
    db = tmp_path / "jixiao.duckdb"
    summary = run_ingest(files, db=str(db), workers=1, orchestrator="prefect")

    assert summary["files_seen"] == len(files) and summary["loaded"] + summary["rejected"] == len(files)
    with duckdb.connect(str(db), read_only=True) as conn:
        [(paths,)] = conn.execute("SELECT params->'$.paths' FROM runs WHERE flow = 'ingest'").fetchall()
    assert sorted(json.loads(paths)) == files  # the run records every path it was given


def _audit_findings(db: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute("SELECT fiscal_year, check_name, severity, doc_sha256, unit_name, message, evidence "
                            "FROM v_audit_findings ORDER BY ALL").fetchall()


@pytest.mark.prefect
def test_an_audit_finds_the_same_with_prefect_and_without(tmp_path: Path) -> None:
    from flows.audit import run_audit
    from tests.audit_corpus import AUDIT_YEAR, planted_corpus, write_corpus

    inbox = write_corpus(tmp_path / "inbox", planted_corpus())
    results = {}
    for mode in ("direct", "prefect"):
        db = tmp_path / mode / "jixiao.duckdb"
        run_ingest([str(inbox)], db=str(db), workers=1, orchestrator="direct")
        results[mode] = run_audit([AUDIT_YEAR], db=str(db), out_dir=str(tmp_path / mode / "out"), orchestrator=mode)

    assert _audit_findings(tmp_path / "direct" / "jixiao.duckdb") == _audit_findings(tmp_path / "prefect" / "jixiao.duckdb")
    direct, prefect = ([(run["fiscal_year"], run["n_findings"], run["by_check"], run["gx_success"])
                        for run in result["runs"]] for result in results.values())
    assert direct == prefect and direct[0][1] > 0


def test_a_cli_audit_without_a_prefect_api_runs_without_prefect(tmp_path: Path) -> None:
    # the audit's fixed cost: no Prefect import, no ephemeral server, when nobody records the run
    from tests.audit_corpus import AUDIT_YEAR, planted_corpus, write_corpus

    db = tmp_path / "jixiao.duckdb"
    run_ingest([str(write_corpus(tmp_path / "inbox", planted_corpus()))], db=str(db), workers=1, orchestrator="direct")
    script = ("import sys\nfrom typer.testing import CliRunner\nfrom jixiao.cli import app\n"
              f"result = CliRunner().invoke(app, ['audit', '--year', '{AUDIT_YEAR}', '--db', {str(db)!r}, "
              f"'--out', {str(tmp_path / 'out')!r}])\n"
              "print(result.exit_code, 'prefect' in sys.modules)\nprint(result.output)\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")  # no profile with an API URL either
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300,
                          cwd=Path(__file__).resolve().parent.parent)
    status, _, output = done.stdout.partition("\n")
    assert status == "0 False", done.stdout + done.stderr
    assert "duplicate_report" in output and f"audit-{AUDIT_YEAR}.html" in output
    assert _audit_findings(db), "the audit's findings are in the warehouse"
