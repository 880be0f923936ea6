"""read -> extract -> validate for one file, as one pure function (no Prefect, no database)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tasks.extract import extract_report
from tasks.models import Document, Processed
from tasks.read import ReadError, read_document
from tasks.validate import validate_report


def process_bytes(path: str, data: bytes) -> Processed:
    """Turn one file's bytes into facts and findings, or a rejection with a stated reason."""
    try:
        document = read_document(path, data)
    except ReadError as exc:
        rejected = Document(
            sha256=hashlib.sha256(data).hexdigest(),
            path=path,
            format="unknown",
            size=len(data),
            encoding=None,
            text="",
        )
        return Processed(document=rejected, facts=None, reject_reason=str(exc))
    facts = extract_report(document)
    validate_report(facts)  # fills facts.findings and facts.status
    return Processed(document=document, facts=facts)


def process_file(path: Path) -> Processed:
    return process_bytes(str(path), path.read_bytes())
