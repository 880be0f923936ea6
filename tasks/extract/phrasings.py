"""The lexicon: load `tasks/phrasings.toml` once and compile its patterns.

Prose and tables read the same file: amount labels, bases, table column roles, form row labels,
money units in captions, metadata keys of forms and the words that give a document's kind.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PHRASINGS_TOML = Path(__file__).resolve().parent.parent / "phrasings.toml"


@dataclass(frozen=True, slots=True)
class Label:
    pattern: re.Pattern[str]
    value: str  # the concept, basis, kind or scope the words stand for
    basis: str | None = None
    # concept prefixes this label gives way to when a figure of theirs came earlier in the sentence
    yields_to: tuple[str, ...] = ()
    other_scope: str | None = None  # why a figure so named is of another scope (kept unclassified)
    concept_in: tuple[tuple[str, str], ...] = ()  # (report kind, concept) where the kind changes the concept

    def concept_for(self, report_kind: str | None) -> str:
        return dict(self.concept_in).get(report_kind or "", self.value)


@dataclass(frozen=True, slots=True)
class BreakdownChild:
    parent: str
    child: str
    report_kinds: tuple[str, ...] = ()  # empty: every kind


@dataclass(frozen=True, slots=True)
class Phrasings:
    amount_labels: tuple[Label, ...]
    bases: tuple[Label, ...]
    skip_amount: tuple[Label, ...]  # value: the target.* concept it is kept as, "" when unclassified
    skip_after: re.Pattern[str]
    breakdown_children: tuple[BreakdownChild, ...]
    breakdown_opener: re.Pattern[str]
    breakdown_of: re.Pattern[str]
    use_after: re.Pattern[str]
    item_list_heading: re.Pattern[str]
    label_break: re.Pattern[str]
    unit_statement: re.Pattern[str]  # group "unit"
    title_subject: re.Pattern[str]  # group "subject"
    staff_kinds: tuple[Label, ...]
    staff_scopes: tuple[Label, ...]
    staff_skip: tuple[re.Pattern[str], ...]
    score: re.Pattern[str]
    rate_execution: re.Pattern[str]
    rate_growth: re.Pattern[str]
    rate_target: re.Pattern[str]
    unnamed_total: re.Pattern[str]
    table_columns: tuple[Label, ...]  # value: the column role
    table_units: tuple[re.Pattern[str], ...]
    table_rows: tuple[Label, ...]  # whole-label patterns; value: the concept
    table_section: re.Pattern[str]
    table_total_row: re.Pattern[str]
    form_keys: tuple[Label, ...]  # whole-cell patterns; value: the field
    report_kinds: tuple[Label, ...]
    date_keys: tuple[re.Pattern[str], ...]  # words before a report's date, in order of preference


def _labels(rows: list[dict], key: str) -> tuple[Label, ...]:
    return tuple(Label(re.compile(row["pattern"]), row[key], row.get("basis"), tuple(row.get("yields_to", ())),
                       row.get("other_scope"), tuple(row.get("concept_in", {}).items())) for row in rows)


def _whole(rows: list[dict], key: str) -> tuple[Label, ...]:
    return tuple(Label(re.compile(f"(?:{row['pattern']})"), row[key]) for row in rows)


def _union(rows: list[dict]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{row['pattern']})" for row in rows))


def breakdown_child(phrasings: Phrasings, parent: str, report_kind: str | None) -> str | None:
    """The concept of an unnamed part of a `parent` figure in a document of `report_kind`."""
    for row in phrasings.breakdown_children:
        if row.parent == parent and (not row.report_kinds or report_kind in row.report_kinds):
            return row.child
    return None


@cache
def load_phrasings(path: Path = PHRASINGS_TOML) -> Phrasings:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Phrasings(
        amount_labels=_labels(data["amount_label"], "concept"),
        bases=_labels(data["basis"], "basis"),
        skip_amount=tuple(Label(re.compile(row["pattern"]), row.get("concept", ""), row.get("basis"))
                          for row in data["skip_amount"]),
        skip_after=_union(data["skip_after"]),
        breakdown_children=tuple(BreakdownChild(row["parent"], row["child"], tuple(row.get("report_kinds", ())))
                                 for row in data["breakdown_child"]),
        breakdown_opener=_union(data["breakdown_opener"]),
        breakdown_of=_union(data["breakdown_of"]),
        use_after=_union(data["use_after"]),
        item_list_heading=_union(data["item_list_heading"]),
        label_break=_union(data["label_break"]),
        unit_statement=_union(data["unit_statement"]),
        title_subject=_union(data["title_subject"]),
        staff_kinds=_labels(data["staff_kind"], "kind"),
        staff_scopes=_labels(data["staff_scope"], "scope"),
        staff_skip=tuple(re.compile(row["pattern"]) for row in data["staff_skip"]),
        score=_union(data["score"]),
        rate_execution=_union(data["rate_execution"]),
        rate_growth=_union(data["rate_growth"]),
        rate_target=_union(data["rate_target"]),
        unnamed_total=_union(data["unnamed_total"]),
        table_columns=_labels(data["table_column"], "role"),
        table_units=tuple(re.compile(row["pattern"]) for row in data["table_unit"]),
        table_rows=_whole(data["table_row"], "concept"),
        table_section=_union(data["table_section"]),
        table_total_row=_union(data["table_total_row"]),
        form_keys=_whole(data["form_key"], "field"),
        report_kinds=_labels(data["report_kind"], "kind"),
        date_keys=tuple(re.compile(row["pattern"]) for row in data["date_key"]),
    )


_ANY_OF: dict[int, tuple[tuple[Label, ...], re.Pattern[str]]] = {}


def _any_of(labels: tuple[Label, ...]) -> re.Pattern[str]:
    """One pattern for all the labels: its first match is where the earliest label starts."""
    held = _ANY_OF.get(id(labels))
    if held is None or held[0] is not labels:
        held = (labels, re.compile("|".join(f"(?:{label.pattern.pattern})" for label in labels)))
        _ANY_OF[id(labels)] = held
    return held[1]


def leftmost_longest(labels: tuple[Label, ...], text: str) -> tuple[Label, re.Match[str]] | None:
    """The label matching earliest in `text`, the longest one at that position."""
    if not labels:
        return None
    first = _any_of(labels).search(text)
    if first is None:
        return None
    if first.end() > first.start():  # the common case: only the labels that match where it starts
        best: tuple[Label, re.Match[str]] | None = None
        for label in labels:
            match = label.pattern.match(text, first.start())
            if match and match.end() > match.start() and (best is None or len(match.group()) > len(best[1].group())):
                best = (label, match)
        return best
    return _leftmost_longest_scan(labels, text)  # an empty match hides where the first real one starts


def _leftmost_longest_scan(labels: tuple[Label, ...], text: str) -> tuple[Label, re.Match[str]] | None:
    best: tuple[Label, re.Match[str]] | None = None
    for label in labels:
        for match in label.pattern.finditer(text):
            if match.end() == match.start():
                continue
            if best is None or (match.start(), -len(match.group())) < (best[1].start(), -len(best[1].group())):
                best = (label, match)
            break  # later matches of the same label start further right
    return best


def rightmost(labels: tuple[Label, ...], text: str) -> tuple[Label, re.Match[str]] | None:
    """The label whose match ends last in `text` (the words nearest to what follows)."""
    best: tuple[Label, re.Match[str]] | None = None
    for label in labels:
        for match in label.pattern.finditer(text):
            if match.end() == match.start():
                continue
            if best is None or (match.end(), len(match.group())) > (best[1].end(), len(best[1].group())):
                best = (label, match)
    return best


def all_leftmost_longest(labels: tuple[Label, ...], text: str) -> list[Label]:
    """Non-overlapping labels from left to right: "基本支出和项目支出分别为…" -> [基本支出, 项目支出]."""
    found: list[Label] = []
    position = 0
    while position < len(text):
        best = leftmost_longest(labels, text[position:])
        if best is None:
            break
        found.append(best[0])
        position += best[1].end()
    return found
