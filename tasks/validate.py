"""Validation as a pipeline step: facts -> fact frames -> findings, for one report or many.

The rules themselves (names, severities, wording, logic) are `expectations/`: the rule table
`expectations/rules.toml`, the checks in `expectations.rules`, the run over fact frames in
`expectations.validation`. This module builds the frames and hands each report its findings.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from expectations.validation import validate_fact_frames
from tasks.frames import facts_to_frames
from tasks.models import Finding, ReportFacts, report_status


def validate_report(facts: ReportFacts) -> list[Finding]:
    """Runs every rule over one report; sets `facts.findings` and `facts.status`; returns the findings."""
    table = validate_frames(facts_to_frames([(facts.document or "report", facts)]))
    findings = [Finding(rule=rule, severity=severity, message=message, facts=list(fact_ids))
                for rule, severity, message, fact_ids
                in table[["rule", "severity", "message", "fact_ids"]].itertuples(index=False, name=None)]
    facts.findings = findings
    facts.status = report_status(findings)
    return findings


def validate_reports(reports: list[ReportFacts], keys: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """`validate_report` for many reports in one pass over their frames: the batch path of the flow.

    One call per batch instead of one per report keeps the fixed costs (pandera's, numpy's) per batch.
    `keys` (distinct; default the reports' positions) name the reports in the fact frames, which are
    returned for reuse.
    """
    keys = keys or [str(i) for i in range(len(reports))]
    frames = facts_to_frames(zip(keys, reports, strict=True))
    table = validate_frames(frames)
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for key, rule, severity, message, fact_ids in table[
        ["doc_sha256", "rule", "severity", "message", "fact_ids"]
    ].itertuples(index=False, name=None):
        grouped[key].append(Finding(rule=rule, severity=severity, message=message, facts=list(fact_ids)))
    for key, facts in zip(keys, reports, strict=True):
        facts.findings = grouped.get(key, [])
        facts.status = report_status(facts.findings)
    return frames


def validate_frames(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every rule over the fact frames of many reports at once: a findings frame (doc_sha256, rule,
    severity, message, fact_ids). Raises `expectations.schemas.FactContractError` when the frames
    themselves break the fact contract."""
    return validate_fact_frames(frames)
