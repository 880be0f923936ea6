"""Hard to break (issue 16): the single inputs the fuzz ingest (tests/test_fuzz_files.py) found to break
a run, each reproduced on its own: a huge text, a file name that is not UTF-8, symlink loops."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from flows.discover import discover_inputs
from tasks.batch import read_and_prepare_batch
from tasks.formats.limits import DEFAULT_MAX_TEXT_CHARS, ReadLimits
from tasks.read import ReadError, read_document
from tasks.safe_text import storable
from tests.conftest import report_text
from tests.format_fixtures import to_docx

FIGURES_LINE = "收入总计100.00万元，支出合计90.00万元，"


def test_a_20_mb_line_of_figures_is_refused_at_once() -> None:
    """Before: read and extracted, 90 s for this one file (the extractor is linear, but 560k figures);
    a folder of them kept a run busy for hours."""
    data = (FIGURES_LINE * 400_000).encode("utf-8")[: 20 * 2**20 // 3 * 3]
    data = data[: len(data.decode("utf-8", "ignore").encode("utf-8"))]  # whole characters
    started = time.monotonic()
    with pytest.raises(ReadError, match=f"over the limit of {DEFAULT_MAX_TEXT_CHARS:,}"):
        read_document("line.txt", data)
    assert time.monotonic() - started < 5


def test_a_report_just_under_the_limit_is_read_and_any_format_is_held_to_it() -> None:
    text = report_text("某县统计局")
    assert read_document("r.txt", text.encode(), ReadLimits(max_text_chars=len(text) + 10)).text
    with pytest.raises(ReadError, match="over the limit of 50"):
        read_document("r.txt", text.encode(), ReadLimits(max_text_chars=50))
    with pytest.raises(ReadError, match="over the limit of 50"):  # the binary readers' text too
        read_document("r.docx", to_docx(text.splitlines()), ReadLimits(max_text_chars=50, parser_timeout_s=30))


def test_storable_names_keep_their_bytes_visible() -> None:
    raw = os.fsdecode(b"gbk_\xc4\xcf\xbe\xa9.txt")  # what os.listdir gives for a GBK name
    shown = storable(raw)
    shown.encode("utf-8")  # any UTF-8 sink takes it
    assert shown == "gbk_\\xc4Ͼ\\xa9.txt"
    assert storable("普通 名字.txt") == "普通 名字.txt"


def test_a_file_name_that_is_not_utf8_is_loaded_under_a_storable_name(tmp_path: Path) -> None:
    """Before: UnicodeEncodeError ('surrogates not allowed') building the batch's Arrow table, so
    the batch task failed, was retried, and the whole run failed with a traceback."""
    path = os.path.join(os.fsencode(tmp_path), b"\xc4\xcf\xbe\xa9.txt")
    with open(path, "wb") as handle:
        handle.write(report_text("某县统计局").encode())
    batch = read_and_prepare_batch([os.fsdecode(path)], tmp_path / "archive", max_file_bytes=1_000_000)
    [stored] = batch.files["path"].to_pylist()
    assert stored == storable(os.fsdecode(path)) and batch.files["status"].to_pylist() == ["loaded"]


def test_symlink_loops_and_dangling_links_are_refused_with_a_reason(tmp_path: Path) -> None:
    """Before: Path.resolve() raised RuntimeError("Symlink loop") out of discovery: the run failed
    with a traceback before reading anything. A dangling link vanished from the count silently."""
    (tmp_path / "report.txt").write_text(report_text("某县统计局"), encoding="utf-8")
    (tmp_path / "loop_a.txt").symlink_to("loop_b.txt")
    (tmp_path / "loop_b.txt").symlink_to("loop_a.txt")
    (tmp_path / "self.txt").symlink_to("self.txt")
    (tmp_path / "dangling.txt").symlink_to("missing.txt")
    files, refused = discover_inputs([tmp_path])
    assert [path.name for path in files] == ["report.txt"]
    assert {path.name: reason for path, reason in refused} == dict.fromkeys(
        ["dangling.txt", "loop_a.txt", "loop_b.txt", "self.txt"],
        "symlink that leads nowhere (dangling, or a loop): not followed")
