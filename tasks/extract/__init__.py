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
from tasks.models import Document, ReportFacts


def extract_text(text: str, document: str = "") -> ReportFacts:
    """Every figure of one report's canonical text, with its span."""
    phrasings = load_phrasings()
    segments = Segments(text)
    unit = metadata.unit_name(text)
    date = metadata.report_date(text)
    damaged = find_damaged(text)
    amounts = [a for a in extract_amounts(text, segments, phrasings) if not overlaps(a.span, damaged)]
    rates = [r for r in extract_rates(text, segments, phrasings, amounts) if not overlaps(r.span, damaged)]
    return ReportFacts(
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


def extract_report(document: Document) -> ReportFacts:
    return extract_text(document.text, PurePath(document.path).name)
