"""The data that flows between the pipeline's steps.

file bytes --read--> Document --extract--> ReportFacts --validate--> Finding list --load--> DuckDB

Plain dataclasses: no Prefect, no database, cheap to pickle across worker processes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

# the fact contract's vocabularies live with the rules; re-exported here for the pipeline's modules
from expectations.contract import BASES, RATE_KINDS, SEVERITIES, UNIT_YUAN  # noqa: F401

Basis = Literal["budget", "adjusted_budget", "final"]
RateKind = Literal["share", "execution", "indicator", "growth"]
Severity = Literal["error", "warning"]
ReportStatus = Literal["passed", "warning", "failed"]


@dataclass(slots=True)
class Document:
    """One input file after reading: its bytes' identity and its canonical text."""

    sha256: str
    path: str
    format: str  # text / docx / pdf / html / doc (the reader chosen by the bytes, not the file name)
    size: int
    encoding: str | None
    text: str  # canonical text: every span points into it
    # Where parts of the text came from (table cells, pages): empty for plain text.
    regions: list[Region] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. "converted from traditional characters"


@dataclass(frozen=True, slots=True)
class Region:
    """A stretch [start, end) of the canonical text and where it sits in the source document."""

    start: int
    end: int
    page: int | None = None  # 1-based PDF page
    table: int | None = None  # 1-based table number in document order
    row: int | None = None  # 1-based row of that table (the header row is row 1)
    column: str | None = None  # the column's header text, or its 1-based number
    cell: int | None = None  # 0-based column index of a table cell: the reader's grid, kept

    def describe(self) -> str:
        """"page 3, table 2, row 5, column 全年执行数": how a person finds the figure in the source."""
        parts = []
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.table is not None:
            parts.append(f"table {self.table}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


@dataclass(slots=True)
class Amount:
    """A money figure. `value_yuan` is exact to the cent; precision is kept as written.

    The figure stands for the interval value_yuan +/- half_width_yuan: "299.8万元" is
    2,998,000 yuan, stated to 0.1 万元, so anything in [2,997,500, 2,998,500] agrees with it.
    """

    id: str
    concept: str
    basis: str
    value_yuan: float
    as_written: str
    span: tuple[int, int]
    unit: str  # 元 / 万元 / 亿元 / 千元, as written (a bare 万 is recorded as 万元)
    decimals: int  # digits after the decimal point as written
    unit_implied: bool = False  # the unit was inferred from the neighbours, neither written nor stated for the section
    provenance: str | None = None  # "table 2, row 5, column 全年执行数" / "page 3"
    # How it was read: label (words beside the number), column_header, column_position (a column the
    # header does not name), joined_cells (a number the layout broke over two lines), list_item (the
    # figure of a numbered item under a heading such as 主要项目支出: a selection, not every project).
    read_by: str = "label"
    label: str | None = None  # the row's words where one concept occurs many times (a project's name)

    @property
    def half_width_yuan(self) -> float:
        return 0.5 * 10.0 ** (-self.decimals) * UNIT_YUAN.get(self.unit, 1)


@dataclass(slots=True)
class Rate:
    """A percentage. For share/execution, `concept` is an amount concept; otherwise a short label."""

    id: str
    concept: str
    kind: str
    value_pct: float
    as_written: str
    span: tuple[int, int]
    decimals: int
    amount_id: str | None = None  # for a share: the amount it is a share of (the part)
    provenance: str | None = None  # "table 2, row 5, column 全年执行数" / "page 3"
    # How it was read: label (words beside the number), column_header, column_position (a column the
    # header does not name), joined_cells (a number the layout broke over two lines), list_item (the
    # figure of a numbered item under a heading such as 主要项目支出: a selection, not every project).
    read_by: str = "label"

    @property
    def half_width_pct(self) -> float:
        return 0.5 * 10.0 ** (-self.decimals)


@dataclass(slots=True)
class Staff:
    id: str
    concept: str
    value: int
    as_written: str
    span: tuple[int, int]
    provenance: str | None = None  # "table 2, row 5, column 全年执行数" / "page 3"
    read_by: str = "label"


@dataclass(slots=True)
class Score:
    id: str
    value: float
    as_written: str
    span: tuple[int, int]
    label: str = "self_eval_score"
    provenance: str | None = None  # "table 2, row 5, column 全年执行数" / "page 3"
    read_by: str = "label"


@dataclass(slots=True)
class Finding:
    rule: str
    severity: str
    message: str
    facts: list[str] = field(default_factory=list)  # ids of the facts involved


@dataclass(slots=True)
class ReportFacts:
    """Everything extracted from one document, plus the findings once validated."""

    document: str  # file name as given
    unit_name: str | None
    region: dict[str, str | None]
    fiscal_year: int | None
    report_date: str | None  # ISO: YYYY-MM-DD, or YYYY-MM when the day is not stated
    # spec: department_overall / project / transfer_payment / final_accounts / other
    report_kind: str = "department_overall"
    subject: str | None = None  # the project's or fund's name, for project and transfer_payment documents
    amounts: list[Amount] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)
    staff: list[Staff] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    status: str = "passed"
    # damaged figures, reported with their span and never guessed: {"as_written", "span", "reason"}
    unparseable: list[dict] = field(default_factory=list)
    # money figures read but given no concept (spec: "Figures nobody could classify"):
    # {"as_written", "span", "label", "reason"}
    unclassified: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        """The fact contract's shape (see the spec): what `jixiao extract --json` prints."""
        out = asdict(self)
        for key in ("amounts", "rates", "staff", "scores"):
            for row in out[key]:
                row["span"] = list(row["span"])
                if row.get("provenance") is None:
                    row.pop("provenance", None)  # only documents with tables/pages have one
        out["money_figures"] = money_figures(len(self.amounts), len(self.unclassified))
        return out


def money_figures(classified: int, unclassified: int) -> dict[str, int | float | None]:
    """How much of the money read became facts: the share an analyst weighs a document (or a run) by."""
    total = classified + unclassified
    return {"classified": classified, "unclassified": unclassified,
            "classified_pct": round(100 * classified / total, 1) if total else None}


def report_status(findings: list[Finding]) -> str:
    severities = {f.severity for f in findings}
    if "error" in severities:
        return "failed"
    if "warning" in severities:
        return "warning"
    return "passed"


@dataclass(slots=True)
class Processed:
    """One input file after read+extract+validate: loaded with facts, or rejected with a reason.

    A rejected file still has a Document (sha256, path, size, possibly empty text) so its bytes
    are archived and the run's count in = count out holds.
    """

    document: Document
    facts: ReportFacts | None
    reject_reason: str | None = None

    @property
    def loaded(self) -> bool:
        return self.reject_reason is None
