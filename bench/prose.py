"""Prose templates of a generated report: title, staff, money paragraphs (one of several layouts),
三公经费, indicators, score, signature. Each template is a shape seen in the seeds or samples."""

from __future__ import annotations

import random

from bench.layouts import WAN, Figures, Writer

_YI = 100 * WAN * 100  # cents per 亿元
_YI_QUANTUM = _YI // 100  # 0.01亿元
# Today's six department layouts keep their shapes (scaled to 70% of the corpus); full_year, unit_once
# (department reports in the shapes of ../shared/realistic/prose p01, p05, p15) and project (p02, p06,
# p11: 项目支出绩效自评报告) share the rest. `bench.prose_full` and `bench.project` write the new ones.
LAYOUTS = ("plan_actual", "chain", "triple", "yuan", "brief", "table", "full_year", "unit_once", "project")
LAYOUT_WEIGHTS = (21, 14, 14, 10.5, 7, 3.5, 12, 8, 10)
OLD_LAYOUTS = LAYOUTS[:6]
_ALL_RULES = frozenset({"sum_mismatch", "rate_mismatch", "rate_over_100", "shares_not_100", "conflicting_values",
                        "over_budget", "expenditure_exceeds_income", "staff_sum_mismatch", "staff_over_authorized"})
# the rules each layout can plant; a report whose rule its drawn layout cannot plant draws again among
# those that can (shares_not_100 needs a breakdown with shares; a project report has no income or staff)
PLANTABLE: dict[str, frozenset[str]] = {
    **{layout: _ALL_RULES - {"shares_not_100"} for layout in ("chain", "triple", "yuan", "brief", "table",
                                                              "unit_once")},
    "plan_actual": _ALL_RULES, "full_year": _ALL_RULES,
    "project": frozenset({"sum_mismatch", "rate_mismatch", "rate_over_100", "conflicting_values", "over_budget"}),
}


def choose_layout(rng: random.Random, planted: str | None, layouts: tuple[str, ...] | None = None) -> str:
    names = [name for name in LAYOUTS if layouts is None or name in layouts]
    weights = [LAYOUT_WEIGHTS[LAYOUTS.index(name)] for name in names]
    layout = rng.choices(names, weights=weights)[0]
    if planted is not None and planted not in PLANTABLE[layout]:
        able = [(name, weight) for name, weight in zip(names, weights, strict=True) if planted in PLANTABLE[name]]
        if able:
            layout = rng.choices([name for name, _ in able], weights=[weight for _, weight in able])[0]
    return layout


def body(w: Writer, rng: random.Random, *, unit: dict, year: int, f: Figures, planted: str | None,
         layouts: tuple[str, ...] | None = None) -> str:
    from bench.project import project_body  # the new kinds and layouts: modules of their own
    from bench.prose_full import NEW_MONEY

    layout = choose_layout(rng, planted, layouts)
    w.layout = layout
    date_year = year + 1
    month, day = rng.randrange(1, 7), rng.randrange(1, 29)
    with_day = rng.random() < 0.6
    w.report_date = f"{date_year:04d}-{month:02d}-{day:02d}" if with_day else f"{date_year:04d}-{month:02d}"
    date = f"{date_year}年{month}月{day}日" if with_day else f"{date_year}年{month}月"
    name = unit["name"]
    if layout == "project":
        return project_body(w, rng, unit=unit, year=year, date=date, planted=planted)
    parts = [_title(rng, name, year, date), _intro(rng, year), "一、部门基本情况", _staff(w, rng, f, planted),
             "二、部门整体收支情况"]
    if layout in NEW_MONEY:  # their own 三公 lines and restatements
        parts += NEW_MONEY[layout](w, rng, year, f, planted)
    else:
        parts += MONEY[layout](w, rng, year, f, planted)
        if rng.random() < 0.85:
            parts.append(_three_public(w, rng, year, f))
        if planted == "conflicting_values" or (rng.random() < 0.15 and w.has("expenditure.total", "final")):
            parts.append(_restatement(w, rng, f, planted))
    parts += ["三、部门整体绩效目标完成情况", *_indicators(w, rng, unit, planted), "四、绩效自评情况",
              _score(w, rng, year), "五、存在的问题", "1.部分项目资金支付进度前慢后快，年底集中支付。",
              f"联系电话：0{rng.randrange(310, 999)}-{rng.randrange(2000000, 8999999)}"]
    parts += [name, date]
    return "\n\n".join(parts) + "\n"


def _title(rng: random.Random, name: str, year: int, date: str) -> str:
    shape = rng.randrange(3)
    if shape == 0:
        return f"{name}\n{year}年度部门整体支出绩效自评报告"
    if shape == 1:
        return f"{year}年度{name}部门整体支出绩效自评报告\n（{date}）"
    return f"附件2\n部门（单位）整体支出绩效自评报告\n部门（单位）名称：{name}\n{date}"


def _intro(rng: random.Random, year: int) -> str:
    number = rng.randrange(1, 60)
    return (f"根据县财政局《关于开展{year}年度预算绩效自评工作的通知》（财绩〔{year + 1}〕{number}号）要求，"
            f"我单位对{year}年度部门整体支出情况开展了绩效自评，现将有关情况报告如下。")


def _staff(w: Writer, rng: random.Random, f: Figures, planted: str | None) -> str:
    s = f.staff
    authorized, actual = s["organ"] + s["affiliated"], s["actual_organ"] + s["actual_affiliated"]
    shape = rng.randrange(4) if planted != "staff_over_authorized" else rng.choice((1, 3))
    off = 1 if planted == "staff_sum_mismatch" else 0
    if shape == 0:
        return (f"核定编制{w.count('staff.authorized', authorized + off)}名，其中行政编制"
                f"{w.count('staff.authorized.admin', s['admin'])}名、事业编制"
                f"{w.count('staff.authorized.institution', s['institution'])}名；年末实有人员"
                f"{w.count('staff.actual', min(actual, authorized))}人，另有退休人员{w.count('staff.retired', s['retired'])}人。")
    if shape == 1:
        return (f"编制人数{w.count('staff.authorized', authorized + off)}人，实有{w.count('staff.actual', actual)}人，"
                f"其中机关行政编制{w.count('staff.authorized.organ', s['organ'])}人，实有"
                f"{w.count('staff.actual.organ', s['actual_organ'])}人，下设{rng.randrange(1, 5)}个直属事业单位，编制"
                f"{w.count('staff.authorized.affiliated', s['affiliated'])}人，实有"
                f"{w.count('staff.actual.affiliated', s['actual_affiliated'])}人。")
    if shape == 2:
        return (f"有在职人员{w.count('staff.in_service', authorized + off)}人（行政编制"
                f"{w.count('staff.in_service.admin', s['admin'])}人，事业编制"
                f"{w.count('staff.in_service.institution', s['institution'])}人），退休人员"
                f"{w.count('staff.retired', s['retired'])}人。")
    over = rng.randrange(1, 3) if planted == "staff_over_authorized" else -rng.randrange(0, 2)
    return (f"参公编制{w.count('staff.authorized', authorized)}名，实有{w.count('staff.actual', authorized + over)}人，"
            f"退休人员{w.count('staff.retired', s['retired'])}人。")


def _shares(w: Writer, rng: random.Random, parts: tuple[str, str], values: tuple[int, int], total: int, *,
            mismatch: bool = False, not_100: bool = False) -> tuple[str, str]:
    """占 shares of two parts of `total`; a planted error shifts both (rate_mismatch x2) or one (not 100)."""
    decimals = rng.choice((1, 2))
    # the larger share gives, the smaller takes: both stay between 0 and 100
    sign = -1.0 if values[0] > values[1] else 1.0
    shift = sign * rng.uniform(1.0, 3.0) if (mismatch or not_100) else 0.0
    first = w.pct(parts[0], "share", values[0] / total * 100, decimals, off_by=shift)
    second = w.pct(parts[1], "share", values[1] / total * 100, decimals, off_by=-shift if mismatch else 0.0)
    return first, second


def _plan_actual(w: Writer, rng: random.Random, year: int, f: Figures, planted: str | None) -> list[str]:
    u = f.unit
    bt, bb, bp = f.budget
    out = [f"1.{year}年单位预算计划：全年财政安排单位部门预算支出{w.money('expenditure.total', 'budget', bt, u)}，"
           f"其中基本支出安排{w.money('expenditure.basic', 'budget', bb, u)}，"
           f"项目支出{w.money('expenditure.project', 'budget', bp, u)}。"]
    with_adjusted = rng.random() < 0.4
    if with_adjusted:
        at, ab, ap = f.adjusted
        out.append(f"年中追加预算，调整后全年预算数为{w.money('expenditure.total', 'adjusted_budget', at, u)}，"
                   f"其中基本支出全年预算数{w.money('expenditure.basic', 'adjusted_budget', ab, u)}，"
                   f"项目支出全年预算数{w.money('expenditure.project', 'adjusted_budget', ap, u)}。")
    it, fiscal, other = f.income
    u_income = u
    if it >= _YI // 10 and rng.random() < 0.5:  # big units: incomes in 亿元 (sample 04), rounded up
        quantum = _YI_QUANTUM if it >= 2 * _YI else _YI_QUANTUM // 100  # 0.01亿元, else 0.0001亿元
        it = -(-it // quantum) * quantum
        other = max(quantum, round(other / quantum) * quantum)
        fiscal, u_income = it - other, "亿元"
    carry = ""
    if planted != "expenditure_exceeds_income" and rng.random() < 0.1:
        carry = f"本年度年初结转和结余{w.money('income.carryover_in', 'final', rng.randrange(1, 50) * WAN, u)}。"
    mismatch = planted == "rate_mismatch"
    s1, s2 = _shares(w, rng, ("income.fiscal", "income.other"), (fiscal, other), it, mismatch=mismatch)
    out.append(f"{carry}单位全年总收入{w.money('income.total', 'final', it, u_income)}，其中：财政拨款收入"
               f"{w.money('income.fiscal', 'final', fiscal, u_income)}，占{s1}；其他收入"
               f"{w.money('income.other', 'final', other, u_income)}，占{s2}。")
    ft, fb, fp = f.final
    if planted == "shares_not_100":
        s1, s2 = _shares(w, rng, ("expenditure.basic", "expenditure.project"), (fb, fp), ft, not_100=True)
        out.append(f"本年度实际支出中，基本支出{w.money('expenditure.basic', 'final', fb, u)}，占{s1}；"
                   f"项目支出{w.money('expenditure.project', 'final', fp, u)}，占{s2}。")
        return out
    stated_fb = fb - (round(fb * rng.uniform(0.02, 0.06) / f.quantum) * f.quantum if planted == "sum_mismatch" else 0)
    sentence = f"全年总支出{w.money('expenditure.total', 'final', ft, u)}，其中：基本支出{w.money('expenditure.basic', 'final', stated_fb, u)}"
    if planted == "sum_mismatch":
        out.append(f"{sentence}，项目支出{w.money('expenditure.project', 'final', fp, u)}。")
        return out
    s1, s2 = _shares(w, rng, ("expenditure.basic", "expenditure.project"), (fb, fp), ft)
    out.append(f"{sentence}，占{s1}；项目支出{w.money('expenditure.project', 'final', fp, u)}，占{s2}。")
    if rng.random() < 0.5:
        reference = f.adjusted if with_adjusted else f.budget
        rates = [w.pct(concept, "execution", spent / ref * 100, rng.choice((1, 2)))
                 for concept, spent, ref in zip(("expenditure.total", "expenditure.basic", "expenditure.project"),
                                                f.final, reference, strict=True)]
        out.append(f"整体支出完成率{rates[0]}，其中基本支出完成率{rates[1]}，项目支出完成率{rates[2]}。")
    return out


def _execution(w: Writer, rng: random.Random, spent: int, reference: int, planted: str | None) -> str:
    off = rng.choice((1.0, -1.0)) * rng.uniform(2.0, 5.0) if planted == "rate_mismatch" else 0.0
    return w.pct("expenditure.total", "execution", spent / reference * 100, 2, off_by=off)


def _chain(w: Writer, rng: random.Random, year: int, f: Figures, planted: str | None) -> list[str]:
    u = f.unit
    ft, fb, fp = f.final
    stated_fb = fb - (round(fb * 0.03 / f.quantum) * f.quantum if planted == "sum_mismatch" else 0)
    return [
        f"{year}年一般公共预算财政拨款收入，年初预算数为{w.money('income.fiscal', 'budget', f.budget[0], u)}，"
        f"决算数为{w.money('income.fiscal', 'final', f.income[0], u)}。",
        f"{year}年度支出年初预算数为{w.money('expenditure.total', 'budget', f.budget[0], u)}，调整后预算数为"
        f"{w.money('expenditure.total', 'adjusted_budget', f.adjusted[0], u)}，决算数为"
        f"{w.money('expenditure.total', 'final', ft, u)}，其中基本支出{w.money('expenditure.basic', 'final', stated_fb, u)}，"
        f"项目支出{w.money('expenditure.project', 'final', fp, u)}，预算执行率{_execution(w, rng, ft, f.adjusted[0], planted)}。",
    ]


def _triple(w: Writer, rng: random.Random, year: int, f: Figures, planted: str | None) -> list[str]:
    u = f.unit
    at, ab, ap = f.adjusted
    ft, fb, fp = f.final
    stated_ab = ab + (round(ab * 0.04 / f.quantum) * f.quantum if planted == "sum_mismatch" else 0)
    rate_b = w.pct("expenditure.basic", "execution", fb / stated_ab * 100, 1)
    rate_p = w.pct("expenditure.project", "execution", fp / ap * 100, 1)
    return [
        f"{year}年财政拨款收入预算数{w.money('income.fiscal', 'budget', f.budget[0], u)}，"
        f"决算数{w.money('income.fiscal', 'final', f.income[0], u)}。",
        f"整体支出全年预算数{w.money('expenditure.total', 'adjusted_budget', at, u)}，决算数"
        f"{w.money('expenditure.total', 'final', ft, u)}，完成率{_execution(w, rng, ft, at, planted)}，其中：基本支出全年预算数"
        f"{w.money('expenditure.basic', 'adjusted_budget', stated_ab, u)}，决算数{w.money('expenditure.basic', 'final', fb, u)}，"
        f"完成率{rate_b}；项目支出全年预算数{w.money('expenditure.project', 'adjusted_budget', ap, u)}，决算数"
        f"{w.money('expenditure.project', 'final', fp, u)}，完成率{rate_p}。",
    ]


_FUNCTIONS = [("一般公共服务支出", "general_public_services"), ("社会保障和就业支出", "social_security_employment"),
              ("卫生健康支出", "health"), ("住房保障支出", "housing")]


def _yuan(w: Writer, rng: random.Random, year: int, f: Figures, planted: str | None) -> list[str]:
    it = f.income[0]
    ib = round(it * rng.uniform(0.4, 0.7))
    ft, fb, fp = f.final
    stated_fp = fp + (round(fp * 0.05) if planted == "sum_mismatch" else 0)
    out = [f"{year}年财政拨款收入{w.money('income.fiscal', 'final', it, '元')}，其中基本支出拨款收入"
           f"{w.money('income.fiscal.basic', 'final', ib, '元')}，项目支出拨款收入"
           f"{w.money('income.fiscal.project', 'final', it - ib, '元')}。",
           f"{year}年财政拨款实际支出{w.money('expenditure.total', 'final', ft, '元')}，其中基本支出"
           f"{w.money('expenditure.basic', 'final', fb, '元')}，项目支出{w.money('expenditure.project', 'final', stated_fp, '元')}。"]
    if rng.random() < 0.5:
        first = round(ft * rng.uniform(0.6, 0.85))
        second = round((ft - first) * rng.uniform(0.3, 0.7))
        values = [first, second, ft - first - second]
        names = rng.sample(_FUNCTIONS, 3)
        listed = "，".join(f"{label}{w.money('expenditure.function.' + key, 'final', value, '元')}"
                          for (label, key), value in zip(names, values, strict=True))
        out.append(f"按支出功能分类，{listed}。")
    return out


def _brief(w: Writer, rng: random.Random, year: int, f: Figures, planted: str | None) -> list[str]:
    u = f.unit
    ft, fb, fp = f.final
    carry = abs(f.income[0] - ft)
    stated_fp = fp + (round(fp * 0.05 / f.quantum) * f.quantum if planted == "sum_mismatch" else 0)
    return [
        f"（一）部门财政资金收入：{w.money('income.fiscal', 'final', f.income[0], u)}。",
        f"（二）部门财政资金支出：{w.money('expenditure.total', 'final', ft, u)}。",
        f"（三）部门财政资金结转结余：{w.money('carryover', 'final', carry, u)}。",
        f"{year}年度支出年初预算数为{w.money('expenditure.total', 'budget', f.budget[0], u)}，调整后预算数为"
        f"{w.money('expenditure.total', 'adjusted_budget', f.adjusted[0], u)}，实际支出中基本支出"
        f"{w.money('expenditure.basic', 'final', fb, u)}，项目支出{w.money('expenditure.project', 'final', stated_fp, u)}，"
        f"支出预算执行率{_execution(w, rng, ft, f.adjusted[0], planted)}。",
    ]


def _table(w: Writer, rng: random.Random, year: int, f: Figures, planted: str | None) -> list[str]:
    """A table flattened to text, "|" between cells, the unit once in the caption."""
    rows = ["（单位：万元）", "项目|年初预算数|全年预算数|全年执行数|执行率"]
    ft, fb, fp = f.final
    stated_fb = fb - (round(fb * 0.04 / f.quantum) * f.quantum if planted == "sum_mismatch" else 0)
    for label, concept, budget, adjusted, spent in (
            ("支出合计", "expenditure.total", f.budget[0], f.adjusted[0], ft),
            ("基本支出", "expenditure.basic", f.budget[1], f.adjusted[1], stated_fb),
            ("项目支出", "expenditure.project", f.budget[2], f.adjusted[2], fp)):
        cells = [w.money(concept, basis, value, "万元", separators=False, bare=True)
                 for basis, value in (("budget", budget), ("adjusted_budget", adjusted), ("final", spent))]
        if concept == "expenditure.total":
            rate = _execution(w, rng, spent, adjusted, planted)
        else:
            rate = w.pct(concept, "execution", spent / adjusted * 100, 2)
        rows.append("|".join([label, *cells, rate]))
    return [f"{year}年度部门整体支出预算执行情况", "\n".join(rows)]


MONEY = {"plan_actual": _plan_actual, "chain": _chain, "triple": _triple, "yuan": _yuan, "brief": _brief,
         "table": _table}


def _three_public(w: Writer, rng: random.Random, year: int, f: Figures) -> str:
    total, reception, vehicles = f.three_public
    m = w.money
    return (f"{year}年度“三公”经费财政拨款支出{m('three_public.total', 'final', total, '万元')}。其中：因公出国（境）费支出决算为"
            f"{m('three_public.overseas_travel', 'final', 0, '万元')}；公务接待费支出决算为"
            f"{m('three_public.reception', 'final', reception, '万元')}；公务用车购置费及运行维护费支出决算为"
            f"{m('three_public.vehicles', 'final', vehicles, '万元')}，其中：公务用车购置费"
            f"{m('three_public.vehicle_purchase', 'final', 0, '万元')}，公务用车运行维护费"
            f"{m('three_public.vehicle_operation', 'final', vehicles, '万元')}。")


def _restatement(w: Writer, rng: random.Random, f: Figures, planted: str | None) -> str:
    spent = f.final[0]
    if planted == "conflicting_values":
        spent += round(spent * rng.uniform(0.01, 0.04) / f.quantum) * f.quantum
    return (f"（一）预算执行。本年度部门财政资金支出：{w.money('expenditure.total', 'final', spent, f.unit)}，"
            f"严格按照预算和用款计划执行。")


def _indicators(w: Writer, rng: random.Random, unit: dict, planted: str | None) -> list[str]:
    lines = [f"全年开展各类活动{rng.randrange(5, 300)}场次，惠及群众{rng.randrange(2, 90) / 10:g}万人次，"
             f"补助标准为每人每月{rng.randrange(3, 20) * 10}元。"]
    for label in rng.sample(unit["indicators"], rng.randrange(1, 3)):
        lines.append(f"{label}{w.pct(label, 'indicator', rng.randrange(850, 1000) / 10, 1)}。")
    satisfaction = rng.randrange(101, 110) if planted == "rate_over_100" else rng.randrange(88, 100)
    label = rng.choice(("群众满意度", "服务对象满意度"))
    lines.append(f"经问卷调查，{label}为{w.pct(label, 'indicator', satisfaction, 0, proportion=True)}。")
    return lines


def _score(w: Writer, rng: random.Random, year: int) -> str:
    shape = rng.randrange(3)
    if shape == 0:
        return f"经自评，{year}年度部门整体支出自评得分{w.score()}分，评价等级为“优”。"
    if shape == 1:
        return f"对照绩效目标逐项核实，自评分数为{w.score()}分。"
    return f"根据评分标准，{year}年度部门整体支出自评总分 {w.score()}，评价等级为“良”。"
