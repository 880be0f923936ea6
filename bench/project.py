"""项目支出绩效自评报告: one project of the unit (../shared/realistic/prose p02, p06, p11).

The project's money by government level (中央 / 省级 / 市县, or 市级 and 县级 apart) and by nature
(一般公共预算 / 政府性基金), the money received (到位) by level with its 到位率, what was spent and its
execution rate, and the uses (共计x万元用于…, or 其中：…支出y元 in 元 against a 万元 total). Per the gold
conventions: a 县级 (or 市级) level stated without its sibling is `.local`; the uses are
`special_fund.item`; a prior-year figure, a change, a multi-year 项目总投资 and a 未到位 remainder are
optional; per-capita figures are unclassified. Plants: levels or natures that do not add up, an
execution rate that does not follow, spending above the budget, 到位 restated with two digits swapped
(p06), a satisfaction above 100%. Traps: levels adding up +/- 0.01万元, a rate on a rounding boundary,
the spending restated in 亿元.
"""

from __future__ import annotations

import random

from bench.layouts import DEPARTMENTS, WAN, Writer
from bench.prose import _YI
from bench.prose_full import coarse, nudge_to_boundary, prior_year, split, transposed

PROJECTS: dict[str, tuple[str, ...]] = {
    "妇女联合会": ("妇女儿童关爱服务项目", "农村妇女“两癌”检查项目"),
    "科学技术协会": ("科普惠民服务项目", "基层科普行动计划项目"),
    "林业局": ("森林防火能力提升项目", "国土绿化试点示范项目"),
    "卫生健康局": ("基本公共卫生服务项目", "村卫生室标准化建设项目"),
    "残疾人联合会": ("残疾人康复救助项目", "贫困重度残疾人家庭无障碍改造项目"),
    "司法局": ("公共法律服务体系建设项目", "人民调解工作经费项目"),
    "发展和改革局": ("粮食仓储设施维修改造项目", "价格监测体系建设项目"),
    "档案馆": ("馆藏档案数字化建设项目", "档案库房改造项目"),
    "统计局": ("第五次全国经济普查项目", "统计数据采集平台建设项目"),
    "应急管理局": ("应急物资储备库建设项目", "自然灾害综合风险普查项目"),
    "医疗保障局": ("医疗救助项目", "医保信息化建设项目"),
    "退役军人事务局": ("退役军人服务站标准化建设项目", "烈士纪念设施维修改造项目"),
    "文化和旅游局": ("公共文化服务体系建设项目", "文物保护修缮项目"),
    "农业农村局": ("高标准农田建设项目", "农村人居环境整治项目"),
    "教育局": ("义务教育薄弱环节改善项目", "学前教育普惠扩容项目"),
}
USES = ("工程施工及监理", "设施设备购置安装", "宣传培训及资料印制", "补助资金发放", "运行维护及日常管理",
        "信息系统开发建设", "前期勘察设计")
GRADES = ("优", "良", "良", "优")


def project_body(w: Writer, rng: random.Random, *, unit: dict, year: int, date: str, planted: str | None) -> str:
    name = unit["name"]
    department = next(d for d, _ in DEPARTMENTS if name.endswith(d))
    subject = rng.choice(PROJECTS[department])
    w.report_kind, w.subject = "project", subject
    region = unit["region"]
    place = region["county"] or region["city"]
    if rng.random() < 0.5:
        title = f"{name}{year}年度{subject}支出绩效自评报告"
    else:
        title = f"{place}{year}年度{subject}支出绩效自评报告\n\n项目主管部门：{name}\n项目实施单位：{name}"
    number = rng.randrange(1, 60)
    intro = (f"为进一步提升公共服务水平，根据县财政局《关于开展{year}年度项目支出绩效自评工作的通知》"
             f"（财绩〔{year + 1}〕{number}号）要求，{name}于{year}年组织实施{subject}，现将绩效自评情况报告如下。")
    parts = [title, "一、项目基本情况", "（一）项目概况", intro]
    money, budget = _money(w, rng, year, unit, planted)
    if rng.random() < 0.2:
        total = round(budget * rng.uniform(1.8, 3.0) / WAN) * WAN
        unit_total = "亿元" if total >= _YI else "万元"
        figure = w.money("target.other", "budget", total, unit_total, decimals=4 if unit_total == "亿元" else 2,
                         optional="项目总投资 over several years, not this year's budget")
        parts[-1] += f"项目总投资{figure}，{year}年度为第二批实施年度。"
    parts += ["（二）项目资金来源及到位情况", *money[:-1], "（三）项目资金使用情况", money[-1]]
    parts += ["二、绩效目标实现情况", *_indicators(w, rng, planted), "三、自评结论",
              f"经自评，该项目自评得分{w.score()}分，评价等级为“{rng.choice(GRADES)}”。", "四、存在问题及改进措施",
              "项目前期论证时间较长，部分资金支付集中在第四季度。下一步将提前做好项目储备，加快支出进度。",
              f"联系电话：0{rng.randrange(310, 999)}-{rng.randrange(2000000, 8999999)}", name, date]
    return "\n\n".join(parts) + "\n"


def _money(w: Writer, rng: random.Random, year: int, unit: dict, planted: str | None) -> tuple[list[str], int]:
    """The paragraphs on the project's money (the last one on its use), and its budget."""
    q = 10_000  # 0.01万元
    big = rng.random() < 0.12
    if big:  # a fund of one to four 亿元, its budget and central part in 亿元 with four decimals (p09)
        budget, level_q = rng.randrange(10_000, 40_000) * WAN, WAN
    else:
        budget, level_q = max(5 * WAN, round(unit["scale_wan"] * rng.uniform(0.05, 0.5) * 100) * q), q
    county_level = unit["region"]["county"] is not None
    four = county_level and rng.random() < 0.3
    central = round(budget * rng.uniform(0.3, 0.6) / level_q) * level_q
    provincial = round(budget * rng.uniform(0.1, 0.3) / level_q) * level_q
    local = budget - central - provincial
    city = round(local * rng.uniform(0.3, 0.6) / q) * q if four else 0
    gov_fund = round(budget * rng.uniform(0.08, 0.3) / q) * q if rng.random() < 0.7 else 0
    short = round((local - city) * rng.uniform(0.1, 0.5) / q) * q if rng.random() < 0.3 else 0
    received = budget - short
    if planted == "over_budget":
        spent = round(budget * rng.uniform(1.04, 1.12) / q) * q
    else:
        spent = round(received * rng.uniform(0.85, 0.995) / q) * q
    boundary = planted != "over_budget" and rng.random() < 0.3
    if boundary:
        spent = nudge_to_boundary(spent, budget, q)
        w.traps.append("rate_rounding")
    sum_plant = rng.choice(("levels", "nature" if gov_fund else "levels")) if planted == "sum_mismatch" else None
    sum_trap = not big and sum_plant is None and rng.random() < 0.25
    m = w.money

    def shifted(cents: int) -> int:
        return cents + max(5 * q, round(cents * rng.uniform(0.05, 0.15) / q) * q)

    dec = 2 if sum_plant or sum_trap else None
    # the budget and its sources
    opener = rng.choice((f"{year}年项目预算安排", "项目年初预算数", f"{year}年项目预算资金"))
    budget_text = m("expenditure.total", "budget", budget, "亿元", decimals=4) if big else \
        m("expenditure.total", "budget", budget, "万元", decimals=dec)
    first = f"{opener}{budget_text}。"
    if rng.random() < 0.3:
        first += prior_year(w, rng, year, "expenditure.total", "budget", budget, "万元", q, "项目预算")
    autonomous = unit["region"]["province"].endswith("自治区")
    provincial_label = rng.choice(("自治区级财政资金", "自治区财政资金") if autonomous else ("省级财政资金", "省级补助资金"))
    central_label = rng.choice(("中央财政补助资金", "中央补助资金", "中央财政资金"))
    stated_local = local + (rng.choice((-1, 1)) * q if sum_trap else 0)
    if sum_trap:
        w.traps.append("sum_rounding")
    if sum_plant == "levels":
        stated_local = shifted(local)
    sep = rng.choice(("，", "、"))
    levels = [f"{central_label}{m('expenditure.level.central', 'budget', central, '亿元' if big else '万元', decimals=4 if big else dec)}",
              f"{provincial_label}{m('expenditure.level.provincial', 'budget', provincial, '万元', decimals=dec)}"]
    if four:
        levels += [f"市级配套资金{m('expenditure.level.city', 'budget', city, '万元', decimals=dec)}",
                   f"县级配套资金{m('expenditure.level.county', 'budget', stated_local - city, '万元', decimals=dec)}"]
        local_word = "县级"
    else:
        local_label = rng.choice(("市县配套资金", "县级配套资金", "县级财政资金") if county_level else
                                 ("市级配套资金", "市级财政资金", "市县配套资金"))
        local_word = local_label[:2]
        levels.append(f"{local_label}{m('expenditure.level.local', 'budget', stated_local, '万元', decimals=dec)}")
    first += f"{rng.choice(('其中：', '按资金来源分：', '资金来源：'))}{sep.join(levels)}。"
    if gov_fund:
        stated_fund = shifted(gov_fund) if sum_plant == "nature" else gov_fund
        first += (f"按资金性质分：一般公共预算资金{m('expenditure.source.general_budget', 'budget', budget - gov_fund, '万元', decimals=dec)}，"
                  f"政府性基金预算资金{m('expenditure.source.gov_fund', 'budget', stated_fund, '万元', decimals=dec)}。")
    # the money received
    word = "资金到位" if rng.random() < 0.5 else "资金"
    received_unit = "亿元" if big else "万元"
    received_levels = [f"中央{word}{m('funds_received.level.central', 'final', central, received_unit, decimals=4 if big else None)}",
                       f"省级{word}{m('funds_received.level.provincial', 'final', provincial, '万元')}"]
    if four:
        received_levels += [f"市级{word}{m('funds_received.level.city', 'final', city, '万元')}",
                            f"县级{word}{m('funds_received.level.county', 'final', local - city - short, '万元')}"]
    else:
        received_levels.append(f"{local_word}{word}{m('funds_received.level.local', 'final', local - short, '万元')}")
    rate = w.pct("资金到位率", "indicator", received / budget * 100, 2 if short else 0, proportion=True)
    total_received = m("funds_received.total", "final", received, received_unit, decimals=4 if big else None)
    second = (f"截至{year}年12月31日，" + (f"项目资金实际到位{total_received}" if word == "资金" else
                                         f"实际到位资金{total_received}")
              + f"，其中{'、'.join(received_levels)}，资金到位率{rate}。")
    if short:
        remainder = m("target.other", "final", short, "万元", optional="未到位: budget minus received")
        second += f"{local_word}配套资金尚有{remainder}未到位。"
    # what was spent
    off = rng.choice((1.0, -1.0)) * rng.uniform(2.0, 6.0) if planted == "rate_mismatch" else 0.0
    execution = w.pct("expenditure.total", "execution", spent / budget * 100, 2 if boundary else rng.choice((1, 2)),
                      off_by=off)
    spent_text = m("expenditure.total", "final", spent, "万元", decimals=2 if boundary else None)
    third = rng.choice((f"项目全年执行数{spent_text}，预算执行率{execution}。",
                        f"截至年底，项目实际支出{spent_text}，预算执行率{execution}。"))
    uses = split(rng, spent, rng.randrange(2, 5), q)
    labels = rng.sample(USES, len(uses))
    if rng.random() < 0.6:
        third += "，".join(f"{'共计' if i == 0 else ''}{m('special_fund.item', 'final', v, '万元')}用于{label}"
                          for i, (v, label) in enumerate(zip(uses, labels, strict=True))) + "。"
    else:  # in 元 with separators against a 万元 total (p11)
        third += "其中：" + "，".join(f"{label}支出{m('special_fund.item', 'final', v, '元')}"
                                   for v, label in zip(uses, labels, strict=True)) + "。"
    if planted == "conflicting_values" or rng.random() < 0.2:
        again = transposed(received, WAN) if planted == "conflicting_values" else received
        third += (f"经核对，项目实际到位资金{m('funds_received.total', 'final', again, '万元', decimals=2)}，"
                  f"已支出{m('expenditure.total', 'final', spent, '万元', decimals=2)}。")
    elif big or rng.random() < 0.2:
        third += f"全年实际支出{coarse(w, 'expenditure.total', 'final', spent, '万元')}，资金使用规范。"
        w.traps.append("restated_coarser")
    third += "未执行资金已按规定收回财政统筹使用。"
    return [first, second, third], budget


def _indicators(w: Writer, rng: random.Random, planted: str | None) -> list[str]:
    people = rng.randrange(50, 5000)
    output = (f"（一）产出指标\n\n全年完成建设及服务任务{rng.randrange(3, 60)}项，服务群众{rng.randrange(2, 90) / 10:g}万人次，"
              f"项目验收合格率{w.pct('项目验收合格率', 'indicator', rng.randrange(95, 101), 0, proportion=True)}。")
    if rng.random() < 0.5:
        standard = w.per_unit(f"{rng.randrange(30, 3000)}元", "人均补助: per capita")
        output += f"全年共惠及{people}人，人均补助{standard}。"
    effect = (f"（二）效益指标\n\n项目实施后，服务对象覆盖率"
              f"{w.pct('服务对象覆盖率', 'indicator', rng.randrange(850, 1000) / 10, 1, proportion=True)}，"
              f"相关投诉同比下降{w.pct('相关投诉同比下降', 'growth', rng.randrange(20, 300) / 10, 1)}。")
    satisfaction = rng.randrange(101, 110) if planted == "rate_over_100" else rng.randrange(880, 1000) / 10
    label = rng.choice(("群众满意度", "服务对象满意度"))
    decimals = 0 if planted == "rate_over_100" else 1
    content = (f"（三）满意度指标\n\n随机抽取{rng.randrange(100, 800)}名服务对象开展问卷调查，"
               f"{label}{w.pct(label, 'indicator', satisfaction, decimals, proportion=True)}。")
    return [output, effect, content]
