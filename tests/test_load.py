"""Loading batches: rows written, re-loads change nothing, versions kept, failures leave no trace."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

import tasks.load as load
from tasks.load import BatchStats, FileOutcome, finish_run, load_batch, start_run
from tasks.models import Amount, Document, Finding, Processed, Rate, ReportFacts, Score, Staff
from warehouse.db import connect

DATA_TABLES = ("documents", "reports", "amounts", "rates", "staff", "scores", "findings")


def make_report(path: str, *, unit: str = "某县财政局", budget_wan: str = "120.5", final_wan: str = "118.3") -> Processed:
    """A small report whose facts point at real spans of its text (the bytes are the text)."""
    text = (
        f"{unit}2023年度部门整体支出绩效自评报告。"
        f"全年支出年初预算数{budget_wan}万元，决算数{final_wan}万元，预算执行率98.17%。"
        "编制人数12人，实有人数13人。自评得分92.5分。"
    )

    def span(written: str) -> tuple[int, int]:
        start = text.index(written)
        return start, start + len(written)

    budget_written, final_written = f"{budget_wan}万元", f"{final_wan}万元"
    facts = ReportFacts(
        document=Path(path).name,
        unit_name=unit,
        region={"province": "云南省", "city": "曲靖市", "county": "某县"},
        fiscal_year=2023,
        report_date="2024-03",
        amounts=[
            Amount("a1", "expenditure.total", "budget", float(budget_wan) * 10_000, budget_written,
                   span(budget_written), "万元", 1),
            Amount("a2", "expenditure.total", "final", float(final_wan) * 10_000, final_written,
                   span(final_written), "万元", 1),
        ],
        rates=[Rate("r1", "expenditure.total", "execution", 98.17, "98.17%", span("98.17%"), 2)],
        staff=[
            Staff("s1", "staff.authorized", 12, "12人", span("12人")),
            Staff("s2", "staff.actual", 13, "13人", span("13人")),
        ],
        scores=[Score("c1", 92.5, "92.5分", span("92.5分"))],
        findings=[Finding("staff_over_authorized", "warning", "实有人数13人超过编制人数12人", ["s2", "s1"])],
        status="warning",
    )
    return Processed(document=_document(path, text), facts=facts)


def make_rejected(path: str, data: bytes = b"%PDF-1.4 scanned image") -> Processed:
    document = Document(hashlib.sha256(data).hexdigest(), path, "unknown", len(data), None, "")
    return Processed(document=document, facts=None, reject_reason="no text layer: scanned PDF")


def _document(path: str, text: str) -> Document:
    data = text.encode("utf-8")
    return Document(hashlib.sha256(data).hexdigest(), path, "text", len(data), "utf-8", text)


def one(conn: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> tuple:
    """The single row a query returns (fetchall: DuckDB 2 blocks the connection on a half-read result)."""
    [row] = conn.execute(sql, params or []).fetchall()
    return row


def snapshot(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every data table's full contents, in a stable order."""
    return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in DATA_TABLES}


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = connect(tmp_path / "wh.duckdb")
    yield connection
    connection.close()


def run_batch(conn: duckdb.DuckDBPyConnection, batch: list[Processed]) -> BatchStats:
    run_id = start_run(conn, flow="test", params={"paths": [Path("samples")]})
    stats = load_batch(conn, run_id, batch)
    finish_run(conn, run_id, files_seen=stats.files_seen, loaded=stats.loaded, rejected=stats.rejected,
               unchanged=stats.unchanged, status="completed", summary={"batches": 1})
    return stats


def test_loading_a_batch_writes_every_row(conn: duckdb.DuckDBPyConnection) -> None:
    good, bad = make_report("in/a.txt"), make_rejected("in/scan.pdf")
    stats = run_batch(conn, [good, bad])

    assert (stats.loaded, stats.rejected, stats.unchanged) == (1, 1, 0)
    assert stats.outcomes == [
        FileOutcome("in/a.txt", good.document.sha256, "loaded", None),
        FileOutcome("in/scan.pdf", bad.document.sha256, "rejected", "no text layer: scanned PDF"),
    ]
    sha = good.document.sha256
    assert one(
        conn,
        "SELECT path, file_name, format, encoding, size_bytes, status, canonical_text FROM documents WHERE sha256 = ?",
        [sha],
    ) == ("in/a.txt", "a.txt", "text", "utf-8", good.document.size, "loaded", good.document.text)
    assert conn.execute(
        "SELECT unit_name, province, city, county, fiscal_year, report_date, status, n_errors, n_warnings "
        "FROM reports"
    ).fetchall() == [("某县财政局", "云南省", "曲靖市", "某县", 2023, "2024-03", "warning", 0, 1)]
    assert conn.execute(
        "SELECT fact_id, concept, basis, value_yuan, as_written, unit, decimals, half_width_yuan "
        "FROM amounts ORDER BY fact_id"
    ).fetchall() == [
        ("a1", "expenditure.total", "budget", 1_205_000.0, "120.5万元", "万元", 1, 500.0),
        ("a2", "expenditure.total", "final", 1_183_000.0, "118.3万元", "万元", 1, 500.0),
    ]
    assert conn.execute("SELECT concept, kind, value_pct FROM rates").fetchall() == [
        ("expenditure.total", "execution", 98.17)
    ]
    assert conn.execute("SELECT concept, value FROM staff ORDER BY fact_id").fetchall() == [
        ("staff.authorized", 12), ("staff.actual", 13)
    ]
    assert conn.execute("SELECT label, value FROM scores").fetchall() == [("self_eval_score", 92.5)]
    run_id, loaded, unchanged = one(conn, "SELECT run_id, loaded, unchanged FROM runs")
    assert (loaded, unchanged) == (1, 0)
    assert conn.execute("SELECT finding_no, rule, severity, fact_ids, run_id FROM findings").fetchall() == [
        (1, "staff_over_authorized", "warning", ["s2", "s1"], run_id)
    ]


def test_loading_the_same_bytes_again_changes_nothing(conn: duckdb.DuckDBPyConnection) -> None:
    batch = [make_report("in/a.txt"), make_report("in/b.txt", unit="某县教育局"), make_rejected("in/scan.pdf")]
    run_batch(conn, batch)
    before = snapshot(conn)

    stats = run_batch(conn, batch)

    assert (stats.loaded, stats.rejected, stats.unchanged) == (0, 0, 3)
    assert {outcome.outcome for outcome in stats.outcomes} == {"unchanged"}
    assert "first seen as in/scan.pdf" in stats.outcomes[2].reason
    assert snapshot(conn) == before
    # ... except the run log, which gains the second run's own row.
    assert conn.execute("SELECT loaded, unchanged FROM runs ORDER BY started_at").fetchall() == [(2, 0), (0, 3)]


def test_same_bytes_twice_in_one_batch_load_once(conn: duckdb.DuckDBPyConnection) -> None:
    first = make_report("in/a.txt")
    copy = Processed(_document("copies/a.txt", first.document.text), first.facts)

    stats = run_batch(conn, [first, copy])

    assert [outcome.outcome for outcome in stats.outcomes] == ["loaded", "unchanged"]
    assert one(conn, "SELECT count(*) FROM documents") == (1,)


def test_changed_bytes_under_the_same_path_add_a_version(conn: duckdb.DuckDBPyConnection) -> None:
    old = make_report("in/a.txt", final_wan="118.3")
    new = make_report("in/a.txt", final_wan="119.9")
    run_batch(conn, [old])

    stats = run_batch(conn, [new])

    assert stats.outcomes[0].outcome == "loaded"
    versions = conn.execute("SELECT sha256, version, is_latest FROM v_documents ORDER BY version").fetchall()
    assert versions == [(old.document.sha256, 1, False), (new.document.sha256, 2, True)]
    # The first version's facts are kept beside the second's.
    assert conn.execute(
        "SELECT doc_sha256, value_yuan FROM amounts WHERE basis = 'final' ORDER BY value_yuan"
    ).fetchall() == [(old.document.sha256, 1_183_000.0), (new.document.sha256, 1_199_000.0)]


def test_a_rejected_file_is_recorded_without_a_report(conn: duckdb.DuckDBPyConnection) -> None:
    rejected = make_rejected("in/scan.pdf")

    stats = run_batch(conn, [rejected])

    assert stats.outcomes == [
        FileOutcome("in/scan.pdf", rejected.document.sha256, "rejected", "no text layer: scanned PDF")
    ]
    assert conn.execute("SELECT status, reject_reason, size_bytes FROM documents").fetchall() == [
        ("rejected", "no text layer: scanned PDF", rejected.document.size)
    ]
    assert one(conn, "SELECT count(*) FROM reports") == (0,)


def test_a_failure_mid_batch_leaves_the_warehouse_as_it_was(
    conn: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_batch(conn, [make_report("in/a.txt")])
    before = snapshot(conn)
    real_insert = load._insert_frame
    calls: list[str] = []

    def insert_then_crash(connection: duckdb.DuckDBPyConnection, table: str, frame: object, **kwargs: object) -> None:
        if calls:
            raise RuntimeError("disk full")
        calls.append(table)
        real_insert(connection, table, frame, **kwargs)

    monkeypatch.setattr(load, "_insert_frame", insert_then_crash)
    run_id = start_run(conn, flow="test", params={})
    with pytest.raises(RuntimeError, match="disk full"):
        load_batch(conn, run_id, [make_report("in/b.txt", unit="某县教育局"), make_rejected("in/scan.pdf")])

    assert calls == ["documents"]  # the crash came after rows had been inserted
    assert snapshot(conn) == before
    # The connection is usable afterwards and the same batch loads cleanly.
    monkeypatch.setattr(load, "_insert_frame", real_insert)
    stats = load_batch(conn, run_id, [make_report("in/b.txt", unit="某县教育局")])
    assert stats.loaded == 1


def test_a_loaded_file_without_facts_is_refused_before_writing(conn: duckdb.DuckDBPyConnection) -> None:
    broken = Processed(make_report("in/a.txt").document, facts=None)
    run_id = start_run(conn, flow="test", params={})

    with pytest.raises(ValueError, match="must carry its facts"):
        load_batch(conn, run_id, [broken])
    assert one(conn, "SELECT count(*) FROM documents") == (0,)


def test_a_batch_needs_a_running_run(conn: duckdb.DuckDBPyConnection) -> None:
    run_batch(conn, [make_report("in/a.txt")])
    [(finished_run,)] = conn.execute("SELECT run_id FROM runs").fetchall()

    for run_id in ("no-such-run", finished_run):
        with pytest.raises(ValueError, match="no running run"):
            load_batch(conn, run_id, [make_report("in/b.txt", unit="某县教育局")])
    assert one(conn, "SELECT count(*) FROM documents") == (1,)


def test_finish_run_closes_a_run_once(conn: duckdb.DuckDBPyConnection) -> None:
    run_id = start_run(conn, flow="ingest", params={"db": Path("/tmp/x.duckdb"), "batch_size": 200})
    assert one(conn, "SELECT flow, status, params->>'batch_size' FROM runs") == (
        "ingest", "running", "200"
    )

    finish_run(conn, run_id, files_seen=3, loaded=2, rejected=1, unchanged=0, status="completed",
               summary={"errors": 0})

    row = one(
        conn,
        "SELECT status, files_seen, loaded, rejected, unchanged, summary->>'errors', finished_at IS NOT NULL "
        "FROM runs WHERE run_id = ?",
        [run_id],
    )
    assert row == ("completed", 3, 2, 1, 0, "0", True)
    with pytest.raises(ValueError, match="already finished"):
        finish_run(conn, run_id, files_seen=0, loaded=0, rejected=0, unchanged=0, status="failed", summary={})
    with pytest.raises(ValueError, match="run status"):
        finish_run(conn, run_id, files_seen=0, loaded=0, rejected=0, unchanged=0, status="done", summary={})


def test_batch_stats_combine_into_run_totals() -> None:
    first = BatchStats(loaded=2, rejected=1, outcomes=[FileOutcome("a", "1" * 64, "loaded", None)])
    second = BatchStats(unchanged=4)

    total = BatchStats.combine([first, second])

    assert (total.loaded, total.rejected, total.unchanged, total.files_seen) == (2, 1, 4, 7)
    assert total.outcomes == first.outcomes


def test_a_rejected_file_that_now_reads_is_loaded_on_the_next_run(tmp_path) -> None:
    """A rejection caused by our own bug must not stick once the bug is fixed."""
    from tasks.load import finish_run, load_batch, start_run
    from tasks.models import Document, Processed, ReportFacts
    from warehouse.db import connect

    conn = connect(tmp_path / "w.duckdb")
    document = Document(sha256="ab" * 32, path="/in/r.txt", format="text", size=3, encoding="utf-8", text="报告")
    facts = ReportFacts(document="r.txt", unit_name="某县妇联", region={"province": None, "city": None,
                        "county": None}, fiscal_year=2022, report_date=None)

    def run(item: Processed):
        run_id = start_run(conn, flow="test", params={})
        stats = load_batch(conn, run_id, [item])
        finish_run(conn, run_id, files_seen=1, loaded=stats.loaded, rejected=stats.rejected,
                   unchanged=stats.unchanged, status="completed", summary={})
        return stats

    first = run(Processed(document=document, facts=None, reject_reason="processing failed: TypeError"))
    assert (first.rejected, first.loaded) == (1, 0)
    again = run(Processed(document=document, facts=None, reject_reason="processing failed: TypeError"))
    assert again.unchanged == 1  # the same rejection is no change
    fixed = run(Processed(document=document, facts=facts))
    assert fixed.loaded == 1
    assert conn.execute("SELECT status, reject_reason FROM documents").fetchall() == [("loaded", None)]
    assert conn.execute("SELECT unit_name FROM reports").fetchall() == [("某县妇联",)]
