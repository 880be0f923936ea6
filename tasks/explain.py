"""Explain a report's findings: each finding with the sentences its figures come from, figures marked.

An engineer reading a finding wants to see at once whether the report is wrong (the sentence really
says what the extractor took) or the extractor is (the figure was taken from the wrong place, or
with the wrong concept or basis). So each finding comes with the source sentences, the figures
involved marked up for rich, and a table of those facts: concept, basis, as written, the value
extracted and the correction (if any).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
from rich.markup import escape

from tasks.safe_text import for_terminal
from warehouse.queries import query

SENTENCE_ENDS = "。！？；!?;\n"
MAX_SENTENCE_CHARS = 240  # a table row or a run-on paragraph: cut around the figure instead
FIGURE_STYLE = "bold black on yellow"
CORRECTED_STYLE = "bold white on magenta"


@dataclass(frozen=True, slots=True)
class InvolvedFact:
    fact_id: str
    fact_type: str  # amount / rate / staff / score
    concept: str
    concept_zh: str
    qualifier: str | None  # basis of an amount, kind of a rate
    as_written: str
    value: float
    value_unit: str
    span: tuple[int, int]
    corrected_value: float | None = None
    correction_reason: str | None = None


@dataclass(slots=True)
class ExplainedFinding:
    finding_no: int
    rule: str
    rule_zh: str
    severity: str
    message: str
    facts: list[InvolvedFact]
    sentences: list[str] = field(default_factory=list)  # rich markup, figures highlighted


@dataclass(frozen=True, slots=True)
class UnclassifiedFigure:
    """A money figure read but given no concept, with its sentence (plain text, the figure in 【】)."""

    as_written: str
    label: str | None
    reason: str
    sentence: str


@dataclass(slots=True)
class ReportExplanation:
    sha256: str
    path: str
    unit_name: str | None
    fiscal_year: int | None
    status: str
    findings: list[ExplainedFinding]
    unclassified: list[UnclassifiedFigure] = field(default_factory=list)


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around text[start:end]: from after the previous sentence end to the next one
    (included), at most about MAX_SENTENCE_CHARS wide."""
    left = max((text.rfind(mark, 0, start) for mark in SENTENCE_ENDS), default=-1) + 1
    ends = [position for mark in SENTENCE_ENDS if (position := text.find(mark, end)) >= 0]
    right = min(ends) + 1 if ends else len(text)
    half = MAX_SENTENCE_CHARS // 2
    left, right = max(left, start - half), min(right, end + half)
    while left < start and text[left].isspace():
        left += 1
    while right > end and text[right - 1] == "\n":
        right -= 1
    return left, right


def highlighted_sentences(text: str, facts: list[InvolvedFact]) -> list[str]:
    """The sentences holding `facts`, in text order, each once, with every involved figure marked.

    The report's own text is data: escaped for rich, control characters (ESC sequences) made inert;
    one character for one, so the spans still point into it."""
    text = for_terminal(text)
    spans = sorted({fact.span: fact for fact in facts}.items())
    sentences: dict[tuple[int, int], None] = {}
    for (start, end), _ in spans:
        sentences.setdefault(sentence_bounds(text, start, end))
    merged: list[list[int]] = []
    for left, right in sorted(sentences):
        if merged and left <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], right)
        else:
            merged.append([left, right])
    out = []
    for left, right in merged:
        inside = [(span, fact) for span, fact in spans if left <= span[0] and span[1] <= right]
        pieces, cursor = [], left
        for (start, end), fact in inside:
            if start < cursor:  # overlapping spans: mark the first only
                continue
            style = CORRECTED_STYLE if fact.corrected_value is not None else FIGURE_STYLE
            pieces.append(escape(text[cursor:start]))
            pieces.append(f"[{style}]{escape(text[start:end])}[/]")
            cursor = end
        pieces.append(escape(text[cursor:right]))
        prefix = "…" if left > 0 and text[left - 1] not in SENTENCE_ENDS else ""
        suffix = "…" if right < len(text) and text[right - 1] not in SENTENCE_ENDS else ""
        out.append(prefix + "".join(pieces).strip() + suffix)
    return out


def explain_report(conn: duckdb.DuckDBPyConnection, sha256: str) -> ReportExplanation:
    """The report's current findings, each with its facts and highlighted source sentences."""
    [(path, unit_name, fiscal_year, status, text)] = conn.execute(
        query("explain/report_with_text"), [sha256]).fetchall()
    labels = dict(conn.execute(query("explain/concept_labels")).fetchall())
    facts = {
        row[1]: InvolvedFact(
            fact_id=row[1], fact_type=row[2], concept=row[3], concept_zh=labels.get(row[3], row[3]),
            qualifier=row[4], as_written=row[5], value=row[6], value_unit=row[7], span=(row[8], row[9]),
            corrected_value=row[10], correction_reason=row[11])
        for row in conn.execute(query("explain/facts_of_report"), {"sha": sha256}).fetchall()
    }
    findings = []
    for number, rule, rule_zh, severity, message, fact_ids in conn.execute(
            query("explain/findings_of_report"), [sha256]).fetchall():
        involved = [facts[fact_id] for fact_id in fact_ids if fact_id in facts]
        findings.append(ExplainedFinding(finding_no=number, rule=rule, rule_zh=rule_zh, severity=severity,
                                         message=message, facts=involved,
                                         sentences=highlighted_sentences(text, involved)))
    unclassified = [
        UnclassifiedFigure(as_written=as_written, label=label, reason=reason,
                           sentence=_marked_sentence(text, start, end))
        for as_written, label, reason, start, end in conn.execute(
            query("explain/unclassified_of_report"), [sha256]).fetchall()]
    return ReportExplanation(sha256=sha256, path=path, unit_name=unit_name, fiscal_year=fiscal_year,
                             status=status, findings=findings, unclassified=unclassified)


def _marked_sentence(text: str, start: int, end: int) -> str:
    """Plain text (never markup), control characters made inert: it is shown on a terminal."""
    left, right = sentence_bounds(text, start, end)
    return for_terminal(f"{text[left:start]}【{text[start:end]}】{text[end:right]}".strip())
