"""Load `tasks/phrasings.toml` once and compile its patterns."""

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


@dataclass(frozen=True, slots=True)
class Phrasings:
    amount_labels: tuple[Label, ...]
    bases: tuple[Label, ...]
    skip_amount: tuple[re.Pattern[str], ...]
    staff_kinds: tuple[Label, ...]
    staff_scopes: tuple[Label, ...]
    staff_skip: tuple[re.Pattern[str], ...]
    score: re.Pattern[str]
    rate_execution: re.Pattern[str]
    rate_growth: re.Pattern[str]
    rate_target: re.Pattern[str]


def _labels(rows: list[dict], key: str) -> tuple[Label, ...]:
    return tuple(Label(re.compile(row["pattern"]), row[key], row.get("basis")) for row in rows)


def _union(rows: list[dict]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{row['pattern']})" for row in rows))


@cache
def load_phrasings(path: Path = PHRASINGS_TOML) -> Phrasings:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Phrasings(
        amount_labels=_labels(data["amount_label"], "concept"),
        bases=_labels(data["basis"], "basis"),
        skip_amount=tuple(re.compile(row["pattern"]) for row in data["skip_amount"]),
        staff_kinds=_labels(data["staff_kind"], "kind"),
        staff_scopes=_labels(data["staff_scope"], "scope"),
        staff_skip=tuple(re.compile(row["pattern"]) for row in data["staff_skip"]),
        score=_union(data["score"]),
        rate_execution=_union(data["rate_execution"]),
        rate_growth=_union(data["rate_growth"]),
        rate_target=_union(data["rate_target"]),
    )


def leftmost_longest(labels: tuple[Label, ...], text: str) -> tuple[Label, re.Match[str]] | None:
    """The label matching earliest in `text`, the longest one at that position."""
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
