"""Department layouts in the shapes of ../shared/realistic/prose (p01, p05, p15), with their traps.

- full_year (p01, p15): 收入…其中财政拨款收入…其他收入; 年初预算数 + 年中追加, 全年预算数/全年执行数/预算执行率
  at total, basic and project level; 项目支出执行数中 items with a per-capita aside; 年末结转结余; function
  shares; 三公 with its own 全年预算数/执行数/执行率; a prior-year figure; a restatement at a coarser
  precision (1.26亿元 for 12,615.38万元). Traps: a rate on a rounding boundary (94.50% for 94.4968%), a
  truncated rate (99% for 99.62%), parts adding up to the total +/- 0.01, shares adding up to 100.01% or
  99.99%, 年初预算 + 调整追加 with no 全年预算数 (p15: the rate is against their sum), 支出 > 收入 covered by
  年初结转和结余, 三公 with no 公务用车购置及运行维护费 line (p05: its parts complete the breakdown).
- unit_once (p05): the unit stated once for the section, then bare numbers; 比年初预算增加 (the initial
  budget implied); amounts before their labels (共计486.20用于…); 全年执行数 restating 支出合计; 人均公用经费.
"""

from __future__ import annotations

import random

from bench.layouts import WAN, Figures, Writer
from bench.prose import _FUNCTIONS, _YI, _three_public

SHORT_NAMES = ("我局", "本部门", "我单位", "局机关")
ADDED_FOR = ("疫情防控和重点项目经费", "上级专项补助资金", "人员工资调整及重点工作经费", "基础设施维修改造经费")
ITEM_NAMES = ("业务工作经费", "信息化建设项目资金", "宣传培训经费", "基础设施维修改造资金", "专项业务补助",
              "设备购置经费", "政府购买服务资金", "重点工作专项经费")
USES = ("日常业务运转及重点工作推进", "信息化平台运行维护", "宣传培训及资料印制", "办公设备购置",
        "困难群众帮扶及慰问", "政府购买服务", "基础设施维修改造")


def split(rng: random.Random, total: int, n: int, quantum: int) -> list[int]:
    """n positive parts of `total` at random cut points, each a multiple of `quantum` but the last."""
    units = total // quantum
    n = max(1, min(n, units))
    cuts = sorted(rng.sample(range(1, units), n - 1)) if n > 1 else []
    edges = [0, *cuts, units]
    parts = [(b - a) * quantum for a, b in zip(edges, edges[1:], strict=False)]
    parts[-1] += total - units * quantum
    return parts


def nudge_to_boundary(spent: int, reference: int, quantum: int) -> int:
    """`spent` lowered by a few quanta so that spent/reference, written with two decimals, lies near the
    rounding boundary (94.4968% -> 94.50%): a validator with a tolerance tighter than the stated
    precision flags it, the truth does not."""
    for step in range(400):
        candidate = spent - step * quantum
        hundredths = candidate * 10_000 / reference  # the rate in hundredths of a percent
        if 0.32 <= abs(hundredths - round(hundredths)) <= 0.48:
            return candidate
    return spent


def transposed(cents: int, per_unit: int) -> int:
    """The figure with two adjacent digits of its two-decimal writing swapped (5,076.50 -> 5,067.50)."""
    digits = list(f"{cents * 100 // per_unit:d}")
    places = [i for i in range(len(digits) - 1) if digits[i] != digits[i + 1] and not (i == 0 and digits[1] == "0")]
    if not places:
        return cents + max(per_unit // 100, cents // 14)
    i = places[len(places) // 2]
    digits[i], digits[i + 1] = digits[i + 1], digits[i]
    return int("".join(digits)) * per_unit // 100


def coarse(w: Writer, concept: str, basis: str, cents: int, unit: str, *, shift: float = 0.0) -> str:
    """The figure restated at a coarser precision (亿元 with 2 or 3 decimals, 万元 with 0 or 1); `shift`
    moves it off (a conflicting restatement)."""
    value = round(cents * (1 + shift))
    if value >= _YI:
        return w.money(concept, basis, value, "亿元", decimals=2)
    if value >= _YI // 10:
        return w.money(concept, basis, value, "亿元", decimals=3)
    if unit == "元":
        return w.money(concept, basis, value, "万元", decimals=2, separators=False)
    return w.money(concept, basis, value, "万元", decimals=1 if value < 100 * WAN else 0, separators=False)


def restatement(w: Writer, rng: random.Random, year: int, spent: int, unit: str, planted: str | None) -> str | None:
    """A summary sentence restating the total spent: coarser (agreeing), or off (conflicting_values)."""
    if planted == "conflicting_values":
        if rng.random() < 0.7:
            per_unit = WAN if unit == "万元" else 100
            figure = w.money("expenditure.total", "final", transposed(spent, per_unit), unit, decimals=2)
        else:
            figure = coarse(w, "expenditure.total", "final", spent, unit, shift=rng.choice((-1, 1)) * rng.uniform(0.03, 0.06))
    elif rng.random() < 0.3:
        figure = coarse(w, "expenditure.total", "final", spent, unit)
        w.traps.append("restated_coarser")
    else:
        return None
    return f"综上，{year}年度部门整体支出{figure}，预算执行情况总体良好。"


def prior_year(w: Writer, rng: random.Random, year: int, concept: str, basis: str, cents: int, unit: str,
               quantum: int, what: str) -> str:
    """较上年增加D（Y年为P），增长g%: the change and the prior year's figure are optional in the gold."""
    growth = rng.choice((-1, 1)) * rng.uniform(0.02, 0.2)
    prior = max(quantum, round(cents / (1 + growth) / quantum) * quantum)
    change = abs(cents - prior)
    up = cents >= prior
    w.traps.append("prior_year")
    d = w.money("target.change", basis, change, unit, optional=f"{what}较上年{'增加' if up else '减少'}: a change")
    p = w.money(concept, basis, prior, unit, optional=f"{year - 1}年 prior-year figure")
    g = w.pct(f"{what}较上年{'增长' if up else '下降'}", "growth", change / prior * 100, 2)
    return f"{what}较上年{'增加' if up else '减少'}{d}（{year - 1}年为{p}），{'增长' if up else '下降'}{g}。"


def three_public(w: Writer, rng: random.Random, year: int, f: Figures, unit_once: bool = False) -> str:
    """三公 as p01 (its own 全年预算数/执行数/执行率), as p05 (no 公务用车购置及运行维护费 line), or as today."""
    total, reception, vehicles = f.three_public
    purchase = round(vehicles * rng.uniform(0.3, 0.7) / 10_000) * 10_000 if vehicles and rng.random() < 0.2 else 0
    m = w.money
    shape = rng.random()
    if shape < 0.45:
        budget = round(total * rng.uniform(1.0, 1.3) / 10_000) * 10_000
        rate = w.pct("three_public.total", "execution", total / budget * 100, 2)
        return (f"{year}年“三公”经费全年预算数{m('three_public.total', 'adjusted_budget', budget, '万元')}，全年执行数"
                f"{m('three_public.total', 'final', total, '万元')}，预算执行率{rate}。其中：因公出国（境）费"
                f"{m('three_public.overseas_travel', 'final', 0, '万元')}；公务接待费"
                f"{m('three_public.reception', 'final', reception, '万元')}；公务用车购置及运行维护费"
                f"{m('three_public.vehicles', 'final', vehicles, '万元')}，其中公务用车购置费"
                f"{m('three_public.vehicle_purchase', 'final', purchase, '万元')}、公务用车运行维护费"
                f"{m('three_public.vehicle_operation', 'final', vehicles - purchase, '万元')}。")
    if shape < 0.75 or unit_once:
        w.traps.append("implied_part")
        return (f"{year}年“三公”经费支出{m('three_public.total', 'final', total, '万元')}，其中：公务接待费"
                f"{m('three_public.reception', 'final', reception, '万元')}，公务用车运行维护费"
                f"{m('three_public.vehicle_operation', 'final', vehicles - purchase, '万元')}，因公出国（境）费"
                f"{m('three_public.overseas_travel', 'final', 0, '万元')}，公务用车购置费"
                f"{m('three_public.vehicle_purchase', 'final', purchase, '万元')}。")
    return _three_public(w, rng, year, f)


def _plant_variant(rng: random.Random, planted: str | None, variants: tuple[str, ...]) -> str | None:
    return rng.choice(variants) if planted == "sum_mismatch" else None


def _shift(rng: random.Random, cents: int, quantum: int, low: float = 0.03, high: float = 0.08) -> int:
    return max(5 * quantum, round(cents * rng.uniform(low, high) / quantum) * quantum)


def full_year(w: Writer, rng: random.Random, year: int, f: Figures, planted: str | None) -> list[str]:
    u, q = f.unit, f.quantum
    short = rng.choice(SHORT_NAMES)
    bt = f.budget[0]
    at, ab, ap = f.adjusted
    fb, fp = f.final[1], f.final[2]
    it, fiscal, other = f.income
    free = planted not in ("over_budget", "expenditure_exceeds_income")  # traps that move the figures
    if free and rng.random() < 0.25:  # the basic budget spent in full: 预算执行率100%
        ab, ap = fb, at - fb
    boundary = free and rng.random() < 0.35
    if boundary:
        fp = nudge_to_boundary(fp, ap, q)
        w.traps.append("rate_rounding")
    ft = fb + fp
    carry_in = None
    if planted is None and rng.random() < 0.1:  # spending above income, covered by the carry-over
        it = round(ft * rng.uniform(0.93, 0.98) / q) * q
        other = round(it * rng.uniform(0.01, 0.06) / q) * q
        fiscal = it - other
        carry_in = round((ft - it) * rng.uniform(1.2, 3.0) / q) * q
        w.traps.append("carryover_covers")
    sum_plant = _plant_variant(rng, planted, ("income", "adjusted", "items"))
    sum_trap = rng.choice(("income", "adjusted")) if planted != "sum_mismatch" and rng.random() < 0.3 else None
    rate_plant = rng.choice(("total", "basic", "project")) if planted == "rate_mismatch" else None
    m = w.money
    out = []

    # income
    dec = 2 if sum_plant == "income" or sum_trap == "income" else None
    yi = u == "万元" and it >= _YI // 10 and dec is None and rng.random() < 0.4  # 亿元 beside 万元
    if yi:
        it = -(-it // WAN) * WAN
        fiscal = it - other
    stated_other = other + (_shift(rng, other + it // 20, q) if sum_plant == "income" else 0)
    stated_it = it + (rng.choice((-1, 1)) * q if sum_trap == "income" else 0)
    if sum_trap == "income":
        w.traps.append("sum_rounding")
    total_text = m("income.total", "final", stated_it, "亿元", decimals=4) if yi else m("income.total", "final", stated_it, u, decimals=dec)
    carry = f"年初结转和结余{m('income.carryover_in', 'final', carry_in, u)}，" if carry_in else ""
    out.append(f"{year}年{short}{carry}全年收入{total_text}，其中财政拨款收入{m('income.fiscal', 'final', fiscal, u, decimals=dec)}，"
               f"其他收入{m('income.other', 'final', stated_other, u, decimals=dec)}。")
    if rng.random() < 0.3:
        out[-1] += prior_year(w, rng, year, "income.total", "final", it, u, q, "本年收入")

    # budget and execution
    implied = rng.random() < 0.2 and rate_plant in (None, "total") and sum_plant != "adjusted"
    if implied:
        out += _implied_chain(w, rng, year, ft, fb, fp, q, u, planted)
    else:
        out += _chain(w, rng, year, (bt, at, ab, ap), (ft, fb, fp), q, u, short, sum_plant, sum_trap, rate_plant, boundary)

    # project items, carry-over, functions, 三公, restatement
    if sum_plant == "items" or rng.random() < 0.35:
        out.append(_items(w, rng, fp, q, u, sum_plant == "items"))
    if not implied and at > ft and rng.random() < 0.25:
        out.append(f"年末结转结余{m('carryover', 'final', at - ft, u)}，已按规定结转下年使用。")
    if planted == "shares_not_100" or rng.random() < 0.35:
        out.append(_function_shares(w, rng, ft, q, u, planted == "shares_not_100"))
    if rng.random() < 0.85:
        out.append(three_public(w, rng, year, f))
    sentence = restatement(w, rng, year, ft, u, planted)
    if sentence:
        out.append(sentence)
    return out


def _chain(w: Writer, rng: random.Random, year: int, budgets: tuple[int, int, int, int], finals: tuple[int, int, int],
           q: int, u: str, short: str, sum_plant: str | None, sum_trap: str | None, rate_plant: str | None,
           boundary: bool) -> list[str]:
    """年初预算数 + 年中追加, then 全年预算数/全年执行数/预算执行率 for the total, basic and project parts."""
    bt, at, ab, ap = budgets
    ft, fb, fp = finals
    m = w.money
    dec = 2 if sum_plant == "adjusted" or sum_trap == "adjusted" else None
    stated_ab = ab + (_shift(rng, ab, q, 0.03, 0.06) if sum_plant == "adjusted" else 0)
    stated_at = at + (rng.choice((-1, 1)) * q if sum_trap == "adjusted" else 0)
    if sum_trap == "adjusted":
        w.traps.append("sum_rounding")
    first = f"{year}年年初预算数{m('expenditure.total', 'budget', bt, u)}"
    if at > bt:
        first += (f"，年中追加{m('target.change', 'adjusted_budget', at - bt, u, optional='年中追加: a change')}"
                  f"（主要为{rng.choice(ADDED_FOR)}）")

    def off(level: str) -> float:
        return rng.choice((1.0, -1.0)) * rng.uniform(2.0, 5.0) if rate_plant == level else 0.0

    total_rate = w.pct("expenditure.total", "execution", ft / stated_at * 100, 2, off_by=off("total"))
    second = (f"{short}全年预算数{m('expenditure.total', 'adjusted_budget', stated_at, u, decimals=dec)}，全年执行数"
              f"{m('expenditure.total', 'final', ft, u)}，预算执行率{total_rate}。")
    exact_b = fb / stated_ab * 100
    if fb == stated_ab:
        basic_rate = w.pct("expenditure.basic", "execution", 100.0, 0, off_by=off("basic"))
    elif rate_plant != "basic" and exact_b % 1 >= 0.5 and rng.random() < 0.3:
        basic_rate = w.pct("expenditure.basic", "execution", exact_b, 0, truncate=True)
        w.traps.append("rate_truncated")
    else:
        basic_rate = w.pct("expenditure.basic", "execution", exact_b, rng.choice((1, 2)), off_by=off("basic"))
    project_rate = w.pct("expenditure.project", "execution", fp / ap * 100, 2 if boundary else rng.choice((1, 2)),
                         off_by=off("project"))
    third = (f"其中：基本支出全年预算数{m('expenditure.basic', 'adjusted_budget', stated_ab, u, decimals=dec)}，全年执行数"
             f"{m('expenditure.basic', 'final', fb, u, decimals=2 if boundary else None)}，预算执行率{basic_rate}；"
             f"项目支出全年预算数{m('expenditure.project', 'adjusted_budget', ap, u, decimals=dec or (2 if boundary else None))}，"
             f"全年执行数{m('expenditure.project', 'final', fp, u, decimals=2 if boundary else None)}，预算执行率{project_rate}。")
    return [first + "。" + second, third]


def _implied_chain(w: Writer, rng: random.Random, year: int, ft: int, fb: int, fp: int, q: int, u: str,
                   planted: str | None) -> list[str]:
    """p15: 年初预算安排 + 调整追加 and no 全年预算数; the execution rate is against their sum."""
    if planted == "over_budget":  # spending above even the adjusted budget
        initial = round(ft * rng.uniform(0.7, 0.85) / q) * q
        added = round(ft * rng.uniform(0.05, 0.1) / q) * q
    else:
        initial = round(ft * rng.uniform(0.85, 1.02) / q) * q
        added = round(ft / rng.uniform(0.93, 0.995) / q) * q - initial
        if added <= 0:
            added = round(ft * rng.uniform(0.03, 0.1) / q) * q
    m = w.money
    initial_text = m("expenditure.total", "budget", initial, u)
    initial_stated = w.last
    added_text = m("target.change", "adjusted_budget", added, u, optional="调整追加: the adjusted budget is implied")
    w.imply("expenditure.total", "adjusted_budget", [initial_stated, w.last])
    w.traps.append("implied_adjusted")
    off = rng.choice((1.0, -1.0)) * rng.uniform(2.0, 5.0) if planted == "rate_mismatch" else 0.0
    rate = w.pct("expenditure.total", "execution", ft / (initial + added) * 100, 2, off_by=off)
    return [f"{year}年年初预算安排{initial_text}，年中根据上级补助资金调整追加{added_text}。",
            f"全年执行数{m('expenditure.total', 'final', ft, u)}，预算执行率{rate}。其中：基本支出"
            f"{m('expenditure.basic', 'final', fb, u)}，项目支出{m('expenditure.project', 'final', fp, u)}。"]


def _items(w: Writer, rng: random.Random, fp: int, q: int, u: str, plant: bool) -> str:
    """项目支出执行数中，A x万元，B y万元…: project items adding up to the project spending."""
    values = split(rng, fp, rng.randrange(2, 5), q)
    if plant:
        values[0] += _shift(rng, values[0], q, 0.06, 0.12)
    names = rng.sample(ITEM_NAMES, len(values))
    listed = []
    for index, (label, value) in enumerate(zip(names, values, strict=True)):
        text = f"{label}{w.money('expenditure.project_item', 'final', value, u, decimals=2 if plant else None)}"
        if index == 0 and rng.random() < 0.3:
            people = rng.randrange(20, 2000)
            text += f"（惠及{people}人，{w.per_unit(f'人均补助{value / 100 / people:.2f}元', '人均补助: per capita')}）"
        listed.append(text)
    return f"项目支出执行数中，{'，'.join(listed)}。"


def _function_shares(w: Writer, rng: random.Random, ft: int, q: int, u: str, plant: bool) -> str:
    """按支出功能分类, each function with its share of the total; shares that round to 100.01% or
    99.99% are a trap, a share moved off by points the plant."""
    n = rng.choice((3, 3, 4))
    trap = not plant and rng.random() < 0.6
    for _ in range(40):
        values = split(rng, ft, n, q)
        shares = [round(value / ft * 100, 2) for value in values]
        if not trap or abs(sum(shares) - 100) > 0.005:
            break
    else:
        trap = False
    if trap:
        w.traps.append("shares_rounding")
    moved = rng.randrange(n) if plant else -1
    listed = []
    for index, ((label, key), value) in enumerate(zip(rng.sample(_FUNCTIONS, n), values, strict=True)):
        off = rng.choice((-1, 1)) * rng.uniform(1.5, 3.0) if index == moved else 0.0
        share = w.pct(f"expenditure.function.{key}", "share", value / ft * 100, 2, off_by=off)
        listed.append(f"{label}{w.money('expenditure.function.' + key, 'final', value, u, decimals=2)}，占{share}")
    return f"按支出功能分类，{'；'.join(listed)}。"


def unit_once(w: Writer, rng: random.Random, year: int, f: Figures, planted: str | None) -> list[str]:
    """p05: （以下金额单位均为万元）, then bare numbers with two decimals."""
    q = 10_000  # 0.01万元

    def wan(cents: int) -> int:
        return round(cents / q) * q

    fb, fp = wan(f.final[1]), wan(f.final[2])
    ft = fb + fp
    bt, at = wan(f.budget[0]), wan(f.adjusted[0])
    if planted == "over_budget":
        at = round(ft * rng.uniform(0.9, 0.96) / q) * q
    it, other = wan(f.income[0]), wan(f.income[2])
    fiscal = it - other
    sum_plant = _plant_variant(rng, planted, ("nature", "income", "items"))
    sum_trap = rng.choice(("nature", "income")) if planted != "sum_mismatch" and rng.random() < 0.3 else None
    if sum_trap:
        w.traps.append("sum_rounding")
    separators = rng.random() < 0.7

    def bare(concept: str, basis: str, cents: int) -> str:
        return w.money(concept, basis, cents, "万元", decimals=2, bare=True, separators=separators and cents >= 1000 * WAN)

    stated_it = it + (rng.choice((-1, 1)) * q if sum_trap == "income" else 0)
    stated_other = other + (_shift(rng, other + it // 20, q) if sum_plant == "income" else 0)
    stated_ft = ft + (rng.choice((-1, 1)) * q if sum_trap == "nature" else 0)
    stated_fb = fb - (_shift(rng, fb, q) if sum_plant == "nature" else 0)
    short = rng.choice(SHORT_NAMES)
    heading = rng.choice(("（以下金额单位均为万元）", "（以下金额单位：万元）", "（单位：万元，下同）"))
    out = [heading,
           f"{year}年{short}全年收入合计{bare('income.total', 'final', stated_it)}，其中财政拨款收入"
           f"{bare('income.fiscal', 'final', fiscal)}，其他收入{bare('income.other', 'final', stated_other)}。全年支出合计"
           f"{bare('expenditure.total', 'final', stated_ft)}，其中基本支出{bare('expenditure.basic', 'final', stated_fb)}，"
           f"项目支出{bare('expenditure.project', 'final', fp)}。"]
    budget = f"全年预算数{bare('expenditure.total', 'adjusted_budget', at)}"
    if at > bt:
        change = w.money("target.change", "adjusted_budget", at - bt, "万元", decimals=2, bare=True,
                         optional="比年初预算增加: the initial budget is implied")
        budget += f"，比年初预算增加{change}，主要是追加{rng.choice(ADDED_FOR)}"
    again = transposed(stated_ft, WAN) if planted == "conflicting_values" else stated_ft
    off = rng.choice((1.0, -1.0)) * rng.uniform(2.0, 5.0) if planted == "rate_mismatch" else 0.0
    rate = w.pct("expenditure.total", "execution", again / at * 100, 2, off_by=off)
    out.append(f"{budget}。全年执行数{bare('expenditure.total', 'final', again)}，预算执行率{rate}。")
    if sum_plant == "items" or rng.random() < 0.4:
        values = split(rng, fp, rng.randrange(2, 5), q)
        if sum_plant == "items":
            values[-1] += _shift(rng, values[-1], q, 0.06, 0.12)
        uses = rng.sample(USES, len(values))
        listed = "，".join(f"{'共计' if i == 0 else ''}{bare('expenditure.project_item', 'final', v)}用于{use}"
                           for i, (v, use) in enumerate(zip(values, uses, strict=True)))
        out.append(f"项目支出中，{listed}。")
    tail = three_public(w, rng, year, f, unit_once=True) if rng.random() < 0.85 else ""
    per_head = w.per_unit(f"{rng.uniform(0.6, 2.4):.2f}万元", "人均公用经费: per capita")
    out.append(f"{tail}基本支出中公用经费按在编人员测算，人均公用经费{per_head}。")
    return out


NEW_MONEY = {"full_year": full_year, "unit_once": unit_once}
