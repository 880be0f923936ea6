"""Acceptance 3: hostile and broken input. Every file ends loaded or rejected with a stated reason,
count in = count out, every file's bytes are archived, and no reader hangs or explodes."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.ingest import ingest_flow
from tasks.archive import archived_path
from tasks.extract import extract_text
from tasks.formats.limits import ReadLimits
from tasks.read import ReadError, canonical_text, read_document
from tests.format_fixtures import (
    BILLION_LAUGHS,
    encrypted_pdf,
    pdf_with_content,
    replace_member,
    scanned_pdf,
    to_docx,
    zip_bomb,
)
from tests.shared import seed_paths

REPORT = ["某县妇女联合会", "2022年度部门整体支出绩效自评报告", "全年总收入320.61万元，其中财政拨款收入300.61万元。"]
SLOW_PDF_OPERATORS = 600_000  # line-drawing operators: pdfplumber needs far longer than the 2 s limit


def _hostile_files(folder: Path) -> dict[str, str]:
    """Write every hostile case into `folder`; returns file name -> expected rejection reason (regex)."""
    docx = to_docx(REPORT)
    cases: dict[str, tuple[bytes, str]] = {
        "empty.txt": (b"", "empty file"),
        "garbage.txt": (os.urandom(64 * 1024), "binary content|unknown text encoding"),
        "truncated.docx": (docx[: len(docx) // 2], "corrupt or truncated .docx"),
        "corrupt.docx": (docx[:200] + bytes(400) + docx[600:], "corrupt"),
        "bomb.docx": (zip_bomb(250), "zip bomb"),
        "laughs.docx": (replace_member(docx, "word/document.xml", BILLION_LAUGHS), "DTD"),
        "encrypted.pdf": (encrypted_pdf("绩效自评报告"), "encrypted PDF"),
        "scanned.pdf": (scanned_pdf(), "no text layer: needs OCR"),
        "loop.pdf": (pdf_with_content(b"0 0 m 1 1 l S\n" * SLOW_PDF_OPERATORS), "parser timed out after 2 s"),
    }
    for name, (data, _) in cases.items():
        (folder / name).write_bytes(data)
    with (folder / "huge.txt").open("wb") as handle:  # 200 MB, sparse: costs no disk
        handle.truncate(200 * 1024 * 1024)
    reasons = {name: reason for name, (_, reason) in cases.items()}
    reasons["huge.txt"] = "over the limit .*JIXIAO_MAX_FILE_BYTES"
    return reasons


def test_each_hostile_document_is_refused_by_the_reader_with_its_reason(tmp_path: Path) -> None:
    reasons = _hostile_files(tmp_path)
    limits = ReadLimits(parser_timeout_s=2)
    for name, reason in reasons.items():
        if name == "huge.txt":
            continue  # the size limit applies before reading: see the ingest test
        with pytest.raises(ReadError, match=reason):
            read_document(name, (tmp_path / name).read_bytes(), limits)


@pytest.mark.prefect
def test_ingest_of_a_hostile_folder_with_the_seeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = seed_paths()
    monkeypatch.setenv("JIXIAO_PARSER_TIMEOUT_S", "2")
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in seeds:
        shutil.copy(seed, folder / seed.name)
    reasons = _hostile_files(folder)
    odd_name = "自评 报告 $(rm -rf ~); echo `id` & | 'x'.txt"
    (folder / odd_name).write_text("\n".join(REPORT), encoding="utf-8")
    (folder / "no_figures.txt").write_text("某县妇女联合会\n部门整体支出绩效自评报告\n本年度工作总体平稳，详见附件。\n",
                                          encoding="utf-8")
    outside = tmp_path / "secret.txt"
    outside.write_text("\n".join(REPORT) + "\n外部文件", encoding="utf-8")
    (folder / "link_out.txt").symlink_to(outside)
    # a second refused link: a rejection of its own, not "the same bytes" as the first (neither is read)
    (outside.parent / "secret_2.txt").write_text("另一份外部文件", encoding="utf-8")
    (folder / "link_out_2.txt").symlink_to(outside.parent / "secret_2.txt")
    db = tmp_path / "w.duckdb"

    summary = ingest_flow([str(folder)], db=str(db), workers=1)

    entries = len(list(folder.iterdir()))
    assert summary["status"] == "completed"
    assert summary["files_seen"] == entries == summary["loaded"] + summary["rejected"] + summary["unchanged"]
    rejected = {Path(item["path"]).name: item["reason"] for item in summary["rejections"]}
    expected_rejections = {**reasons, "link_out.txt": "outside the input folder.*not followed",
                           "link_out_2.txt": "outside the input folder.*not followed"}
    assert set(rejected) == set(expected_rejections)
    for name, reason in expected_rejections.items():
        assert re.search(reason, rejected[name]), (name, rejected[name])
    with duckdb.connect(str(db), read_only=True) as conn:
        statuses = dict(conn.execute(
            "SELECT d.file_name, r.status FROM reports r JOIN documents d USING (sha256)").fetchall())
        no_figures = conn.execute(
            "SELECT f.rule, f.severity FROM findings f JOIN documents d ON d.sha256 = f.doc_sha256 "
            "WHERE d.file_name = 'no_figures.txt'").fetchall()
        runs = conn.execute("SELECT files_seen, loaded, rejected, unchanged FROM runs").fetchall()
    assert set(statuses) == {seed.name for seed in seeds} | {odd_name, "no_figures.txt"}
    assert statuses["no_figures.txt"] == "warning" and no_figures == [("no_figures", "warning")]
    assert runs == [(entries, summary["loaded"], summary["rejected"], summary["unchanged"])]
    archive = db.parent / "archive"
    for path in folder.iterdir():
        if path.name.startswith("link_out"):
            continue  # a link out of the folder is never followed, so nothing of it is read
        if path.name == "huge.txt":  # over the size limit: streamed into the archive, never held whole
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            assert archived_path(archive, digest.hexdigest()).stat().st_size == path.stat().st_size
            continue
        data = path.read_bytes()
        assert archived_path(archive, hashlib.sha256(data).hexdigest()).read_bytes() == data


TABLE_FRAGMENTS = ["项目", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", "基本支出", "其中:", "总分",
                   " | ", "|", " ", "\n", "100.00", "98.5%", "-", "单位:万元", "(万元)", "1,234.5", "万元", "9.8"]


@settings(max_examples=80, deadline=2_000, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(TABLE_FRAGMENTS), max_size=400).map("".join), st.text(max_size=3000)))
def test_the_extractor_never_hangs_on_table_like_text(text: str) -> None:
    canonical = canonical_text(text)
    found = extract_text(canonical, "fuzz.txt")  # returns within the deadline, never raises
    for fact in [*found.amounts, *found.rates, *found.scores]:
        assert canonical[fact.span[0]:fact.span[1]] == fact.as_written
    assert len({a.id for a in found.amounts}) == len(found.amounts)
