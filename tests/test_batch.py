"""A batch of paths as a worker processes it: the Arrow tables it sends back are exactly what the
files' processed facts give, whether validation's frames are reused or built again."""

from __future__ import annotations

import shutil
from pathlib import Path

from tasks.batch import read_and_prepare_batch, read_and_process_batch
from tasks.frames import FACT_TABLES
from tasks.load import prepare_batch


def _paths(report_folder: Path, tmp_path: Path) -> list[str]:
    files = sorted(p for p in report_folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    twin = tmp_path / "twin_of_a.txt"  # the same bytes twice in one batch: one document
    shutil.copy(report_folder / "a_kexie.txt", twin)
    return [str(p) for p in files] + [str(twin)]


def test_prepared_tables_match_the_processed_files(report_folder: Path, tmp_path: Path) -> None:
    paths = _paths(report_folder, tmp_path)

    reused = read_and_prepare_batch(paths, tmp_path / "archive", 1_000_000)
    rebuilt = prepare_batch(read_and_process_batch(paths, tmp_path / "archive", 1_000_000))

    assert reused.files.to_pylist() == rebuilt.files.to_pylist()
    assert reused.reports.to_pylist() == rebuilt.reports.to_pylist()
    assert reused.findings.to_pylist() == rebuilt.findings.to_pylist()
    assert set(reused.facts) == set(rebuilt.facts) == set(FACT_TABLES)
    for table in reused.facts:
        assert reused.facts[table].to_pylist() == rebuilt.facts[table].to_pylist(), table


def test_a_file_repeated_in_a_batch_is_one_report_with_the_same_findings(report_folder: Path, tmp_path: Path) -> None:
    paths = _paths(report_folder, tmp_path)

    processed = {Path(item.document.path).name: item for item in read_and_process_batch(
        paths, tmp_path / "archive", 1_000_000)}
    prepared = read_and_prepare_batch(paths, tmp_path / "archive", 1_000_000)

    original, twin = processed["a_kexie.txt"], processed["twin_of_a.txt"]
    assert twin.loaded and twin.facts is not None and original.facts is not None
    assert [f.message for f in twin.facts.findings] == [f.message for f in original.facts.findings]
    assert twin.facts.status == original.facts.status
    assert prepared.files.num_rows == len(paths)
    assert prepared.reports["sha256"].to_pylist().count(original.document.sha256) == 1
    amounts = prepared.facts["amounts"]
    assert amounts.num_rows == len(amounts.select(["doc_sha256", "fact_id"]).group_by(
        ["doc_sha256", "fact_id"]).aggregate([]))  # no fact twice


def test_the_loaded_reports_have_facts_in_the_tables(report_folder: Path, tmp_path: Path) -> None:
    prepared = read_and_prepare_batch(_paths(report_folder, tmp_path), tmp_path / "archive", 1_000_000)

    loaded = {sha for sha, status in zip(prepared.files["sha256"].to_pylist(), prepared.files["status"].to_pylist(),
                                         strict=True) if status == "loaded"}
    assert set(prepared.reports["sha256"].to_pylist()) == loaded
    assert set(prepared.facts["amounts"]["doc_sha256"].to_pylist()) == loaded
