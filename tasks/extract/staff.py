"""Head counts: 编制 (authorized), 实有 (actual), 在职 (in service), 退休 (retired) and their parts.

Reports chain them in one sentence and change scope as they go:
"总编制人数26人，实有28人，其中机关参公事业人员8人，实有10人，下设4个直属事业单位，编制18人，实有18人"
-> authorized 26, actual 28, authorized.organ 8, actual.organ 10, authorized.affiliated 18, …
A count after a scope word with no kind word ("机关参公事业人员8人") is that scope's authorized number.
"""

from __future__ import annotations

import re

from tasks.extract.phrasings import Phrasings, rightmost
from tasks.extract.scan import run_start, scanner
from tasks.extract.segments import Segments
from tasks.models import Staff

_COUNT = re.compile(r"(?<![\d.])(?<!\d,)(?P<num>\d{1,3}(?:,\d{3})+|\d{1,6}) ?(?:人|名)(?!次)")
# _COUNT opens with look-behinds, so the regex engine would try it at every character. A count ends
# with 人/名 (after at most one space) right after its number, which starts at the start of the run of
# digits and commas before it or right after one of the run's commas (a digit before it is excluded by
# the look-behind): only those places are tried, in text order.
_COUNT_UNIT = re.compile("[人名]")
_STAFF_CONCEPT = {
    ("authorized", None): "staff.authorized",
    ("actual", None): "staff.actual",
    ("in_service", None): "staff.in_service",
    ("retired", None): "staff.retired",
    ("authorized", "organ"): "staff.authorized.organ",
    ("actual", "organ"): "staff.actual.organ",
    ("authorized", "affiliated"): "staff.authorized.affiliated",
    ("actual", "affiliated"): "staff.actual.affiliated",
}


def extract_staff(text: str, segments: Segments, phrasings: Phrasings) -> list[Staff]:
    staff: list[Staff] = []
    previous_end = 0
    scope: str | None = None
    last_top_kind: str | None = None  # in_service or authorized: what 行政编制/事业编制 break down
    sentence = -1
    for match in _count_matches(text):
        start = match.start()
        sentence_start = segments.sentence_start(start)
        if sentence_start != sentence:
            sentence, scope, last_top_kind = sentence_start, None, None
        context = text[max(sentence_start, previous_end, start - 80):start]
        previous_end = match.end()
        if any(scanner(pattern).search(context) for pattern in phrasings.staff_skip):
            continue
        scope_word = rightmost(phrasings.staff_scopes, context)
        kind_word = rightmost(phrasings.staff_kinds, context)
        if scope_word is not None:
            scope = scope_word[0].value
        if kind_word is None:
            if scope_word is None:
                continue  # "设书记1名", "近30人参加": not a head count of the unit
            kind = "authorized"
        else:
            kind = kind_word[0].value
        concept = _concept(kind, scope, last_top_kind)
        if concept is None:
            continue
        if kind in ("in_service", "authorized") and scope is None:
            last_top_kind = kind
        staff.append(
            Staff(
                id=f"s{len(staff) + 1}",
                concept=concept,
                value=int(match.group("num").replace(",", "")),
                as_written=match.group(),
                span=(start, match.end()),
            )
        )
    return _lone_kind_is_the_total(_dedupe(staff))


def _count_matches(text: str) -> list[re.Match[str]]:
    """_COUNT.finditer(text), tried only where a count can start (see _COUNT_UNIT)."""
    found: list[re.Match[str]] = []
    position = 0
    for unit in _COUNT_UNIT.finditer(text):
        end = unit.start()
        if end > 0 and text[end - 1] == " ":
            end -= 1
        at = run_start(text, end, ",")
        while at < end:
            if at >= position:
                match = _COUNT.match(text, at)
                if match is not None:
                    found.append(match)
                    position = match.end()
            comma = text.find(",", at, end)
            if comma < 0:
                break
            at = comma + 1
    return found


def _lone_kind_is_the_total(staff: list[Staff]) -> list[Staff]:
    """"本局核定行政编制186名" with no other authorized count: the unit's authorized number."""
    stated = {s.concept for s in staff}
    parts = [s for s in staff if s.concept in ("staff.authorized.admin", "staff.authorized.institution")]
    others = {c for c in stated if c.startswith("staff.authorized")} - {p.concept for p in parts}
    if len(parts) == 1 and not others:
        parts[0].concept = "staff.authorized"
    return staff


def _concept(kind: str, scope: str | None, last_top_kind: str | None) -> str | None:
    if kind in ("admin", "institution") and scope is not None:
        kind = "authorized"  # "其中机关行政编制15人": the organ's authorized number
    if kind in ("admin", "institution"):
        parent = "staff.in_service" if last_top_kind == "in_service" else "staff.authorized"
        return f"{parent}.{kind}"
    if kind in ("in_service", "retired"):
        return _STAFF_CONCEPT[(kind, None)]
    return _STAFF_CONCEPT.get((kind, scope))


def _dedupe(staff: list[Staff]) -> list[Staff]:
    """A count restated with the same value is one fact."""
    seen: set[tuple[str, int]] = set()
    kept: list[Staff] = []
    for item in staff:
        if (item.concept, item.value) in seen:
            continue
        seen.add((item.concept, item.value))
        item.id = f"s{len(kept) + 1}"
        kept.append(item)
    return kept
