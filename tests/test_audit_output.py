"""Where the audit writes by default: beside the warehouse, which for the default warehouse is the
git-ignored `warehouse/audit/` (a run must not leave untracked reports in the source tree)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from jixiao.settings import PROJECT_ROOT, Settings


def _default_out(monkeypatch: pytest.MonkeyPatch) -> Path:
    from flows.audit import default_out_dir

    for name in ("JIXIAO_DB", "JIXIAO_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    return default_out_dir(Settings.for_run(None))


def test_default_output_is_audit_beside_the_default_warehouse(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _default_out(monkeypatch) == PROJECT_ROOT / "warehouse" / "audit"


def test_default_output_of_another_warehouse_is_beside_it(tmp_path: Path) -> None:
    from flows.audit import default_out_dir

    assert default_out_dir(Settings.for_run(str(tmp_path / "w" / "jixiao.duckdb"))) == tmp_path / "w" / "audit"


def test_default_output_is_ignored_by_git(monkeypatch: pytest.MonkeyPatch) -> None:
    git = shutil.which("git")
    if git is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = _default_out(monkeypatch)
    # every kind of file an audit writes there
    paths = [out / name for name in ("audit-2023.html", "audit-2023-findings.csv", "audit-2023-findings.xlsx",
                                     "data_docs/index.html", "gx/great_expectations.yml")]
    result = subprocess.run([git, "-C", str(PROJECT_ROOT), "check-ignore", "--no-index", *map(str, paths)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == sorted(map(str, paths))


def test_the_findings_csv_opens_in_a_spreadsheet_as_the_findings_read(tmp_path: Path) -> None:
    import csv

    import pandas as pd

    from tasks.audit.export import write_csv
    from tasks.audit.wording import load_wording

    findings = pd.DataFrame({
        "fiscal_year": [2023, 2023], "finding_no": [1, 2], "check_name": ["duplicate_report", "copied_text"],
        "unit_name": ["=HYPERLINK(\"http://x\")", None], "validation_errors": [2.0, float("nan")],
        "message": ["两份报告，内容相同", "第一行\n第二行, 有逗号"], "evidence": ['{"n_reports": 2}', '{"a": "b"}'],
    })
    path = write_csv(findings, tmp_path / "audit-2023-findings.csv")
    assert path.read_bytes().startswith("\ufeff".encode())  # Excel reads it as UTF-8
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = load_wording()["export_columns"]
    header = {name: f"{label} ({name})" for name, label in columns.items()}
    assert list(rows[0]) == list(header.values())
    assert [row[header["finding_no"]] for row in rows] == ["1", "2"]
    assert rows[0][header["unit_name"]] == "'=HYPERLINK(\"http://x\")"  # text, never a formula
    assert rows[1][header["unit_name"]] == "" and rows[1][header["validation_errors"]] == ""
    assert rows[0][header["validation_errors"]] in {"2", "2.0"}
    assert rows[1][header["message"]] == "第一行\n第二行, 有逗号" and rows[0][header["evidence"]] == '{"n_reports": 2}'
    assert rows[0][header["run_id"]] == ""  # a column the findings lack: empty, still in its place
