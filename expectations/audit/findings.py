"""What every check of the audit produces: one `AuditFinding` per problem.

It lives here, at the bottom of the audit's layers, so that the Great Expectations runner (this
package) and the checks in `tasks/audit/` build the same thing; `tasks.audit` re-exports it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class AuditFinding:
    """One problem found by the audit: about a report (doc_sha256) or a unit that did not report."""

    check_name: str
    severity: str  # 'error' | 'warning'
    message: str
    doc_sha256: str | None = None
    unit_name: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    # the audited year it belongs to: an audit of several years sorts its findings by it
    fiscal_year: int | None = None
