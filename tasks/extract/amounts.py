"""Money figures: find every number with a money unit, then name its concept and basis.

A figure's concept comes from the words between the previous figure (or the start of its sentence)
and the figure itself: "其中：基本支出全年预算数287.75万元" -> expenditure.basic, adjusted_budget. Words
that say nothing of the concept ("决算数299.8万元" right after "收入预算数320.61万元") keep the previous
figure's concept with the new basis. A figure whose concept cannot be named is not reported: counts,
targets and per-capita standards are not budget lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from expectations.concepts import load_concepts
from tasks.extract.numbers import (
    ARABIC_NUMBER,
    CHINESE_NUMBER,
    NumberFormatError,
    parse_arabic,
    parse_chinese,
)
from tasks.extract.phrasings import Phrasings, all_leftmost_longest, leftmost_longest, rightmost
from tasks.extract.segments import Segments
from tasks.models import UNIT_YUAN, Amount

# A number followed by a money unit. A bare 万/亿 counts only when nothing follows that makes it a
# count (万人次, 万余条, 万亩): see _bare_unit_ok.
_MONEY = re.compile(
    rf"(?<![\d.,])(?P<num>{ARABIC_NUMBER})(?P<space> ?)(?P<unit>亿元|万元|千元|元|万|亿)"
    rf"|(?<![零〇一二两三四五六七八九十百千万亿点])(?P<cnum>{CHINESE_NUMBER})(?P<cunit>亿元|万元|元)"
)
# A number standing alone between money figures, its unit implied by its neighbours:
# "科学技术支出18,346,210.44元；社会保障和就业支出745,165.23；卫生健康支出381,429.54元".
_BARE = re.compile(r"(?<![\d.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)(?=[,;。、)\s]|$)")
_AFTER_BARE_UNIT_OK = re.compile(r"[,;。、)\s:]|$|的|$")
_PER_SOMETHING_AFTER = re.compile(r"^\s?(?:/|每)")
_MAX_CONTEXT = 120  # words farther back than this never name a figure; bounds work on hostile text
_LABEL_CHARS = 20  # the words kept beside an unclassified figure
_BREAKDOWN_AFTER = re.compile(r"[,:]?其中[:]?(?P<words>[^,;。]{1,20})")
_RESPECTIVELY = re.compile(r"分别(?:为|是|:)?")


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    value: Decimal
    decimals: int
    unit: str | None  # None: implied by the neighbours
    number_end: int


def find_money_mentions(text: str) -> list[_Mention]:
    mentions: list[_Mention] = []
    for match in _MONEY.finditer(text):
        if match.group("num") is not None:
            unit = match.group("unit")
            if unit in ("万", "亿") and not _bare_unit_ok(text, match.end()):
                continue
            parsed = parse_arabic(match.group("num"))
            unit = {"万": "万元", "亿": "亿元"}.get(unit, unit)
            mentions.append(_Mention(match.start(), match.end(), parsed.value, parsed.decimals, unit,
                                     match.end("num")))
        else:
            mention = _chinese_mention(match)
            if mention is not None:
                mentions.append(mention)
    taken = [(m.start, m.end) for m in mentions]
    for match in _BARE.finditer(text):
        if any(s <= match.start() < e for s, e in taken):
            continue
        parsed = parse_arabic(match.group("num"))
        mentions.append(_Mention(match.start(), match.end(), parsed.value, parsed.decimals, None, match.end()))
    mentions.sort(key=lambda m: m.start)
    return mentions


def _bare_unit_ok(text: str, end: int) -> bool:
    """"执行数31.2万，" is money; "3.6万人次", "8.2万余条", "10万亩" are not."""
    return bool(_AFTER_BARE_UNIT_OK.match(text, end))


def _chinese_mention(match: re.Match[str]) -> _Mention | None:
    numeral, unit = match.group("cnum"), match.group("cunit")
    # A lone 一/十 before 元 is more often a word (单一元素) than money; demand a real numeral.
    if len(numeral) < 2 and numeral not in "十百千万亿":
        return None
    if unit == "元" and numeral[-1] in "万亿":  # "三万元": keep the precision of the 万
        unit, numeral = ("万元" if numeral[-1] == "万" else "亿元"), numeral[:-1]
        if not numeral:
            return None
    try:
        parsed = parse_chinese(numeral)
    except NumberFormatError:
        return None
    return _Mention(match.start(), match.end(), parsed.value, parsed.decimals, unit, match.end("cnum"))


def _implied_unit(mentions: list[_Mention], index: int, segments: Segments) -> str | None:
    """The unit of a bare number: its neighbours' in the same paragraph, when they agree."""
    here = mentions[index].start
    before = next((m.unit for m in reversed(mentions[:index])
                   if m.unit and segments.same_paragraph(m.start, here)), None)
    after = next((m.unit for m in mentions[index + 1:]
                  if m.unit and segments.same_paragraph(m.start, here)), None)
    if before and after and before != after:
        return None
    return before or after


def extract_amounts(text: str, segments: Segments, phrasings: Phrasings,
                    unclassified: list[dict] | None = None) -> list[Amount]:
    """The money figures of the prose that a label names. A figure with its money unit written that
    becomes no amount (nothing names it; a per-capita standard or a difference) goes to `unclassified`
    with the words before it, so nothing that reads as money is dropped unseen."""
    mentions = find_money_mentions(text)
    skipped = unclassified if unclassified is not None else []
    amounts: list[Amount] = []
    seen: set[tuple[str, str, float]] = set()
    previous_end = 0
    last: Amount | None = None  # the last reported figure
    pending: list[str] = []  # concepts still owed to the figures of a "分别为" list
    for index, mention in enumerate(mentions):
        sentence_start = segments.sentence_start(mention.start)
        context = text[max(sentence_start, previous_end, mention.start - _MAX_CONTEXT):mention.start]
        previous_end = mention.end
        unit = mention.unit or _implied_unit(mentions, index, segments)
        if unit is None:
            continue
        if _is_not_a_budget_line(text, mention, context, phrasings):
            _unclassified(skipped, text, mention, context, "a per-unit standard or a difference, not a budget line")
            continue
        concept, basis = _name(context, phrasings, last, segments, mention.start, mention.end)
        respectively = _RESPECTIVELY.search(context)
        if respectively is not None:
            # "基本支出和项目支出分别为85.27万元、23.91万元": the labels go to the figures in order.
            listed = all_leftmost_longest(phrasings.amount_labels, context[: respectively.start()])
            if len(listed) >= 2:
                concept, pending = listed[0].value, [label.value for label in listed[1:]]
        elif pending and concept is None or (pending and last is not None
                                             and segments.same_sentence(last.span[0], mention.start)
                                             and not leftmost_longest(phrasings.amount_labels, context)):
            concept = pending.pop(0)
        if concept is None:
            _unclassified(skipped, text, mention, context, "no label names it")
            continue
        yuan = mention.value * UNIT_YUAN[unit]
        value_yuan = float(round(yuan, 2))
        key = (concept, basis, value_yuan)
        if key in seen and concept != "special_fund.item":
            continue  # a restatement of the same figure adds nothing
        seen.add(key)
        end = mention.end if mention.unit else mention.number_end
        amount = Amount(
            id=f"a{len(amounts) + 1}",
            concept=concept,
            basis=basis,
            value_yuan=value_yuan,
            as_written=text[mention.start:end],
            span=(mention.start, end),
            unit=unit,
            decimals=mention.decimals,
            unit_implied=mention.unit is None,
        )
        amounts.append(amount)
        last = amount
    return amounts


def _unclassified(into: list[dict], text: str, mention: _Mention, context: str, reason: str) -> None:
    if mention.unit is None:  # a bare number reads as money only through its neighbours: not listed
        return
    label = context.strip()[-_LABEL_CHARS:] or None
    into.append({"as_written": text[mention.start:mention.end], "span": [mention.start, mention.end],
                 "label": label, "reason": reason, "value": float(mention.value), "unit": mention.unit})


def _is_not_a_budget_line(text: str, mention: _Mention, context: str, phrasings: Phrasings) -> bool:
    words = context.rstrip()
    if any(pattern.search(words) for pattern in phrasings.skip_amount):
        return True
    return bool(_PER_SOMETHING_AFTER.match(text, mention.end))


def _name(
    context: str,
    phrasings: Phrasings,
    last: Amount | None,
    segments: Segments,
    offset: int,
    end_of_figure: int,
) -> tuple[str | None, str]:
    """(concept, basis) of a figure from the words before it, or (None, _) when they name nothing."""
    found = leftmost_longest(phrasings.amount_labels, context)
    basis_word = rightmost(phrasings.bases, context)
    last_in_sentence = last if last is not None and segments.same_sentence(last.span[0], offset) else None
    if basis_word is not None:
        basis = basis_word[0].value
    elif found is not None and found[0].basis:
        basis = found[0].basis
    elif last_in_sentence is not None and (found is None or found[0].value != last_in_sentence.concept):
        # "其中基本支出安排44.07万元，项目支出43万元": a breakdown keeps the basis of what it breaks down.
        # The same concept named again ("三公经费年初预算4.2万元，三公经费财政拨款支出3.47万元") is a
        # restatement on another basis: the plain statement of spending, final.
        basis = last_in_sentence.basis
    else:
        basis = "final"
    if found is not None:
        yields = found[0].yields_to
        if yields and last_in_sentence is not None and last_in_sentence.concept.startswith(yields):
            return last_in_sentence.concept, basis
        return found[0].value, basis
    # "…收入预算数320.61万元，决算数299.81万元": the same concept on another basis.
    if last_in_sentence is not None and basis_word is not None and basis != last_in_sentence.basis:
        return last_in_sentence.concept, basis
    # "调整后全年预算数为203.5万元，其中基本支出…": an unnamed figure broken down is the parent.
    broken_down = _BREAKDOWN_AFTER.match(segments.text, end_of_figure)
    if broken_down is not None:
        child = leftmost_longest(phrasings.amount_labels, broken_down.group("words"))
        parent = load_concepts().get(child[0].value).parent if child else None
        if child is not None and child[1].start() == 0 and parent:
            return parent, basis
    # Unnamed uses listed after a special fund are its items.
    if last is not None and last.concept.startswith("special_fund") and segments.same_paragraph(
        last.span[0], offset
    ):
        return "special_fund.item", basis
    if last_in_sentence is None and phrasings.unnamed_total.search(context):
        return "expenditure.total", basis
    return None, basis
