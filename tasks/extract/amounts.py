"""Money figures: find every number with a money unit, then name its concept and basis.

A figure's concept comes from the words between the previous figure (or the start of its sentence)
and the figure itself: "其中：基本支出全年预算数287.75万元" -> expenditure.basic, adjusted_budget. Words
that say nothing of the concept ("决算数299.8万元" right after "收入预算数320.61万元") keep the previous
figure's concept with the new basis. A figure whose concept cannot be named is not reported: counts,
targets and per-capita standards are not budget lines.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from decimal import Decimal

from expectations.concepts import load_concepts
from tasks.extract.numbers import (
    ARABIC_NUMBER,
    CHINESE_NUMBER,
    NumberFormatError,
    matched_arabic,
    parse_chinese,
)
from tasks.extract.phrasings import (
    Label,
    Phrasings,
    all_leftmost_longest,
    breakdown_child,
    first_found,
    leftmost_longest,
    rightmost,
)
from tasks.extract.scan import scanner
from tasks.extract.segments import Segments
from tasks.models import UNIT_YUAN, Amount

# A number followed by a money unit. A bare 万/亿 counts only when nothing follows that makes it a
# count (万人次, 万余条, 万亩): see _bare_unit_ok.
_MONEY = re.compile(
    rf"(?<![\d.])(?<!\d,)(?P<num>{ARABIC_NUMBER})(?P<space> ?)(?P<unit>亿元|万元|千元|元|万|亿)"
    rf"|(?<![零〇一二两三四五六七八九十百千万亿点])(?P<cnum>{CHINESE_NUMBER})(?P<cunit>亿元|万元|元)"
)
# A number standing alone between money figures, its unit implied by its neighbours:
# "科学技术支出18,346,210.44元；社会保障和就业支出745,165.23；卫生健康支出381,429.54元".
_BARE = re.compile(r"(?<![\d.])(?<!\d,)(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)(?=[,;。、)\s]|$|用于)")
_AFTER_BARE_UNIT_OK = re.compile(r"[,;。、)\s:]|$|的|$")
_MAX_CONTEXT = 120  # words farther back than this never name a figure; bounds work on hostile text
_LABEL_CHARS = 20  # the words kept beside an unclassified figure
_BREAKDOWN_AFTER = re.compile(r"[,:]?其中[:]?(?P<words>[^,;。]{1,20})")
_TOPIC_PREFIX = 8  # words before a label that still make its clause the topic of the figures after it
_RESPECTIVELY = re.compile(r"分别(?:为|是|:)?")
_EACH = re.compile(r"(?:均|都)(?:为|是)$")


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    value: Decimal
    decimals: int
    unit: str | None  # None: implied by the neighbours
    number_end: int


# Both patterns above open with look-behinds, so the regex engine cannot skip ahead to a likely start
# and tries them at every character of a report. The scans below find the only stretches where a match
# can be, with patterns that do skip ahead, and run the patterns there: the same matches, faster.
# A money match is made only of these characters and holds a unit character: it lies inside one run
# of them that has a unit character (and _MONEY looks at nothing after its match, so ending the scan
# at the run's end changes nothing; its look-behinds still see the text before the run).
_MONEY_CHARS = r"[\d,. 零〇一二两三四五六七八九十百千万亿点元]"
_MONEY_RUN = re.compile(rf"{_MONEY_CHARS}*[元万亿]{_MONEY_CHARS}*")
# A bare number is digits with a separator, not preceded by a digit, "." or "digit,": it can start only
# where one of these tokens starts (inside a token, a separator always follows a digit).
_BARE_TOKEN = re.compile(r"\d+(?:[,.]\d+)+")
_WAN_YI = {"万": "万元", "亿": "亿元"}


def _money_matches(text: str) -> list[re.Match[str]]:
    """_MONEY.finditer(text), scanning only the runs a money figure can lie in."""
    return [match for run in _MONEY_RUN.finditer(text) for match in _MONEY.finditer(text, run.start(), run.end())]


def _bare_matches(text: str) -> list[re.Match[str]]:
    """_BARE.finditer(text), tried only where a bare number can start (its matches never overlap a token's
    next one, and its look-ahead reads the real text after the token)."""
    found = []
    for token in _BARE_TOKEN.finditer(text):
        match = _BARE.match(text, token.start())
        if match is not None:
            found.append(match)
    return found


def find_money_mentions(text: str) -> list[_Mention]:
    mentions: list[_Mention] = []
    for match in _money_matches(text):
        if match.group("num") is not None:
            unit = match.group("unit")
            if unit in ("万", "亿") and not _bare_unit_ok(text, match.end()):
                continue
            value, decimals = matched_arabic(match.group("num"))
            unit = _WAN_YI.get(unit, unit)
            mentions.append(_Mention(match.start(), match.end(), value, decimals, unit, match.end("num")))
        else:
            mention = _chinese_mention(match)
            if mention is not None:
                mentions.append(mention)
    # The money figures do not overlap and are in text order: the one that may hold an offset is the
    # last starting at or before it.
    taken_starts = [m.start for m in mentions]
    taken_ends = [m.end for m in mentions]
    for match in _bare_matches(text):
        at = bisect_right(taken_starts, match.start()) - 1
        if at >= 0 and match.start() < taken_ends[at]:
            continue
        value, decimals = matched_arabic(match.group("num"))
        mentions.append(_Mention(match.start(), match.end(), value, decimals, None, match.end()))
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
                    unclassified: list[dict] | None = None, report_kind: str | None = None,
                    fiscal_year: int | None = None) -> list[Amount]:
    """The money figures of the prose that a label names. A figure with its money unit written that
    becomes no amount (nothing names it; a per-capita standard or a difference; another scope) goes to
    `unclassified` with the words before it, so nothing that reads as money is dropped unseen."""
    mentions = find_money_mentions(text)
    skipped = unclassified if unclassified is not None else []
    stated_unit = _stated_units(text, phrasings)
    items = _project_list_items(text, phrasings)
    item_parent = "expenditure.total" if breakdown_child(phrasings, "expenditure.total", report_kind) else "expenditure.project"
    amounts: list[Amount] = []
    seen: set[tuple[str, str, float]] = set()
    previous_end = 0
    last: Amount | None = None  # the last reported figure
    pending: list[str] = []  # concepts still owed to the figures of a "分别为" list
    open_parts: tuple[str, str, int] | None = None  # (child concept, basis, paragraph) of a list of parts
    items_taken: set[int] = set()
    other_scope: tuple[str, int] | None = None  # (reason, paragraph) of the parts of another scope's figure
    for index, mention in enumerate(mentions):
        sentence_start = segments.sentence_start(mention.start)
        context = text[max(sentence_start, previous_end, mention.start - _MAX_CONTEXT):mention.start]
        previous_end = mention.end
        restart = _last_match(phrasings.label_break, context)
        if restart is not None:
            context = context[restart:]
        neighbours = mention.unit or _implied_unit(mentions, index, segments)
        unit = neighbours or _unit_in_force(stated_unit, mention.start)
        if unit is None or (mention.unit is None and scanner(phrasings.score).search(context)):
            continue  # "（单位：万元，下同）… 自评总分 88.8": a score, not money
        if _earlier_year(context, fiscal_year):
            _unclassified(skipped, text, mention, context, "a prior year's figure, not this year's")
            continue
        skip = _not_a_budget_line(text, mention, context, phrasings)
        if skip is not None and not skip.value:
            _unclassified(skipped, text, mention, context, "a per-unit standard or a difference, not a budget line")
            continue
        paragraph = segments.paragraph_start(mention.start)
        read_by = "label"
        named = _name(context, phrasings, last, segments, mention.start, mention.end, amounts, report_kind)
        concept, basis = named.concept, named.basis
        if skip is not None:  # "年中追加424.45万元": a target.* figure, never a budget line
            named = _Named(skip.value, skip.basis or basis, skip)
            concept, basis = named.concept, named.basis
        if named.other_scope:
            _unclassified(skipped, text, mention, context, named.other_scope)
            if _opens_parts(text, mentions, index, segments, phrasings):
                other_scope = (f"a part of a figure of another scope: {named.other_scope}", paragraph)
            continue
        if other_scope is not None and other_scope[1] == paragraph:
            _unclassified(skipped, text, mention, context, other_scope[0])
            continue
        if named.parts_of is not None:  # "项目支出执行数中，生态护林员补助…": a part of the named figure
            child = breakdown_child(phrasings, named.parts_of, report_kind)
            if child is not None:
                concept, open_parts = child, (child, basis, paragraph)
        if paragraph in items and paragraph not in items_taken and mention.unit is not None:
            items_taken.add(paragraph)  # a numbered item of a list of projects: its first figure
            concept, basis = breakdown_child(phrasings, item_parent, report_kind), "final"
            read_by = "list_item"
        elif (named.label is None or concept.startswith("special_fund.")) and open_parts is not None \
                and open_parts[2] == paragraph:  # a named 专项经费 inside a list of parts is one of them
            concept, basis = open_parts[0], open_parts[1]
        elif named.label is None and phrasings.use_after.match(text, mention.end):
            parent = last if last is not None and segments.same_paragraph(last.span[0], mention.start) else None
            child = breakdown_child(phrasings, parent.concept, report_kind) if parent is not None else None
            if child is not None:
                concept, basis = child, parent.basis
                open_parts = (child, basis, paragraph)
        alike: list[str] = []  # "因公出国（境）费和公务用车购置费均为0万元": one figure for every label listed
        respectively = _RESPECTIVELY.search(context)
        each = _EACH.search(context)
        if each is not None and respectively is None:
            listed = all_leftmost_longest(phrasings.amount_labels, context[: each.start()])
            if len(listed) >= 2:
                concept, alike = listed[0].value, [label.value for label in listed[1:]]
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
        child = breakdown_child(phrasings, concept, report_kind)
        if child is not None and _opens_parts(text, mentions, index, segments, phrasings):
            open_parts = (child, basis, paragraph)
        if key in seen and concept not in _REPEATABLE:
            continue  # a restatement of the same figure adds nothing (though it may open a list of parts)
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
            unit_implied=mention.unit is None and neighbours is not None,  # a unit stated for the section is read
            read_by=read_by,
        )
        amounts.append(amount)
        for other in alike:
            if (other, basis, value_yuan) not in seen:
                seen.add((other, basis, value_yuan))
                amounts.append(replace(amount, id=f"a{len(amounts) + 1}", concept=other))
        if not concept.startswith("target."):  # "年中追加86.00万元，全年预算数698.40万元": not its basis
            last = amount
    return amounts


_REPEATABLE = ("special_fund.item", "expenditure.project_item")
_FUND_KINDS = ("project", "transfer_payment")  # "全县共安排衔接资金24,836.52万元": the fund's whole budget


def _last_match(pattern: re.Pattern[str], text: str) -> int | None:
    end = None
    for match in pattern.finditer(text):
        end = match.end()
    return end


def _opens_parts(text: str, mentions: list[_Mention], index: int, segments: Segments, phrasings: Phrasings) -> bool:
    """Whether the words after figure `index` (up to the next figure, in its paragraph) open a list of its
    parts: "项目支出472.72万元，其中：…", "…执行率97.31%。其中：…"."""
    here = mentions[index]
    paragraph_end = text.find("\n", here.end)
    stop = min(m for m in (mentions[index + 1].start if index + 1 < len(mentions) else len(text),
                           paragraph_end if paragraph_end >= 0 else len(text)))
    return phrasings.breakdown_opener.search(text, here.end, stop) is not None


def _stated_units(text: str, phrasings: Phrasings) -> list[tuple[int, str]]:
    """Where a report states once the unit of the bare figures that follow: "（以下金额单位均为万元）"."""
    return [(match.end(), match.group("unit")) for match in scanner(phrasings.unit_statement).finditer(text)]


def _unit_in_force(stated: list[tuple[int, str]], offset: int) -> str | None:
    unit = None
    for start, stated_unit in stated:
        if start <= offset:
            unit = stated_unit
    return unit


_NUMBERED = re.compile(r"\s*(?:\d{1,2}[.、]|\(\d{1,2}\))")


def _project_list_items(text: str, phrasings: Phrasings) -> set[int]:
    """Start offsets of the numbered paragraphs that list projects under a heading such as "主要项目支出
    情况如下：" or "三、重点项目实施情况"."""
    items: set[int] = set()
    heading = scanner(phrasings.item_list_heading)
    if heading.context_free and heading.search(text) is None:
        return items  # no line names a list of projects (a match in a line would be one in the text)
    in_list = False
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            if _NUMBERED.match(line):
                if in_list:
                    items.add(offset)
            else:
                in_list = bool(heading.search(line))
        offset += len(line) + 1
    return items


def _unclassified(into: list[dict], text: str, mention: _Mention, context: str, reason: str) -> None:
    if mention.unit is None:  # a bare number reads as money only through its neighbours: not listed
        return
    label = context.strip()[-_LABEL_CHARS:] or None
    into.append({"as_written": text[mention.start:mention.end], "span": [mention.start, mention.end],
                 "label": label, "reason": reason, "value": float(mention.value), "unit": mention.unit})


_CLAUSE_YEAR = re.compile(r"(?P<year>20\d{2})年(?!度?(?:预算|决算|部门|单位|全年|年初))[^,;。()]{0,12}$")


def _earlier_year(context: str, fiscal_year: int | None) -> bool:
    """"（2022年支出合计为3,225.61万元）" in a 2023 report: the clause before the figure names an earlier year."""
    if fiscal_year is None:
        return False
    clause = _CLAUSE_YEAR.search(context)
    return clause is not None and int(clause["year"]) < fiscal_year


_AFTER_WORDS = Label(re.compile(""), "")


def _not_a_budget_line(text: str, mention: _Mention, context: str, phrasings: Phrasings) -> Label | None:
    """The [[skip_amount]] row the words before a figure match (or a stand-in for words after it)."""
    words = context.rstrip()
    skip = first_found(phrasings.skip_amount, words)  # the first row found, in lexicon order
    if skip is None and phrasings.skip_after.match(text, mention.end):
        return _AFTER_WORDS
    return skip


@dataclass(slots=True)
class _Named:
    concept: str | None
    basis: str
    label: Label | None = None  # the label that named it, None when the concept was inferred
    other_scope: str | None = None
    parts_of: str | None = None  # "项目支出执行数中，": the figure is a part of this concept


def _name(
    context: str,
    phrasings: Phrasings,
    last: Amount | None,
    segments: Segments,
    offset: int,
    end_of_figure: int,
    earlier: list[Amount],
    report_kind: str | None,
) -> _Named:
    """The concept and basis of a figure from the words before it (concept None when they name nothing)."""
    found, context = _label_of(context, phrasings)
    # basis words inside the label itself ("转移支付资金", "实际支出") are the label's, not a basis
    basis_word = rightmost(phrasings.bases, _blank(context, found[1]) if found is not None else context)
    last_in_sentence = last if last is not None and segments.same_sentence(last.span[0], offset) else None
    if found is not None and found[0].basis:
        basis = found[0].basis
    elif basis_word is not None:
        basis = basis_word[0].value
    elif last_in_sentence is not None and (found is None or found[0].value != last_in_sentence.concept):
        # "其中基本支出安排44.07万元，项目支出43万元": a breakdown keeps the basis of what it breaks down.
        # The same concept named again ("三公经费年初预算4.2万元，三公经费财政拨款支出3.47万元") is a
        # restatement on another basis: the plain statement of spending, final.
        basis = last_in_sentence.basis
    elif found is not None and (whole := _whole_in_paragraph(found[0].value, earlier, segments, offset)):
        # "项目预算486.00万元。按资金来源分：中央…200.00万元": the axes of a total keep its basis
        basis = whole.basis
    else:
        basis = "final"
    if found is not None:
        label, match = found
        if label.other_scope:
            return _Named(label.value, basis, label, other_scope=label.other_scope)
        if phrasings.breakdown_of.match(context, match.end()):
            return _Named(None, basis, None, parts_of=label.value)
        concept = label.concept_for(report_kind)
        yields = label.yields_to
        if yields and last_in_sentence is not None and last_in_sentence.concept.startswith(yields):
            return _Named(last_in_sentence.concept, basis, label)
        if concept.startswith("expenditure.level.") and _received(context[match.end():], last_in_sentence, phrasings):
            # "实际到位318.76万元，其中中央资金126.00万元": the levels of the money received
            return _Named(concept.replace("expenditure.", "funds_received.", 1), "final", label)
        return _Named(concept, basis, label)
    # "…收入预算数320.61万元，决算数299.81万元": the same concept on another basis.
    if last_in_sentence is not None and basis_word is not None and basis != last_in_sentence.basis:
        return _Named(last_in_sentence.concept, basis)
    # "调整后全年预算数为203.5万元，其中基本支出…": an unnamed figure broken down is the parent.
    broken_down = _BREAKDOWN_AFTER.match(segments.text, end_of_figure)
    if broken_down is not None:
        child = leftmost_longest(phrasings.amount_labels, broken_down.group("words"))
        parent = load_concepts().get(child[0].value).parent if child else None
        if child is not None and child[1].start() == 0 and parent:
            return _Named(parent, basis)
    # Unnamed uses listed after a special fund are its items.
    if last is not None and last.concept.startswith("special_fund") and segments.same_paragraph(
        last.span[0], offset
    ):
        return _Named("special_fund.item", basis)
    if last_in_sentence is None and (scanner(phrasings.unnamed_total).search(context) or (
            basis in ("budget", "adjusted_budget") and basis_word is not None
            and ("预算" in context or report_kind in _FUND_KINDS))):
        # "2021年年初预算数1,962.00万元", "全年预算数为3,512.76万元": the unit's (or project's) whole money
        return _Named("expenditure.total", basis)
    return _Named(None, basis)


def _blank(text: str, match: re.Match[str]) -> str:
    return text[:match.start()] + " " * (match.end() - match.start()) + text[match.end():]


def _label_of(context: str, phrasings: Phrasings) -> tuple[tuple[Label, re.Match[str]] | None, str]:
    """The label naming a figure, and the words it is read from. The clause right before the figure
    (after the last comma) speaks for it when it names a concept or a basis ("…下达车购税补助和政府性
    基金预算资金，全年预算数调整为15,386.74万元"); otherwise the whole context does."""
    whole = leftmost_longest(phrasings.amount_labels, context)
    comma = context.rfind(",")
    if comma <= 0:
        return whole, context
    clause = context[comma + 1:]
    found = leftmost_longest(phrasings.amount_labels, clause)
    if found is not None:
        return found, clause
    if whole is not None and whole[1].start() - (context.rfind(",", 0, whole[1].start()) + 1) <= _TOPIC_PREFIX:
        return whole, context  # "2019年一般公共预算财政拨款收入，年初预算数为274.64万元": a topic clause
    if rightmost(phrasings.bases, clause) is not None:
        return None, clause
    return whole, context


def _whole_in_paragraph(concept: str, earlier: list[Amount], segments: Segments, offset: int) -> Amount | None:
    """The nearest earlier figure of the paragraph that `concept` is a part of."""
    for amount in reversed(earlier):
        if not segments.same_paragraph(amount.span[0], offset):
            return None
        if _is_part(concept, amount.concept):
            return amount
    return None


def _is_part(concept: str, of: str) -> bool:
    """Whether `concept` is a breakdown (a descendant) of `of` in the concept tree."""
    concepts = load_concepts()
    parent = concepts.get(concept).parent if concepts.get(concept) else None
    while parent:
        if parent == of:
            return True
        parent = concepts.get(parent).parent if concepts.get(parent) else None
    return False


def _received(after_label: str, last_in_sentence: Amount | None, phrasings: Phrasings) -> bool:
    """A level's figure is money received when 到位 follows its label or a received total came before."""
    if last_in_sentence is not None and last_in_sentence.concept.startswith("funds_received."):
        return True
    following = leftmost_longest(phrasings.amount_labels, after_label)
    return following is not None and following[0].value.startswith("funds_received.")
