"""Reviewed corrections of extracted amounts: loaded from a CSV, applied as an overlay.

A correction names a report (file name, path or sha256 prefix), an amount concept and basis (by
name or by the Chinese label the `concepts` and `bases` tables give them: 其他收入, 决算数), and the
value in yuan the figure really is, with the reason and the author. It never edits `amounts`:
the view `v_amounts_effective` shows extracted, corrected and effective values side by side, and
revalidation (`flows.revalidate`) reads the effective ones through `effective_frames`.

A file is checked whole before anything is written: a row naming a report, concept or fact that
does not exist, or a report reference that fits several documents, is an error that says which row
and why, and nothing is loaded. Rows are keyed by what they correct plus a hash of their content, so
loading the same file twice adds nothing.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from tasks.frames import facts_to_frames
from warehouse.queries import query
from warehouse.transactions import transaction

REQUIRED_COLUMNS: tuple[str, ...] = ("document", "concept", "basis", "corrected_value_yuan", "reason", "author")
OPTIONAL_COLUMNS: tuple[str, ...] = ("fact_id",)  # to pick one of several items of the same concept
SHA_PREFIX = re.compile(r"[0-9a-f]{6,64}")


class CorrectionError(ValueError):
    """The corrections file cannot be loaded; `problems` lists every row at fault."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class DocumentMatch:
    sha256: str
    path: str
    file_name: str
    unit_name: str | None
    fiscal_year: int | None
    is_latest: bool

    def describe(self) -> str:
        latest = "" if self.is_latest else ", an older version"
        return f"{self.path} (sha256 {self.sha256[:12]}…{latest})"


@dataclass(frozen=True, slots=True)
class LoadResult:
    rows: int  # rows in the file
    added: int  # rows new to the warehouse
    reports: list[str]  # sha256 of the reports the file corrects

    @property
    def already_loaded(self) -> int:
        return self.rows - self.added


def match_documents(conn: duckdb.DuckDBPyConnection, reference: str) -> list[DocumentMatch]:
    """Loaded reports whose sha256 starts with `reference` (6+ hex digits), or whose file name or
    path is `reference`."""
    reference = reference.strip()
    if not reference:
        return []
    rows = conn.execute(
        query("corrections/match_documents"),
        {"ref": reference, "is_hex": bool(SHA_PREFIX.fullmatch(reference.lower()))},
    ).fetchall()
    return [DocumentMatch(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The names a corrections file may give one column (concept or basis): each English name and
    its Chinese label, as the warehouse's dimension table holds them (labels are data, not code)."""

    what: str  # the column: "concept" / "basis"
    kind: str  # what its values are, for messages: "an amount concept" / "a basis"
    labels: dict[str, str]  # name -> zh_label
    source: str  # where a reader finds the list

    def resolve(self, given: str) -> str | None:
        """The name `given` stands for (itself, or the name of that label), or None."""
        if given in self.labels:
            return given
        wanted = _comparable(given)
        for name, label in self.labels.items():
            if wanted in (_comparable(name), _comparable(label)):
                return name
        return None

    def unknown(self, given: str) -> str:
        """Why `given` is refused, with the closest names or labels when some are close."""
        spelled = {_comparable(name): f"{name} ({label})" for name, label in self.labels.items()}
        spelled |= {_comparable(label): f"{label} ({name})" for name, label in self.labels.items()}
        near = difflib.get_close_matches(_comparable(given), list(spelled), n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(spelled[key] for key in near)}?" if near else f"see {self.source}"
        return f"{self.what} {given!r} is neither the name nor the Chinese label of {self.kind}; {hint}"


def _comparable(text: str) -> str:
    # full-width and half-width forms (（）/ ()), case and spaces do not make another label
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def vocabularies(conn: duckdb.DuckDBPyConnection) -> tuple[Vocabulary, Vocabulary]:
    """The amount concepts and the bases, from the warehouse's `concepts` and `bases` tables."""
    concepts = dict(conn.execute(query("corrections/amount_concept_labels")).fetchall())
    bases = dict(conn.execute(query("corrections/basis_labels")).fetchall())
    return (Vocabulary("concept", "an amount concept", concepts, "expectations/concepts.csv (or the concepts table)"),
            Vocabulary("basis", "a basis", bases,
                       "the bases table: " + ", ".join(f"{b} {z}" for b, z in bases.items())))


def read_corrections_csv(path: Path) -> pd.DataFrame:
    """The file as text columns (UTF-8 with or without BOM, or GB18030 as Excel in China writes it)."""
    for encoding in ("utf-8-sig", "gb18030"):
        with contextlib.suppress(UnicodeDecodeError):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, skipinitialspace=True)
            frame.columns = [str(column).strip() for column in frame.columns]
            return frame
    raise CorrectionError([f"{path}: neither UTF-8 nor GB18030 text"])


def load_corrections(conn: duckdb.DuckDBPyConnection, path: Path) -> LoadResult:
    """Check the whole file, then add its rows in one transaction; raise CorrectionError otherwise."""
    frame = read_corrections_csv(path)
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise CorrectionError([f"{path.name}: missing column(s) {', '.join(missing)}; expected "
                               f"{', '.join(REQUIRED_COLUMNS)} (and optionally {', '.join(OPTIONAL_COLUMNS)})"])
    if "fact_id" not in frame.columns:
        frame["fact_id"] = ""
    rows, problems = _checked_rows(conn, frame, source=path.name)
    if problems:
        raise CorrectionError(problems)
    with transaction(conn):
        [(last_seq,)] = conn.execute(query("corrections/last_load_seq")).fetchall()
        incoming = pd.DataFrame(rows)
        incoming["load_seq"] = range(last_seq + 1, last_seq + 1 + len(incoming))
        conn.register("incoming_corrections", incoming)
        try:
            [(added,)] = conn.execute(query("corrections/insert_new_corrections")).fetchall()
        finally:
            conn.unregister("incoming_corrections")
    return LoadResult(rows=len(frame), added=int(added),
                      reports=list(dict.fromkeys(row["doc_sha256"] for row in rows)))


def _checked_rows(conn: duckdb.DuckDBPyConnection, frame: pd.DataFrame, source: str) -> tuple[list[dict], list[str]]:
    """The rows ready to insert, and every problem found (with the file's row numbers: header = 1)."""
    amount_concepts = dict(conn.execute(query("corrections/amount_concepts_multiple")).fetchall())
    concepts, bases = vocabularies(conn)
    problems: list[str] = []
    rows: dict[tuple[str, str, str, str], tuple[int, dict]] = {}
    for line, record in zip(range(2, len(frame) + 2), frame.to_dict("records"), strict=True):
        where = f"row {line}"
        values = {key: str(record.get(key, "")).strip() for key in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
        row_problems = _field_problems(values, concepts, bases)
        matches = match_documents(conn, values["document"]) if values["document"] else []
        if values["document"] and not matches:
            row_problems.append(f"no loaded report {values['document']!r} (give its file name or a sha256 prefix)")
        elif len(matches) > 1:
            listed = "; ".join(match.describe() for match in matches)
            row_problems.append(f"document {values['document']!r} is ambiguous, it fits {len(matches)} reports: "
                                f"{listed}. Give a sha256 prefix instead")
        if row_problems:
            problems.extend(f"{where}: {problem}" for problem in row_problems)
            continue
        document = matches[0]
        fact_problem = _fact_problem(conn, document, values, amount_concepts[values["concept"]])
        if fact_problem:
            problems.append(f"{where}: {fact_problem}")
            continue
        row = _row(document, values, source)
        target = (row["doc_sha256"], row["concept"], row["basis"], row["fact_id"])
        if target in rows and rows[target][1]["row_hash"] != row["row_hash"]:
            problems.append(f"{where}: corrects the same figure as row {rows[target][0]} with a different content")
            continue
        rows.setdefault(target, (line, row))
    return [row for _, row in rows.values()], problems


def _field_problems(values: dict[str, str], concepts: Vocabulary, bases: Vocabulary) -> list[str]:
    """What is wrong with the row's fields; a concept or basis given by its label is replaced by its
    name in `values` (what is stored, hashed and matched against the facts)."""
    problems = [f"{column} is empty" for column in REQUIRED_COLUMNS if not values[column]]
    for column, vocabulary in (("concept", concepts), ("basis", bases)):
        if values[column]:
            name = vocabulary.resolve(values[column])
            if name is None:
                problems.append(vocabulary.unknown(values[column]))
            else:
                values[column] = name
    if values["corrected_value_yuan"] and _parse_yuan(values["corrected_value_yuan"]) is None:
        problems.append(f"corrected_value_yuan {values['corrected_value_yuan']!r} is not a non-negative number of yuan")
    return problems


def _parse_yuan(text: str) -> float | None:
    try:
        value = float(text.replace(",", "").replace("，", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _fact_problem(conn: duckdb.DuckDBPyConnection, document: DocumentMatch, values: dict[str, str],
                  multiple: bool) -> str | None:
    """Why the row names no fact of the report (or too many), or None when it names one."""
    facts = conn.execute(query("corrections/amounts_of_concept"),
                         [document.sha256, values["concept"], values["basis"]]).fetchall()
    named = f"{values['concept']} ({values['basis']})"
    if not facts:
        stated = conn.execute(query("corrections/stated_amount_concepts"), [document.sha256]).fetchall()[0][0]
        return (f"report {document.describe()} states no amount {named}, so there is nothing to correct; "
                f"it states: {stated or 'no amounts at all'}")
    if values["fact_id"]:
        if values["fact_id"] not in {fact_id for fact_id, _ in facts}:
            listed = ", ".join(f"{fact_id} = {written}" for fact_id, written in facts)
            return f"report {document.describe()} has no fact {values['fact_id']!r} of {named}; it has {listed}"
        return None
    if multiple and len(facts) > 1:
        listed = ", ".join(f"{fact_id} = {written}" for fact_id, written in facts)
        return (f"report {document.describe()} lists {len(facts)} items of {named} ({listed}): "
                "name the one meant in a fact_id column")
    return None


def _row(document: DocumentMatch, values: dict[str, str], source: str) -> dict:
    value = _parse_yuan(values["corrected_value_yuan"])
    assert value is not None  # checked by _field_problems
    content = [document.sha256, values["concept"], values["basis"], values["fact_id"], f"{value:.2f}",
               values["reason"], values["author"]]
    return {
        "doc_sha256": document.sha256, "concept": values["concept"], "basis": values["basis"],
        "fact_id": values["fact_id"], "corrected_value_yuan": value, "reason": values["reason"],
        "author": values["author"],
        "row_hash": hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest(),
        "document_ref": values["document"], "source_file": source,
    }


# --- the overlay, as the frames validation reads -----------------------------------------------------

# Each frame's statement, in extraction order: the amounts carry their effective value; the other
# facts are not corrected. The amounts statement takes the selection twice (corrections, amounts).
_FRAME_QUERIES: dict[str, tuple[str, int]] = {
    "amounts": ("corrections/effective_amounts_of_reports", 2),
    "rates": ("corrections/rates_of_reports", 1),
    "staff": ("corrections/staff_of_reports", 1),
    "scores": ("corrections/scores_of_reports", 1),
}


def effective_frames(conn: duckdb.DuckDBPyConnection, doc_shas: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The fact frames of `doc_shas` as `tasks.frames.facts_to_frames` shapes them, amounts carrying
    their effective value (the correction when there is one, the extracted value otherwise)."""
    shas = list(doc_shas)
    reference = facts_to_frames([])
    frames: dict[str, pd.DataFrame] = {}
    for name, (statement, selections) in _FRAME_QUERIES.items():
        frame = conn.execute(query(statement), [shas] * selections).fetchdf()
        columns = list(reference[name].columns)
        frames[name] = frame[columns].astype(reference[name].dtypes.to_dict()).reset_index(drop=True)
    return frames
