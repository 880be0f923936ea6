"""The warehouse schema: migrations, the concept dimension, the analysts' views and example queries."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from expectations.concepts import CONCEPTS_CSV
from tasks.load import finish_run, load_batch, start_run
from tasks.models import Amount, Document, Finding, Processed, Rate, ReportFacts, Score
from warehouse.db import SQL_DIR, WarehouseError, connect, migrate, refresh_concepts

TABLES = {"documents", "reports", "amounts", "rates", "staff", "scores", "findings", "runs", "concepts",
          "bases", "rules", "rate_kinds", "schema_migrations"}
VIEWS = {"v_documents", "v_report_summary", "v_findings", "v_amounts", "v_facts"}
PREAMBLE = "本报告依据财政部门关于开展部门整体支出绩效自评工作的通知要求编写，现将有关情况报告如下：一、基本情况。"


def one(conn: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> tuple:
    [row] = conn.execute(sql, params or []).fetchall()
    return row


def view_report(
    path: str, *, unit: str, province: str, budget: float, final: float, findings: list[Finding]
) -> Processed:
    """A report with budget/adjusted/final expenditure, fiscal income only, a stated rate, two scores."""
    adjusted = budget + 100_000
    written = {
        "budget": f"{budget / 10_000:.2f}万元", "adjusted": f"{adjusted / 10_000:.2f}万元",
        "final": f"{final / 10_000:.2f}万元", "income": f"{final / 10_000:.2f}万元",
    }
    text = (
        f"{unit}2023年度部门整体支出绩效自评报告。{PREAMBLE}"
        f"支出年初预算数{written['budget']}，调整后预算数{written['adjusted']}，决算数{written['final']}，"
        f"预算执行率95.5%。财政拨款收入{written['income']}。单位自评得分88分，项目自评得分91.5分。"
    )

    def span(as_written: str, after: int = 0) -> tuple[int, int]:
        start = text.index(as_written, after)
        return start, start + len(as_written)

    final_span = span(written["final"], text.index("决算数"))
    facts = ReportFacts(
        document=Path(path).name, unit_name=unit, region={"province": province, "city": None, "county": None},
        fiscal_year=2023, report_date="2024-03-15",
        amounts=[
            Amount("a1", "expenditure.total", "budget", budget, written["budget"], span(written["budget"]), "万元", 2),
            Amount("a2", "expenditure.total", "adjusted_budget", adjusted, written["adjusted"],
                   span(written["adjusted"], text.index("调整后")), "万元", 2),
            Amount("a3", "expenditure.total", "final", final, written["final"], final_span, "万元", 2),
            Amount("a4", "income.fiscal", "final", final, written["income"],
                   span(written["income"], text.index("财政拨款")), "万元", 2),
        ],
        rates=[Rate("r1", "expenditure.total", "execution", 95.5, "95.5%", span("95.5%"), 1)],
        scores=[Score("c1", 88.0, "88分", span("88分")), Score("c2", 91.5, "91.5分", span("91.5分"))],
        findings=findings,
    )
    data = text.encode("utf-8")
    document = Document(hashlib.sha256(data).hexdigest(), path, "text", len(data), "utf-8", text)
    return Processed(document=document, facts=facts)


@pytest.fixture
def loaded(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A warehouse holding one over-budget report (warning) and one within budget with an error."""
    conn = connect(tmp_path / "wh.duckdb")
    over = view_report("in/over.txt", unit="某县水务局", province="云南省", budget=2_000_000, final=2_300_000,
                       findings=[Finding("over_budget", "warning", "决算数超过调整后预算数", ["a3", "a2"])])
    within = view_report("in/within.txt", unit="某县文化局", province="贵州省", budget=1_000_000, final=1_045_000,
                         findings=[Finding("sum_mismatch", "error", "明细之和与合计不符", [])])
    run_id = start_run(conn, flow="test", params={})
    stats = load_batch(conn, run_id, [over, within])
    finish_run(conn, run_id, files_seen=2, loaded=stats.loaded, rejected=0, unchanged=0, status="completed",
               summary={})
    yield conn
    conn.close()


def test_connect_creates_the_file_with_every_table_and_view(tmp_path: Path) -> None:
    db = tmp_path / "not" / "yet" / "there.duckdb"

    conn = connect(db)

    assert db.is_file()
    found = dict(conn.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
    assert {name for name, kind in found.items() if kind == "BASE TABLE"} >= TABLES
    assert {name for name, kind in found.items() if kind == "VIEW"} >= VIEWS
    assert one(conn, "SELECT zh_label FROM bases WHERE basis = 'adjusted_budget'") == ("调整后预算数",)
    assert one(conn, "SELECT severity FROM rules WHERE rule = 'over_budget'") == ("warning",)


def test_every_table_and_view_column_has_a_chinese_comment() -> None:
    conn = connect(":memory:")
    missing = conn.execute(
        "SELECT table_name || '.' || column_name FROM duckdb_columns() "
        "WHERE NOT internal AND table_name <> 'schema_migrations' AND (comment IS NULL OR comment = '')"
    ).fetchall()
    assert missing == []
    uncommented = conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name <> 'schema_migrations' AND comment IS NULL "
        "UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal AND comment IS NULL"
    ).fetchall()
    assert uncommented == []


def test_connecting_again_applies_nothing_twice(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    connect(db).close()
    conn = connect(db)
    first = conn.execute("SELECT * FROM schema_migrations ORDER BY file_name").fetchall()

    assert migrate(conn) == []
    assert refresh_concepts(conn) == 0  # an unchanged concepts.csv writes nothing
    conn.close()
    conn = connect(db)

    assert conn.execute("SELECT * FROM schema_migrations ORDER BY file_name").fetchall() == first
    assert [row[0] for row in first] == [p.name for p in sorted(SQL_DIR.glob("[0-9][0-9][0-9]_*.sql"))]


def test_read_only_connect_on_a_missing_file_says_to_ingest_first(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "wh.duckdb"

    with pytest.raises(WarehouseError, match=r"no warehouse at .*wh\.duckdb: run jixiao ingest first"):
        connect(missing, read_only=True)
    assert not missing.parent.exists()


def test_read_only_connect_reads_but_never_writes(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    connect(db).close()

    conn = connect(db, read_only=True)

    assert one(conn, "SELECT count(*) FROM v_report_summary") == (0,)
    with pytest.raises(duckdb.Error):
        conn.execute("DELETE FROM bases")


def test_repeatable_files_are_reapplied_when_changed_and_others_refuse_edits(tmp_path: Path) -> None:
    sql_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    conn = duckdb.connect()
    migrate(conn, sql_dir)
    views = sql_dir / "010_views.sql"
    views.write_text(views.read_text(encoding="utf-8") + "\nCREATE OR REPLACE VIEW v_extra AS SELECT 1 AS x;\n",
                     encoding="utf-8")

    assert migrate(conn, sql_dir) == ["010_views.sql"]
    assert one(conn, "SELECT x FROM v_extra") == (1,)

    tables = sql_dir / "001_tables.sql"
    tables.write_text(tables.read_text(encoding="utf-8") + "\nCREATE TABLE extra (x INTEGER);\n", encoding="utf-8")
    with pytest.raises(WarehouseError, match="001_tables.sql changed after it was applied"):
        migrate(conn, sql_dir)


def test_a_failing_migration_leaves_no_trace(tmp_path: Path) -> None:
    sql_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    (sql_dir / "020_broken.sql").write_text("CREATE TABLE half_done (x INTEGER);\nSELEC oops;\n", encoding="utf-8")
    conn = duckdb.connect()

    with pytest.raises(WarehouseError, match="migration 020_broken.sql failed"):
        migrate(conn, sql_dir)

    tables = {name for (name,) in conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "half_done" not in tables
    assert one(conn, "SELECT count(*) FROM schema_migrations WHERE file_name = '020_broken.sql'") == (0,)


def test_a_new_concept_row_appears_on_the_next_connect(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    connect(db).close()
    extended = tmp_path / "concepts.csv"
    with CONCEPTS_CSV.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    rows.append({**rows[0], "concept": "income.transfer", "parent": "income.total", "zh_label": "上级补助收入",
                 "typical_phrasings": "上级补助收入", "axis": "source", "closed": "yes"})
    with extended.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    conn = connect(db, concepts_csv=extended)

    assert one(conn, "SELECT kind, parent, zh_label, axis, closed, multiple FROM concepts "
                     "WHERE concept = 'income.transfer'") == ("amount", "income.total", "上级补助收入", "source",
                                                              True, False)
    assert one(conn, "SELECT count(*) FROM concepts") == (len(rows),)


def test_report_summary_shows_the_loaded_figures(loaded: duckdb.DuckDBPyConnection) -> None:
    rows = loaded.execute(
        "SELECT file_name, unit_name, province, fiscal_year, report_date, expenditure_budget_yuan, "
        "expenditure_adjusted_budget_yuan, expenditure_final_yuan, income_final_yuan, income_budget_yuan, "
        "expenditure_execution_pct_stated, expenditure_execution_pct_computed, self_eval_score, status, "
        "status_zh, n_errors, n_warnings FROM v_report_summary ORDER BY file_name"
    ).fetchall()

    assert rows == [
        # income.total is absent, so income falls back to the fiscal income; the rate uses the adjusted budget
        ("over.txt", "某县水务局", "云南省", 2023, "2024-03-15", 2_000_000.0, 2_100_000.0, 2_300_000.0,
         2_300_000.0, None, 95.5, 109.52, 91.5, "warning", "有警告", 0, 1),
        ("within.txt", "某县文化局", "贵州省", 2023, "2024-03-15", 1_000_000.0, 1_100_000.0, 1_045_000.0,
         1_045_000.0, None, 95.5, 95.0, 91.5, "failed", "有错误", 1, 0),
    ]


def test_findings_view_quotes_the_text_around_the_first_fact(loaded: duckdb.DuckDBPyConnection) -> None:
    [(text,)] = loaded.execute(
        "SELECT canonical_text FROM documents WHERE path = 'in/over.txt'"
    ).fetchall()
    start = text.index("230.00万元")
    expected_snippet = text[max(start - 40, 0): start + len("230.00万元") + 40]

    rows = loaded.execute(
        "SELECT unit_name, fiscal_year, file_name, rule, rule_zh, severity, severity_zh, fact_ids, "
        "first_fact_as_written, source_snippet FROM v_findings ORDER BY file_name"
    ).fetchall()

    assert rows == [
        ("某县水务局", 2023, "over.txt", "over_budget", "超预算", "warning", "警告", ["a3", "a2"], "230.00万元",
         expected_snippet),
        # a finding that names no fact has no snippet
        ("某县文化局", 2023, "within.txt", "sum_mismatch", "合计与明细不符", "error", "错误", [], None, None),
    ]
    assert len(expected_snippet) == 40 + len("230.00万元") + 40


def test_amounts_and_facts_views_carry_chinese_labels(loaded: duckdb.DuckDBPyConnection) -> None:
    assert loaded.execute(
        "SELECT concept_zh, basis_zh, value_yuan, value_wan_yuan FROM v_amounts "
        "WHERE unit_name = '某县水务局' ORDER BY fact_id"
    ).fetchall() == [
        ("支出合计", "年初预算数", 2_000_000.0, 200.0),
        ("支出合计", "调整后预算数", 2_100_000.0, 210.0),
        ("支出合计", "决算数", 2_300_000.0, 230.0),
        ("财政拨款收入", "决算数", 2_300_000.0, 230.0),
    ]
    assert loaded.execute(
        "SELECT fact_type_zh, concept_zh, qualifier_zh, value, value_unit FROM v_facts "
        "WHERE unit_name = '某县水务局' AND fact_type <> 'amount' ORDER BY fact_type, fact_id"
    ).fetchall() == [
        ("比率", "支出合计", "执行率", 95.5, "%"),
        ("得分", "自评得分", None, 88.0, "分"),
        ("得分", "自评得分", None, 91.5, "分"),
    ]
    assert one(loaded, "SELECT count(*) FROM v_facts") == (2 * (4 + 1 + 2),)


def example_queries() -> list[str]:
    sql = (SQL_DIR / "examples.sql").read_text(encoding="utf-8")
    return [statement.query for statement in duckdb.extract_statements(sql)]


def test_examples_file_holds_three_queries() -> None:
    assert len(example_queries()) == 3


def test_example_queries_run_and_answer(loaded: duckdb.DuckDBPyConnection) -> None:
    failed_by_region, over_budget, execution_bands = (loaded.execute(q).fetchall() for q in example_queries())

    assert failed_by_region == [("贵州省", "（未注明）", 1, 1, 0, 100.0), ("云南省", "（未注明）", 1, 0, 1, 0.0)]
    assert [(row[0], row[4], row[5], row[6]) for row in over_budget] == [("某县水务局", 210.0, 230.0, 20.0)]
    assert execution_bands == [(2023, "90-100%", 1, 95.0), (2023, "100-110%", 1, 109.52)]


def test_the_writer_can_cap_duckdbs_memory(tmp_path: Path) -> None:
    from jixiao.settings import Settings

    conn = connect(tmp_path / "jixiao.duckdb", memory_limit="256MB")
    try:
        [(limit,)] = conn.execute("SELECT current_setting('memory_limit')").fetchall()
    finally:
        conn.close()
    assert limit.endswith("MiB") and float(limit.split()[0]) < 256
    assert Settings().writer_memory_limit == "1GB"
    with pytest.raises(ValueError, match="writer_memory_limit"):
        Settings(writer_memory_limit="as much as it likes")


def test_a_runs_copy_checkpoints_rarely_and_publishes_what_it_committed(tmp_path: Path) -> None:
    # checkpoints rewrite the key indexes whole: at DuckDB's default every ingest batch paid one
    from warehouse.writer import writing

    db = tmp_path / "jixiao.duckdb"
    with writing(db, holder="test") as conn:
        [(threshold,)] = conn.execute("SELECT current_setting('checkpoint_threshold')").fetchall()
        conn.execute("INSERT INTO runs (run_id, flow, params, status) VALUES ('r1', 'ingest', '{}', 'running')")
    assert threshold.replace(" ", "").upper() in {"256.0MIB", "256MIB", "244.1MIB"}
    with connect(db, read_only=True) as reader:
        assert reader.execute("SELECT count(*) FROM runs").fetchall() == [(1,)]
