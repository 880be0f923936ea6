"""The rule table: `expectations/rules.toml` read once into `RuleDefinition`s.

Everything about a rule but its comparison logic is data there: name, Chinese label, severity, the
message template, what it reads and how it tolerates rounding, and the name of its check in
`expectations.rules` (with that check's parameters).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from expectations.contract import SEVERITIES

RULES_TOML = Path(__file__).resolve().parent / "rules.toml"


@dataclass(frozen=True, slots=True)
class RuleDefinition:
    rule: str
    severity: str
    template: str  # str.format fields are filled by the rule's check (expectations.rules)
    zh_label: str = ""
    description: str = ""
    reads: tuple[str, ...] = ()
    concepts: str = ""
    tolerance: str = ""
    check: str = ""  # the name of its function in expectations.rules; "" when no comparison raises it
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Wording:
    """How findings word bases, rate kinds and inferred facts (the [wording] table)."""

    basis_labels: dict[str, str]
    rate_kind_labels: dict[str, str]
    inferred_note: str
    inferred_readings: dict[str, str]
    unit_inferred: str


def load_rule_table(path: Path = RULES_TOML) -> tuple[tuple[RuleDefinition, ...], Wording]:
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    rules = tuple(RuleDefinition(rule=entry["name"], severity=entry["severity"], template=entry["message"],
                                 zh_label=entry["zh_label"], description=entry["description"],
                                 reads=tuple(entry["reads"]), concepts=entry["concepts"],
                                 tolerance=entry["tolerance"], check=entry["check"],
                                 params=entry.get("params", {}))
                  for entry in table["rule"])
    for definition in rules:  # a typo here would silently change what a finding weighs
        if definition.severity not in SEVERITIES:
            raise ValueError(f"{path}: rule {definition.rule} has severity {definition.severity!r}")
    return rules, Wording(**table["wording"])


RULES, WORDING = load_rule_table()
RULE_BY_NAME: dict[str, RuleDefinition] = {definition.rule: definition for definition in RULES}
RULE_ORDER: dict[str, int] = {definition.rule: rank for rank, definition in enumerate(RULES)}
# An error resting on a fact that was inferred (not read outright) is lowered to a warning, and its
# message then ends with this note naming the inferred facts (expectations.validation.soften_inferred).
INFERRED_NOTE = WORDING.inferred_note
