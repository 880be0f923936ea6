"""What a form says about itself: its kind, its subject, its unit, from key cells and title lines.

Forms put their metadata in key/value cells ("项目名称 | 法律援助经费", "实施单位（盖章）：营山县法律援助
中心", a key on one line and its value on the next) and their kind in the title (项目支出绩效自评表,
转移支付区域绩效自评表, 部门决算). The keys and the kind words are rows of the lexicon
(`[[form_key]]`, `[[report_kind]]` in tasks/phrasings.toml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks.extract.metadata import UNIT_SUFFIX
from tasks.extract.phrasings import Phrasings, first_found, first_whole

_SPLIT = re.compile(r"\s*(?:\||\t| {2,})\s*")
_SEAL = re.compile(r"\((?:盖章|公章|签章|章)\)")
_KEY_VALUE = re.compile(r"^(?P<key>[^:]{2,16}?)\s?:\s?(?P<value>.*)$")
_SUBJECT_CODE = re.compile(r"^[0-9A-Za-z]{8,}\s?[-—_]\s?")
_TITLE_END = re.compile(r"(?:表|报告|说明|决算|预算)\s*(?:\(.*\))?$")
_HEAD_LINES = 40
_MAX_TITLE = 70
_KIND_DEFAULT = "department_overall"
_UNIT_FIELDS = {
    "project": ("implementer", "supervisor", "unit"),
    "transfer_payment": ("implementer", "unit", "supervisor"),
}
_PERSON_FIELDS = ("unit", "implementer", "supervisor", "publisher", "upper_supervisor")


@dataclass(slots=True)
class FormContext:
    """Where later forms of a file start: their figures are items of that project."""

    starts: list[tuple[int, str]] = field(default_factory=list)  # (offset, project name)

    def project_at(self, offset: int) -> str | None:
        found = None
        for start, name in self.starts:
            if start <= offset:
                found = name
        return found


@dataclass(slots=True)
class FormFields:
    values: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # field -> [(value, offset)]

    def first(self, name: str, before: int | None = None) -> str | None:
        for value, offset in self.values.get(name, []):
            if before is None or offset < before:
                return value
        return None

    def after(self, name: str, offset: int) -> str | None:
        return next((v for v, o in self.values.get(name, []) if o >= offset), None)


def _key_field(key: str, phrasings: Phrasings) -> str | None:
    cleaned = _SEAL.sub("", key).replace(" ", "").strip(":")
    label = first_whole(phrasings.form_keys, cleaned)
    return label.value if label is not None else None


def _clean_value(name: str, value: str) -> str | None:
    value = _SEAL.sub("", value).strip(" :;,。")
    if not value or len(value) > 60:
        return None
    if name == "subject":
        return _SUBJECT_CODE.sub("", value) or None
    if name in _PERSON_FIELDS and ("元" in value or len(value) < 3 or not UNIT_SUFFIX.search(value)):
        return None
    if name.startswith("staff.") and not value.isdigit():
        return None
    return value


def form_fields(text: str, phrasings: Phrasings) -> FormFields:
    fields = FormFields()
    lines = text.split("\n")
    offset = 0
    offsets = []
    for line in lines:
        offsets.append(offset)
        offset += len(line) + 1
    for number, line in enumerate(lines):
        stripped = line.strip()
        # _SPLIT needs a bar, a tab or two spaces; without them (prose) the line is its one cell, and the
        # pattern (tried at every character) is not run
        cells = [c for c in _SPLIT.split(stripped) if c] if "|" in stripped or "\t" in stripped \
            or "  " in stripped else ([stripped] if stripped else [])
        for position, cell in enumerate(cells):
            found = _KEY_VALUE.match(cell)
            name = _key_field(found.group("key"), phrasings) if found else None
            value = found.group("value") if found and name else None
            if name is None:
                name = _key_field(cell, phrasings)
                if name is None:
                    continue
                if position + 1 < len(cells):
                    value = cells[position + 1]
                elif len(cells) == 1:  # a key on its own line: the value is the next line
                    value = next((n.strip() for n in lines[number + 1: number + 3] if n.strip()), None)
            if value is None or _key_field(value, phrasings) is not None:
                continue
            cleaned = _clean_value(name, value)
            if cleaned is not None:
                key_at = offsets[number] + max(line.find(cell), 0)
                value_at = text.find(cleaned, key_at)
                fields.values.setdefault(name, []).append((cleaned, value_at if value_at >= 0 else key_at))
    return fields


def title_kinds(text: str, phrasings: Phrasings) -> list[tuple[int, str]]:
    """(offset, kind) of every title-like line naming a document kind."""
    found = []
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if 0 < len(stripped) <= _MAX_TITLE and (_TITLE_END.search(stripped) or "自评" in stripped):
            label = first_found(phrasings.report_kinds, stripped)  # the first kind found, in lexicon order
            if label is not None:
                found.append((offset, label.value))
        offset += len(line) + 1
    return found


def report_kind(titles: list[tuple[int, str]]) -> str:
    return titles[0][1] if titles else _KIND_DEFAULT


def later_project_forms(titles: list[tuple[int, str]], fields: FormFields,
                        money_table_starts: list[int]) -> FormContext:
    """Project forms after the first form: a project title with a money table between it and the first."""
    context = FormContext()
    if not titles:
        return context
    first = titles[0][0]
    for offset, kind in titles[1:]:
        if kind != "project" or not any(first < start < offset for start in money_table_starts):
            continue
        name = fields.after("subject", offset)
        if name:
            context.starts.append((offset, name))
    return context


def unit_name(fields: FormFields, kind: str, before: int | None = None) -> str | None:
    for name in _UNIT_FIELDS.get(kind, ("unit", "implementer")):
        value = fields.first(name, before)
        if value:
            # "秭归县水利和湖泊局、各乡镇人民政府": several units carry it out; the first leads
            return re.split(r"[、,;]", value)[0].strip() or value
    return None


def subject(fields: FormFields, kind: str, before: int | None = None) -> str | None:
    if kind not in ("project", "transfer_payment"):
        return None
    return fields.first("subject", before)
