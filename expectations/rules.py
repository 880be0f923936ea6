"""The validation rules as comparison frames (the rule table itself is in `expectations.schemas`).

Every rule becomes a *comparison frame*: one row per candidate comparison, holding the stated figure
as an interval (everything the text can mean at its stated precision) and the computed figure as an
interval (everything the other stated figures imply). A row passes when the intervals are compatible
in the directions the rule cares about; `expectations.schemas.ComparisonSchema` runs that check, and
each failing row becomes a finding (`tasks.validate`).

Tolerance always follows the stated precision of the figures involved, never a fixed epsilon; the only
constant is a guard against float noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from expectations.concepts import children_by_axis, load_concepts
from expectations.schemas import amount_bounds, intervals_agree, rate_bounds, ratio_bounds
from tasks.models import BASES

# Indicator labels that name a proportion (cannot exceed 100%), and those that never do even when
# they contain a marker: staff control rates (控制率) legitimately exceed 100%.
PROPORTION_MARKERS: tuple[str, ...] = (
    "满意度", "知晓度", "知晓率", "覆盖率", "使用率", "比例", "受益度", "达标率", "合格率", "到位率", "占",
    "准确率", "参与率",
)
NOT_PROPORTION_MARKERS: tuple[str, ...] = ("控制率",)

BASIS_LABELS: dict[str, str] = {"budget": "年初预算", "adjusted_budget": "调整后预算", "final": "决算"}
RATE_KIND_LABELS: dict[str, str] = {"share": "占比", "execution": "执行率", "indicator": "", "growth": ""}

COMPARISON_COLUMNS: list[str] = [
    "doc", "rule", "subject", "basis", "detail", "fact_id",
    "stated_value", "computed_value", "alt_value",
    "stated_low", "stated_high", "computed_low", "computed_high", "alt_low", "alt_high",
    "flag_above", "flag_below",
]


def proportion_label_mask(labels: pd.Series) -> pd.Series:
    """Indicator labels that name a proportion, by the marker lists above."""
    is_proportion = pd.Series(False, index=labels.index)
    for marker in PROPORTION_MARKERS:
        is_proportion |= labels.str.contains(marker, regex=False)
    for marker in NOT_PROPORTION_MARKERS:
        is_proportion &= ~labels.str.contains(marker, regex=False)
    return is_proportion


# --- concept dimension as frames ----------------------------------------------------------------

@cache
def concept_frame() -> pd.DataFrame:
    """concepts.csv indexed by concept: parent and axis ("" at the top), multiple, closed."""
    rows = [(c.concept, c.kind, c.parent or "", c.axis or "" if c.parent else "", c.closed, c.multiple)
            for c in load_concepts().values()]
    return pd.DataFrame(rows, columns=["concept", "kind", "parent", "axis", "closed", "multiple"]).set_index(
        "concept")


@cache
def vocabulary() -> pd.CategoricalDtype:
    """Concepts, axes and bases as one categorical dtype: the rules join on these columns a lot, and
    joins on shared categoricals compare small integer codes instead of strings."""
    concepts = concept_frame()
    return pd.CategoricalDtype(sorted({*concepts.index, *concepts["parent"], *concepts["axis"], *BASES, ""}))


def as_vocabulary(values: pd.Series) -> pd.Series:
    """Values outside the vocabulary (indicator labels) become NaN."""
    if values.dtype == vocabulary():
        return values
    # factorize first: only the few distinct values are looked up (much faster than astype)
    codes, uniques = pd.factorize(values)
    positions = vocabulary().categories.get_indexer(uniques)
    category_codes = np.where(codes >= 0, positions[codes], -1) if len(positions) else codes
    return pd.Series(pd.Categorical.from_codes(category_codes, dtype=vocabulary()), index=values.index)


@cache
def axis_frame() -> pd.DataFrame:
    """One row per (parent, axis): how many children the axis has and whether it lists them all."""
    children = concept_frame().query("parent != ''").reset_index()
    frame = children.groupby(["parent", "axis"], as_index=False).agg(
        axis_size=("concept", "size"), axis_closed=("closed", "all"))
    return frame.astype({"parent": vocabulary(), "axis": vocabulary()})


@cache
def _concept_lookups() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """By vocabulary code: the parent's code, the axis' code, whether multiple. One extra slot at
    the end, so that code -1 (not in the vocabulary) picks "" / False."""
    words = vocabulary().categories
    concepts = concept_frame().reindex(words)
    parent_codes = np.append(words.get_indexer(concepts["parent"].fillna("")), words.get_loc(""))
    axis_codes = np.append(words.get_indexer(concepts["axis"].fillna("")), words.get_loc(""))
    multiple = np.append(concepts["multiple"].fillna(False).to_numpy(dtype=bool), False)
    return parent_codes, axis_codes, multiple


def with_concept_columns(frame: pd.DataFrame, concept_column: str = "concept") -> pd.DataFrame:
    """Adds parent, axis ("" when none) and multiple of each row's concept, by category code."""
    parent_codes, axis_codes, multiple = _concept_lookups()
    out = frame.copy()
    out[concept_column] = as_vocabulary(out[concept_column])
    codes = out[concept_column].cat.codes.to_numpy()
    out["parent"] = pd.Categorical.from_codes(parent_codes[codes], dtype=vocabulary())
    out["axis"] = pd.Categorical.from_codes(axis_codes[codes], dtype=vocabulary())
    out["multiple"] = multiple[codes]
    return out


# --- from fact frames to comparison frames --------------------------------------------------------

AMOUNT_KEYS = ["doc", "concept", "basis"]
SELECTION_READING = "list_item"  # read_by of items that are a selection of the whole (tasks/extract/amounts.py)


def prepare_amounts(amounts: pd.DataFrame) -> pd.DataFrame:
    out = with_concept_columns(amounts.reset_index(drop=True))
    out["value"] = out["value_yuan"]
    out["low"], out["high"] = amount_bounds(out["value_yuan"], out["half_width_yuan"])
    return out


Column = pd.Series | np.ndarray | float | str  # a column of the candidate rows, or one value for all


def _compare(rule: str, doc: pd.Series, stated: tuple[Column, Column, Column],
             computed: tuple[Column, Column, Column], *, above: Column = True, below: Column = True,
             **context: Column) -> pd.DataFrame:
    """Comparison rows: stated and computed as (value, low, high); above/below say in which
    direction a difference counts; context is subject, basis, detail, fact_id, alternatives."""
    out = pd.DataFrame({"doc": doc, "rule": rule}, index=doc.index)
    for side, parts in (("stated", stated), ("computed", computed)):
        for name, part in zip(("value", "low", "high"), parts, strict=True):
            out[f"{side}_{name}"] = part
    for name, part in context.items():
        out[name] = part
    return out.assign(flag_above=above, flag_below=below)


def repeated_statements(amounts: pd.DataFrame) -> pd.DataFrame:
    """Concept+basis stated more than once (single-valued concepts): the highest statement vs the
    lowest. All statements agree exactly when those two do, so one row per concept+basis suffices."""
    single = amounts[~amounts["multiple"]]
    repeated = single[single.duplicated(AMOUNT_KEYS, keep=False)]
    if repeated.empty:  # the usual case: skip the work (it adds up over single reports)
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    groups = repeated.groupby(AMOUNT_KEYS, sort=False, observed=True)
    highest = repeated.loc[groups["low"].idxmax().to_numpy()].reset_index(drop=True)
    lowest = repeated.loc[groups["high"].idxmin().to_numpy()].reset_index(drop=True)
    return _compare("conflicting_values", highest["doc"], (highest["value"], highest["low"], highest["high"]),
                    (lowest["value"], lowest["low"], lowest["high"]), subject=highest["concept"],
                    basis=highest["basis"], fact_id=highest["fact_id"])


def resolve_amounts(amounts: pd.DataFrame) -> pd.DataFrame:
    """One figure per doc+concept+basis for the other rules: the first statement of a single-valued
    concept (skipped when its statements conflict: conflicting_values covers it), the sum of the rows
    of a multiple=yes concept. `n_rows` counts the rows a figure stands for."""
    columns = [*AMOUNT_KEYS, "value", "low", "high", "n_rows", "fact_id"]
    firsts = amounts[~amounts["multiple"]].drop_duplicates(AMOUNT_KEYS).assign(n_rows=1)
    conflicts = repeated_statements(amounts)
    if len(conflicts):
        conflicts = conflicts[~intervals_agree(conflicts["stated_low"], conflicts["stated_high"],
                                               conflicts["computed_low"], conflicts["computed_high"])]
        conflicting = pd.MultiIndex.from_frame(conflicts[["doc", "subject", "basis"]])
        firsts = firsts[~pd.MultiIndex.from_frame(firsts[AMOUNT_KEYS]).isin(conflicting)]
    if not amounts["multiple"].any():
        return firsts[[*columns, "parent", "axis", "multiple"]].reset_index(drop=True).assign(selection=False)
    listed = amounts[amounts["multiple"]]
    # items read from a numbered list under 主要项目/重点项目 are a selection: they need not add up
    listed = listed.assign(selection=listed["read_by"].eq(SELECTION_READING) if "read_by" in listed else False)
    items = listed.groupby(AMOUNT_KEYS, sort=False, as_index=False, observed=True).agg(
        value=("value", "sum"), low=("low", "sum"), high=("high", "sum"),
        n_rows=("fact_id", "size"), fact_id=("fact_id", "first"), selection=("selection", "max"))
    return with_concept_columns(pd.concat([firsts[columns].assign(selection=False), items[[*columns, "selection"]]],
                                          ignore_index=True))


def resolve_staff(staff: pd.DataFrame) -> pd.DataFrame:
    """First statement per doc+concept; head counts are exact, so the interval is a point."""
    firsts = with_concept_columns(staff.drop_duplicates(["doc", "concept"]).reset_index(drop=True))
    value = firsts["value"].astype("float64")
    return firsts.assign(basis=as_vocabulary(pd.Series("", index=firsts.index)), value=value, low=value,
                         high=value, n_rows=1, selection=False)


@cache
def _closed_parents() -> dict[str, tuple[str, ...]]:
    """Parents with one closed axis below them: the children that make up the whole parent."""
    concepts = concept_frame()
    children = concepts[(concepts["parent"] != "") & concepts["closed"]]
    axes = children.groupby("parent")["axis"].nunique()
    return {parent: tuple(children.index[children["parent"] == parent]) for parent in axes.index[axes == 1]}


def lift_unstated_parents(children: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
    """Where a row's parent is not stated, the grandparent on the same axis takes its place: 中央 + 省级
    + 市级 + 县级 add up to the total when 市县 (local) itself is not given (spec: levels), and a 县级
    share is a share of the total."""
    concepts = concept_frame()
    parent_words = children["parent"].astype(str)
    grand = parent_words.map(concepts["parent"]).fillna("")
    grand_axis = parent_words.map(concepts["axis"]).fillna("")
    own_axis = children["axis"].astype(str)
    # levels: 县级 stands in for 市县 on the same axis; below a closed axis the parts stand in for their
    # parent on its axis: 公务用车运行维护费 for 公务用车购置及运行维护费 among the 三公 kinds.
    candidates = (grand != "") & ((grand_axis == own_axis) | children["parent"].isin(_closed_parents()))
    if not candidates.any():  # the usual case: no three-level breakdown in these reports
        return children
    stated = set(zip(resolved["doc"], resolved["concept"].astype(str), resolved["basis"].astype(str), strict=True))
    chosen = children[candidates]
    unstated = [(doc, parent, basis) not in stated for doc, parent, basis in
                zip(chosen["doc"], chosen["parent"].astype(str), chosen["basis"].astype(str), strict=True)]
    index = chosen.index[unstated]
    if index.empty:
        return children
    lifted = children.copy()
    lifted.loc[index, "parent"] = as_vocabulary(grand[index])
    lifted.loc[index, "axis"] = as_vocabulary(grand_axis[index])
    return lifted


def sum_comparisons(resolved: pd.DataFrame, rule: str) -> pd.DataFrame:
    """Each stated parent vs the sum of its stated children on one axis. Two or more children must
    add up; a single child (a partial breakdown) must only not exceed the parent."""
    children = lift_unstated_parents(resolved[resolved["parent"] != ""], resolved)
    sums = children.groupby(["doc", "parent", "axis", "basis"], sort=False, as_index=False, observed=True).agg(
        n_rows=("n_rows", "sum"), value=("value", "sum"), low=("low", "sum"), high=("high", "sum"),
        selection=("selection", "max"))
    totals = resolved[[*AMOUNT_KEYS, "value", "low", "high", "fact_id"]].rename(columns={"concept": "parent"})
    merged = _drop_other_wholes(sums.merge(totals, on=["doc", "parent", "basis"], suffixes=("", "_total")),
                                resolved)
    return _compare(rule, merged["doc"], (merged["value_total"], merged["low_total"], merged["high_total"]),
                    (merged["value"], merged["low"], merged["high"]),
                    above=(merged["n_rows"] >= 2) & ~merged["selection"].astype(bool),
                    subject=merged["parent"], basis=merged["basis"], detail=merged["axis"], fact_id=merged["fact_id"])


@cache
def _lineage() -> dict[str, tuple[str, ...]]:
    """Each concept's ancestors, nearest first."""
    concepts = concept_frame()
    out = {}
    for concept in concepts.index:
        chain, parent = [], concepts.at[concept, "parent"]
        while parent:
            chain.append(parent)
            parent = concepts.at[parent, "parent"]
        out[concept] = tuple(chain)
    return out


@cache
def _axes_between(concept: str, ancestor: str) -> frozenset[str]:
    """The axes on the path from `ancestor` down to `concept`."""
    concepts = concept_frame()
    axes, node = set(), concept
    while node and node != ancestor:
        axes.add(concepts.at[node, "axis"])
        node = concepts.at[node, "parent"]
    return frozenset(axes)


@cache
def _tree_root() -> dict[str, str]:
    """Each concept's topmost ancestor (itself at the top)."""
    concepts = concept_frame()
    roots = {}
    for concept in concepts.index:
        top = concept
        while concepts.at[top, "parent"]:
            top = concepts.at[top, "parent"]
        roots[concept] = top
    return roots


def _drop_other_wholes(merged: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
    """Breakdowns that miss their parent but add up to another stated figure of the same tree and basis
    ("一般公共预算财政拨款支出按功能分类：…" sums to that figure, not to 本年支出合计) are that figure's
    breakdown: no accusation rests on a guess of which whole the text meant."""
    if merged.empty or not {"low", "high"} <= set(merged):
        return merged
    missing = merged[(merged["n_rows"] >= 2)
                     & ~intervals_agree(merged["low"], merged["high"], merged["low_total"], merged["high_total"])]
    if missing.empty:
        return merged
    figures = resolved[["doc", "concept", "basis", "low", "high"]].rename(
        columns={"concept": "whole", "low": "whole_low", "high": "whole_high"})
    paired = missing.reset_index().merge(figures, on=["doc", "basis"])
    # the other whole lies below the parent on another axis (一般公共预算 under 本年支出, beside the functions)
    lineage = _lineage()
    below_elsewhere = [parent in lineage.get(whole, ()) and axis not in _axes_between(whole, parent)
                       for whole, parent, axis in zip(paired["whole"].astype(str), paired["parent"].astype(str),
                                                      paired["axis"].astype(str), strict=True)]
    agrees = intervals_agree(paired["low"], paired["high"], paired["whole_low"], paired["whole_high"])
    return merged.drop(index=paired.loc[agrees & np.array(below_elsewhere, dtype=bool), "index"].unique())


def _drop_other_share_wholes(merged: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
    """A share that misses part / parent but equals part / another stated figure of the same tree and
    basis ("占本年支出合计的82.10%" of a source's figure; function shares of 一般公共预算财政拨款支出) is a share
    of that figure: the text did not say which whole, so no accusation rests on our guess."""
    if merged.empty:
        return merged
    low, high = ratio_bounds(merged["part_value"], merged["part_half"], merged["total_value"],
                             merged["total_high"] - merged["total_value"])
    missing = merged[~intervals_agree(merged["rate_low"], merged["rate_high"], low, high)]
    if missing.empty:
        return merged
    roots = _tree_root()
    figures = resolved[["doc", "concept", "basis", "value", "high"]].rename(
        columns={"concept": "whole", "value": "whole_value", "high": "whole_high"})
    paired = missing.reset_index().merge(figures, on=["doc", "basis"])
    paired = paired[(paired["whole"].astype(str).map(roots) == paired["part_concept"].astype(str).map(roots))
                    & (paired["whole"].astype(str) != paired["part_concept"].astype(str))
                    & (paired["whole_value"] > 0)]
    if paired.empty:
        return merged
    whole_low, whole_high = ratio_bounds(paired["part_value"], paired["part_half"], paired["whole_value"],
                                         paired["whole_high"] - paired["whole_value"])
    agrees = intervals_agree(paired["rate_low"], paired["rate_high"], whole_low, whole_high)
    return merged.drop(index=paired.loc[agrees, "index"].unique())


def share_rows(rates: pd.DataFrame, amounts: pd.DataFrame) -> pd.DataFrame:
    """Share rates with the part they are a share of (when linked): its concept, basis and interval,
    plus the part concept's parent and axis. Basis is "" when the rate names no amount."""
    shares = rates[rates["kind"] == "share"]
    parts = amounts[["doc", "fact_id", "concept", "basis", "value", "low", "high"]].rename(columns={
        "fact_id": "amount_id", "concept": "part_concept", "basis": "basis",
        "value": "part_value", "low": "part_low", "high": "part_high"})
    merged = shares.merge(parts, on=["doc", "amount_id"], how="left")
    merged["part_concept"] = as_vocabulary(merged["part_concept"]).fillna(as_vocabulary(merged["concept"]))
    merged["basis"] = as_vocabulary(merged["basis"]).fillna("")
    merged["part_half"] = merged["part_high"] - merged["part_value"]
    merged = with_concept_columns(merged, "part_concept")
    merged["rate_low"], merged["rate_high"] = rate_bounds(merged["value_pct"], merged["half_width_pct"])
    return merged


def share_ratio_comparisons(shares: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
    """A stated share vs part / parent amount of the same basis."""
    shares = lift_unstated_parents(shares, resolved)
    totals = resolved[[*AMOUNT_KEYS, "value", "high"]].rename(columns={
        "concept": "parent", "value": "total_value", "high": "total_high"})
    merged = shares.dropna(subset=["part_value"]).merge(totals, on=["doc", "parent", "basis"])
    merged = _drop_other_share_wholes(merged[merged["total_value"] > 0], resolved)
    low, high = ratio_bounds(merged["part_value"], merged["part_half"], merged["total_value"],
                             merged["total_high"] - merged["total_value"])
    return _compare("rate_mismatch", merged["doc"], (merged["value_pct"], merged["rate_low"], merged["rate_high"]),
                    (merged["part_value"] / merged["total_value"] * 100, low, high), subject=merged["concept"],
                    basis=merged["basis"], detail="share", fact_id=merged["fact_id"])


def execution_comparisons(rates: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
    """A stated execution rate of concept C vs final(C)/adjusted_budget(C), or else final(C)/budget(C)."""
    execution = rates[rates["kind"] == "execution"]
    merged = execution.assign(concept=as_vocabulary(execution["concept"]))
    ratios = {}
    for basis in ("final", "adjusted_budget", "budget"):
        figures = resolved.loc[resolved["basis"] == basis, ["doc", "concept", "value", "high"]]
        merged = merged.merge(figures, on=["doc", "concept"], how="inner" if basis == "final" else "left",
                              suffixes=("", f"_{basis}"))
        if basis != "final":
            denominator = merged[f"value_{basis}"].where(merged[f"value_{basis}"] > 0)
            low, high = ratio_bounds(merged["value"], merged["high"] - merged["value"], denominator,
                                     merged[f"high_{basis}"] - denominator)
            ratios[basis] = (merged["value"] / denominator * 100, low, high)
    # where the report states an adjustment (年中追加) but not the adjusted figure, the rate is against a
    # budget nobody wrote down: the initial budget is no fair reference
    unstated = merged["doc"].isin(_adjusted_docs(resolved)).to_numpy() & ratios["adjusted_budget"][0].isna().to_numpy()
    ratios["budget"] = tuple(pd.Series(part).where(~unstated) for part in ratios["budget"])
    stated_low, stated_high = rate_bounds(merged["value_pct"], merged["half_width_pct"])
    frame = _compare("rate_mismatch", merged["doc"], (merged["value_pct"], stated_low, stated_high),
                     ratios["adjusted_budget"], subject=merged["concept"], basis="final", detail="execution",
                     fact_id=merged["fact_id"], alt_value=ratios["budget"][0], alt_low=ratios["budget"][1],
                     alt_high=ratios["budget"][2])
    return frame[frame["computed_value"].notna() | frame["alt_value"].notna()]


ADJUSTMENT = "target.budget_adjustment"


def _adjusted_docs(resolved: pd.DataFrame) -> np.ndarray:
    """Documents that state a budget adjustment (年中追加, 调增, 调减)."""
    return resolved.loc[resolved["concept"] == ADJUSTMENT, "doc"].unique()


def over_100_comparisons(rates: pd.DataFrame) -> pd.DataFrame:
    """Shares and proportion-type indicators above 100% beyond the rate's own precision."""
    is_proportion = (rates["kind"] == "indicator") & proportion_label_mask(rates["concept"])
    candidates = rates[(rates["kind"] == "share") | is_proportion]
    low, high = rate_bounds(candidates["value_pct"], candidates["half_width_pct"])
    return _compare("rate_over_100", candidates["doc"], (candidates["value_pct"], low, high), (100.0, 100.0, 100.0),
                    below=False, subject=candidates["concept"], detail=candidates["kind"],
                    fact_id=candidates["fact_id"])


def shares_total_comparisons(shares: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
    """Σ shares of a parent's children on one axis and basis vs 100%. Must equal 100 when the breakdown
    is complete (every child of a closed axis, or parts that add up to the parent); else not exceed."""
    shares = lift_unstated_parents(shares[shares["parent"] != ""], resolved)
    shares = shares.assign(part_missing=lambda f: f["part_low"].isna())
    groups = shares.groupby(["doc", "parent", "axis", "basis"], sort=False, as_index=False, observed=True).agg(
        n_shares=("fact_id", "size"), value=("value_pct", "sum"), low=("rate_low", "sum"),
        high=("rate_high", "sum"), children=("part_concept", "nunique"),
        part_low=("part_low", "sum"), part_high=("part_high", "sum"), part_missing=("part_missing", "any"))
    groups = groups[groups["n_shares"] >= 2].merge(axis_frame(), on=["parent", "axis"], how="left")
    totals = resolved[[*AMOUNT_KEYS, "low", "high"]].rename(columns={"concept": "parent"})
    groups = groups.merge(totals, on=["doc", "parent", "basis"], how="left", suffixes=("", "_total"))
    every_child = groups["axis_closed"].fillna(False).astype(bool) & (groups["children"] == groups["axis_size"])
    parts_add_up = (~groups["part_missing"] & groups["low_total"].notna()
                    & intervals_agree(groups["part_low"], groups["part_high"], groups["low_total"],
                                      groups["high_total"]))
    return _compare("shares_not_100", groups["doc"], (groups["value"], groups["low"], groups["high"]),
                    (100.0, 100.0, 100.0), below=every_child | parts_add_up, subject=groups["parent"],
                    basis=groups["basis"], detail=groups["axis"])


def over_budget_comparisons(resolved: pd.DataFrame) -> pd.DataFrame:
    """final(C) vs adjusted_budget(C), else budget(C), for concepts outside income.* (receiving more
    than planned is not overspending). multiple=yes items can't be paired across bases: skipped."""
    spending = resolved[~resolved["concept"].str.startswith("income.") & ~resolved["multiple"]]
    final = spending[spending["basis"] == "final"]
    references = pd.concat([spending[spending["basis"] == basis] for basis in ("adjusted_budget", "budget")])
    reference = references.drop_duplicates(["doc", "concept"])[["doc", "concept", "value", "low", "high", "basis"]]
    # an initial budget is no reference where the report states an adjustment it does not total
    reference = reference[~((reference["basis"] == "budget") & reference["doc"].isin(_adjusted_docs(resolved)))]
    merged = final.drop(columns="basis").merge(reference, on=["doc", "concept"], suffixes=("", "_reference"))
    return _compare("over_budget", merged["doc"], (merged["value"], merged["low"], merged["high"]),
                    (merged["value_reference"], merged["low_reference"], merged["high_reference"]),
                    below=False, subject=merged["concept"], basis="final", detail=merged["basis"],
                    fact_id=merged["fact_id"])


def income_comparisons(amounts: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
    """expenditure.total final vs income.total final (else Σ its stated children), unless the report
    states any carry-over from the previous year."""
    final = resolved[resolved["basis"] == "final"]
    spent = final[final["concept"] == "expenditure.total"]
    stated_total = final[final["concept"] == "income.total"].assign(detail="income.total")
    income_parts = [concept for group in children_by_axis("income.total").values() for concept in group]
    summed_parts = final[final["concept"].isin(income_parts)].groupby("doc", as_index=False).agg(
        value=("value", "sum"), low=("low", "sum"), high=("high", "sum")).assign(detail="parts")
    income = pd.concat([stated_total, summed_parts]).drop_duplicates("doc")  # the stated total first
    carryover_docs = amounts.loc[amounts["concept"] == "income.carryover_in", "doc"]
    merged = spent[~spent["doc"].isin(carryover_docs)].merge(
        income[["doc", "value", "low", "high", "detail"]], on="doc", suffixes=("", "_income"))
    return _compare("expenditure_exceeds_income", merged["doc"], (merged["value"], merged["low"], merged["high"]),
                    (merged["value_income"], merged["low_income"], merged["high_income"]), below=False,
                    subject="expenditure.total", basis="final", detail=merged["detail"], fact_id=merged["fact_id"])


def staff_over_comparisons(staff: pd.DataFrame) -> pd.DataFrame:
    """staff.actual[.X] vs staff.authorized[.X]; detail says whether it is the top pair or a part."""
    pairs = {}
    for side in ("actual", "authorized"):
        prefix = f"staff.{side}"
        rows = staff[(staff["concept"] == prefix) | staff["concept"].str.startswith(prefix + ".")]
        pairs[side] = rows.assign(part=rows["concept"].astype(object).str.slice(len(prefix)))
    merged = pairs["actual"].merge(pairs["authorized"], on=["doc", "part"], suffixes=("", "_authorized"))
    return _compare("staff_over_authorized", merged["doc"], (merged["value"], merged["low"], merged["high"]),
                    (merged["value_authorized"], merged["low_authorized"], merged["high_authorized"]),
                    below=False, subject=merged["concept"], fact_id=merged["fact_id"],
                    detail=(merged["part"] == "").map({True: "top", False: "part"}))


@dataclass(frozen=True, slots=True)
class RuleInputs:
    """The fact frames as the rules read them (see prepare_inputs); also what findings are worded from.
    Reports are keyed by `doc`, an integer code into `documents` (joins on ints, not 64-char hashes)."""

    documents: pd.Index  # doc code -> doc_sha256
    amounts: pd.DataFrame  # every statement, with concept columns and its interval
    resolved: pd.DataFrame  # one figure per doc+concept+basis (resolve_amounts)
    rates: pd.DataFrame
    shares: pd.DataFrame  # share rates with their parts (share_rows)
    staff: pd.DataFrame  # first statement per doc+concept (resolve_staff)

    def for_documents(self, docs: np.ndarray | list[int]) -> RuleInputs:
        """The same inputs restricted to some reports (by doc code)."""
        frames = {name: getattr(self, name) for name in ("amounts", "resolved", "rates", "shares", "staff")}
        return RuleInputs(self.documents, **{name: frame[frame["doc"].isin(docs)] for name, frame in frames.items()})


def prepare_inputs(amounts: pd.DataFrame, rates: pd.DataFrame, staff: pd.DataFrame) -> RuleInputs:
    """Checked fact frames (keyed by doc_sha256) -> what the rules read (keyed by doc code)."""
    documents = pd.Index(pd.concat([amounts["doc_sha256"], rates["doc_sha256"], staff["doc_sha256"]]).unique())

    def coded(frame: pd.DataFrame) -> pd.DataFrame:
        coded = frame.assign(doc=documents.get_indexer(frame["doc_sha256"])).drop(columns="doc_sha256")
        return coded.assign(basis=as_vocabulary(coded["basis"])) if "basis" in coded else coded

    prepared = prepare_amounts(coded(amounts))
    rates = coded(rates)
    return RuleInputs(documents=documents, amounts=prepared, resolved=resolve_amounts(prepared), rates=rates,
                      shares=share_rows(rates, prepared), staff=resolve_staff(coded(staff)))


def build_comparisons(inputs: RuleInputs) -> pd.DataFrame:
    """Every candidate comparison of every rule, for any number of reports, as one frame."""
    resolved, rates, shares, staff = inputs.resolved, inputs.rates, inputs.shares, inputs.staff
    builders = [  # (what the rule reads, the rule): rules without input are skipped, which saves
        (resolved, lambda: sum_comparisons(resolved, "sum_mismatch")),  # most of the cost of a
        (shares, lambda: share_ratio_comparisons(shares, resolved)),  # single small report
        (rates, lambda: execution_comparisons(rates, resolved)),
        (rates, lambda: over_100_comparisons(rates)),
        (shares, lambda: shares_total_comparisons(shares, resolved)),
        (inputs.amounts, lambda: repeated_statements(inputs.amounts)),
        (resolved, lambda: over_budget_comparisons(resolved)),
        (resolved, lambda: income_comparisons(inputs.amounts, resolved)),
        (staff, lambda: sum_comparisons(staff, "staff_sum_mismatch")),
        (staff, lambda: staff_over_comparisons(staff)),
    ]
    frames = [build() for source, build in builders if len(source)]
    defaults = {"subject": "", "basis": "", "detail": "", "fact_id": ""}
    filled = [frame.assign(**{k: v for k, v in defaults.items() if k not in frame}).reindex(
        columns=COMPARISON_COLUMNS) for frame in frames if len(frame)]
    combined = pd.concat(filled, ignore_index=True) if filled else pd.DataFrame(columns=COMPARISON_COLUMNS)
    float_columns = [c for c in COMPARISON_COLUMNS if c.endswith(("_value", "_low", "_high"))]
    combined[float_columns] = combined[float_columns].astype("float64")
    return combined.astype({"doc": "int64", "flag_above": "bool", "flag_below": "bool"})
