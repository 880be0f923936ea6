"""The rules' logic: one check per rule of `expectations/rules.toml`, named there by its `check`.

A check reads one report (`expectations.report_view.ReportView`) and states *comparisons*: the stated
figure as an interval (everything the text can mean at its stated precision), the computed figure as
an interval (everything the other stated figures imply), and in which directions a difference counts.
Whether a comparison holds is decided for the whole batch at once (`expectations.tolerance.
comparison_holds`, the check of `expectations.schemas.ComparisonSchema`); each comparison carries how
to word it, which only runs when it fails: the fields of its rule's message template and its fact ids.

Tolerance always follows the stated precision of the figures involved, never a fixed epsilon.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from expectations.report_view import (
    NAN,
    Fact,
    Figure,
    Headcount,
    RateFact,
    ReportView,
    Share,
    all_children,
    axes_between,
    axis_sizes,
    by_rank,
    closed_parents,
    interval_sum,
    joined,
    kahan_sum,
    label,
    lineage,
    percent,
    place,
    tree_root,
    yuan,
)
from expectations.rule_table import RULE_BY_NAME, RuleDefinition
from expectations.tolerance import ratio_interval, values_agree

Fields = dict[str, object]  # a message template's fields
Worded = tuple[Fields, list[str]]  # ... and the ids of the facts the finding rests on
# How a failing comparison is worded; given whether another comparison failed (by its number), so a
# finding can fold in related failures. None: folded into another finding.
Wording = Callable[[Callable[[int], bool]], Worded | None]


BOUND_COLUMNS = ("stated_low", "stated_high", "computed_low", "computed_high", "alt_low", "alt_high",
                 "flag_above", "flag_below")


@dataclass(slots=True)
class Comparisons:
    """The comparisons of a batch: their bounds (one tuple each, in BOUND_COLUMNS order: what
    `comparison_holds` reads) and, beside them, report number, rule and wording."""

    bounds: list[tuple[float, float, float, float, float, float, bool, bool]] = field(default_factory=list)
    about: list[tuple[int, str, Wording]] = field(default_factory=list)
    current_doc: int = 0

    def add(self, rule: str, stated: tuple[float, float], computed: tuple[float, float], word: Wording, *,
            above: bool = True, below: bool = True, alternative: tuple[float, float] = (NAN, NAN)) -> int:
        """One comparison of the current report; returns its number."""
        self.bounds.append((*stated, *computed, *alternative, above, below))
        self.about.append((self.current_doc, rule, word))
        return len(self.about) - 1

    def columns(self) -> dict[str, np.ndarray]:
        table = np.array(self.bounds, dtype="float64").reshape(-1, len(BOUND_COLUMNS))
        return {name: table[:, i] if name.endswith(("_low", "_high")) else table[:, i].astype(bool)
                for i, name in enumerate(BOUND_COLUMNS)}

    def __len__(self) -> int:
        return len(self.about)


Check = Callable[[ReportView, RuleDefinition, Comparisons], None]
CHECKS: dict[str, Check] = {}


def check(function: Check) -> Check:
    """Registers a check under its function name, the name rules.toml refers to."""
    CHECKS[function.__name__] = function
    return function


def _ids(*groups: Iterable[str] | None) -> list[str]:
    return [fact_id for group in groups if group for fact_id in group]


# --- shared steps ---------------------------------------------------------------------------------

def conflicting(highest: Fact, lowest: Fact) -> bool:
    """Two statements of one concept+basis that cannot stand for the same figure."""
    return not values_agree(highest.low, highest.high, lowest.low, lowest.high)


def lifted(fact: Fact, stated: dict) -> tuple[str, str]:
    """The parent and axis a fact adds up into. Where its parent is not stated, the grandparent on the
    same axis takes its place: 中央 + 省级 + 市级 + 县级 add up to the total when 市县 (local) itself is not
    given (spec: levels), and a 县级 share is a share of the total. Below a closed axis the parts stand
    in for their parent on its axis: 公务用车运行维护费 for 公务用车购置及运行维护费 among the 三公 kinds."""
    parent, axis = fact.parent, fact.axis
    above = place(parent)
    if above.parent and (above.axis == axis or parent in closed_parents()) and (parent, fact.basis) not in stated:
        return above.parent, above.axis
    return parent, axis


def _grouped(facts: Iterable[Fact], stated: dict) -> dict[tuple[str, str, str], list[Fact]]:
    """Facts with a parent, by the (parent, axis, basis) they add up into, in order of appearance."""
    groups: dict[tuple[str, str, str], list[Fact]] = {}
    for fact in facts:
        if fact.parent:
            parent, axis = lifted(fact, stated)
            groups.setdefault((parent, axis, fact.basis), []).append(fact)
    return groups


def _sum_of_another_whole(figures: Iterable[Fact], parent: str, axis: str, basis: str, low: float,
                          high: float) -> bool:
    """Breakdowns that miss their parent but add up to another stated figure of the same tree and basis
    ("一般公共预算财政拨款支出按功能分类：…" sums to that figure, not to 本年支出合计) are that figure's
    breakdown: no accusation rests on a guess of which whole the text meant. The other whole lies below
    the parent on another axis (一般公共预算 under 本年支出, beside the functions)."""
    return any(whole.basis == basis and parent in lineage(whole.concept)
               and axis not in axes_between(whole.concept, parent)
               and values_agree(low, high, whole.low, whole.high) for whole in figures)


def _share_of_another_whole(share: Share, figures: Iterable[Figure]) -> bool:
    """A share that misses part / parent but equals part / another stated figure of the same tree and
    basis ("占本年支出合计的82.10%" of a source's figure; function shares of 一般公共预算财政拨款支出) is a share
    of that figure: the text did not say which whole, so no accusation rests on our guess."""
    part_half = share.high - share.value
    root = tree_root(share.concept)
    for whole in figures:
        if (whole.basis == share.basis and whole.concept != share.concept and whole.value > 0
                and tree_root(whole.concept) == root):
            low, high = ratio_interval(share.value, part_half, whole.value, whole.high - whole.value)
            if values_agree(share.rate.low, share.rate.high, low, high):
                return True
    return False


# --- the checks -----------------------------------------------------------------------------------

@check
def sum_of_parts(view: ReportView, rule: RuleDefinition, out: Comparisons) -> None:
    """Each stated parent vs the sum of its stated children on one axis. Two or more children must
    add up; a single child (a partial breakdown) must only not exceed the parent."""
    staff = rule.params["facts"] == "staff"
    stated: dict = view.staff_by_key if staff else view.figures
    facts: list[Fact] = list(stated.values())
    for (parent, axis, basis), parts in _grouped(facts, stated).items():
        total = stated.get((parent, basis))
        if total is None:
            continue
        n_rows = sum(part.n_rows for part in parts)  # type: ignore[attr-defined]
        value, low, high = interval_sum(parts)
        if (n_rows >= 2 and not values_agree(low, high, total.low, total.high)
                and _sum_of_another_whole(facts, parent, axis, basis, low, high)):
            continue
        selection = any(part.selection for part in parts)  # type: ignore[attr-defined]

        def word(failed: Callable[[int], bool], total: Fact = total, parent: str = parent, axis: str = axis,
                 basis: str = basis, value: float = value) -> Worded:
            children = by_rank(fact for fact in facts if (fact.parent, fact.axis, fact.basis) == (parent, axis, basis))
            total_text = total.text if staff else label(parent, basis) + total.text  # type: ignore[attr-defined]
            return ({"total": total_text, "sum": str(int(value)) if staff else yuan(value),
                     "parts": " + ".join(child.named for child in children)},  # type: ignore[attr-defined]
                    _ids(total.ids, *(child.ids for child in children)))

        out.add(rule.rule, (total.low, total.high), (low, high), word, above=n_rows >= 2 and not selection)


@check
def rate_against_amounts(view: ReportView, rule: RuleDefinition, out: Comparisons) -> None:
    """A stated share vs part / parent amount of the same basis; a stated execution rate of concept C
    vs final(C) / adjusted_budget(C), or else final(C) / budget(C)."""
    for share in view.shares:
        _share_ratio(view, share, rule, out)
    adjusted = any(figure.concept == rule.params["budget_adjustment"] for figure in view.resolved)
    for rate in view.rates:
        if rate.kind == "execution":
            _execution_rate(view, rate, adjusted, rule, out)


def _share_ratio(view: ReportView, share: Share, rule: RuleDefinition, out: Comparisons) -> None:
    if share.part is None:
        return
    parent, _ = lifted(share, view.figures)
    total = view.figure(parent, share.basis)
    if total is None or not total.value > 0:
        return
    low, high = ratio_interval(share.value, share.high - share.value, total.value, total.high - total.value)
    rate = share.rate
    if not values_agree(rate.low, rate.high, low, high) and _share_of_another_whole(share, view.resolved):
        return
    computed = share.value / total.value * 100

    def word(failed: Callable[[int], bool]) -> Worded:
        part = share.part
        direct_parent = view.figure(place(part.concept).parent, part.basis)  # type: ignore[union-attr]
        whole = direct_parent.labelled if direct_parent else NAN
        part_text = label(part.concept, part.basis) + part.text  # type: ignore[union-attr]
        return ({"rate": rate.text, "calculations": joined(part_text, "÷", whole, "=", percent(computed))},
                _ids(rate.ids, part.ids, direct_parent.ids if direct_parent else None))  # type: ignore[union-attr]

    out.add(rule.rule, (rate.low, rate.high), (low, high), word)


def _execution_rate(view: ReportView, rate: RateFact, adjusted: bool, rule: RuleDefinition,
                    out: Comparisons) -> None:
    final = view.figure(rate.concept, "final")
    if final is None:
        return
    ratios: dict[str, tuple[float, float, float, Figure | None]] = {}
    for basis in ("adjusted_budget", "budget"):
        reference = view.figure(rate.concept, basis)
        if reference is None or not reference.value > 0:
            ratios[basis] = (NAN, NAN, NAN, None)
            continue
        low, high = ratio_interval(final.value, final.high - final.value, reference.value,
                                   reference.high - reference.value)
        ratios[basis] = (final.value / reference.value * 100, low, high, reference)
    # where the report states an adjustment (年中追加) but not the adjusted figure, the rate is against a
    # budget nobody wrote down: the initial budget is no fair reference
    if adjusted and math.isnan(ratios["adjusted_budget"][0]):
        ratios["budget"] = (NAN, NAN, NAN, None)
    if math.isnan(ratios["adjusted_budget"][0]) and math.isnan(ratios["budget"][0]):
        return

    def word(failed: Callable[[int], bool]) -> Worded:
        calculations, ids = [], [*rate.ids, *final.ids]
        for ratio, _, _, reference in ratios.values():
            if reference is not None:
                calculations.append(f"{final.labelled}÷{reference.labelled}={percent(ratio)}")
                ids.extend(reference.ids)
        return {"rate": rate.text, "calculations": "，或".join(calculations)}, ids

    adjusted, budget = ratios["adjusted_budget"], ratios["budget"]
    out.add(rule.rule, (rate.low, rate.high), (adjusted[1], adjusted[2]), word, alternative=(budget[1], budget[2]))


def names_a_proportion(label_text: str, rule: RuleDefinition | None = None) -> bool:
    """An indicator label that names a proportion (cannot exceed 100%), by the rule's marker lists."""
    params = (rule or RULE_BY_NAME["rate_over_100"]).params
    return (any(marker in label_text for marker in params["proportion_markers"])
            and not any(marker in label_text for marker in params["not_proportion_markers"]))


def proportion_label_mask(labels: pd.Series) -> pd.Series:
    """`names_a_proportion` over a column of labels."""
    return labels.map(names_a_proportion).astype(bool)


@check
def rate_over_100(view: ReportView, rule: RuleDefinition, out: Comparisons) -> None:
    """Shares and proportion-type indicators above 100% beyond the rate's own precision."""
    for rate in view.rates:
        if rate.kind == "share" or (rate.kind == "indicator" and names_a_proportion(rate.concept, rule)):
            out.add(rule.rule, (rate.low, rate.high), (100.0, 100.0),
                    lambda failed, rate=rate: ({"rate": rate.text}, rate.ids), below=False)


@check
def shares_total(view: ReportView, rule: RuleDefinition, out: Comparisons) -> None:
    """Σ shares of a parent's children on one axis and basis vs 100%. Must equal 100 when the breakdown
    is complete (every child of a closed axis, or parts that add up to the parent); else not exceed."""
    for (parent, axis, basis), shares in _grouped(view.shares, view.figures).items():
        if len(shares) < 2:
            continue
        value, low, high = interval_sum([share.rate for share in shares])  # type: ignore[attr-defined]
        size, closed = axis_sizes().get((parent, axis), (-1, False))
        every_child = closed and len({share.concept for share in shares}) == size
        total = view.figure(parent, basis)
        parts_add_up = (total is not None and not any(share.part is None for share in shares)  # type: ignore[attr-defined]
                        and values_agree(kahan_sum(share.low for share in shares),
                                         kahan_sum(share.high for share in shares), total.low, total.high))
        below = every_child or parts_add_up

        def word(failed: Callable[[int], bool], parent: str = parent, axis: str = axis, basis: str = basis,
                 value: float = value, below: bool = below) -> Worded:
            listed = by_rank(share for share in view.shares
                             if (share.parent, share.axis, share.basis) == (parent, axis, basis))
            return ({"total": label(parent, basis), "share_sum": f"{round(value, 6):g}",
                     "relation": "不等于100%" if below else "超过100%",
                     "shares": "、".join(share.rate.text for share in listed)},  # type: ignore[attr-defined]
                    _ids(*(share.rate.ids for share in listed)))  # type: ignore[attr-defined]

        out.add(rule.rule, (low, high), (100.0, 100.0), word, below=below)


@check
def repeated_statements(view: ReportView, rule: RuleDefinition, out: Comparisons) -> None:
    """Concept+basis stated more than once (single-valued concepts): the highest statement vs the lowest."""
    for highest, lowest, statements in view.repeated():

        def word(failed: Callable[[int], bool], highest: Fact = highest, statements: list = statements) -> Worded:
            return ({"concept": label(highest.concept, highest.basis),
                     "values": "、".join(statement.text for statement in statements)},
                    _ids(*(statement.ids for statement in statements)))

        out.add(rule.rule, (highest.low, highest.high), (lowest.low, lowest.high), word)


@check
def final_within_budget(view: ReportView, rule: RuleDefinition, out: Comparisons) -> None:
    """final(C) vs adjusted_budget(C), else budget(C), for concepts outside income.* (receiving more
    than planned is not overspending). multiple=yes items can't be paired across bases: skipped."""
    params = rule.params
    adjusted = any(figure.concept == params["budget_adjustment"] for figure in view.resolved)
    for final in list(view.resolved):
        if final.basis != "final" or final.multiple or final.concept.startswith(params["not_spending_prefix"]):
            continue
        reference = None
        for basis in params["references"]:
            reference = view.figures.get((final.concept, basis))
            if reference is not None:
                break
        # an initial budget is no reference where the report states an adjustment it does not total
        if reference is None or (reference.basis == "budget" and adjusted):
            continue
        out.add(rule.rule, (final.low, final.high), (reference.low, reference.high),
                lambda failed, final=final, reference=reference: (
                    {"final": final.labelled, "reference": reference.labelled}, _ids(final.ids, reference.ids)),
                below=False)


@check
def expenditure_within_income(view: ReportView, rule: RuleDefinition, out: Comparisons) -> None:
    """expenditure.total final vs income.total final (else Σ its stated children), unless the report
    states any carry-over from the previous year."""
    params = rule.params
    spent = view.figure(params["expenditure"], "final")
    if spent is None or any(statement.concept == params["carryover"] for statement in view.statements):
        return
    stated_total = view.figure(params["income"], "final")
    parts = [figure for figure in view.resolved
             if figure.basis == "final" and figure.concept in all_children(params["income"])]
    if stated_total is not None:
        income = (stated_total.low, stated_total.high)
    elif parts:
        income = (kahan_sum(part.low for part in parts), kahan_sum(part.high for part in parts))
    else:
        return
    parts_value = kahan_sum(part.value for part in parts)

    def word(failed: Callable[[int], bool]) -> Worded:
        if stated_total is not None:
            return {"expenditure": spent.labelled, "income": stated_total.labelled}, _ids(spent.ids, stated_total.ids)
        listed = by_rank(parts)
        summed = "、".join(part.labelled for part in listed) + (f"之和{parts_value:,.2f}元" if len(listed) > 1 else "")
        return {"expenditure": spent.labelled, "income": summed}, _ids(spent.ids, *(part.ids for part in listed))

    out.add(rule.rule, (spent.low, spent.high), income, word, below=False)


@check
def actual_within_authorized(view: ReportView, rule: RuleDefinition, out: Comparisons) -> None:
    """staff.actual[.X] vs staff.authorized[.X]. The parts over their authorized number are folded into
    the top pair's finding when it fails too; otherwise each stands as a finding of its own."""
    actual_prefix, authorized_prefix = rule.params["actual"], rule.params["authorized"]

    def pairs(prefix: str) -> dict[str, Headcount]:
        return {count.concept[len(prefix):]: count for count in view.headcounts
                if count.concept == prefix or count.concept.startswith(prefix + ".")}

    authorized = pairs(authorized_prefix)
    top: list[int] = []  # the top pair's comparison, once added
    folded: list[tuple[int, Headcount, Headcount]] = []
    for part, actual in pairs(actual_prefix).items():
        limit = authorized.get(part)
        if limit is None:
            continue

        def word(failed: Callable[[int], bool], actual: Headcount = actual, limit: Headcount = limit,
                 is_top: bool = part == "") -> Worded | None:
            if not is_top:
                if top and failed(top[0]):
                    return None  # worded in the top pair's finding
                return {"actual": actual.text, "authorized": limit.text, "details": ""}, _ids(actual.ids, limit.ids)
            notes = [(a, b) for number, a, b in folded if failed(number)]
            details = "（其中" + "，".join(f"{a.text}超过{b.text}" for a, b in notes) + "）" if notes else ""
            return ({"actual": actual.text, "authorized": limit.text, "details": details},
                    _ids(actual.ids, limit.ids, *(_ids(a.ids, b.ids) for a, b in notes)))

        number = out.add(rule.rule, (actual.low, actual.high), (limit.low, limit.high), word, below=False)
        if part == "":
            top.append(number)
        else:
            folded.append((number, actual, limit))
