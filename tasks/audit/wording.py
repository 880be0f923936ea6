"""The audit's words as data (`wording.toml`): labels, export headers and one evidence sentence per check.

A finding's evidence is JSON for machines (the warehouse keeps it whole); people read it as a
sentence, e.g. 支出由 120.00 万元变为 252.00 万元，变动 +110.0%, written from that JSON with the
check's format string. Changing the wording is an edit of the TOML, not of code.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

WORDING_TOML = Path(__file__).with_name("wording.toml")


@cache
def load_wording(path: Path = WORDING_TOML) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


class _Missing:
    """A key the evidence lacks (older runs, a null in the JSON): shown as the `missing` word."""


_MISSING = _Missing()
_FIELD = re.compile(r"(\w+)((?:\[[^\]]+\])*)")
Template = tuple[tuple[str, str | None, tuple[str, ...], str], ...]


@cache
def _compiled(template: str) -> Template:
    """(literal, field, keys, spec) parts of a format string, parsed once: a year has thousands of
    findings, and string.Formatter re-parses every call."""
    parts = []
    for literal, field, spec, _ in string.Formatter().parse(template):
        if field is None:
            parts.append((literal, None, (), ""))
            continue
        match = _FIELD.fullmatch(field)
        if match is None:
            raise ValueError(f"wording: field {{{field}}} of {template!r}: only name and name[key] are supported")
        parts.append((literal, match[1], tuple(re.findall(r"\[([^\]]+)\]", match[2])), spec or ""))
    return tuple(parts)


class _EvidenceFormatter:
    def __init__(self, missing: str) -> None:
        self.missing = missing

    def format(self, template: str, fields: Mapping[str, Any]) -> str:
        out: list[str] = []
        for literal, name, keys, spec in _compiled(template):
            out.append(literal)
            if name is not None:
                out.append(self.format_field(_lookup(fields, name, keys), spec))
        return "".join(out)

    def names(self, template: str) -> list[str]:
        return [name for _, name, _, _ in _compiled(template) if name is not None]

    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None or value is _MISSING:
            return self.missing
        if format_spec == "wan":
            return f"{value / 1e4:,.2f}" if isinstance(value, int | float) else str(value)
        if format_spec == "list":
            items = value if isinstance(value, list | tuple) else [value]
            return "、".join(self.missing if item is None else str(item) for item in items) or self.missing
        try:
            return format(value, format_spec)
        except (ValueError, TypeError):  # e.g. {value:g} of a text value: show it as written
            return str(value)


def _lookup(fields: Mapping[str, Any], name: str, keys: tuple[str, ...]) -> Any:
    """fields[name][key]…; _MISSING where a level is absent or null (e.g. {previous_report[file_name]})."""
    value = fields.get(name, _MISSING)
    for key in keys:
        if isinstance(value, Mapping):
            value = value.get(key, _MISSING)
        elif isinstance(value, list | tuple) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
    return value


def evidence_sentence(check_name: str, evidence: Mapping[str, Any], wording: Mapping[str, Any] | None = None) -> str:
    """The finding's evidence as a sentence in the wording of its check (a generic key：value list if none)."""
    words = wording if wording is not None else load_wording()
    formatter = _EvidenceFormatter(words.get("missing", "？"))
    spec: Mapping[str, Any] | None = words.get("evidence", {}).get(check_name)
    if spec is None:
        return "；".join(f"{key}：{formatter.format_field(value, 'list' if isinstance(value, list) else '')}"
                        for key, value in evidence.items() if not isinstance(value, dict))
    # a check with several kinds of evidence (GX: one per expectation type) has a sub-table per kind
    kind = evidence.get("expectation")
    row_note = spec.get("row_note")
    if isinstance(kind, str) and isinstance(spec.get(kind), Mapping):
        spec = spec[kind]
    fields: dict[str, Any] = {**(evidence.get("kwargs") or {}), **evidence}
    if "expected_both" in spec:
        low, high = fields.get("min_value"), fields.get("max_value")
        template = spec["expected_both"] if low is not None and high is not None else (
            spec["expected_min"] if low is not None else spec["expected_max"])
        fields["expected"] = formatter.format(template, fields)
    if "items" in spec:
        items = evidence.get(spec["items"]) or []
        fields["items"] = spec.get("separator", "；").join(
            formatter.format(spec["item"], item) if isinstance(item, Mapping) else str(item) for item in items)
    for name, words in (spec.get("optional") or {}).items():  # e.g. "；另有3份未列出", or nothing
        value = fields.get(name)
        shown = isinstance(value, int | float) and not isinstance(value, bool) and value != 0
        fields[name] = formatter.format(words, fields) if shown else ""
    sentence = formatter.format(spec["sentence"], fields)
    row = evidence.get("row")
    if row_note and isinstance(row, Mapping) and all(row.get(name) is not None for name in formatter.names(row_note)):
        sentence += formatter.format(row_note, row)
    return sentence
