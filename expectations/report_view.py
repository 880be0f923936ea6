"""The facts of one report as the rules read them, in plain Python objects, and how they are worded.

Validation used to be pandas all the way (merges over comparison frames): a few hundred small
operations per batch, most of the cost of a batch being fixed per-operation overhead. The facts are
turned into these objects once per batch (a pass over column lists) and every rule reads them per
report with dict lookups; only the comparisons that fail are worded.

Wording follows the reports: figures as written plus in yuan (`109.18万元（1,091,800.00元）`), concept
labels from concepts.csv, bases and rate kinds from the [wording] table of `expectations/rules.toml`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from expectations.concepts import children_by_axis, load_concepts
from expectations.rule_table import WORDING

NAN = math.nan
SELECTION_READING = "list_item"  # read_by of items that are a selection of the whole (tasks/extract/amounts.py)


# --- the concept tree (concepts.csv) --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ConceptPlace:
    """Where a concept sits: its parent and axis ("" at the top), and whether it may repeat."""

    parent: str
    axis: str
    multiple: bool
    rank: float  # its row in concepts.csv: parts are listed in this order


OUTSIDE = ConceptPlace("", "", False, math.inf)  # indicator labels and other words outside the vocabulary


@cache
def concept_places() -> dict[str, ConceptPlace]:
    return {c.concept: ConceptPlace(c.parent or "", (c.axis or "") if c.parent else "", c.multiple, rank)
            for rank, c in enumerate(load_concepts().values())}


def place(concept: str) -> ConceptPlace:
    return concept_places().get(concept, OUTSIDE)


@cache
def closed_parents() -> frozenset[str]:
    """Parents with one closed axis below them: the children that make up the whole parent."""
    axes: dict[str, set[str]] = {}
    for c in load_concepts().values():
        if c.parent and c.closed:
            axes.setdefault(c.parent, set()).add(c.axis or "")
    return frozenset(parent for parent, found in axes.items() if len(found) == 1)


@cache
def axis_sizes() -> dict[tuple[str, str], tuple[int, bool]]:
    """(parent, axis) -> how many children the axis has, and whether it lists them all."""
    sizes: dict[tuple[str, str], tuple[int, bool]] = {}
    for concept, where in concept_places().items():
        if where.parent:
            size, closed = sizes.get((where.parent, where.axis), (0, True))
            sizes[(where.parent, where.axis)] = (size + 1, closed and load_concepts()[concept].closed)
    return sizes


@cache
def lineage(concept: str) -> tuple[str, ...]:
    """The concept's ancestors, nearest first."""
    chain, parent = [], place(concept).parent
    while parent:
        chain.append(parent)
        parent = place(parent).parent
    return tuple(chain)


@cache
def axes_between(concept: str, ancestor: str) -> frozenset[str]:
    """The axes on the path from `ancestor` down to `concept`."""
    axes, node = set(), concept
    while node and node != ancestor:
        axes.add(place(node).axis)
        node = place(node).parent
    return frozenset(axes)


@cache
def tree_root(concept: str) -> str:
    """The concept's topmost ancestor (itself at the top)."""
    ancestors = lineage(concept)
    return ancestors[-1] if ancestors else concept


@cache
def all_children(parent: str) -> frozenset[str]:
    """Every child of `parent`, on any axis."""
    return frozenset(concept for group in children_by_axis(parent).values() for concept in group)


# --- wording --------------------------------------------------------------------------------------

@cache
def zh_labels() -> dict[str, str]:
    return {concept: c.zh_label for concept, c in load_concepts().items()}


def label(concept: str, basis: str = "") -> str:
    """'支出合计（决算）': the concept's Chinese label, with the basis when there is one."""
    name = zh_labels().get(concept, concept)
    return f"{name}（{WORDING.basis_labels[basis]}）" if basis else name


def yuan(value: float) -> str:
    return f"{value:,.2f}元"


def percent(value: float) -> str:
    return f"{value:.2f}%"


def joined(*parts: str | float) -> str | float:
    """Concatenation where a missing part (NaN: a figure the report does not state) leaves the whole
    missing, as a finding's field then reads 'nan' rather than half a sentence."""
    if any(not isinstance(part, str) for part in parts):
        return NAN
    return "".join(parts)  # type: ignore[arg-type]


def by_rank(facts: Iterable[Fact]) -> list[Fact]:
    """Facts in concepts.csv order (stable: statements of one concept keep the report's order)."""
    return sorted(facts, key=lambda fact: place(fact.concept).rank)


def interval_sum(facts: list) -> tuple[float, float, float]:
    """The sums of value, low and high of some facts (kahan_sum each)."""
    if len(facts) == 1:  # the usual group: one part (0.0 + x, as the sum starts from zero)
        fact = facts[0]
        return 0.0 + fact.value, 0.0 + fact.low, 0.0 + fact.high
    return (kahan_sum([fact.value for fact in facts]), kahan_sum([fact.low for fact in facts]),
            kahan_sum([fact.high for fact in facts]))


def kahan_sum(values: Iterable[float]) -> float:
    """Compensated summation, the way pandas sums a group: the sums (and the findings' figures) stay
    what they were when the rules were pandas code. NaN values are skipped."""
    total = compensation = 0.0
    for value in values:
        if value != value:  # NaN
            continue
        y = value - compensation
        t = total + y
        compensation = t - total - y
        if compensation != compensation:  # an infinite value
            compensation = 0.0
        total = t
    return total


# --- facts ----------------------------------------------------------------------------------------

class Fact:
    """What every fact the rules compare has: a concept and basis, a value as an interval, its ids."""

    __slots__ = ("concept", "basis", "value", "low", "high", "fact_id", "parent", "axis")
    concept: str
    basis: str
    value: float
    low: float
    high: float
    fact_id: str
    parent: str
    axis: str

    @property
    def ids(self) -> list[str]:
        return [self.fact_id]


class Statement(Fact):
    """One amount as the report states it."""

    __slots__ = ("as_written", "unit", "read_by", "multiple")

    def __init__(self, fact_id: str, concept: str, basis: str, value: float, half_width: float,
                 as_written: str, unit: str, read_by: str | None) -> None:
        where = place(concept)
        self.fact_id, self.concept, self.basis, self.value = fact_id, concept, basis, value
        self.low, self.high = value - half_width, value + half_width
        self.as_written, self.unit, self.read_by = as_written, unit, read_by
        self.parent, self.axis, self.multiple = where.parent, where.axis, where.multiple

    @property
    def text(self) -> str:
        """'109.18万元（1,091,800.00元）', or as written alone when written in yuan."""
        written = self.as_written.strip()
        return written if self.unit == "元" and "元" in written else f"{written}（{yuan(self.value)}）"


class Figure(Fact):
    """One figure per concept+basis for the rules: the first statement of a single-valued concept,
    the sum of the items of a multiple=yes concept. `n_rows` counts the statements it stands for."""

    __slots__ = ("statements", "n_rows", "selection", "multiple")

    def __init__(self, statements: list[Statement]) -> None:
        first = statements[0]
        self.statements, self.n_rows = statements, len(statements)
        self.concept, self.basis, self.fact_id = first.concept, first.basis, first.fact_id
        self.parent, self.axis, self.multiple = first.parent, first.axis, first.multiple
        if len(statements) == 1 and not first.multiple:
            self.value, self.low, self.high = first.value, first.low, first.high
            self.selection = False
        else:
            self.value = kahan_sum(s.value for s in statements)
            self.low = kahan_sum(s.low for s in statements)
            self.high = kahan_sum(s.high for s in statements)
            # items read from a numbered list under 主要项目/重点项目 are a selection: they need not add up
            self.selection = any(s.read_by == SELECTION_READING for s in statements)

    @property
    def ids(self) -> list[str]:
        return [s.fact_id for s in self.statements]

    @property
    def text(self) -> str:
        if not self.multiple:
            return self.statements[0].text
        text = "、".join(s.text for s in self.statements)
        return text if self.n_rows == 1 else f"{text}（合计{yuan(self.value)}）"

    @property
    def labelled(self) -> str:
        """With its concept and basis: '支出合计（决算）109.18万元（…）'."""
        return label(self.concept, self.basis) + self.text

    @property
    def named(self) -> str:
        """With its concept only, in a sentence that names the basis."""
        return label(self.concept) + self.text


class Headcount(Fact):
    """The first statement of a staff concept: exact, so its interval is a point."""

    __slots__ = ("n_rows", "selection")

    def __init__(self, fact_id: str, concept: str, value: int) -> None:
        where = place(concept)
        self.fact_id, self.concept, self.basis = fact_id, concept, ""
        self.value = self.low = self.high = float(value)
        self.parent, self.axis = where.parent, where.axis
        self.n_rows, self.selection = 1, False

    @property
    def text(self) -> str:
        return f"{label(self.concept)}{self.value:.0f}人"

    labelled = named = text


class RateFact:
    """A stated percentage, as the interval it stands for."""

    __slots__ = ("fact_id", "concept", "kind", "value", "low", "high", "as_written", "amount_id")

    def __init__(self, fact_id: str, concept: str, kind: str, value_pct: float, half_width: float,
                 as_written: str, amount_id: str | None) -> None:
        self.fact_id, self.concept, self.kind, self.value = fact_id, concept, kind, value_pct
        # a stated rate may be rounded or truncated (99% for 99.98%): one extra unit upward
        self.low, self.high = value_pct - half_width, value_pct + 2 * half_width
        self.as_written, self.amount_id = as_written, amount_id

    @property
    def text(self) -> str | float:
        """'基本支出占比78.1%', '支出合计执行率93.5%', or the indicator's own label: '满意度95%'."""
        kind_label = WORDING.rate_kind_labels.get(self.kind, "")
        name = zh_labels().get(self.concept, NAN) if kind_label else self.concept
        return joined(name, kind_label, self.as_written.strip())

    @property
    def ids(self) -> list[str]:
        return [self.fact_id]


class Share(Fact):
    """A share rate with the part it is a share of (when linked): the part's concept, basis and place."""

    __slots__ = ("rate", "part")

    def __init__(self, rate: RateFact, part: Statement | None) -> None:
        self.rate, self.part = rate, part
        self.concept = part.concept if part else rate.concept  # the part's concept
        self.basis = part.basis if part else ""
        self.value, self.low, self.high = (part.value, part.low, part.high) if part else (NAN, NAN, NAN)
        self.fact_id = rate.fact_id
        where = place(self.concept)
        self.parent, self.axis = where.parent, where.axis


# --- one report -----------------------------------------------------------------------------------

@dataclass(slots=True)
class ReportView:
    """Everything the rules read about one report."""

    doc_sha256: str
    statements: list[Statement] = field(default_factory=list)  # every amount, in the report's order
    rates: list[RateFact] = field(default_factory=list)
    headcounts: list[Headcount] = field(default_factory=list)  # first statement per staff concept
    figures: dict[tuple[str, str], Figure] = field(default_factory=dict)  # (concept, basis) -> figure
    shares: list[Share] = field(default_factory=list)
    staff_by_concept: dict[str, Headcount] = field(default_factory=dict)
    staff_by_key: dict[tuple[str, str], Headcount] = field(default_factory=dict)  # (concept, "") -> count
    repeats: list[tuple[Statement, Statement, list[Statement]]] | None = None

    def repeated(self) -> list[tuple[Statement, Statement, list[Statement]]]:
        """Concept+basis stated more than once (single-valued concepts): the highest statement, the
        lowest, and all of them. They all agree exactly when the highest and the lowest do."""
        if self.repeats is None:
            self.repeats = self._repeated()
        return self.repeats

    def _repeated(self) -> list[tuple[Statement, Statement, list[Statement]]]:
        singles = [s for s in self.statements if not s.multiple]
        if len({(s.concept, s.basis) for s in singles}) == len(singles):  # the usual case: none
            return []
        groups: dict[tuple[str, str], list[Statement]] = {}
        for statement in singles:
            groups.setdefault((statement.concept, statement.basis), []).append(statement)
        out = []
        for statements in groups.values():
            if len(statements) > 1:
                highest = max(statements, key=lambda s: s.low)  # the first of equals, as idxmax
                lowest = min(statements, key=lambda s: s.high)
                out.append((highest, lowest, statements))
        return out

    @property
    def resolved(self) -> Iterable[Figure]:
        return self.figures.values()

    def figure(self, concept: str | None, basis: str) -> Figure | None:
        return self.figures.get((concept, basis)) if concept else None  # type: ignore[arg-type]


def _column(frame: pd.DataFrame, name: str, default: object = None) -> list:
    return frame[name].tolist() if name in frame else [default] * len(frame)


def report_views(amounts: pd.DataFrame, rates: pd.DataFrame, staff: pd.DataFrame,
                 conflicting: Callable[[Fact, Fact], bool]) -> list[ReportView]:
    """Checked fact frames -> one view per report, in the order reports first appear in the amounts,
    then the rates, then the staff frame. `conflicting(highest, lowest)` says whether two statements
    of one concept+basis conflict: such a figure is left out of `figures` (conflicting_values covers it)."""
    views: dict[str, ReportView] = {}
    last: list = [None, None]  # a report's rows are contiguous: look its view up once per run of rows

    def view(sha: str) -> ReportView:
        if sha == last[0]:
            return last[1]
        found = views.get(sha)
        if found is None:
            found = views[sha] = ReportView(sha)
        last[:] = sha, found
        return found

    for sha, *row in zip(amounts["doc_sha256"].tolist(), amounts["fact_id"].tolist(), amounts["concept"].tolist(),
                         amounts["basis"].tolist(), amounts["value_yuan"].tolist(),
                         amounts["half_width_yuan"].tolist(), amounts["as_written"].tolist(),
                         amounts["unit"].tolist(), _column(amounts, "read_by"), strict=True):
        view(sha).statements.append(Statement(*row))
    for sha, fact_id, concept, kind, value, half, written, amount_id in zip(
            rates["doc_sha256"].tolist(), rates["fact_id"].tolist(), rates["concept"].tolist(),
            rates["kind"].tolist(), rates["value_pct"].tolist(), rates["half_width_pct"].tolist(),
            rates["as_written"].tolist(), _column(rates, "amount_id"), strict=True):
        view(sha).rates.append(RateFact(fact_id, concept, kind, value, half, written,
                                        amount_id if isinstance(amount_id, str) else None))
    for sha, fact_id, concept, value in zip(staff["doc_sha256"].tolist(), staff["fact_id"].tolist(),
                                            staff["concept"].tolist(), staff["value"].tolist(), strict=True):
        found = view(sha)
        if concept not in found.staff_by_concept:
            found.staff_by_concept[concept] = found.staff_by_key[(concept, "")] = headcount = Headcount(
                fact_id, concept, value)
            found.headcounts.append(headcount)
    for found in views.values():
        _resolve(found, conflicting)
    return list(views.values())


def _resolve(view: ReportView, conflicting: Callable[[Fact, Fact], bool]) -> None:
    """figures: one per concept+basis (single-valued concepts first, then the multiple=yes items);
    shares: the share rates with their parts."""
    skipped = {(highest.concept, highest.basis) for highest, lowest, _ in view.repeated()
               if conflicting(highest, lowest)}
    singles: dict[tuple[str, str], Figure] = {}
    items: dict[tuple[str, str], list[Statement]] = {}
    for statement in view.statements:
        key = (statement.concept, statement.basis)
        if statement.multiple:
            items.setdefault(key, []).append(statement)
        elif key not in singles and key not in skipped:
            singles[key] = Figure([statement])
    view.figures = singles
    for key, statements in items.items():
        view.figures[key] = Figure(statements)
    by_id = {statement.fact_id: statement for statement in view.statements}
    view.shares = [Share(rate, by_id.get(rate.amount_id) if rate.amount_id else None)
                   for rate in view.rates if rate.kind == "share"]
