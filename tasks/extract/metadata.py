"""Report metadata: unit name, region, fiscal year and report date.

- Unit name: a "单位名称：" line, else the title (the lines before the body), with the year and the
  report-type words ("部门整体支出绩效自评报告") taken off; else the signature line before the date.
- Region: jionlp's parse_location over the unit name (then the title, then the body's first lines).
- Report date: a line that is only a date ("2020年4月10日", "（2022年9月3日）", "2020年11月").
- Fiscal year: the title's year; else the year the body speaks of most (before the report date);
  else the report date's year minus one.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections import Counter
from functools import cache

from tasks.extract.gazetteer import fast_place, quiet_jionlp
from tasks.extract.numbers import NumberFormatError, parse_chinese
from tasks.extract.scan import scanner

_NAME_LINE = re.compile(r"(?:部门|单位|项目)?(?:\(单位\))?(?:名称|单位)\s?[:]\s?(?P<name>[^\n:]{2,40})")
_TITLE_WORDS = re.compile(
    r"(?:\d{4} ?年度?|20xx年度?)?\s?(?:部门|单位)?\s?(?:\(单位\))?\s?"
    r"(?:整体支出|整体|项目支出|财政支出|预算)?\s?(?:绩效)?\s?(?:自评|评价|自我评价)\s?(?:报告|表|情况)"
)
# a unit's full name where the text first gives it a short one: "XX局（以下简称“县林业局”）"
_SHORT_NAME_AFTER = re.compile(r"(?:^|(?<=[\n。]))\s*(?P<name>[^\s,;。、:()“”\"]{3,30}?)\((?:以下简称|下称|简称)")
_SHORT_NAME_MARK = re.compile(r"\((?:以下简称|下称|简称)")  # what every _SHORT_NAME_AFTER match holds
_LEADING_NOISE = re.compile(r"^(?:附件\s?\d*:?$|\d{4} ?年度?\s?|关于)+")
UNIT_SUFFIX = re.compile(
    r"(?:协会|联合会|委员会|局|厅|办公室|政府|中心|院|所|站|馆|团|会|部|处|队|社|委|室|署|校|学校|学|幼儿园|医院|街道办事处|街道|镇|乡|科协|妇联|残联|团委|文联)$"
)
_DATE_LINE = re.compile(
    r"^\s?\(?\s?(?P<y>\d{4}) ?年 ?(?P<m>\d{1,2}) ?月(?: ?(?P<d>\d{1,2}) ?日)?\s?\)?\s?$"
    r"|^\s?\(?\s?(?P<y2>\d{4})[-./](?P<m2>\d{1,2})(?:[-./](?P<d2>\d{1,2}))?\s?\)?\s?$"
)
_CN_DATE_LINE = re.compile(r"^\s?\(?\s?(?P<y>[〇零一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月(?:(?P<d>[一二三四五六七八九十]{1,3})日)?\s?\)?\s?$")
# The look-behind comes after the literal "20" (looking back past it: the same test of the character
# before the year), so the regex engine can skip ahead to each "20" instead of trying every character.
_YEAR = re.compile(r"(?P<y>20(?<![\d.]20)\d{2}) ?年")  # (?<![\d.])20\d{2} ?年
_TITLE_YEAR = re.compile(r"(?P<y>20(?<!\d20)\d{2}) ?年度?")  # (?<!\d)20\d{2} ?年度?
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_SECTION_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|\(?[一二三四五六七八九十]+\)|目 ?录|摘要|正文)")
_TITLE_LINES = 6
_COUNTY_SUFFIXES = "县区市旗"


def title_lines(text: str) -> list[str]:
    """The non-empty lines before the body: up to the first heading or long prose line."""
    lines: list[str] = []
    for line in text.split("\n")[:20]:
        stripped = line.strip()
        if not stripped:
            continue
        if _SECTION_HEADING.match(stripped) or len(stripped) > 60 or len(lines) >= _TITLE_LINES:
            break
        lines.append(stripped)
    return lines


def unit_name(text: str) -> str | None:
    head = "\n".join(text.split("\n")[:30])
    for match in scanner(_NAME_LINE).finditer(head):
        name = match.group("name").strip()
        if UNIT_SUFFIX.search(name):
            return name
    # "榕江县林业局（以下简称“县林业局”）是…": the full name (the pattern is tried at every line start, so
    # only where the text has its "(简称" part at all)
    for match in _SHORT_NAME_AFTER.finditer(head) if _SHORT_NAME_MARK.search(head) else ():
        name = match.group("name")
        if UNIT_SUFFIX.search(name):
            return name
    lines = [
        _LEADING_NOISE.sub("", line.replace(" ", ""))
        for line in title_lines(text)
        if not _DATE_LINE.match(line) and not _CN_DATE_LINE.match(line)
    ]
    joined = "".join(lines)
    title = _TITLE_WORDS.search(joined)
    candidate = joined[: title.start()] if title else joined
    year = _TITLE_YEAR.search(candidate, 2)  # "绵阳市卫生健康委员会2023年度部门决算情况说明"
    candidate = candidate[: year.start()] if year else candidate
    candidate = _LEADING_NOISE.sub("", candidate)
    candidate = re.sub(r"(?:部门|单位)$", "", candidate)
    if 2 <= len(candidate) <= 40 and UNIT_SUFFIX.search(candidate):
        return candidate
    return _signature(text)


def title_subject(text: str, pattern: re.Pattern[str]) -> str | None:
    """A project's or fund's name from the title: "阳朔县公安局2022年度道路交通安全设施提升项目支出绩效自评报告"
    -> 道路交通安全设施提升项目 (`[[title_subject]]`, group "subject")."""
    match = pattern.search("".join(line.replace(" ", "") for line in title_lines(text)))
    return match.group("subject") if match else None


def _signature(text: str) -> str | None:
    """The unit named on the line before the closing date."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for before, line in zip(lines[-4:-1], lines[-3:], strict=False):
        if (_DATE_LINE.match(line) or _CN_DATE_LINE.match(line)) and UNIT_SUFFIX.search(before) and len(before) <= 40:
            return before
    return None


def region(unit: str | None, text: str) -> dict[str, str | None]:
    empty: dict[str, str | None] = {"province": None, "city": None, "county": None}
    candidates = [unit or "", " ".join(title_lines(text)), text[:300]]
    for candidate in candidates:
        if not candidate:
            continue
        parsed = _parse_location(candidate)
        if parsed["province"] or parsed["city"]:
            return parsed
    return empty


@cache
def _parse_location(candidate: str) -> dict[str, str | None]:
    place = fast_place(candidate)
    if place is not None:
        return {"province": place[0], "city": place[1], "county": place[2]}
    with contextlib.redirect_stdout(io.StringIO()):
        parsed = quiet_jionlp().parse_location(candidate)
    county = parsed.get("county")
    if county and county[-1] in _COUNTY_SUFFIXES:
        # The gazetteer lags behind renamings (凤翔县 -> 凤翔区); the report's own spelling wins.
        written = re.search(re.escape(county[:-1]) + f"[{_COUNTY_SUFFIXES}]", candidate)
        if written:
            county = written.group()
    return {"province": parsed.get("province"), "city": parsed.get("city"), "county": county}


_KEYED_DATE_VALUE = re.compile(
    r"\s*[:：]?\s*(?P<y>\d{4}) ?(?:年 ?(?P<m>\d{1,2}) ?月(?: ?(?P<d>\d{1,2}) ?日)?|[-./](?P<m2>\d{1,2})"
    r"(?:[-./](?P<d2>\d{1,2}))?)")


def keyed_date(text: str, keys: tuple[re.Pattern[str], ...]) -> str | None:
    """The date after a form's date key ("填报日期：2024年3月18日", "发布时间：2023-06-12"), the most
    preferred key first (the lexicon's order), the first such date in the text."""
    for pattern in keys:
        for match in pattern.finditer(text):
            value = _KEYED_DATE_VALUE.match(text, match.end())
            if value:
                month = value.group("m") or value.group("m2")
                day = value.group("d") or value.group("d2")
                found = _iso(int(value.group("y")), int(month), int(day) if day else None)
                if found:
                    return found
    return None


def report_date(text: str, keys: tuple[re.Pattern[str], ...] = ()) -> str | None:
    """A keyed date of the form (see keyed_date) if any, else the last date standing on a line alone."""
    keyed = keyed_date(text, keys)
    if keyed:
        return keyed
    found: str | None = None
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or len(stripped) > 20:
            continue
        match = _DATE_LINE.match(stripped)
        if match:
            year = match.group("y") or match.group("y2")
            month = match.group("m") or match.group("m2")
            day = match.group("d") or match.group("d2")
            found = _iso(int(year), int(month), int(day) if day else None) or found
            continue
        match = _CN_DATE_LINE.match(stripped)
        if match:
            try:
                year = int(match.group("y").translate(_CN_DIGITS))
                month = int(parse_chinese(match.group("m")).value)
                day = int(parse_chinese(match.group("d")).value) if match.group("d") else None
            except NumberFormatError:
                continue
            found = _iso(year, month, day) or found
    return found


def _iso(year: int, month: int, day: int | None) -> str | None:
    if not (2000 <= year <= 2100 and 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}" if day is None else f"{year:04d}-{month:02d}-{day:02d}"


def fiscal_year(text: str, date: str | None) -> int | None:
    for line in title_lines(text):
        if _DATE_LINE.match(line) or _CN_DATE_LINE.match(line):
            continue
        match = _TITLE_YEAR.search(line)
        if match:
            return int(match.group("y"))
    date_year = int(date[:4]) if date else None
    counts: Counter[int] = Counter()
    for line in text.split("\n"):
        if _DATE_LINE.match(line.strip()):
            continue
        for match in _YEAR.finditer(line):
            year = int(match.group("y"))
            if date_year is None or year <= date_year:
                counts[year] += 1
    if counts:
        best = max(counts.values())
        tied = sorted(year for year, count in counts.items() if count == best)
        if date_year is not None and date_year - 1 in tied:
            return date_year - 1
        return tied[-1]
    return date_year - 1 if date_year else None
