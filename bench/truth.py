"""The findings that a generated report's stated figures imply, rule by rule as the spec defines them.

Every figure is taken as written: an amount stands for its value +/- half a unit of its last written
digit (299.8万元 is [299.75, 299.85] 万元), a rate for [value - half, value + 2 * half] (a stated rate may
be rounded or truncated: 99% for 99.98%, ../shared/spec/phrasings.md). A rule fails only when the
intervals cannot agree. This is derived from the spec, not from `tasks.validate`: the two must agree
on every report, and where they do not the corpus shows it.

Beyond the plain reading of each rule, two things follow from the figures that a reader infers:
- a part that is not stated but whose own parts are all stated (公务用车购置费 + 运行维护费 with no
  公务用车购置及运行维护费 line) is their sum, so it completes its parent's breakdown;
- a budget that the text gives only as a chain (年初预算 + 调整追加, no 全年预算数) is the chain's sum,
  the reference for execution rates and over-budget (`implied`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from expectations.concepts import load_concepts

MILLS = 1000  # amounts in integer thousandths of a yuan: every written precision's half-unit is whole
SEVERITY = {"over_budget": "warning", "expenditure_exceeds_income": "warning", "staff_over_authorized": "warning"}
_STAFF_SUMS: list[tuple[str, list[str]]] = [
    ("staff.authorized", ["staff.authorized.organ", "staff.authorized.affiliated"]),
    ("staff.actual", ["staff.actual.organ", "staff.actual.affiliated"]),
    ("staff.authorized", ["staff.authorized.admin", "staff.authorized.institution"]),
    ("staff.in_service", ["staff.in_service.admin", "staff.in_service.institution"]),
]


@dataclass(frozen=True, slots=True)
class Stated:
    """One statement of an amount: concept, basis, value and half-width in mills, as written."""

    concept: str
    basis: str
    value: int
    half: int
    text: str


@dataclass(frozen=True, slots=True)
class StatedRate:
    concept: str  # an amount concept (share, execution) or the indicator's label
    kind: str  # share, execution, indicator, growth
    value: Fraction  # percent, as written
    half: Fraction
    text: str
    basis: str = ""  # a share's: the basis of the part it is a share of
    proportion: bool = False  # an indicator that cannot exceed 100% (满意度, 到位率)


@dataclass(frozen=True, slots=True)
class Interval:
    low: int
    high: int
    rows: int  # statements it stands for (a sum of items counts each)
    text: str

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.low + other.low, self.high + other.high, self.rows + other.rows,
                        f"{self.text}+{other.text}")


def interval(statements: list[Stated]) -> Interval:
    return Interval(sum(s.value - s.half for s in statements), sum(s.value + s.half for s in statements),
                    len(statements), "+".join(s.text for s in statements))


def _total(parts: list[Interval]) -> Interval:
    out = parts[0]
    for part in parts[1:]:
        out = out + part
    return out


def _agree(a: Interval, b: Interval) -> bool:
    return a.low <= b.high and b.low <= a.high


@cache
def _tree() -> tuple[dict[str, tuple[str, str, bool, bool]], dict[str, dict[str, list[str]]]]:
    """concept -> (parent, axis, closed, multiple); parent -> axis -> children."""
    info = {c.concept: (c.parent or "", c.axis or "", c.closed, c.multiple) for c in load_concepts().values()}
    children: dict[str, dict[str, list[str]]] = {}
    for concept, (parent, axis, _, _) in info.items():
        if parent:
            children.setdefault(parent, {}).setdefault(axis, []).append(concept)
    return info, children


def _ratio(part: Interval, total: Interval) -> tuple[Fraction, Fraction] | None:
    """Every percentage part/total can take; None where total cannot be positive."""
    if total.high <= 0:
        return None
    low = Fraction(max(part.low, 0) * 100, total.high)
    high = Fraction(part.high * 100, total.low) if total.low > 0 else Fraction(10**18)
    return low, high


def _rate_agrees(rate: StatedRate, computed: tuple[Fraction, Fraction]) -> bool:
    return rate.value - rate.half <= computed[1] and computed[0] <= rate.value + 2 * rate.half


class _Figures:
    """One figure per concept+basis as the rules read it: the first statement (none where the
    statements conflict), the sum of a multiple concept's items, a part implied by its own parts."""

    def __init__(self, amounts: list[Stated], implied: dict[tuple[str, str], Interval]) -> None:
        self.info, self.children = _tree()
        groups: dict[tuple[str, str], list[Stated]] = {}
        for statement in amounts:
            groups.setdefault((statement.concept, statement.basis), []).append(statement)
        self.groups = groups
        self.conflicting: list[tuple[str, str]] = []
        self.resolved: dict[tuple[str, str], Interval] = {}
        for key, statements in groups.items():
            if self.info.get(key[0], ("", "", False, False))[3]:
                self.resolved[key] = interval(statements)
            elif max(s.value - s.half for s in statements) > min(s.value + s.half for s in statements):
                self.conflicting.append(key)
            else:
                self.resolved[key] = interval(statements[:1])
        self.implied = implied

    def get(self, concept: str, basis: str) -> Interval | None:
        return self.resolved.get((concept, basis))

    def reference(self, concept: str) -> Interval | None:
        """What a final figure of `concept` is measured against: the adjusted budget (stated, else a
        chain's sum), else the initial budget."""
        return (self.get(concept, "adjusted_budget") or self.implied.get((concept, "adjusted_budget"))
                or self.get(concept, "budget"))

    def by_its_parts(self, concept: str, basis: str) -> Interval | None:
        """An unstated part whose parts on a closed axis are all stated: their sum."""
        if (concept, basis) in self.conflicting:
            return None
        for kids in self.children.get(concept, {}).values():
            if kids and all(self.info[k][2] for k in kids):
                found = [self.get(k, basis) for k in kids]
                if None not in found:
                    return _total(found)  # type: ignore[arg-type]
        return None

    def parts(self, parent: str, axis: str, basis: str) -> list[Interval]:
        """The stated parts of `parent` on `axis`: each child, or (unstated) its own parts' sum, or
        (an unstated level between) the grandchildren on the same axis, as far as they are stated."""
        out: list[Interval] = []
        for kid in self.children.get(parent, {}).get(axis, []):
            found = self.get(kid, basis)
            if found is None and (kid, basis) not in self.conflicting:
                found = self.by_its_parts(kid, basis)
                if found is None:
                    out += [g for g in (self.get(grand, basis) for grand in self.children.get(kid, {}).get(axis, []))
                            if g is not None]
                    continue
            if found is not None:
                out.append(found)
        return out

    def parent_of(self, concept: str, basis: str) -> tuple[str, str]:
        """A concept's parent and axis, the grandparent where the parent is unstated and on the same axis."""
        parent, axis = self.info[concept][0], self.info[concept][1]
        if parent and self.get(parent, basis) is None:
            grand, parent_axis = self.info[parent][0], self.info[parent][1]
            if grand and parent_axis == axis:
                return grand, axis
        return parent, axis


def implied_findings(amounts: list[Stated], rates: list[StatedRate], staff: dict[str, int],
                     implied: dict[tuple[str, str], Interval] | None = None) -> tuple[list[dict], list[dict]]:
    """(findings, optional_findings) in the gold shape, each with an `about`."""
    figures = _Figures(amounts, implied or {})
    found: list[tuple[str, str]] = []
    optional: list[tuple[str, str]] = []
    for concept, basis in figures.conflicting:
        texts = "、".join(s.text for s in figures.groups[(concept, basis)])
        found.append(("conflicting_values", f"{concept} {basis} stated as {texts}"))
        # a sum over the other statement would fail too: whether a validator checks it is its choice
        optional.append(("sum_mismatch", f"the breakdowns of {concept} {basis} against one of {texts}"))
    found += _sums(figures)
    found += _staff(staff)
    found += _rates(figures, rates)
    found += _over_budget(figures)
    found += _income(figures)
    findings = [{"rule": rule, "severity": SEVERITY.get(rule, "error"), "about": about}
                for rule, about in sorted(found)]
    return findings, [{"rule": rule, "about": about} for rule, about in optional]


@cache
def _below(parent: str, axis: str) -> frozenset[str]:
    """Every concept under `parent` through its children on `axis`."""
    _, children = _tree()
    out: set[str] = set()
    todo = list(children.get(parent, {}).get(axis, []))
    while todo:
        concept = todo.pop()
        out.add(concept)
        todo += [kid for kids in children.get(concept, {}).values() for kid in kids]
    return frozenset(out)


def _sums(figures: _Figures) -> list[tuple[str, str]]:
    out = []
    stated = {concept for concept, _ in figures.resolved}
    for (parent, basis), total in figures.resolved.items():
        if figures.info.get(parent, ("", "", False, True))[3]:
            continue
        for axis in figures.children.get(parent, {}):
            if stated.isdisjoint(_below(parent, axis)):
                continue
            parts = figures.parts(parent, axis, basis)
            if not parts:
                continue
            summed = _total(parts)
            # two or more parts must add up; a single part (a partial breakdown) must not exceed it
            bad = not _agree(summed, total) if summed.rows >= 2 else summed.low > total.high
            if bad:
                out.append(("sum_mismatch", f"{parent} {basis} {total.text} vs {axis} parts {summed.text}"))
    return out


def _staff(staff: dict[str, int]) -> list[tuple[str, str]]:
    out = []
    for parent, children in _STAFF_SUMS:
        parts = [staff.get(child) for child in children]
        if parent in staff and None not in parts and sum(parts) != staff[parent]:  # type: ignore[arg-type]
            out.append(("staff_sum_mismatch", f"{parent} {staff[parent]} vs {'+'.join(map(str, parts))}"))
    if staff.get("staff.actual", 0) > staff.get("staff.authorized", 1 << 30):
        out.append(("staff_over_authorized", f"actual {staff['staff.actual']} > authorized {staff['staff.authorized']}"))
    else:
        for part in ("organ", "affiliated"):
            actual, authorized = staff.get(f"staff.actual.{part}", 0), staff.get(f"staff.authorized.{part}", 1 << 30)
            if actual > authorized:
                out.append(("staff_over_authorized", f"{part}: actual {actual} > authorized {authorized}"))
    return out


def _rates(figures: _Figures, rates: list[StatedRate]) -> list[tuple[str, str]]:
    out = []
    groups: dict[tuple[str, str, str], list[StatedRate]] = defaultdict(list)
    for rate in rates:
        if rate.kind == "share":
            part = figures.get(rate.concept, rate.basis)
            parent, axis = figures.parent_of(rate.concept, rate.basis)
            total = figures.get(parent, rate.basis) if parent else None
            computed = _ratio(part, total) if part is not None and total is not None else None
            if computed is not None and not _rate_agrees(rate, computed):
                out.append(("rate_mismatch", f"share of {rate.concept} {rate.text} vs {part.text}/{total.text}"))
            if parent:
                groups[(parent, axis, rate.basis)].append(rate)
        elif rate.kind == "execution":
            final = figures.get(rate.concept, "final")
            references = [ref for ref in (figures.get(rate.concept, "adjusted_budget")
                                          or figures.implied.get((rate.concept, "adjusted_budget")),
                                          figures.get(rate.concept, "budget")) if ref is not None]
            ratios = [r for r in (_ratio(final, ref) for ref in references) if r is not None] if final else []
            if ratios and not any(_rate_agrees(rate, r) for r in ratios):
                out.append(("rate_mismatch", f"execution of {rate.concept} {rate.text} vs {final.text} over "
                                             f"{' or '.join(ref.text for ref in references)}"))
        if (rate.kind == "share" or rate.proportion) and rate.value - rate.half > 100:
            out.append(("rate_over_100", f"{rate.concept} {rate.text}"))
    for (parent, axis, basis), shares in groups.items():
        if len(shares) < 2:
            continue
        low = sum(r.value - r.half for r in shares)
        high = sum(r.value + 2 * r.half for r in shares)
        if low > 100 or (high < 100 and _complete(figures, parent, axis, basis, shares)):
            out.append(("shares_not_100", f"shares of {parent} {basis} by {axis}: "
                                          f"{'+'.join(r.text for r in shares)}"))
    return out


def _complete(figures: _Figures, parent: str, axis: str, basis: str, shares: list[StatedRate]) -> bool:
    """Whether the shares cover the whole parent: every child of a closed axis, or parts that add up."""
    kids = figures.children.get(parent, {}).get(axis, [])
    if kids and all(figures.info[k][2] for k in kids) and {r.concept for r in shares} >= set(kids):
        return True
    parts = [figures.get(r.concept, basis) for r in shares]
    total = figures.get(parent, basis)
    return None not in parts and total is not None and _agree(_total(parts), total)  # type: ignore[arg-type]


def _over_budget(figures: _Figures) -> list[tuple[str, str]]:
    out = []
    for (concept, basis), final in figures.resolved.items():
        if basis != "final" or concept.startswith("income.") or figures.info.get(concept, ("", "", False, True))[3]:
            continue
        reference = figures.reference(concept)
        if reference is not None and final.low > reference.high:
            out.append(("over_budget", f"{concept} final {final.text} > {reference.text}"))
    return out


def _income(figures: _Figures) -> list[tuple[str, str]]:
    spent = figures.get("expenditure.total", "final")
    if spent is None or any(concept == "income.carryover_in" for concept, _ in figures.groups):
        return []
    income = figures.get("income.total", "final")
    if income is None:
        parts = [p for p in (figures.get(c, "final") for c in ("income.fiscal", "income.other")) if p is not None]
        income = _total(parts) if parts else None
    if income is not None and spent.low > income.high:
        return [("expenditure_exceeds_income", f"spent {spent.text} > income {income.text}")]
    return []
