"""Numbers as reports write them: thousands separators, decimals, Chinese numerals.

Values are parsed with Decimal so "10,771,094.97元" becomes exactly 10771094.97 yuan; the number
of decimals written is kept because it decides the rounding tolerance of the figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

# An Arabic number after NFKC: "10,771,094.97", "299.8", "43". Thousands groups must be exactly
# three digits, so "2,4,7" (a list) is not one number.
ARABIC_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
CHINESE_NUMBER = r"[零〇一二两三四五六七八九十百千万亿点]+"

_ARABIC_RE = re.compile(rf"^{ARABIC_NUMBER}$")
_CHINESE_RE = re.compile(rf"^{CHINESE_NUMBER}$")


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    value: Decimal
    decimals: int


class NumberFormatError(ValueError):
    pass


def parse_arabic(text: str) -> ParsedNumber:
    """"10,771,094.97" -> (10771094.97, 2). Raises NumberFormatError on anything else."""
    text = text.strip()
    if not _ARABIC_RE.match(text):
        raise NumberFormatError(f"not a number: {text!r}")
    plain = text.replace(",", "")
    decimals = len(plain.split(".", 1)[1]) if "." in plain else 0
    try:
        return ParsedNumber(Decimal(plain), decimals)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid decimals
        raise NumberFormatError(f"not a number: {text!r}") from exc


def matched_arabic(text: str) -> tuple[Decimal, int]:
    """(value, decimals) of parse_arabic, for a string a pattern built on ARABIC_NUMBER has matched exactly
    (the `num` group of the extractors' patterns): the same values, without checking the shape again
    nor building a ParsedNumber (a frozen dataclass costs more to build than the Decimal)."""
    if "," in text:
        text = text.replace(",", "")
    point = text.find(".")
    return Decimal(text), (len(text) - point - 1 if point >= 0 else 0)


def parse_chinese(text: str) -> ParsedNumber:
    """"十二万五千" -> (125000, 0); "九十五点五" -> (95.5, 1). Uses cn2an's strict mode."""
    text = text.strip()
    if not _CHINESE_RE.match(text):
        raise NumberFormatError(f"not a Chinese numeral: {text!r}")
    try:
        value = cn2an.cn2an(text, "strict")
    except (ValueError, KeyError, IndexError) as exc:
        raise NumberFormatError(f"not a Chinese numeral: {text!r}") from exc
    decimals = len(text.split("点", 1)[1]) if "点" in text else 0
    return ParsedNumber(Decimal(str(value)), decimals)


def parse_number(text: str) -> ParsedNumber:
    """Arabic or Chinese numeral."""
    try:
        return parse_arabic(text)
    except NumberFormatError:
        return parse_chinese(text)


def parse_percent_words(text: str) -> ParsedNumber:
    """"百分之九十五" -> 95; "百分之九十五点五" -> 95.5."""
    if not text.startswith("百分之"):
        raise NumberFormatError(f"not a written-out percentage: {text!r}")
    return parse_chinese(text[len("百分之"):])
