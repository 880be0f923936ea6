"""The figures of a generated report, the phrasings that state them, and the findings they imply.

Layouts follow the shapes of the seeds, the samples and ../shared/realistic/prose (plan/actual prose,
年初预算/调整后/决算 chains, 全年预算数/决算数/完成率 triples, 元 with thousands separators, 部门财政资金收入
lists, 亿元 incomes, text tables; 全年预算数/全年执行数/预算执行率 at every level, a unit stated once, project
reports). `Writer` records every figure it writes as ground truth, as written; `findings_of` derives the
findings from the stated figures at their stated precision (`bench.truth`), so a rounding trap is no
finding and a planted error is one exactly when the figures as written imply it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from bench.truth import MILLS, Interval, Stated, StatedRate, implied_findings, interval
from expectations.concepts import load_concepts

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
    """Writes figures as text and records each one as ground truth: the gold entry (amounts, or
    optional_amounts for a restatement, a prior-year figure or a change) and the statement the rules
    read (`facts`, `rate_facts`, `staff_stated`), from which `findings_of` derives the findings."""

    rng: random.Random
    amounts: list[dict] = field(default_factory=list)
    optional_amounts: list[dict] = field(default_factory=list)
    unclassified: list[dict] = field(default_factory=list)
    rates: list[dict] = field(default_factory=list)
    staff: list[dict] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    facts: list[Stated] = field(default_factory=list)
    rate_facts: list[StatedRate] = field(default_factory=list)
    staff_stated: dict[str, int] = field(default_factory=dict)
    implied: dict[tuple[str, str], Interval] = field(default_factory=dict)
    traps: list[str] = field(default_factory=list)  # rounding and reading traps the report carries
    last: Stated | None = None  # the figure written last (recorded or not)
    report_date: str | None = None
    layout: str = ""
    report_kind: str = "department_overall"
    subject: str | None = None

    def money(self, concept: str, basis: str, cents: int, unit: str, *, separators: bool | None = None,
              record: bool = True, decimals: int | None = None, bare: bool = False,
              optional: str | None = None) -> str:
        """`cents` written in `unit`; `decimals` fixes the written precision (rounding half up), else it
        is drawn as the samples write it. `bare`: the number alone (its unit stated once for the section).
        `optional`: a figure the gold lists as optional (a change, a prior year's figure: the note says
        which), never read by the rules."""
        if unit == "亿元":
            number = _fixed(cents, 10_000 * WAN, decimals if decimals is not None else
                            (2 if cents % (100 * WAN) == 0 else 4))
        elif unit == "万元":
            if decimals is None:
                number = _fixed(cents, WAN, self.rng.choice((2, 2, 2, 4)))
                if self.rng.random() < 0.3 and "." in number:  # "44.1万元", "43万元" as often written
                    number = number.rstrip("0").rstrip(".")
            else:
                number = _fixed(cents, WAN, decimals)
            if separators or (separators is None and cents >= 1000 * WAN and self.rng.random() < 0.4):
                whole, _, fraction = number.partition(".")
                number = f"{int(whole):,}" + (f".{fraction}" if fraction else "")
        else:
            number = _fixed(cents, CENTS, 2 if decimals is None else decimals)
            if separators is not False:
                whole, _, fraction = number.partition(".")
                number = f"{int(whole):,}" + (f".{fraction}" if fraction else "")
        text = number if bare else f"{number}{unit}"
        per_unit = {"亿元": 10_000 * WAN, "万元": WAN}.get(unit, CENTS) * MILLS // CENTS  # mills per unit
        written = int(Decimal(number.replace(",", "")) * per_unit)
        places = len(number.partition(".")[2])
        stated = Stated(concept, basis, written, per_unit // (2 * 10**places), text)
        self.last = stated
        as_written = f"{text} (unit {unit} stated once)" if bare else text
        entry = {"concept": concept, "basis": basis, "value_yuan": written / MILLS, "as_written": as_written}
        if optional is not None:
            self.optional_amounts.append({**entry, "as_written": f"{as_written} ({optional})"})
        elif record:
            self._record(stated, entry)
        return text

    def _record(self, stated: Stated, entry: dict) -> None:
        """The truth's amounts hold each fact once: a restatement that agrees with what was stated (the
        same value, or the same at another precision: 1.26亿元 for 12,615.38万元) is optional."""
        before = [s for s in self.facts if (s.concept, s.basis) == (stated.concept, stated.basis)]
        multiple = stated.concept in _MULTIPLE
        if before and not multiple and all(abs(s.value - stated.value) <= s.half + stated.half for s in before):
            note = "the same figure stated again" if any(s.value == stated.value for s in before) else \
                "a restatement at another precision, agreeing within rounding"
            self.optional_amounts.append({**entry, "as_written": f"{entry['as_written']} ({note})"})
        else:
            self.amounts.append(entry)
        self.facts.append(stated)

    def has(self, concept: str, basis: str) -> bool:
        return any((s.concept, s.basis) == (concept, basis) for s in self.facts)

    def imply(self, concept: str, basis: str, parts: list[Stated]) -> None:
        """A figure the text gives only as the sum of `parts` (年初预算 + 调整追加 = the adjusted budget)."""
        self.implied[(concept, basis)] = interval(parts)

    def per_unit(self, text: str, why: str) -> str:
        """A per-capita or per-unit figure (人均, 每人每月): money, but no amount of the unit."""
        self.unclassified.append({"as_written": text, "why": why})
        return text

    def pct(self, concept: str, kind: str, value: float, decimals: int = 2, *, off_by: float = 0.0,
            basis: str = "final", proportion: bool = False, truncate: bool = False) -> str:
        """A rate as written; `truncate` cuts digits instead of rounding (99% for 99.98%)."""
        stated = value + off_by
        number = _fixed_truncated(stated, decimals) if truncate else f"{round(stated, decimals):.{decimals}f}"
        self.rates.append({"concept": concept, "kind": kind, "value_pct": float(number), "as_written": f"{number}%"})
        self.rate_facts.append(StatedRate(concept, kind, Fraction(number), Fraction(1, 2 * 10**decimals),
                                          f"{number}%", basis if kind == "share" else "", proportion))
        return f"{number}%"

    def count(self, concept: str, value: int) -> str:
        self.staff.append({"concept": concept, "value": value})
        self.staff_stated.setdefault(concept, value)
        return str(value)

    def score(self) -> str:
        value = round(self.rng.uniform(80, 99.5), self.rng.choice((0, 1, 2)))
        self.scores.append(value)
        return f"{value:g}"


_MULTIPLE = frozenset(c for c, concept in load_concepts().items() if concept.multiple)


def _fixed(cents: int, per_unit: int, decimals: int) -> str:
    """cents / per_unit written with `decimals` places, rounded half up (exact: no binary float)."""
    return str((Decimal(cents) / per_unit).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _fixed_truncated(value: float, decimals: int) -> str:
    scaled = math.floor(round(value * 10**decimals, 6))
    return f"{scaled / 10**decimals:.{decimals}f}"


def render_report(w: Writer, rng: random.Random, *, unit: dict, year: int, figures: Figures,
                  planted: str | None, layouts: tuple[str, ...] | None = None) -> str:
    from bench.prose import body  # the prose templates: a module of their own to keep files small

    text = body(w, rng, unit=unit, year=year, f=figures, planted=planted, layouts=layouts)
    if rng.random() < 0.1:  # full-width digits and percent signs: the reader's NFKC makes them ASCII
        text = text.translate(_FULL_WIDTH)
    return text


_FULL_WIDTH = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)}, "%": "％"})

def findings_of(w: Writer) -> tuple[list[dict], list[dict]]:
    """(findings, optional_findings) that the report's stated figures imply (`bench.truth`)."""
    return implied_findings(w.facts, w.rate_facts, w.staff_stated, w.implied)
