"""The audit's cross-report checks over a multi-year corpus: each planted problem found, nothing in a clean one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tasks.audit import AuditFinding
from tasks.audit.checks import run_sql_checks
from tasks.audit.store import RosterError, audit_texts, read_roster, replace_roster
from tasks.audit.text import copied_paragraphs, foreign_text
from tasks.load import load_batch, start_run
from tasks.pipeline import process_batch
from tests.audit_corpus import AUDIT_YEAR, PLANTED, UNITS, clean_corpus, planted_corpus, write_roster
from tests.shared import seed_paths
from warehouse.db import connect


def warehouse_of(files: dict[str, str], roster_csv: Path | None) -> duckdb.DuckDBPyConnection:
    conn = connect(":memory:")
    processed = process_batch([(name, text.encode("utf-8")) for name, text in sorted(files.items())])
    assert all(item.facts is not None for item in processed), [item.reject_reason for item in processed]
    load_batch(conn, start_run(conn, flow="test", params={}), processed)
    if roster_csv is not None:
        replace_roster(conn, read_roster(roster_csv), source=roster_csv.name)
    return conn


def audit(conn: duckdb.DuckDBPyConnection, year: int = AUDIT_YEAR) -> list[AuditFinding]:
    texts = audit_texts(conn, year)
    return run_sql_checks(conn, year) + copied_paragraphs(texts, year) + foreign_text(texts, year)


@pytest.fixture(scope="module")
def roster_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_roster(tmp_path_factory.mktemp("roster") / "units.csv")


@pytest.fixture(scope="module")
def planted(roster_csv: Path) -> list[AuditFinding]:
    return audit(warehouse_of(planted_corpus(), roster_csv))


def test_clean_corpus_flags_nothing(roster_csv: Path) -> None:
    conn = warehouse_of(clean_corpus(), roster_csv)
    for year in (2022, 2023):
        assert [(f.check_name, f.unit_name, f.message) for f in audit(conn, year)] == []


def test_each_planted_problem_is_flagged_and_nothing_else(planted: list[AuditFinding]) -> None:
    assert {(f.check_name, f.unit_name) for f in planted} == PLANTED


def test_a_large_duplicate_group_lists_a_few_reports_and_counts_the_rest(roster_csv: Path) -> None:
    # a name thousands of reports share must not make every finding list the whole group
    from dataclasses import replace

    from tasks.audit import DEFAULT_THRESHOLDS
    from tasks.audit.wording import evidence_sentence

    conn = warehouse_of(planted_corpus(), roster_csv)
    duplicates = [f for f in run_sql_checks(conn, AUDIT_YEAR, replace(DEFAULT_THRESHOLDS, duplicates_listed=1))
                  if f.check_name == "duplicate_report"]
    assert len(duplicates) == 2 and all(f.evidence["n_reports"] == 2 for f in duplicates)
    assert [[r["file_name"] for r in f.evidence["reports"]] for f in duplicates] == [["2023_youxian_fulian.txt"]] * 2
    assert evidence_sentence("duplicate_report", duplicates[0].evidence).endswith("；另有1份未列出")
    assert not evidence_sentence("duplicate_report", {**duplicates[0].evidence, "not_listed": 0}).endswith("列出")


def test_findings_carry_their_evidence(planted: list[AuditFinding]) -> None:
    by_check: Callable[[str], list[AuditFinding]] = lambda name: [f for f in planted if f.check_name == name]  # noqa: E731

    duplicates = by_check("duplicate_report")
    assert len(duplicates) == 2 and len({f.doc_sha256 for f in duplicates}) == 2  # each file of the pair
    assert sorted(r["file_name"] for r in duplicates[0].evidence["reports"]) == [
        "2023_youxian_fulian.txt", "2023_youxian_fulian_resubmitted.txt"]

    (swing,) = by_check("expenditure_swing")
    # 2022: 850万元 budget; 2023: twice 850 * 1.05; 95% spent both years: +110%
    assert swing.evidence["change_pct"] == pytest.approx(110.0)
    assert swing.evidence["previous_report"]["file_name"] == "2022_baoxing_linyeju.txt"

    (missing,) = by_check("missing_report")
    assert missing.doc_sha256 is None and missing.evidence["province"] == "湖北省"

    (inflation,) = by_check("score_inflation")
    assert inflation.evidence["self_eval_score"] == 97 and inflation.evidence["error_rules"] == ["rate_mismatch"]

    (early,) = by_check("dated_before_year_end")
    assert early.evidence["report_date"] == "2023-12-20"

    (outlier,) = by_check("execution_outlier")
    assert outlier.evidence["execution_pct"] == pytest.approx(55.0) and outlier.evidence["robust_z"] < -3.5

    copier = next(f for f in by_check("copied_text") if f.unit_name == "歙县档案馆")
    assert copier.evidence["other_unit"] == "松阳县残疾人联合会"
    assert copier.evidence["paragraphs"][0]["paragraph"].startswith("扶持残疾人居家就业")

    (foreign,) = by_check("foreign_text")
    assert [p["phrase"] for p in foreign.evidence["phrases"]] == ["广播电视事业", "我台"]
    assert "我台严格落实" in foreign.evidence["phrases"][1]["snippet"]


def test_no_roster_means_no_completeness_findings() -> None:
    conn = warehouse_of(planted_corpus(), roster_csv=None)
    checks = {f.check_name for f in run_sql_checks(conn, AUDIT_YEAR)}
    assert "missing_report" not in checks and "not_on_roster" not in checks
    assert "duplicate_report" in checks


def test_a_report_of_a_unit_not_on_the_roster_is_flagged(tmp_path: Path) -> None:
    conn = warehouse_of(clean_corpus(), write_roster(tmp_path / "units.csv", UNITS[1:]))
    assert {(f.check_name, f.unit_name) for f in run_sql_checks(conn, AUDIT_YEAR)} == {
        ("not_on_roster", UNITS[0].name)}


def _texts(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"sha256": f"{i:064x}", "unit_key": unit, "unit_name": unit, "file_name": f"{i}.txt",
                          "fiscal_year": year, "canonical_text": text} for i, (unit, text, year) in enumerate(rows)])


def test_a_paragraph_shared_by_many_units_is_a_template_not_a_copy() -> None:
    template = "根据财政局关于开展部门整体支出绩效自评工作的通知要求，我单位对本年度部门整体支出情况开展了绩效自评，现将有关情况报告如下。"
    copied = "扶持残疾人居家就业和创业基地建设，举办盲人按摩和电商技能培训班六期，新增残疾人就业一百二十人。"
    rows = [(unit.name, f"标题\n{template}\n{unit.work[0]}", 2023) for unit in UNITS[:6]]
    rows += [("甲单位", f"{template}\n{copied}", 2023), ("乙单位", f"{copied}\n结尾", 2022)]
    found = copied_paragraphs(_texts(rows), 2023)
    assert [(f.unit_name, f.evidence["other_unit"], f.evidence["n_paragraphs"]) for f in found] == [
        ("甲单位", "乙单位", 1)]


def test_a_unit_reusing_its_own_text_is_not_copying() -> None:
    text = "完成徽州文书和民国档案数字化扫描二十八万画幅，馆藏档案全部实现计算机目录检索，查档利用服务更加便捷。"
    assert copied_paragraphs(_texts([("歙县档案馆", text, 2023), ("歙县档案馆", text, 2022)]), 2023) == []


def test_seed_000_speaks_as_a_broadcaster() -> None:
    paths = seed_paths()
    processed = process_batch([(str(path), path.read_bytes()) for path in paths])
    texts = pd.DataFrame([{"sha256": p.document.sha256, "unit_name": p.facts.unit_name,
                           "file_name": Path(p.document.path).name, "fiscal_year": 0,
                           "canonical_text": p.document.text} for p in processed if p.facts])
    found = foreign_text(texts, 0)
    assert [(f.evidence["kind"], Path(f.doc_sha256 and texts.set_index("sha256").loc[f.doc_sha256, "file_name"]).name[:3])
            for f in found] == [("广播电视", "000")]
    assert {p["phrase"] for p in found[0].evidence["phrases"]} == {"广播电视事业", "我台"}


@pytest.mark.parametrize(("content", "message"), [
    ("name,province\n攸县妇女联合会,湖南省\n", "unit_name"),
    ("unit_name\n攸县妇女联合会\n攸县妇女联合会\n", "listed twice"),
    ("unit_name,first_year\n攸县妇女联合会,去年\n", "line 2: first_year"),
])
def test_a_bad_roster_says_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "units.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RosterError, match=message):
        read_roster(path)


def test_text_checks_split_over_workers_find_what_one_pass_finds(
        roster_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import tasks.audit.text as text_module
    from tasks.audit import DEFAULT_THRESHOLDS

    conn = warehouse_of(planted_corpus(), roster_csv)
    years = [2022, AUDIT_YEAR]
    texts = audit_texts(conn, years)
    pools: list[ThreadPoolExecutor] = []

    def pool() -> ThreadPoolExecutor:  # the split, not the processes, is what is checked here
        pools.append(ThreadPoolExecutor(max_workers=2))
        return pools[-1]

    one_pass = text_module.text_checks(texts, years, DEFAULT_THRESHOLDS, pool=pool, workers=2)
    assert not pools  # a few texts: no pool is made
    monkeypatch.setattr(text_module, "PARALLEL_TEXTS", 0)
    split = text_module.text_checks(texts, years, DEFAULT_THRESHOLDS, pool=pool, workers=2)
    assert len(pools) == 1
    pools[0].shutdown()
    assert one_pass and {f.check_name for f in one_pass} >= {"copied_text"}
    assert [(f.check_name, f.doc_sha256, f.fiscal_year, f.message, f.evidence) for f in split] == \
        [(f.check_name, f.doc_sha256, f.fiscal_year, f.message, f.evidence) for f in one_pass]
