"""Validation rules: each rule flags a real inconsistency and stays quiet on a near case that only
differs by the rounding of the stated precision; the five seeds give exactly their gold findings."""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal
from itertools import count
from pathlib import Path

import pandas as pd
import pytest

from expectations.schemas import FactContractError
from tasks.frames import facts_to_frames
from tasks.models import UNIT_YUAN, Amount, Rate, ReportFacts, Score, Staff
from tasks.validate import validate_frames, validate_report

GOLD = Path(__file__).resolve().parents[2] / "shared" / "gold"
AMOUNT_WRITTEN = re.compile(r"([\d,]+(?:\.(\d+))?)\s*(万元|亿元|千元|元|万|亿)?")
RATE_WRITTEN = re.compile(r"(\d+(?:\.(\d+))?)\s*%")

_ids = count()


def amount(concept: str, written: str, basis: str = "final") -> Amount:
    """An amount as the extractor would produce it from `written` ("299.8万元" -> 2,998,000 yuan,
    unit 万元, 1 decimal). A number without a unit is taken as yuan with the unit implied."""
    match = AMOUNT_WRITTEN.search(written)
    assert match, written
    unit = {"万": "万元", "亿": "亿元"}.get(match.group(3), match.group(3) or "元")
    value = Decimal(match.group(1).replace(",", "")) * UNIT_YUAN[unit]
    start = next(_ids) * 10
    return Amount(id=f"a{start}", concept=concept, basis=basis, value_yuan=float(value), as_written=written,
                  span=(start, start + len(written)), unit=unit, decimals=len(match.group(2) or ""),
                  unit_implied=match.group(3) is None)


def rate(concept: str, kind: str, written: str, of: Amount | None = None) -> Rate:
    match = RATE_WRITTEN.search(written)
    assert match, written
    start = next(_ids) * 10
    return Rate(id=f"r{start}", concept=concept, kind=kind, value_pct=float(match.group(1)), as_written=written,
                span=(start, start + len(written)), decimals=len(match.group(2) or ""),
                amount_id=of.id if of else None)


def staff(concept: str, value: int) -> Staff:
    start = next(_ids) * 10
    return Staff(id=f"s{start}", concept=concept, value=value, as_written=f"{value}人", span=(start, start + 3))


def report(*facts: Amount | Rate | Staff | Score, name: str = "report.txt") -> ReportFacts:
    return ReportFacts(
        document=name, unit_name=None, region={}, fiscal_year=None, report_date=None,
        amounts=[f for f in facts if isinstance(f, Amount)], rates=[f for f in facts if isinstance(f, Rate)],
        staff=[f for f in facts if isinstance(f, Staff)], scores=[f for f in facts if isinstance(f, Score)],
    )


def rules(*facts: Amount | Rate | Staff) -> list[str]:
    return sorted(finding.rule for finding in validate_report(report(*facts)))


# --- sum_mismatch --------------------------------------------------------------------------------

def test_sum_of_two_parts_that_misses_the_total_is_flagged() -> None:
    total, basic = amount("expenditure.total", "300万元"), amount("expenditure.basic", "200万元")
    project = amount("expenditure.project", "90万元")
    findings = validate_report(report(total, basic, project))
    assert [f.rule for f in findings] == ["sum_mismatch"]
    assert findings[0].severity == "error"
    assert findings[0].facts == [total.id, basic.id, project.id]
    assert "支出合计（决算）300万元（3,000,000.00元）" in findings[0].message
    assert "基本支出200万元" in findings[0].message and "项目支出90万元" in findings[0].message


def test_sum_that_differs_only_by_rounding_is_not_flagged() -> None:
    # 271.25 + 28.56 = 299.81, stated as 299.8: within 0.05万 + 0.005万 + 0.005万
    assert rules(amount("expenditure.total", "299.8万元"), amount("expenditure.basic", "271.25万元"),
                 amount("expenditure.project", "28.56万元")) == []


def test_one_part_is_a_partial_breakdown_unless_it_exceeds_the_total() -> None:
    total = amount("expenditure.total", "100万元")
    assert rules(total, amount("expenditure.basic", "60万元")) == []
    assert rules(total, amount("expenditure.basic", "120万元")) == ["sum_mismatch"]
    assert rules(total, amount("expenditure.basic", "100.4万元")) == []  # 100万 means up to 100.5万


def test_alternative_breakdowns_are_never_mixed() -> None:
    # each axis adds up on its own: basic+project, and the (open) function breakdown
    total_and_nature = [amount("expenditure.total", "100万元"), amount("expenditure.basic", "60万元"),
                        amount("expenditure.project", "40万元")]
    for education, health, expected in (("70万元", "30万元", []), ("30万元", "20万元", ["sum_mismatch"])):
        assert rules(*total_and_nature, amount("expenditure.function.education", education),
                     amount("expenditure.function.health", health)) == expected
    # nor are bases: a budget total says nothing about final parts
    assert rules(amount("expenditure.total", "100万元", "budget"), amount("expenditure.basic", "60万元"),
                 amount("expenditure.project", "45万元")) == []


def test_items_of_a_multiple_concept_are_summed() -> None:
    total = amount("special_fund.total", "27.84万元")
    items = [amount("special_fund.item", "15.84万元"), amount("special_fund.item", "1万元")]
    assert rules(total, *items, amount("special_fund.item", "11万元")) == []
    findings = validate_report(report(total, *items, amount("special_fund.item", "13万元")))  # 2万 > 1.01万
    assert [f.rule for f in findings] == ["sum_mismatch"]
    assert len(findings[0].facts) == 4


def test_a_repeated_total_is_summed_once_or_reported_as_a_conflict() -> None:
    parts = [amount("expenditure.basic", "60万元"), amount("expenditure.project", "40万元")]
    total = amount("expenditure.total", "100万元")
    assert rules(total, amount("expenditure.total", "100.0万元"), *parts) == []
    assert rules(total, amount("expenditure.total", "120万元"), *parts) == ["conflicting_values"]


# --- rate_mismatch -------------------------------------------------------------------------------

def test_share_rate_that_does_not_match_the_amounts_is_flagged() -> None:
    total, basic = amount("expenditure.total", "109.18万元"), amount("expenditure.basic", "85.27万元")
    findings = validate_report(report(total, basic, rate("expenditure.basic", "share", "80%", of=basic)))
    assert [f.rule for f in findings] == ["rate_mismatch"]
    assert "基本支出占比80%" in findings[0].message and "=78.10%" in findings[0].message
    assert set(findings[0].facts) >= {basic.id, total.id}


def test_share_rate_matching_at_its_precision_or_truncated_is_not_flagged() -> None:
    total, basic = amount("expenditure.total", "109.18万元"), amount("expenditure.basic", "85.27万元")  # 78.1004%
    assert rules(total, basic, rate("expenditure.basic", "share", "78.1%", of=basic)) == []
    part, whole = amount("expenditure.basic", "99.98元"), amount("expenditure.total", "100.00元")
    assert rules(part, whole, rate("expenditure.basic", "share", "99%", of=part)) == []  # truncated
    assert rules(part, whole, rate("expenditure.basic", "share", "98%", of=part)) == ["rate_mismatch"]


def test_execution_rate_accepts_adjusted_budget_or_budget() -> None:
    final = amount("expenditure.total", "299.8万元")
    adjusted = amount("expenditure.total", "320.61万元", "adjusted_budget")
    assert rules(final, adjusted, rate("expenditure.total", "execution", "93.5%")) == []
    findings = validate_report(report(final, adjusted, rate("expenditure.total", "execution", "95%")))
    assert [f.rule for f in findings] == ["rate_mismatch"]
    assert "支出合计执行率95%" in findings[0].message
    budget = amount("expenditure.total", "299.8万元", "budget")
    assert rules(final, adjusted, budget, rate("expenditure.total", "execution", "100%")) == []


def test_rates_with_a_missing_or_zero_operand_are_skipped() -> None:
    final = amount("expenditure.total", "10万元")
    assert rules(final, rate("expenditure.total", "execution", "50%")) == []
    assert rules(final, amount("expenditure.total", "0万元", "budget"),
                 rate("expenditure.total", "execution", "50%")) == ["over_budget"]
    part = amount("expenditure.basic", "5万元")
    assert rules(part, rate("expenditure.basic", "share", "50%", of=part)) == []


# --- rate_over_100 -------------------------------------------------------------------------------

def test_proportion_indicator_or_share_above_100_is_flagged_beyond_its_precision() -> None:
    findings = validate_report(report(rate("服务对象满意度", "indicator", "101%")))
    assert [(f.rule, f.severity) for f in findings] == [("rate_over_100", "error")]
    assert "服务对象满意度101%" in findings[0].message
    assert rules(rate("expenditure.basic", "share", "100.4%")) == ["rate_over_100"]
    assert rules(rate("expenditure.basic", "share", "100%")) == []


def test_rates_that_may_exceed_100_are_not_flagged() -> None:
    assert rules(rate("服务对象满意度", "indicator", "100%"),
                 rate("财政供养人员控制率", "indicator", "105%"),  # 控制率: staff may exceed authorized
                 rate("涨幅", "growth", "超过101%"),
                 rate("科普员分享任务完成量", "indicator", "120%"),  # not a proportion label
                 rate("expenditure.total", "execution", "120%")) == []



# --- shares_not_100 ------------------------------------------------------------------------------

def _nature_split(basic_share: str, project_share: str) -> list[Amount | Rate]:
    basic, project = amount("expenditure.basic", "78万元"), amount("expenditure.project", "22万元")
    return [basic, project, rate("expenditure.basic", "share", basic_share, of=basic),
            rate("expenditure.project", "share", project_share, of=project)]


def test_shares_of_a_complete_breakdown_must_make_100() -> None:
    findings = validate_report(report(*_nature_split("70%", "20%")))
    assert "shares_not_100" in [f.rule for f in findings]
    message = next(f.message for f in findings if f.rule == "shares_not_100")
    assert "合计90%" in message and "基本支出占比70%" in message


def test_shares_off_only_by_rounding_or_truncation_are_not_flagged() -> None:
    assert rules(*_nature_split("78%", "22%")) == []
    basic, project = amount("expenditure.basic", "78.19元"), amount("expenditure.project", "21.81元")
    assert rules(basic, project, rate("expenditure.basic", "share", "78.1%", of=basic),
                 rate("expenditure.project", "share", "21.8%", of=project)) == []  # truncated: 99.9


def test_partial_shares_may_add_below_100_but_not_above() -> None:
    education, health = amount("expenditure.function.education", "50万元"), amount("expenditure.function.health", "20万元")
    assert rules(education, health, rate("expenditure.function.education", "share", "40%"),
                 rate("expenditure.function.health", "share", "20%")) == []
    assert rules(rate("expenditure.function.education", "share", "80%"),
                 rate("expenditure.function.health", "share", "30%")) == ["shares_not_100"]


def test_partial_shares_whose_parts_add_up_to_the_total_must_make_100() -> None:
    total = amount("expenditure.total", "100万元")
    education = amount("expenditure.function.education", "60万元")
    health = amount("expenditure.function.health", "40万元")
    assert rules(total, education, health, rate("expenditure.function.education", "share", "50%", of=education),
                 rate("expenditure.function.health", "share", "30%", of=health)).count("shares_not_100") == 1


# --- conflicting_values --------------------------------------------------------------------------

def test_same_concept_and_basis_with_disagreeing_values_is_one_conflict() -> None:
    first = amount("expenditure.total", "109.18万元")
    second = amount("expenditure.total", "110万元")
    third = amount("expenditure.total", "109.2万元")
    findings = validate_report(report(first, second, third))
    assert [f.rule for f in findings] == ["conflicting_values"]
    assert findings[0].facts == [first.id, second.id, third.id]
    assert "支出合计（决算）" in findings[0].message and "110万元（1,100,000.00元）" in findings[0].message


def test_values_that_agree_at_their_precision_do_not_conflict() -> None:
    assert rules(amount("income.fiscal", "299.8万元"), amount("income.fiscal", "299.81万元"),
                 amount("income.fiscal", "2,998,100.00元")) == []
    assert rules(amount("special_fund.item", "1万元"), amount("special_fund.item", "11万元")) == []


# --- over_budget ---------------------------------------------------------------------------------

def test_final_above_budget_is_a_warning() -> None:
    findings = validate_report(report(amount("expenditure.total", "87.07万元", "budget"),
                                      amount("expenditure.total", "109.18万元")))
    assert [(f.rule, f.severity) for f in findings] == [("over_budget", "warning")]
    assert findings[0].message == ("支出合计（决算）109.18万元（1,091,800.00元）超过"
                                   "支出合计（年初预算）87.07万元（870,700.00元）")


def test_over_budget_uses_the_adjusted_budget_and_the_stated_precision() -> None:
    assert rules(amount("expenditure.total", "100万元", "budget"),
                 amount("expenditure.total", "120万元", "adjusted_budget"),
                 amount("expenditure.total", "110万元")) == []
    assert rules(amount("expenditure.total", "87.1万元", "budget"),
                 amount("expenditure.total", "87.13万元")) == []  # 87.1万 stands for up to 87.15万
    # receiving more than planned is not overspending
    assert rules(amount("income.fiscal", "100万元", "budget"), amount("income.fiscal", "150万元")) == []


# --- expenditure_exceeds_income ------------------------------------------------------------------

def test_expenditure_above_income_without_carryover_is_a_warning() -> None:
    findings = validate_report(report(amount("income.total", "102.18万元"), amount("expenditure.total", "109.18万元")))
    assert [(f.rule, f.severity) for f in findings] == [("expenditure_exceeds_income", "warning")]
    assert findings[0].message == ("支出合计（决算）109.18万元（1,091,800.00元）超过收入合计（决算）"
                                   "102.18万元（1,021,800.00元），且未说明年初结转结余")


def test_income_parts_stand_in_for_a_missing_income_total() -> None:
    spent = amount("expenditure.total", "100万元")
    assert rules(spent, amount("income.fiscal", "90万元")) == ["expenditure_exceeds_income"]
    assert rules(spent, amount("income.fiscal", "90万元"), amount("income.other", "10万元")) == []


def test_no_warning_within_precision_with_carryover_or_without_income() -> None:
    spent = amount("expenditure.total", "299.8万元")
    assert rules(spent, amount("income.fiscal", "299.81万元")) == []
    # 300万 stands for [299.5万, 300.5万): 299.6万 of income may be all it took, 299.4万 may not
    assert rules(amount("expenditure.total", "300万元"), amount("income.fiscal", "299.6万元")) == []
    assert rules(amount("expenditure.total", "300万元"),
                 amount("income.fiscal", "299.4万元")) == ["expenditure_exceeds_income"]
    assert rules(amount("expenditure.total", "120万元"), amount("income.total", "100万元"),
                 amount("income.carryover_in", "20万元", "budget")) == []
    assert rules(amount("expenditure.total", "120万元")) == []


# --- staff ---------------------------------------------------------------------------------------

def test_staff_parts_must_add_up_exactly() -> None:
    assert rules(staff("staff.authorized", 26), staff("staff.authorized.organ", 8),
                 staff("staff.authorized.affiliated", 18)) == []
    findings = validate_report(report(staff("staff.authorized", 26), staff("staff.authorized.organ", 8),
                                      staff("staff.authorized.affiliated", 17)))
    assert [(f.rule, f.severity) for f in findings] == [("staff_sum_mismatch", "error")]
    assert findings[0].message.startswith("编制人数26人与其组成部分之和25人不一致")


def test_one_staff_part_may_be_partial_but_not_larger() -> None:
    assert rules(staff("staff.in_service", 5), staff("staff.in_service.admin", 3)) == []
    assert rules(staff("staff.in_service", 5), staff("staff.in_service.admin", 6)) == ["staff_sum_mismatch"]


def test_staff_over_authorized_is_one_finding_mentioning_the_parts() -> None:
    findings = validate_report(report(staff("staff.authorized", 26), staff("staff.actual", 28),
                                      staff("staff.authorized.organ", 8), staff("staff.actual.organ", 10),
                                      staff("staff.authorized.affiliated", 18), staff("staff.actual.affiliated", 18)))
    assert [(f.rule, f.severity) for f in findings] == [("staff_over_authorized", "warning")]
    assert findings[0].message == "实有人数28人超过编制人数26人（其中机关实有10人超过机关编制8人）"
    assert len(findings[0].facts) == 4


def test_over_authorized_parts_stand_alone_when_the_total_is_fine_or_missing() -> None:
    assert rules(staff("staff.authorized", 26), staff("staff.actual", 26), staff("staff.authorized.organ", 8),
                 staff("staff.actual.organ", 10)) == ["staff_over_authorized"]
    assert rules(staff("staff.authorized.organ", 8), staff("staff.actual.organ", 10),
                 staff("staff.authorized.affiliated", 18), staff("staff.actual.affiliated", 19)) == [
        "staff_over_authorized", "staff_over_authorized"]
    assert rules(staff("staff.authorized", 26), staff("staff.actual", 26)) == []


# --- the report and the batch --------------------------------------------------------------------

def test_status_follows_the_worst_severity() -> None:
    for clean in (report(), report(amount("expenditure.total", "10万元"))):
        assert validate_report(clean) == [] and (clean.status, clean.findings) == ("passed", [])
    warned = report(amount("expenditure.total", "12万元"), amount("expenditure.total", "10万元", "budget"))
    validate_report(warned)
    assert warned.status == "warning"
    failed = report(rate("满意度", "indicator", "120%"), amount("expenditure.total", "12万元"),
                    amount("expenditure.total", "10万元", "budget"))
    validate_report(failed)
    assert failed.status == "failed"
    assert [f.rule for f in failed.findings] == ["rate_over_100", "over_budget"]  # the rule table's order


def test_many_reports_at_once_give_each_report_its_own_findings() -> None:
    over = report(amount("expenditure.total", "12万元"), amount("expenditure.total", "10万元", "budget"))
    clean = report(amount("expenditure.total", "8万元"), amount("expenditure.total", "10万元", "budget"))
    wrong_sum = report(amount("income.total", "10.0万元"), amount("income.fiscal", "8.0万元"),
                       amount("income.other", "1.0万元"))
    frames = facts_to_frames([("sha-over", over), ("sha-clean", clean), ("sha-sum", wrong_sum)])
    findings = validate_frames(frames)
    assert list(findings.columns) == ["doc_sha256", "rule", "severity", "message", "fact_ids"]
    assert sorted(zip(findings["doc_sha256"], findings["rule"], strict=True)) == [
        ("sha-over", "over_budget"), ("sha-sum", "sum_mismatch")]
    by_doc = dict(zip(findings["doc_sha256"], findings["fact_ids"], strict=True))
    assert by_doc["sha-over"] == [over.amounts[0].id, over.amounts[1].id]
    for fact, twin in zip(clean.amounts, over.amounts, strict=True):  # ids are only unique per report
        fact.id = twin.id
    findings = validate_frames(facts_to_frames([("sha-over", over), ("sha-clean", clean)]))
    assert findings["doc_sha256"].tolist() == ["sha-over"]


def test_broken_facts_raise_a_contract_error_not_a_finding() -> None:
    broken = report(amount("expenditure.total", "12万元"))
    broken.amounts[0].concept = "expenditure.unknown"
    broken.amounts[0].basis = "planned"
    with pytest.raises(FactContractError) as error:
        validate_report(broken)
    assert "expenditure.unknown" in str(error.value) and "planned" in str(error.value)


def test_missing_frames_count_as_empty() -> None:
    frames = facts_to_frames([("one", report(staff("staff.authorized", 2), staff("staff.actual", 3)))])
    findings = validate_frames({"staff": frames["staff"]})
    assert findings["rule"].tolist() == ["staff_over_authorized"]


# --- the five seeds ------------------------------------------------------------------------------

def _gold_files() -> list[Path]:
    return sorted(GOLD.glob("*.json")) if GOLD.is_dir() else []


def _facts_from_gold(gold: dict) -> ReportFacts:
    """The seed's gold facts as the extractor should deliver them (precision from `as_written`)."""
    amounts = [amount(a["concept"], a["as_written"].split(" (")[0], a["basis"]) for a in gold["amounts"]]
    for fact, expected in zip(amounts, gold["amounts"], strict=True):
        assert fact.value_yuan == pytest.approx(expected["value_yuan"]), expected
    rates = []
    for r in gold["rates"]:
        # a share is of the final figure of its concept, in every seed
        part = next((a for a in amounts if a.concept == r["concept"] and a.basis == "final"), None)
        rates.append(rate(r["concept"], r["kind"], r["as_written"], of=part if r["kind"] == "share" else None))
    return report(*amounts, *rates, *(staff(s["concept"], s["value"]) for s in gold["staff"]),
                  name=gold["document"])


@pytest.mark.parametrize("gold_file", _gold_files() or [None], ids=lambda p: p.stem if p else "no-gold")
def test_seed_findings_match_gold(gold_file: Path | None) -> None:
    if gold_file is None:
        pytest.skip("../shared not beside the clone")
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    facts = _facts_from_gold(gold)  # seed 003: 299.8万 spent vs 299.81万 received must stay quiet
    findings = validate_report(facts)
    assert Counter((f.rule, f.severity) for f in findings) == Counter(
        (f["rule"], f["severity"]) for f in gold["findings"])
    assert not {f.rule for f in findings} & set(gold["must_not_flag"])
    assert facts.status == ("warning" if gold["findings"] else "passed")


def test_seed_000_staff_finding_names_the_organ() -> None:
    gold_file = GOLD / "000_15983e151ccab84f.json"
    if not gold_file.exists():
        pytest.skip("../shared not beside the clone")
    findings = validate_report(_facts_from_gold(json.loads(gold_file.read_text(encoding="utf-8"))))
    staff_findings = [f for f in findings if f.rule == "staff_over_authorized"]
    assert [f.message for f in staff_findings] == ["实有人数28人超过编制人数26人（其中机关实有10人超过机关编制8人）"]
    income = next(f for f in findings if f.rule == "expenditure_exceeds_income")
    assert "财政拨款收入（决算）10,771,094.97元" in income.message


def test_frames_of_all_seeds_at_once_match_the_reports_one_by_one() -> None:
    golds = [json.loads(path.read_text(encoding="utf-8")) for path in _gold_files()]
    if not golds:
        pytest.skip("../shared not beside the clone")
    reports = [(gold["document"], _facts_from_gold(gold)) for gold in golds]
    batch = validate_frames(facts_to_frames(reports))
    one_by_one = pd.DataFrame([(name, f.rule, f.message) for name, facts in reports
                               for f in validate_report(facts)], columns=["doc_sha256", "rule", "message"])
    pd.testing.assert_frame_equal(batch[["doc_sha256", "rule", "message"]], one_by_one)


# --- trust: an error stands only on facts read outright ---------------------------------------------

def test_an_error_resting_on_an_inferred_unit_is_a_warning_naming_that_fact() -> None:
    total, basic = amount("expenditure.total", "300万元"), amount("expenditure.basic", "200万元")
    project = amount("expenditure.project", "90万元")
    project.unit_implied = True  # prose: "项目支出90" with 万元 taken from its neighbours
    [finding] = validate_report(report(total, basic, project))
    assert (finding.rule, finding.severity) == ("sum_mismatch", "warning")
    assert f"{project.id}单位由上下文推断" in finding.message and "并非直接读出" in finding.message


@pytest.mark.parametrize(("read_by", "how"), [("column_position", "所在列按位置推断"),
                                              ("joined_cells", "数字由跨行的两段拼接")])
def test_an_error_resting_on_a_guessed_table_cell_is_a_warning(read_by: str, how: str) -> None:
    total, basic = amount("expenditure.total", "300万元"), amount("expenditure.basic", "200万元")
    project = amount("expenditure.project", "90万元")
    for fact in (total, basic, project):
        fact.read_by, fact.unit_implied = "column_header", True  # a caption's unit is stated, not inferred
    [stated] = validate_report(report(total, basic, project))
    assert stated.severity == "error"
    project.read_by = read_by
    [softened] = validate_report(report(total, basic, project))
    assert softened.severity == "warning" and f"{project.id}{how}" in softened.message
