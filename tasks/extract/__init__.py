"""Text -> facts. Knows nothing of files, Prefect or DuckDB."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from tasks.extract import forms, metadata
from tasks.extract.amounts import extract_amounts
from tasks.extract.damaged import find_damaged, overlaps
from tasks.extract.phrasings import load_phrasings
from tasks.extract.rates import extract_rates
from tasks.extract.scores import extract_scores
from tasks.extract.segments import Segments
from tasks.extract.staff import extract_staff
from tasks.extract.tables import TableFacts, extract_tables
from tasks.models import Amount, Document, Region, ReportFacts, Staff


def extract_text(text: str, document: str = "", regions: Sequence[Region] = ()) -> ReportFacts:
    """Every figure of one report's canonical text, with its span and how it was read (`regions`: where
    the text came from a docx, html or pdf, which span is which page and table cell)."""
    phrasings = load_phrasings()
    segments = Segments(text)
    tables = extract_tables(text, regions)
    titles = forms.title_kinds(text, phrasings)
    kind = forms.report_kind(titles)
    fields = forms.form_fields(text, phrasings)
    later = forms.later_project_forms(titles, fields, tables.money_tables)
    first_form_end = later.starts[0][0] if later.starts else None
    unit = forms.unit_name(fields, kind, first_form_end) or metadata.unit_name(text)
    date = metadata.report_date(text, phrasings.date_keys)
    damaged = find_damaged(text)
    unnamed_money: list[dict] = []
    fiscal_year = metadata.fiscal_year(text, date)
    amounts = [a for a in extract_amounts(text, segments, phrasings, unnamed_money, kind, fiscal_year)
               if not overlaps(a.span, damaged)]
    settle_levels(amounts)
    rates = [r for r in extract_rates(text, segments, phrasings, amounts) if not overlaps(r.span, damaged)]
    facts = ReportFacts(
        document=document,
        unit_name=unit,
        region=metadata.region(unit, text),
        fiscal_year=fiscal_year,
        report_date=date,
        report_kind=kind,
        subject=forms.subject(fields, kind, first_form_end) or (
            metadata.title_subject(text, phrasings.title_subject) if kind in ("project", "transfer_payment") else None),
        amounts=amounts,
        rates=rates,
        staff=extract_staff(text, segments, phrasings),
        scores=[s for s in extract_scores(text, phrasings) if not overlaps(s.span, damaged)],
        unparseable=[{"as_written": d.as_written, "span": list(d.span), "reason": d.reason} for d in damaged],
        unclassified=[u for u in unnamed_money if not overlaps(tuple(u["span"]), damaged)],
    )
    _merge_tables(facts, tables, later)
    _add_form_staff(facts, fields, text)
    number_facts(facts)
    return facts


def _merge_tables(facts: ReportFacts, tables: TableFacts, later: forms.FormContext) -> None:
    """Table figures replace whatever the prose extractor made of the same cells (no double counting);
    a later project form's figures become items of that project."""
    _later_forms_as_items(tables, later)
    kept = [a for a in facts.amounts if not tables.covers(a.span)]
    kept_ids = {a.id for a in kept}
    facts.amounts = sorted(kept + tables.amounts, key=lambda a: a.span)
    facts.rates = sorted([r for r in facts.rates if not tables.covers(r.span)
                          and (r.amount_id is None or r.amount_id in kept_ids)] + tables.rates, key=lambda r: r.span)
    facts.scores = sorted([s for s in facts.scores if not tables.covers(s.span)] + tables.scores,
                          key=lambda s: s.span)
    facts.unclassified = sorted([u for u in facts.unclassified if not tables.covers(tuple(u["span"]))]
                                + tables.unclassified, key=lambda u: u["span"])


def settle_levels(amounts: list[Amount]) -> None:
    """In prose, 县级 (or 市级) money stated without its sibling level is the local level (spec: .city and
    .county only where both are stated apart, else .local). A table's rows keep the level they name."""
    for family in ("expenditure.level.", "funds_received.level."):
        stated = {a.concept for a in amounts if a.concept.startswith(family)}
        if f"{family}local" in stated or {f"{family}city", f"{family}county"} <= stated:
            continue
        for amount in amounts:
            if amount.concept in (f"{family}city", f"{family}county"):
                amount.concept = f"{family}local"


def _later_forms_as_items(tables: TableFacts, later: forms.FormContext) -> None:
    """A later project form's total row is one project item of the report (spec); its breakdown rows
    describe that project's money, not other projects, so they are kept as unclassified figures."""
    if not later.starts:
        return
    amounts = []
    for amount in tables.amounts:
        project = later.project_at(amount.span[0])
        if project is None or amount.concept.startswith("target."):
            amounts.append(amount)
        elif amount.concept == "expenditure.total":
            amount.concept, amount.label = "expenditure.project_item", project
            amounts.append(amount)
        else:
            tables.unclassified.append({
                "as_written": amount.as_written, "span": list(amount.span), "label": f"{project}: {amount.concept}",
                "reason": "breakdown of a later project form", "value": amount.value_yuan, "unit": "元"})
    tables.amounts = amounts
    rates = []
    for rate in tables.rates:
        project = later.project_at(rate.span[0])
        if project is None or rate.kind not in ("execution", "share"):
            rates.append(rate)
        elif rate.concept == "expenditure.total":
            rate.concept = "expenditure.project_item"
            rates.append(rate)
    tables.rates = rates


def _add_form_staff(facts: ReportFacts, fields: forms.FormFields, text: str) -> None:
    """Head counts in key cells ("编制人数 | 42") that the prose reading did not state."""
    stated = {s.concept for s in facts.staff}
    for concept in ("staff.authorized", "staff.actual"):
        if concept in stated:
            continue
        for value, offset in fields.values.get(concept, [])[:1]:
            facts.staff.append(Staff(id="", concept=concept, value=int(value), as_written=value,
                                     span=(offset, offset + len(value)), read_by="column_header"))


def number_facts(facts: ReportFacts) -> None:
    """Ids given once, after every extractor's facts are merged: a1…, r1…, s1…, c1… in text order."""
    renamed: dict[str, str] = {}
    for prefix, items in (("a", facts.amounts), ("r", facts.rates), ("s", facts.staff), ("c", facts.scores)):
        for number, fact in enumerate(items, start=1):
            if prefix == "a" and fact.id:
                renamed[fact.id] = f"a{number}"
            fact.id = f"{prefix}{number}"
    for rate in facts.rates:
        if rate.amount_id is not None:
            rate.amount_id = renamed.get(rate.amount_id)


def extract_report(document: Document) -> ReportFacts:
    facts = extract_text(document.text, PurePath(document.path).name, document.regions)
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
