"""The lexicon: load `tasks/phrasings.toml` once and compile its patterns.

Prose and tables read the same file: amount labels, bases, table column roles, form row labels,
money units in captions, metadata keys of forms and the words that give a document's kind.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from tasks.extract.scan import first_chars, scanner, widths

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
        if not self.concept_in:
            return self.value  # most labels: no dict to build
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


class _LabelIndex:
    """A label tuple compiled for fast lookups (built once per tuple, see `_index_of`).

    `union` is one pattern for all the labels: its first match is where the earliest label starts.
    `by_first` maps a character to the labels (in lexicon order) whose non-empty match can start
    with it, from each pattern's parse (`_first_chars`); `any_first` are the labels that could start
    with any character (the parse could not bound them). Trying only those at a position gives the
    same answer as trying every label: the others cannot match there.
    """

    __slots__ = ("labels", "union", "scan", "widths", "by_first", "any_first", "first_found", "first_whole", "leftmost_longest",
                 "rightmost")

    def __init__(self, labels: tuple[Label, ...]) -> None:
        self.labels = labels
        self.union = re.compile("|".join(f"(?:{label.pattern.pattern})" for label in labels))
        self.scan = scanner(self.union)  # the union's search, skipping to where a label can start
        self.widths = widths(self.union)  # a whole text longer or shorter than any label's match is none
        firsts = [first_chars(label.pattern) for label in labels]
        self.any_first = tuple(label for label, first in zip(labels, firsts, strict=True) if first is None)
        chars = {char for first in firsts if first is not None for char in first}
        self.by_first: dict[str, tuple[Label, ...]] = {
            char: tuple(label for label, first in zip(labels, firsts, strict=True) if first is None or char in first)
            for char in chars}
        # Pure lookups, remembered within a bound: header cells, form keys and row labels repeat in every
        # form, and the prose reader asks about the same words before a figure several times (the whole
        # context, then its last clause, then again for a list of labels). A match object is only read.
        self.first_found = lru_cache(maxsize=_LOOKUP_CACHE)(self._first_found)
        self.first_whole = lru_cache(maxsize=_LOOKUP_CACHE)(self._first_whole)
        self.leftmost_longest = lru_cache(maxsize=_LOOKUP_CACHE)(self._leftmost_longest)
        self.rightmost = lru_cache(maxsize=_LOOKUP_CACHE)(self._rightmost)

    def _first_found(self, text: str) -> Label | None:
        """The first label (lexicon order) found anywhere in `text`."""
        if self.scan.search(text) is None:
            return None  # one scan says none is: no scan per label
        return next((label for label in self.labels if scanner(label.pattern).search(text)), None)

    def _first_whole(self, text: str) -> Label | None:
        """The first label (lexicon order) matching the whole of `text`."""
        if self.union.fullmatch(text) is None:
            return None
        return next((label for label in self.labels if label.pattern.fullmatch(text)), None)

    def _leftmost_longest(self, text: str) -> tuple[Label, re.Match[str]] | None:
        first = self.scan.search(text)
        if first is None:
            return None
        start = first.start()
        if first.end() > start:  # the common case: only the labels that match where it starts
            best: tuple[Label, re.Match[str]] | None = None
            best_length = 0
            # Only the labels whose match can begin with this character (in order: the first longest wins).
            for label in self.starting_with(text[start]):
                match = label.pattern.match(text, start)
                if match is not None:
                    length = match.end() - start
                    if length > best_length:
                        best, best_length = (label, match), length
            return best
        return _leftmost_longest_scan(self.labels, text)  # an empty match hides where the first real one starts

    def _rightmost(self, text: str) -> tuple[Label, re.Match[str]] | None:
        if self.scan.search(text) is None:
            return None  # one scan says no label occurs at all (the usual case): no scan per label
        best: tuple[Label, re.Match[str]] | None = None
        for label in self.labels:
            for match in scanner(label.pattern).finditer(text):
                if match.end() == match.start():
                    continue
                if best is None or (match.end(), len(match.group())) > (best[1].end(), len(best[1].group())):
                    best = (label, match)
        return best

    def starting_with(self, char: str) -> tuple[Label, ...]:
        return self.by_first.get(char, self.any_first)


_INDEX: dict[int, _LabelIndex] = {}
_LOOKUP_CACHE = 8192  # distinct strings remembered per label tuple


def first_found(labels: tuple[Label, ...], text: str) -> Label | None:
    """The first of `labels` (in lexicon order) whose pattern is found in `text`."""
    return _index_of(labels).first_found(text)


def first_whole(labels: tuple[Label, ...], text: str) -> Label | None:
    """The first of `labels` (in lexicon order) whose pattern matches the whole of `text`."""
    index = _index_of(labels)
    if not index.widths[0] <= len(text) <= index.widths[1]:
        return None  # (a prose line tried as a form key): not worth a regex nor a place in the cache
    return index.first_whole(text)


def _index_of(labels: tuple[Label, ...]) -> _LabelIndex:
    """The index of a label tuple, held by the tuple's identity (the lexicon's tuples live for the process)."""
    held = _INDEX.get(id(labels))
    if held is None or held.labels is not labels:
        held = _LabelIndex(labels)
        _INDEX[id(labels)] = held
    return held


def _any_of(labels: tuple[Label, ...]) -> re.Pattern[str]:
    """One pattern for all the labels: its first match is where the earliest label starts."""
    return _index_of(labels).union


def leftmost_longest(labels: tuple[Label, ...], text: str) -> tuple[Label, re.Match[str]] | None:
    """The label matching earliest in `text`, the longest one at that position."""
    if not labels:
        return None
    return _index_of(labels).leftmost_longest(text)


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
    if not labels:
        return None
    return _index_of(labels).rightmost(text)


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
