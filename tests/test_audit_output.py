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
