"""Damaged numbers: reported as unparseable with their span, never guessed.

Publishing systems break figures: a decimal point split from its digits by a line break
("95.\n\n10%"), a number written twice without a break ("299.8299.8万元"), thousands separators in
the wrong places ("1,23,456.00元"). Reading any of these as a figure would invent a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNIT = r"(?:亿元|万元|千元|元|万|亿|%)"
_UNIT_AFTER = rf"(?= ?{_UNIT})"  # only figures: "第1.2.3条" is a clause number
# (pattern, reason, quick test). Each pattern starts with a look-behind, which keeps the regex engine
# from skipping ahead to a likely start, so scanning a report with it costs a try at every character.
# The quick test is a part every match must contain, starting with a literal (scanned fast): a text
# without it cannot hold the damage, and the full pattern is run only where it may.
_DAMAGE: tuple[tuple[re.Pattern[str], str, re.Pattern[str]], ...] = (
    (re.compile(r"(?<![\d.,])\d+\.[ \t]*\n\s*\d+(?:\.\d+)?" + _UNIT_AFTER), "decimal point split from its digits by a line break",
     re.compile(r"\.[ \t]*\n")),
    (re.compile(r"(?<![\d.,])\d+\.\d+\.\d+(?:\.\d+)*" + _UNIT_AFTER), "two decimal points in one number (written twice?)",
     re.compile(r"\.\d+\.")),
    (re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*,(?:\d{1,2}|\d{4,})(?:,\d+)*(?:\.\d+)?" + _UNIT_AFTER),
     "thousands separators in the wrong places",
     # the misplaced group and what follows it to the unit: the pattern from its wrong comma on
     re.compile(r",(?:\d{1,2}|\d{4,})(?:,\d+)*(?:\.\d+)? ?" + _UNIT)),
)


@dataclass(frozen=True, slots=True)
class Unparseable:
    as_written: str
    span: tuple[int, int]
    reason: str


def find_damaged(text: str) -> list[Unparseable]:
    found = [
        Unparseable(match.group(), (match.start(), match.end()), reason)
        for pattern, reason, quick in _DAMAGE
        if quick.search(text) is not None
        for match in pattern.finditer(text)
    ]
    return sorted(found, key=lambda item: item.span)


def overlaps(span: tuple[int, int], damaged: list[Unparseable]) -> bool:
    if not damaged:
        return False  # the usual case, asked of every figure: no generator to build
    return any(span[0] < item.span[1] and item.span[0] < span[1] for item in damaged)
