"""The annual consistency audit: cross-report checks over the warehouse, as pure steps (no Prefect).

- `checks.py`: the group-by checks, one SQL file each in `warehouse/queries/audit/`, run in DuckDB.
- `text.py`: copied paragraphs and text that speaks as another kind of unit; `similarity.py`: the
  MinHash LSH and exact similarity behind copied paragraphs, for all paragraphs at once.
- `store.py`: the roster, audit runs and audit findings in the warehouse.
- `report.py`: the self-contained HTML audit report (inline SVG charts, sortable and paged tables,
  `templates/`); `export.py`: all findings as CSV and XLSX beside it.
- `wording.py` + `wording.toml`: the outputs' words as data (labels, headers, evidence sentences).
The Great Expectations suites, their runner (file-backed GX project, Data Docs) and `AuditFinding` live in
`expectations/audit/`.
"""

from __future__ import annotations

from dataclasses import dataclass

from expectations.audit.findings import AuditFinding

__all__ = ["DEFAULT_THRESHOLDS", "AuditFinding", "AuditThresholds"]


@dataclass(frozen=True, slots=True)
class AuditThresholds:
    """When a cross-report difference becomes a finding."""

    swing_threshold: float = 0.5  # |this year / last year - 1| of final total expenditure
    outlier_z: float = 3.5  # robust z-score of the execution rate
    outlier_floor_pct: float = 5.0  # floor of the robust scale, in percentage points
    outlier_min_reports: int = 5  # fewer reports in the year: no distribution to stand out from
    inflation_min_score: float = 95.0
    copy_similarity: float = 0.8  # Jaccard similarity of paragraph shingles
    copy_min_chars: int = 40  # shorter paragraphs (headings, one-line figures) are not compared
    boilerplate_min_units: int = 5  # a paragraph in this many units' reports is a shared template
    duplicates_listed: int = 10  # reports a duplicate_report finding names (the rest are counted)


DEFAULT_THRESHOLDS = AuditThresholds()
