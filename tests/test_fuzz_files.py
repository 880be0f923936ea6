"""Hard to break (issue 16): one `jixiao ingest` over 300+ generated malformed files.

Invalid UTF-8, UTF-16 with and without a BOM, NUL bytes, a 20 MB single line, a docx zip bomb and a
billion-laughs docx, truncated PDFs and docx, empty files, odd file names (spaces, a newline, 250-byte
names, non-UTF-8 bytes, leading dashes), unreadable files, symlink loops, dangling symlinks and a
folder named like a report. The run must end (exit 0, no traceback, no hang, bounded memory) with
every file accounted for in the warehouse: loaded or rejected with a reason, once, keys intact.
"""

from __future__ import annotations

import codecs
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tasks.safe_text import storable
from tests.conftest import report_text
from tests.format_fixtures import BILLION_LAUGHS, replace_member, to_docx, to_pdf, zip_bomb
from warehouse.integrity import key_violations

pytestmark = pytest.mark.prefect

JIXIAO = str(Path(sys.executable).with_name("jixiao"))
RUN_TIMEOUT_S = 420  # generous for a loaded 2-core CI box; a hang shows up as a timeout, not as a stuck job
PEAK_RSS_BOUND = int(1.5 * 2**30)  # the largest child (the flow, a pool worker or the parser sandbox)


def write_fuzz_folder(folder: Path, seed: int = 16) -> list[str]:
    """Write the malformed corpus into `folder`; return the paths (as the warehouse stores them) a run
    must account for: every file, once, and each link that is no file of the folder. Every file's
    bytes differ, so each is a row of `documents` of its own."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    outside = folder.parent / "outside"
    outside.mkdir(exist_ok=True)
    units = ["某县教育局", "某县卫生健康局", "某市统计局", "峨边彝族自治县科学技术协会"]
    counter = iter(range(10**6))

    def report() -> str:  # a readable report, different from every other one
        number = next(counter)
        return report_text(units[number % len(units)], year=2020 + number % 5, income=f"{100 + number}.5",
                           spent=f"{90 + number}.25") + f"（第{number}号）\n"

    files: dict[str, bytes] = {}

    def add(name: str, data: bytes) -> None:
        assert name not in files, name
        files[name] = data

    for index in range(40):  # invalid UTF-8: random bytes, cut multi-byte sequences, overlong forms, surrogates
        text = report().encode("utf-8")
        cut = rng.randrange(1, len(text))
        flavours = [os.urandom(rng.randrange(1, 4096)), text[:cut] + b"\xe4\xb8" + text[cut:],
                    text.replace("万".encode(), b"\xc0\xaf", 1), b"\xed\xa0\x80" + text,
                    bytes(rng.randrange(128, 256) for _ in range(300)) + text]
        add(f"bad_utf8_{index:02}.txt", flavours[index % len(flavours)])
    for index in range(30):  # UTF-16 LE/BE, with and without a BOM, some cut to an odd length
        codec = "utf-16-le" if index % 2 else "utf-16-be"
        data = report().encode(codec)
        if index % 3 == 0:
            data = (codecs.BOM_UTF16_LE if codec == "utf-16-le" else codecs.BOM_UTF16_BE) + data
        if index % 5 == 0:
            data = data[:-1]
        add(f"utf16_{index:02}.txt", data)
    for index in range(30):  # NUL bytes: a few inside a report, runs of them, a file of nothing else
        text = report().encode("utf-8")
        places = sorted(rng.randrange(len(text)) for _ in range(1 + index % 7))
        pieces, last = [], 0
        for place in places:
            while place < len(text) and (text[place] & 0xC0) == 0x80:  # between characters, not inside one
                place += 1
            pieces += [text[last:place], b"\x00" * (1 + (index % 4) * 50)]
            last = place
        add(f"nul_{index:02}.txt", b"".join(pieces) + text[last:] if index % 10 else bytes(4096 + index))
    add("one_line_20mb.txt", ("收入总计100.00万元，支出合计90.00万元，" * 400_000)[: 20 * 2**20 // 3].encode("utf-8"))
    add("one_line_ascii_20mb.txt", b"A" * (20 * 2**20))
    add("zip_bomb.docx", zip_bomb(300))
    docx = to_docx(report().splitlines())
    add("billion_laughs.docx", replace_member(docx, "word/document.xml", BILLION_LAUGHS))
    pdf = to_pdf(report().splitlines())
    for index in range(30):  # truncated and corrupted PDFs and docx at many cut points
        add(f"truncated_{index:02}.pdf", pdf[: max(1, len(pdf) * index // 30)])
        add(f"truncated_{index:02}.docx", docx[: max(2, len(docx) * index // 30)])
    for index in range(10):
        position = rng.randrange(len(pdf))
        add(f"flipped_{index:02}.pdf", pdf[:position] + os.urandom(64) + pdf[position + 64:])
        position = rng.randrange(len(docx))
        add(f"flipped_{index:02}.docx", docx[:position] + os.urandom(64) + docx[position + 64:])
    add("empty.txt", b"")
    for index in range(14):  # blank: whitespace of every kind, no two alike
        add(f"blank_{index:02}.txt", [b" ", b"\n", b"\t \r\n", "\u3000".encode()][index % 4] * (1 + index))
    for name in ["report with spaces.txt", "  leading and trailing  .txt", "-rf.txt", "--db=elsewhere.txt", "-",
                 "line\nbreak.txt", "tab\tname.txt", "\x1b[31mred.txt", "l" * 246 + ".txt",  # 250 bytes
                 "长" * 80 + ".txt", "$(touch pwned); `id`.txt", "[red]markup[/red].txt".replace("/", "")]:
        add(name, report().encode())
    for index in range(20):  # plain good reports: these load
        add(f"good_{index:02}.txt", report().encode())
    for index in range(40):  # report-like text with random damage
        text = bytearray(report().encode("utf-8"))
        for _ in range(1 + index % 20):
            text[rng.randrange(len(text))] = rng.randrange(256)
        add(f"damaged_{index:02}.txt", bytes(text))
    for index in range(25):  # html: broken tags, deep nesting, bad charsets
        body = report().replace("\n", "<br>")
        pages = [f"<html><head><meta charset='x-unknown-{index}'></head><body>{body}",
                 "<html><body>" + "<div>" * 5000 + body + "</div>" * 10,
                 f"<!doctype html><html><body><table><tr><td>{body}",
                 f"<html><meta charset=gbk><body>{body}</body></html>"]
        add(f"page_{index:02}.html", pages[index % len(pages)].encode("gbk" if index % 4 == 3 else "utf-8",
                                                                    errors="replace"))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    expected = [str(folder / name) for name in files]
    for raw in [b"gbk_\xc4\xcf\xbe\xa9.txt", b"latin1_\xe9t\xe9.txt", b"\xff\xfe.txt"]:  # names not in UTF-8
        with open(os.path.join(os.fsencode(folder), raw), "wb") as handle:
            handle.write(report().encode())
        expected.append(storable(os.fsdecode(os.path.join(os.fsencode(folder), raw))))
    for index in range(3):  # chmod 000: rejected (permission denied), except as root, who reads them
        path = folder / f"no_permission_{index}.txt"
        path.write_bytes(report().encode())
        path.chmod(0)
        expected.append(str(path))
    (folder / "sub").mkdir()
    (folder / "sub" / "inside.txt").write_bytes(report().encode())
    (folder / "looks_like_a_report.docx").mkdir()  # a folder named like a report: walked, holds one file
    (folder / "looks_like_a_report.docx" / "real.txt").write_bytes(report().encode())
    expected += [str(folder / "sub" / "inside.txt"), str(folder / "looks_like_a_report.docx" / "real.txt")]
    # links: loops and dangling ones (no file: rejected as such), a folder cycle (not descended), a link
    # to a file inside (that file once, no entry of its own) and one out of the folder (rejected unread)
    links = {"loop_a.txt": "loop_b.txt", "loop_b.txt": "loop_a.txt", "self_loop.txt": "self_loop.txt",
             "dangling.txt": "does_not_exist.txt", "dangling_abs.pdf": "/nonexistent/jixiao/report.pdf",
             "link_out.txt": str(outside / "secret.txt")}
    (outside / "secret.txt").write_bytes(report().encode())
    for name, target in links.items():
        (folder / name).symlink_to(target)
    expected += [str(folder / name) for name in links]
    (folder / "sub" / "cycle").symlink_to("..")
    (folder / "link_to_good.txt").symlink_to("good_00.txt")
    return expected


def _peak_rss_bytes() -> int:
    """The largest peak RSS of any waited-for descendant (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def test_ingest_survives_hundreds_of_malformed_files(tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    folder = tmp_path / "in"
    expected = write_fuzz_folder(folder)
    assert len(expected) >= 300 and len(set(expected)) == len(expected)
    db = tmp_path / "fuzz.duckdb"
    env = {**os.environ, "COLUMNS": "200", "JIXIAO_PARSER_TIMEOUT_S": "10", "JIXIAO_BATCH_SIZE": "100",
           "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    started = time.monotonic()
    # a subprocess: the CLI as people run it, its memory measured apart from pytest's, killed if it hangs
    result = subprocess.run([JIXIAO, "ingest", str(folder), "--db", str(db), "--workers", "2"], env=env,
                            capture_output=True, timeout=RUN_TIMEOUT_S, check=False)
    elapsed = time.monotonic() - started
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, f"exit {result.returncode}\n{stderr[-4000:]}"
    assert "Traceback" not in stderr, stderr[-4000:]
    peak = _peak_rss_bytes()
    assert peak < PEAK_RSS_BOUND, f"a child of the run peaked at {peak / 2**20:.0f} MiB"
    with duckdb.connect(str(db), read_only=True) as conn:
        [(seen, loaded, rejected, unchanged, status)] = conn.execute(
            "SELECT files_seen, loaded, rejected, unchanged, status FROM runs").fetchall()
        stored = dict(conn.execute("SELECT path, status FROM documents").fetchall())
        reasons = dict(conn.execute("SELECT path, reject_reason FROM documents WHERE status = 'rejected'").fetchall())
        reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        violations = key_violations(conn)
    assert status == "completed"
    # count in = count out: every entry seen once, and each one a row of its own in `documents`
    assert seen == len(expected) == loaded + rejected, (seen, len(expected), loaded, rejected, unchanged)
    assert unchanged == 0
    assert sorted(stored) == sorted(expected)
    assert all(reasons.values()), [path for path, reason in reasons.items() if not reason]
    assert reports == loaded == sum(state == "loaded" for state in stored.values())
    assert violations == {}
    by_name = {Path(path).name: (stored[path], reasons.get(path)) for path in stored}
    assert {name for name, (state, _) in by_name.items() if name.startswith("good_")
            and state == "loaded"} == {f"good_{index:02}.txt" for index in range(20)}
    assert by_name["-rf.txt"][0] == by_name["line\nbreak.txt"][0] == by_name["-"][0] == "loaded"
    assert by_name["gbk_\\xc4Ͼ\\xa9.txt"][0] == "loaded"  # its name stored with the bytes escaped
    assert "over the limit of 1,000,000" in by_name["one_line_20mb.txt"][1]
    assert "zip bomb" in by_name["zip_bomb.docx"][1] and "DTD" in by_name["billion_laughs.docx"][1]
    assert "leads nowhere" in by_name["loop_a.txt"][1] and "leads nowhere" in by_name["dangling.txt"][1]
    assert "outside the input folder" in by_name["link_out.txt"][1]
    # root reads a chmod 000 file (the permission bits do not bind it): loaded then, rejected otherwise
    locked = by_name["no_permission_0.txt"]
    if os.geteuid() == 0:
        assert locked[0] == "loaded"
    else:
        assert locked[0] == "rejected" and "Permission denied" in locked[1]
    print(f"fuzz ingest of {len(expected)} entries: {elapsed:.1f} s, peak RSS of a child {peak / 2**20:.0f} MiB, "
          f"{loaded} loaded, {rejected} rejected")
