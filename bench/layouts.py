"""The figures of a generated report, the phrasings that state them, and the findings they imply.

Layouts follow the shapes of the seeds and samples (plan/actual prose, 年初预算/调整后/决算 chains,
全年预算数/决算数/完成率 triples, 元 with thousands separators, 部门财政资金收入 lists, 亿元 incomes,
text tables). `Writer` records every figure it writes as ground truth; `findings_of` derives the
findings from the stated figures with exact arithmetic (generation keeps clean figures well inside,
and planted errors well outside, every rounding tolerance).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

# (province, city, county): places whose names the gazetteer resolves (they come from the samples).
REGIONS: list[tuple[str, str, str | None]] = [
    ("湖南省", "株洲市", "攸县"), ("江西省", "赣州市", None), ("四川省", "雅安市", "宝兴县"),
    ("山东省", "潍坊市", None), ("浙江省", "丽水市", "松阳县"), ("广西壮族自治区", "桂林市", "阳朔县"),
    ("甘肃省", "天水市", "秦安县"), ("河南省", "洛阳市", None), ("安徽省", "黄山市", "歙县"),
    ("贵州省", "遵义市", "湄潭县"), ("陕西省", "宝鸡市", "凤翔区"), ("湖北省", "宜昌市", "秭归县"),
    ("河北省", "保定市", "涞源县"), ("云南省", "大理白族自治州", "宾川县"), ("江苏省", "盐城市", "东台市"),
    ("山西省", "晋中市", "平遥县"), ("云南省", "曲靖市", None), ("湖南省", "益阳市", "资阳区"),
    ("河北省", "廊坊市", "香河县"), ("四川省", "乐山市", "峨边彝族自治县"),
]
_SATISFACTION = ["群众满意度", "服务对象满意度"]
DEPARTMENTS: list[tuple[str, list[str]]] = [
    ("妇女联合会", ["目标人群覆盖率", "来信来访办结率"]),
    ("科学技术协会", ["科普宣传覆盖率", "科技工作者注册完成率"]),
    ("林业局", ["苗木成活率", "林草防火宣传知晓率"]),
    ("卫生健康局", ["孕产妇系统管理率", "疫苗接种率"]),
    ("残疾人联合会", ["基本康复服务覆盖率", "辅助器具适配率"]),
    ("司法局", ["调解成功率", "普法知晓率"]),
    ("发展和改革局", ["前期工作经费到位率", "网上可办率"]),
    ("档案馆", ["馆藏档案数字化率", "查档利用满意度"]),
    ("统计局", ["统计数据上报及时率", "统计法律法规知晓率"]),
    ("应急管理局", ["隐患整改率", "灾害信息员培训合格率"]),
    ("医疗保障局", ["城乡居民基本医疗保险参保率", "医保基金监管覆盖率"]),
    ("退役军人事务局", ["退役士兵安置率", "抚恤补助资金发放准确率"]),
    ("文化和旅游局", ["公共文化服务设施覆盖率", "文物安全巡查覆盖率"]),
    ("农业农村局", ["农产品质量安全例行监测合格率", "重大动物疫病免疫密度"]),
    ("教育局", ["义务教育巩固率", "学前教育普惠率"]),
]
WAN = 1_000_000  # cents per 万元
CENTS = 100


def _split(rng: random.Random, total: int, low: float, high: float, quantum: int) -> tuple[int, int]:
    first = round(total * rng.uniform(low, high) / quantum) * quantum
    return first, total - first


@dataclass(slots=True)
class Figures:
    """Money in integer cents (exact), head counts; drawn consistent, then bent by the planted rule."""

    quantum: int  # cents per last written digit: 0.01万元 or 0.01元
    unit: str  # "万元" or "元"
    budget: tuple[int, int, int]  # total, basic, project
    adjusted: tuple[int, int, int]
    final: tuple[int, int, int]
    income: tuple[int, int, int]  # total, fiscal, other (final)
    three_public: tuple[int, int, int]  # total, reception, vehicles (final)
    staff: dict[str, int]

    @classmethod
    def draw(cls, rng: random.Random, *, scale_wan: float, staff: int, planted: str | None) -> Figures:
        unit = rng.choices(("万元", "元"), weights=(70, 30))[0]
        quantum = 10_000 if unit == "万元" else 1
        bt = max(40, round(scale_wan * WAN / quantum)) * quantum
        budget = (bt, *_split(rng, bt, 0.5, 0.8, quantum))
        extra = round(bt * rng.uniform(0.0, 0.08) / quantum) * quantum
        extra_basic = round(extra * rng.uniform(0.2, 0.6) / quantum) * quantum
        adjusted = (bt + extra, budget[1] + extra_basic, budget[2] + extra - extra_basic)
        fb = round(budget[1] * rng.uniform(0.93, 0.99) / quantum) * quantum
        fp = round(budget[2] * rng.uniform(0.75, 0.98) / quantum) * quantum
        if planted == "over_budget":  # the project part overruns even the adjusted budget
            fp = round(adjusted[2] * rng.uniform(1.06, 1.2) / quantum) * quantum
        final = (fb + fp, fb, fp)
        ratio = rng.uniform(0.93, 0.98) if planted == "expenditure_exceeds_income" else rng.uniform(1.005, 1.05)
        it = round(final[0] * ratio / quantum) * quantum
        other = round(it * rng.uniform(0.01, 0.06) / quantum) * quantum
        income = (it, it - other, other)
        reception = rng.randrange(2, 400) * 100 * CENTS
        vehicles = rng.randrange(0, 800) * 100 * CENTS
        counts = cls._staff(rng, staff, planted)
        return cls(quantum, unit, budget, adjusted, final, income, (reception + vehicles, reception, vehicles), counts)

    @staticmethod
    def _staff(rng: random.Random, size: int, planted: str | None) -> dict[str, int]:
        organ = max(2, round(size * rng.uniform(0.3, 0.7)))
        affiliated = max(1, size - organ)
        actual_organ = organ - rng.randrange(0, 2)
        actual_affiliated = max(0, affiliated - rng.randrange(0, 3))
        if planted == "staff_over_authorized":
            actual_organ = organ + rng.randrange(1, 3)
            actual_affiliated = max(0, affiliated - actual_organ + organ - rng.randrange(0, 2))
        admin = max(1, round(size * rng.uniform(0.5, 0.8)))
        return {"organ": organ, "affiliated": affiliated, "actual_organ": actual_organ,
                "actual_affiliated": actual_affiliated, "admin": admin, "institution": organ + affiliated - admin,
                "retired": rng.randrange(0, max(2, size // 2))}


@dataclass(slots=True)
class Writer:
    """Writes figures as text and records each one as ground truth."""

    rng: random.Random
    amounts: list[dict] = field(default_factory=list)
    rates: list[dict] = field(default_factory=list)
    staff: list[dict] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    stated: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    staff_stated: dict[str, int] = field(default_factory=dict)
    planted_findings: list[str] = field(default_factory=list)
    report_date: str | None = None
    layout: str = ""

    def money(self, concept: str, basis: str, cents: int, unit: str, *, separators: bool | None = None,
              record: bool = True) -> str:
        if unit == "亿元":
            number = f"{cents / (10_000 * WAN):.{2 if cents % (100 * WAN) == 0 else 4}f}"
        elif unit == "万元":
            number = f"{cents / WAN:.{self.rng.choice((2, 2, 2, 4))}f}"
            if self.rng.random() < 0.3 and "." in number:  # "44.1万元", "43万元" as often written
                number = number.rstrip("0").rstrip(".")
            if separators or (separators is None and cents >= 1000 * WAN and self.rng.random() < 0.4):
                whole, _, decimals = number.partition(".")
                number = f"{int(whole):,}" + (f".{decimals}" if decimals else "")
        else:
            number = f"{cents / CENTS:,.2f}" if separators is not False else f"{cents / CENTS:.2f}"
        text = f"{number}{unit}"
        # The amount's truth is the figure as written (rounding to the written decimals changes it);
        # findings are derived from the intended cents, which agree with it within its precision.
        per_unit = {"亿元": 10_000 * WAN, "万元": WAN}.get(unit, CENTS)
        written_cents = int(Decimal(number.replace(",", "")) * per_unit)
        # A figure restated with the same value is one fact (the extractor keeps one), not two.
        if record and cents not in self.stated.get((concept, basis), []):
            self.amounts.append({"concept": concept, "basis": basis, "value_yuan": written_cents / CENTS,
                                 "as_written": text})
        if record:
            self.stated.setdefault((concept, basis), []).append(cents)
        return text

    def pct(self, concept: str, kind: str, value: float, decimals: int = 2, *, off_by: float = 0.0,
            finding: str | None = None) -> str:
        stated = round(value + off_by, decimals)
        number = f"{stated:.{decimals}f}"
        self.rates.append({"concept": concept, "kind": kind, "value_pct": stated, "as_written": f"{number}%"})
        if finding:
            self.planted_findings.append(finding)
        return f"{number}%"

    def count(self, concept: str, value: int) -> str:
        self.staff.append({"concept": concept, "value": value})
        self.staff_stated.setdefault(concept, value)
        return str(value)

    def score(self) -> str:
        value = round(self.rng.uniform(80, 99.5), self.rng.choice((0, 1, 2)))
        self.scores.append(value)
        return f"{value:g}"


def render_report(w: Writer, rng: random.Random, *, unit: dict, year: int, figures: Figures,
                  planted: str | None) -> str:
    from bench.prose import body  # the prose templates: a module of their own to keep files small

    text = body(w, rng, unit=unit, year=year, f=figures, planted=planted)
    if rng.random() < 0.1:  # full-width digits and percent signs: the reader's NFKC makes them ASCII
        text = text.translate(_FULL_WIDTH)
    return text


_FULL_WIDTH = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)}, "%": "％"})

_SUMS: list[tuple[str, list[str]]] = [
    ("expenditure.total", ["expenditure.basic", "expenditure.project"]),
    ("income.total", ["income.fiscal", "income.other"]),
    ("income.fiscal", ["income.fiscal.basic", "income.fiscal.project"]),
    ("three_public.total", ["three_public.overseas_travel", "three_public.reception", "three_public.vehicles"]),
    ("three_public.vehicles", ["three_public.vehicle_purchase", "three_public.vehicle_operation"]),
]
_STAFF_SUMS: list[tuple[str, list[str]]] = [
    ("staff.authorized", ["staff.authorized.organ", "staff.authorized.affiliated"]),
    ("staff.actual", ["staff.actual.organ", "staff.actual.affiliated"]),
    ("staff.authorized", ["staff.authorized.admin", "staff.authorized.institution"]),
    ("staff.in_service", ["staff.in_service.admin", "staff.in_service.institution"]),
]
_FUNCTIONS_PREFIX = "expenditure.function."


def findings_of(w: Writer) -> list[dict]:
    """The findings the stated figures imply, rule by rule as the spec defines them."""
    first = {key: values[0] for key, values in w.stated.items() if len(set(values)) == 1}
    rules: list[str] = [rule for key, values in w.stated.items() if len(set(values)) > 1
                        for rule in ["conflicting_values"]]
    bases = {basis for _, basis in w.stated}
    for basis in bases:
        functions = [v for (c, b), v in first.items() if b == basis and c.startswith(_FUNCTIONS_PREFIX)]
        for parent, children in [*_SUMS, ("expenditure.total", [])]:
            parts = [first.get((child, basis)) for child in children] if children else functions
            total = first.get((parent, basis))
            if total is not None and len(parts) >= 2 and None not in parts and sum(parts) != total:
                rules.append("sum_mismatch")
    for parent, children in _STAFF_SUMS:
        parts = [w.staff_stated.get(child) for child in children]
        if parent in w.staff_stated and None not in parts and sum(parts) != w.staff_stated[parent]:
            rules.append("staff_sum_mismatch")
    for concept in ("expenditure.total", "expenditure.basic", "expenditure.project", "three_public.total"):
        spent = first.get((concept, "final"))
        reference = first.get((concept, "adjusted_budget"), first.get((concept, "budget")))
        if spent is not None and reference is not None and spent > reference:
            rules.append("over_budget")
    spent = first.get(("expenditure.total", "final"))
    income = first.get(("income.total", "final"))
    if income is None and ("income.fiscal", "final") in first:
        income = first[("income.fiscal", "final")] + first.get(("income.other", "final"), 0)
    carryover = any(concept == "income.carryover_in" for concept, _ in w.stated)
    if spent is not None and income is not None and spent > income and not carryover:
        rules.append("expenditure_exceeds_income")
    top_over = w.staff_stated.get("staff.actual", 0) > w.staff_stated.get("staff.authorized", 1 << 30)
    parts_over = sum(w.staff_stated.get(f"staff.actual.{part}", 0) > w.staff_stated.get(f"staff.authorized.{part}", 1 << 30)
                     for part in ("organ", "affiliated"))
    rules += ["staff_over_authorized"] * (1 if top_over else parts_over)
    rules += w.planted_findings  # rate_mismatch, rate_over_100, shares_not_100: planted by the prose
    severity = {"over_budget": "warning", "expenditure_exceeds_income": "warning", "staff_over_authorized": "warning"}
    return [{"rule": rule, "severity": severity.get(rule, "error")} for rule in sorted(rules)]
