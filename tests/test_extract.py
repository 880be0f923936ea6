"""Extraction from prose: each phrasing of the genre, and the numbers that are not budget figures."""

from __future__ import annotations

import pytest

from tasks.extract import extract_text
from tasks.models import ReportFacts
from tasks.read import canonical_text


def facts(text: str) -> ReportFacts:
    return extract_text(canonical_text(text), "t.txt")


def amounts(text: str) -> list[tuple[str, str, float]]:
    return [(a.concept, a.basis, a.value_yuan) for a in facts(text).amounts]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("单位全年总收入250.5万元，其中：财政拨款收入240.5万元，占96.01%；其他收入10万元，占3.99%。",
         [("income.total", "final", 2505000.0), ("income.fiscal", "final", 2405000.0),
          ("income.other", "final", 100000.0)]),
        ("2020年一般公共预算财政拨款收入，年初预算数为180.2万元，决算数为175.06万元。",
         [("income.fiscal", "budget", 1802000.0), ("income.fiscal", "final", 1750600.0)]),
        ("整体支出全年预算数410.5万元，决算数400.25万元，完成率97.5%，其中：基本支出全年预算数300万元，决算数298.1万元。",
         [("expenditure.total", "adjusted_budget", 4105000.0), ("expenditure.total", "final", 4002500.0),
          ("expenditure.basic", "adjusted_budget", 3000000.0), ("expenditure.basic", "final", 2981000.0)]),
        ("单位预算计划：全年财政安排单位部门预算支出66.5万元，其中基本支出安排40.5万元，项目支出26万元。",
         [("expenditure.total", "budget", 665000.0), ("expenditure.basic", "budget", 405000.0),
          ("expenditure.project", "budget", 260000.0)]),
        ("本年财政拨款实际支出1,234,567.80 元，教育支出1,000,000.00元，卫生健康支出234,567.80；住房保障支出0.00元。",
         [("expenditure.total", "final", 1234567.8), ("expenditure.function.education", "final", 1000000.0),
          ("expenditure.function.health", "final", 234567.8), ("expenditure.function.housing", "final", 0.0)]),
        ("“三公”经费财政拨款支出1.2万元。其中：公务接待费支出决算为1.2万元，公务用车购置费及运行维护费支出决算为0万元。",
         [("three_public.total", "final", 12000.0), ("three_public.reception", "final", 12000.0),
          ("three_public.vehicles", "final", 0.0)]),
        ("（一）部门财政资金收入：88.8万元。\n（二）部门财政资金支出：88.8万元。\n（三）部门财政资金结转结余：0.00元。",
         [("income.fiscal", "final", 888000.0), ("expenditure.total", "final", 888000.0),
          ("carryover", "final", 0.0)]),
        ("基本支出和项目支出分别为85.27万元、23.91万元。",
         [("expenditure.basic", "final", 852700.0), ("expenditure.project", "final", 239100.0)]),
        ("年度支出1.2亿元。", [("expenditure.total", "final", 120000000.0)]),
        ("全年支出一十二万五千元。", [("expenditure.total", "final", 125000.0)]),
        ("单位全年总收入１２３．４５万元。", [("income.total", "final", 1234500.0)]),
        ("执行数31.2万，项目支出执行数31.2万，", [("expenditure.project", "final", 312000.0)]),
    ],
)
def test_amount_phrasings(text: str, expected: list[tuple[str, str, float]]) -> None:
    assert amounts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "接待参观人员36万余人次，传播转发科普内容69万余次，累计点击量1897万人次。",
        "区级财政困难，科普经费只有人均0.65元。",
        "根据川财教〔2023〕147号文件，2023年5月6日下达。",
        "在全市排名第3名，联系电话0833-5123456，邮编614300。",
        "开展全国科普日系列宣传活动，需预算1.5万元经费。正规化建设所需经费5000元。",
        "较上年减少12.40万元，下降8.2%。",
        "推广新品种3万余份，种植面积2.5万亩。",
    ],
)
def test_numbers_that_are_not_budget_figures(text: str) -> None:
    assert facts(text).amounts == []


def test_unit_implied_by_neighbours_is_marked() -> None:
    found = facts("一般公共服务支出103,803.25元,科学技术支出1,346,210.44元；社会保障和就业支出745,165.23；卫生健康支出381,429.54元。")
    implied = [a for a in found.amounts if a.unit_implied]
    assert [(a.concept, a.value_yuan, a.as_written) for a in implied] == [
        ("expenditure.function.social_security_employment", 745165.23, "745,165.23")]


def test_precision_is_kept() -> None:
    found = facts("财政拨款收入299.8万元，其他收入5,060,000.00元。").amounts
    assert [(a.unit, a.decimals, a.half_width_yuan) for a in found] == [("万元", 1, 500.0), ("元", 2, 0.005)]


def test_rates_kinds_and_concepts() -> None:
    text = (
        "全年总支出109.18万元，其中：基本支出85.27万元，占78.1%；项目支出23.91万元，占21.9%。"
        "财政拨款收入预算数320.61万元，决算数299.81万元，完成率93.5%。项目支出完成率仅为86.9%。"
        "服务对象满意度100%，精准科普覆盖率上升2.08%，在全市排名第3（涨幅超过101%）。"
        "编制内在职人员控制率小于100%，目标值≥95%。获表彰的优秀个人占全国获奖总数的21.7%。预算执行率 97.35。"
    )
    found = [(r.kind, r.concept, r.value_pct) for r in facts(text).rates]
    assert found == [
        ("share", "expenditure.basic", 78.1),
        ("share", "expenditure.project", 21.9),
        ("execution", "income.fiscal", 93.5),
        ("execution", "expenditure.project", 86.9),
        ("indicator", "服务对象满意度", 100.0),
        ("growth", "精准科普覆盖率", 2.08),
        ("growth", "涨幅", 101.0),
        ("indicator", "获表彰的优秀个人占全国获奖总数", 21.7),
        ("execution", "expenditure.total", 97.35),
    ]


def test_share_points_at_its_amount() -> None:
    found = facts("其他收入9万元，占8.81%。")
    assert found.rates[0].amount_id == found.amounts[0].id


def test_staff_chain_with_scopes() -> None:
    text = "协会总编制人数30人，实有29人，其中机关参公事业人员10人，实有9人，下设2个直属事业单位，编制20人，实有20人。"
    assert [(s.concept, s.value) for s in facts(text).staff] == [
        ("staff.authorized", 30), ("staff.actual", 29), ("staff.authorized.organ", 10), ("staff.actual.organ", 9),
        ("staff.authorized.affiliated", 20), ("staff.actual.affiliated", 20)]


def test_staff_in_service_breakdown_and_positions() -> None:
    text = ("2022年底有在职人员7人（行政编制4人，事业编制3人），退休人员5人。参公编制6名，其中主席1名，副主席1名。"
            "志愿者队现有志愿者4938名，来宾32人次。")
    assert [(s.concept, s.value) for s in facts(text).staff] == [
        ("staff.in_service", 7), ("staff.in_service.admin", 4), ("staff.in_service.institution", 3),
        ("staff.retired", 5), ("staff.authorized", 6)]


def test_scores() -> None:
    text = "自评分数为97.19分。项目自评得分100分。自评总分 99.68。每答对一题20分。"
    assert [s.value for s in facts(text).scores] == [97.19, 100.0, 99.68]


@pytest.mark.parametrize(
    ("text", "unit", "year", "date"),
    [
        ("某市林业局整体支出\n\n绩效自评报告\n\n2021年，全市林业工作……\n\n某市林业局\n2022年3月1日\n", "某市林业局", 2021, "2022-03-01"),
        ("某县司法局\n2022年度部门整体支出绩效自评报告\n（2023年4月3日）\n一、基本情况\n", "某县司法局", 2022, "2023-04-03"),
        ("附件3\n部门（单位）整体绩效自评报告\n部门（单位）名称：某县档案馆\n2021年11月\n一、概况\n2020年收入……2020年支出……",
         "某县档案馆", 2020, "2021-11"),
        ("\n\n附件 2\n\n2023 年度某区文学艺术界联合会部门 整体支出绩效自评报告\n\n一、部门基本情况\n", "某区文学艺术界联合会", 2023, None),
    ],
)
def test_metadata(text: str, unit: str, year: int, date: str | None) -> None:
    found = facts(text)
    assert (found.unit_name, found.fiscal_year, found.report_date) == (unit, year, date)


def test_region_from_the_unit_name() -> None:
    found = facts("香河县妇女联合会\n2022年度部门整体支出绩效自评报告\n")
    assert found.region == {"province": "河北省", "city": "廊坊市", "county": "香河县"}


@pytest.mark.parametrize(
    ("text", "damaged"),
    [
        ("项目支出执行率95.\n\n10%。", "95.\n\n10"),
        ("项目支出299.8299.8万元。", "299.8299.8"),
        ("财政拨款收入1,23,456.00元。", "1,23,456.00"),
    ],
)
def test_damaged_numbers_are_unparseable_not_guessed(text: str, damaged: str) -> None:
    found = facts(text)
    assert found.amounts == [] and found.rates == []
    assert [item["as_written"] for item in found.unparseable] == [damaged]
    assert found.unparseable[0]["reason"]


def test_clause_numbers_are_not_damaged_figures() -> None:
    assert facts("依据第1.2.3条，财政拨款收入1,234,567.00元。").unparseable == []


@pytest.mark.parametrize(("text", "unclassified", "reason"), [
    ("支出合计120.50万元，其中人均年补助3.2万元。", "3.2万元", "per-unit"),
    ("支出合计120.50万元。另有一笔15.00万元，用于设备采购。", "15.00万元", "no label"),
])
def test_money_no_label_names_is_unclassified_not_dropped(text: str, unclassified: str, reason: str) -> None:
    found = facts(text)
    assert [a.as_written for a in found.amounts] == ["120.50万元"]
    listed = {u["as_written"]: u for u in found.unclassified}
    assert reason in listed[unclassified]["reason"] and listed[unclassified]["label"]
    assert found.to_json()["money_figures"] == {"classified": 1, "unclassified": 1, "classified_pct": 50.0}
