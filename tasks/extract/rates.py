"""Percentages: shares of a total, execution rates of a budget, indicators and growth rates.

The kind is read from the clause right before the number:
- "…93.18万元，占91.19%" -> share of the figure just before it;
- "整体支出完成率93.5%", "…决算数299.81万元，完成率93.5%" -> execution of that concept;
- "覆盖率上升2.08%", "涨幅超过101%" -> growth (may exceed 100);
- anything else ("满意度达95%", "资金使用率100%") -> indicator, labelled by its clause.
A target with an operator ("控制率小于100%", "≥95%") is a goal, not a measured rate, and is skipped.
"""

from __future__ import annotations

import re

from tasks.extract.numbers import CHINESE_NUMBER, NumberFormatError, matched_arabic, parse_percent_words
from tasks.extract.phrasings import Phrasings, leftmost_longest
from tasks.extract.scan import run_start, scanner
from tasks.extract.segments import Segments
from tasks.models import Amount, Rate

_PERCENT = re.compile(
    r"(?<![\d.])(?P<num>\d+(?:\.\d+)?) ?%"
    rf"|(?P<words>百分之{CHINESE_NUMBER})"
    # "执行率 97.35" without the % sign: only right after an execution keyword
    r"|(?<=率)(?P<bare_lead>(?:为|达|达到|是)? ?)(?P<bare>\d{1,3}\.\d+)(?![\d.%])(?! ?%)"
)
# _PERCENT opens with look-behinds, so the regex engine would try it at every character. Its matches
# start at the run of digits and points before a "%" (after at most one space), at "百分之", or right
# after "率": only those places are tried, in text order (see _percent_matches).
_PERCENT_MARK = re.compile(r"%|百分之|率")
_MAX_CLAUSE = 60  # a rate's label sits right before it; bounds work on hostile text
_CLAUSE_SEPARATORS = ",;:、()。\n"
_FILLER_TAIL = re.compile(r"(?:达到|达|为|约|是|仅为|仅|超过|了|的|在|保持|均|高达|近|已|已达)+ ?$")
_FILLER_HEAD = re.compile(r"^(?:其中|其|同时|另外|且)")


def _clause_before(text: str, start: int, floor: int) -> str:
    """The words from the last clause separator in [floor, start) (or from floor) up to start; one
    C-level rfind per separator rather than a step back per character."""
    last = max(text.rfind(separator, floor, start) for separator in _CLAUSE_SEPARATORS)
    return text[max(floor, last + 1):start]


def _percent_matches(text: str) -> list[re.Match[str]]:
    """_PERCENT.finditer(text), tried only where a percentage can start."""
    found: list[re.Match[str]] = []
    position = 0
    tried = -1
    for mark in _PERCENT_MARK.finditer(text):
        if mark.group() == "%":
            end = mark.start()
            if end > 0 and text[end - 1] == " ":
                end -= 1
            at = run_start(text, end, ".")
            if at == end:
                continue  # no digits before the %
        elif mark.group() == "率":
            at = mark.end()
        else:
            at = mark.start()
        if at < position or at == tried:  # the candidates come in text order: only the repeats skip
            continue
        tried = at
        match = _PERCENT.match(text, at)
        if match is not None:
            found.append(match)
            position = match.end()
    return found


def extract_rates(text: str, segments: Segments, phrasings: Phrasings, amounts: list[Amount]) -> list[Rate]:
    rates: list[Rate] = []
    amount_starts = sorted(amounts, key=lambda a: a.span[0])
    for match in _percent_matches(text):
        value, decimals = _value(match)
        if value is None:
            continue
        start = match.start("bare") if match.group("bare") else match.start()
        sentence_start = segments.sentence_start(start)
        clause = _clause_before(text, start, max(sentence_start, start - _MAX_CLAUSE))
        if match.group("bare") and not scanner(phrasings.rate_execution).search(clause):
            continue
        tail = clause.rstrip()[-4:]
        if scanner(phrasings.rate_target).search(tail) and not scanner(phrasings.rate_growth).search(tail):
            continue
        previous = [a for a in amount_starts if a.span[1] <= start and a.span[0] >= sentence_start]
        kind, concept, amount_id = _classify(clause, phrasings, previous)
        rates.append(
            Rate(
                id=f"r{len(rates) + 1}",
                concept=concept,
                kind=kind,
                value_pct=value,
                as_written=text[start:match.end()],
                span=(start, match.end()),
                decimals=decimals,
                amount_id=amount_id,
            )
        )
    return rates


def _value(match: re.Match[str]) -> tuple[float | None, int]:
    # num and bare are ARABIC_NUMBER shapes the pattern matched: read without checking them again
    if match.group("num") is not None:
        value, decimals = matched_arabic(match.group("num"))
        return float(value), decimals
    if match.group("words") is None:
        value, decimals = matched_arabic(match.group("bare"))
        return float(value), decimals
    try:
        parsed = parse_percent_words(match.group("words"))
    except NumberFormatError:
        return None, 0
    return float(parsed.value), parsed.decimals


def _classify(clause: str, phrasings: Phrasings, previous: list[Amount]) -> tuple[str, str, str | None]:
    """(kind, concept, amount_id) of a rate from the clause before it and the figures before it."""
    words = _FILLER_HEAD.sub("", clause.strip())
    growth = scanner(phrasings.rate_growth).search(words)
    if growth is not None:
        return "growth", _label(words[: growth.start()]) or _label(growth.group()), None
    if "占" in words:
        head, _, _ = words.partition("占")
        if not head and previous:
            part = previous[-1]
            return "share", part.concept, part.id
        named = leftmost_longest(phrasings.amount_labels, head)
        if named is not None and named[1].start() == 0 and named[1].end() >= len(head) - 1:
            part = next((a for a in reversed(previous) if a.concept == named[0].value), None)
            return "share", named[0].value, part.id if part else None
        return "indicator", _label(words), None
    execution = scanner(phrasings.rate_execution).search(words)
    if execution is not None:
        head = words[: execution.start()]
        named = leftmost_longest(phrasings.amount_labels, head)
        if named is not None:
            return "execution", named[0].value, None
        if previous:
            return "execution", _budgeted_concept(previous), None
        if "预算执行率" in words or "预算完成率" in words:
            return "execution", "expenditure.total", None
    return "indicator", _label(words) or "指标", None


def _budgeted_concept(previous: list[Amount]) -> str:
    """The latest concept before the rate stated both as final and on a budget side: what the rate measures."""
    bases: dict[str, set[str]] = {}
    for amount in previous:
        bases.setdefault(amount.concept, set()).add(amount.basis)
    for amount in reversed(previous):
        if "final" in bases[amount.concept] and bases[amount.concept] - {"final"}:
            return amount.concept
    return previous[-1].concept


def _label(words: str) -> str:
    return _FILLER_TAIL.sub("", words).strip()
