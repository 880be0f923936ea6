"""read -> extract -> validate, as pure functions over one file or a batch (no Prefect, no database)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from expectations.schemas import RULE_BY_NAME, FactContractError
from tasks.extract import extract_report
from tasks.formats.limits import ReadLimits
from tasks.models import Document, Finding, Processed, ReportFacts, report_status
from tasks.read import ReadError, read_document
from tasks.validate import validate_report, validate_reports

FactFrames = dict[str, pd.DataFrame]


def rejected(path: str, data: bytes, reason: str, *, sha256: str | None = None,
             size: int | None = None) -> Processed:
    """A file that ends as rejected: its identity is kept so its bytes are archived and counted.

    `sha256`/`size` describe a file that was never held in memory whole (over the size limit).
    """
    document = Document(sha256=sha256 or hashlib.sha256(data).hexdigest(), path=path, format="unknown",
                        size=len(data) if size is None else size, encoding=None, text="")
    return Processed(document=document, facts=None, reject_reason=reason)


def unread(path: str, reason: str) -> Processed:
    """A file whose bytes were never read (gone, forbidden, a link out of the folder): rejected with
    `reason`. With no content to hash, it is keyed by its path (sha256 of "unread:" + path), so two such
    files stay two rejections (the sha256 of no bytes would make the second "the same bytes" as the
    first) and the same file in a re-run stays one document. Nothing of it is archived."""
    return rejected(path, b"", reason, sha256=hashlib.sha256(f"unread:{path}".encode()).hexdigest(), size=0)


def read_and_extract(path: str, data: bytes, limits: ReadLimits | None = None) -> Processed:
    """Read and extract one file; unreadable input becomes a rejection with the reader's reason."""
    try:
        document = read_document(path, data, limits)
    except ReadError as exc:
        return rejected(path, data, str(exc))
    return Processed(document=document, facts=extract_report(document))


def process_bytes(path: str, data: bytes) -> Processed:
    """Turn one file's bytes into facts and findings, or a rejection with a stated reason."""
    return process_batch([(path, data)])[0]


def process_batch(files: Sequence[tuple[str, bytes]], limits: ReadLimits | None = None) -> list[Processed]:
    """Read and extract each file, then validate the whole batch in one pass; one Processed per file.

    Never raises for one odd file: a failure is pinned on the file that caused it, which ends as
    rejected with the reason, and the others go on.
    """
    return process_batch_with_frames(files, limits)[0]


def process_batch_with_frames(files: Sequence[tuple[str, bytes]],
                              limits: ReadLimits | None = None) -> tuple[list[Processed], FactFrames | None]:
    """`process_batch`, and the fact frames validation built (keyed by sha256, one report per distinct
    bytes) so loading can reuse them; None when the batch had to be validated report by report."""
    items = [_isolated(path, data, limits) for path, data in files]
    extracted = [item for item in items if item.facts is not None]
    # the same bytes twice in a batch are one report: validated once, findings shared
    distinct: dict[str, Processed] = {}
    for item in extracted:
        distinct.setdefault(item.document.sha256, item)
    firsts = list(distinct.values())
    frames: FactFrames | None = None
    try:
        frames = validate_reports([item.facts for item in firsts], keys=[item.document.sha256 for item in firsts])
        for item in extracted:
            first = distinct[item.document.sha256]
            if item is not first:
                item.facts.findings, item.facts.status = list(first.facts.findings), first.facts.status
    except Exception:  # noqa: BLE001 - find the report that breaks it, keep the others
        frames = None
        for item in extracted:
            try:
                validate_report(item.facts)
            except FactContractError as exc:
                item.facts, item.reject_reason = None, str(exc)  # the message names the contract already
            except Exception as exc:  # noqa: BLE001
                item.facts, item.reject_reason = None, f"validation failed: {type(exc).__name__}: {exc}"
    for item in extracted:
        if item.facts is not None:
            _flag_no_figures(item.facts)
    return items, frames


def _flag_no_figures(facts: ReportFacts) -> None:
    """A report that reads but yields no figure is loaded with a warning, never silently empty."""
    if facts.amounts or facts.rates or facts.staff or facts.scores:
        return
    definition = RULE_BY_NAME["no_figures"]
    facts.findings.append(Finding(rule=definition.rule, severity=definition.severity, message=definition.template))
    facts.status = report_status(facts.findings)


def _isolated(path: str, data: bytes, limits: ReadLimits | None) -> Processed:
    try:
        return read_and_extract(path, data, limits)
    except Exception as exc:  # noqa: BLE001 - a bug on one odd file must not sink the batch
        return rejected(path, data, f"processing failed: {type(exc).__name__}: {exc}")


def process_file(path: Path) -> Processed:
    return process_bytes(str(path), path.read_bytes())
