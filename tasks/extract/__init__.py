"""Text -> facts. Knows nothing of files, Prefect or DuckDB."""

from __future__ import annotations

from pathlib import PurePath

from tasks.extract import metadata
from tasks.extract.amounts import extract_amounts
from tasks.extract.damaged import find_damaged, overlaps
from tasks.extract.phrasings import load_phrasings
from tasks.extract.rates import extract_rates
from tasks.extract.scores import extract_scores
from tasks.extract.segments import Segments
from tasks.extract.staff import extract_staff
from tasks.extract.tables import TableFacts, extract_tables
from tasks.models import Document, Region, ReportFacts


def extract_text(text: str, document: str = "") -> ReportFacts:
    """Every figure of one report's canonical text, with its span."""
    phrasings = load_phrasings()
    segments = Segments(text)
    unit = metadata.unit_name(text)
    date = metadata.report_date(text)
    damaged = find_damaged(text)
    amounts = [a for a in extract_amounts(text, segments, phrasings) if not overlaps(a.span, damaged)]
    rates = [r for r in extract_rates(text, segments, phrasings, amounts) if not overlaps(r.span, damaged)]
    facts = ReportFacts(
        document=document,
        unit_name=unit,
        region=metadata.region(unit, text),
        fiscal_year=metadata.fiscal_year(text, date),
        report_date=date,
        amounts=amounts,
        rates=rates,
        staff=extract_staff(text, segments, phrasings),
        scores=[s for s in extract_scores(text, phrasings) if not overlaps(s.span, damaged)],
        unparseable=[{"as_written": d.as_written, "span": list(d.span), "reason": d.reason} for d in damaged],
    )
    # Tables (issue 3): figures read by header and row label replace the prose reading of that text.
    first_ids = (len(facts.amounts) + 1, len(facts.rates) + 1, len(facts.scores) + 1)
    _merge_tables(facts, extract_tables(text, phrasings, first_ids))
    return facts


def _merge_tables(facts: ReportFacts, tables: TableFacts) -> None:
    """Table figures replace whatever the prose extractor made of the same table text (no double counting)."""
    if not tables.extents:
        return
    kept = [a for a in facts.amounts if not tables.covers(a.span)]
    kept_ids = {a.id for a in kept}
    facts.amounts = kept + tables.amounts
    facts.rates = [r for r in facts.rates if not tables.covers(r.span)
                   and (r.amount_id is None or r.amount_id in kept_ids)] + tables.rates
    facts.scores = [s for s in facts.scores if not tables.covers(s.span)] + tables.scores


def extract_report(document: Document) -> ReportFacts:
    facts = extract_text(document.text, PurePath(document.path).name)
    if document.regions:
        _add_provenance(facts, document.regions)
    return facts


def _add_provenance(facts: ReportFacts, regions: list[Region]) -> None:
    """Each figure's place in the source document: the smallest region (cell, else page) holding it."""
    for fact in [*facts.amounts, *facts.rates, *facts.staff, *facts.scores]:
        start = fact.span[0]
        holding = [r for r in regions if r.start <= start < r.end]
        if holding:
            fact.provenance = min(holding, key=lambda r: r.end - r.start).describe()
