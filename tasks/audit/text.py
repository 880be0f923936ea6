"""Text checks of the audit: copied paragraphs and text that speaks as another kind of unit.

Copied paragraphs: every paragraph of every report (canonical text, split on line breaks) becomes a
MinHash of its character 5-grams; a MinHash LSH index returns, for each paragraph of the audited
year, the paragraphs likely to be similar, and only those candidates are compared exactly. No pair of
reports is compared as a whole: the work grows with the number of paragraphs, not its square.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from datasketch import MinHash, MinHashLSH

from tasks.audit import DEFAULT_THRESHOLDS, AuditFinding, AuditThresholds

UNIT_KINDS_TOML = Path(__file__).with_name("unit_kinds.toml")
SHINGLE_CHARS = 5
NUM_PERM = 64
MAX_EXAMPLES = 5  # shared paragraphs quoted in one finding's evidence
SNIPPET_CHARS = 30


@dataclass(frozen=True, slots=True)
class Paragraph:
    doc: int  # row of the texts frame
    start: int  # offset in the canonical text
    text: str


def paragraphs(text: str, min_chars: int) -> list[tuple[int, str]]:
    """(offset, paragraph) for each line of at least `min_chars` characters once stripped."""
    found: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if len(stripped) >= min_chars:
            found.append((offset + line.index(stripped), stripped))
        offset += len(line) + 1
    return found


def shingles(text: str) -> set[str]:
    compact = "".join(text.split())
    return {compact[i:i + SHINGLE_CHARS] for i in range(max(len(compact) - SHINGLE_CHARS + 1, 1))}


def copied_paragraphs(
    texts: pd.DataFrame, fiscal_year: int, thresholds: AuditThresholds = DEFAULT_THRESHOLDS
) -> list[AuditFinding]:
    """Reports of `fiscal_year` sharing paragraphs with a report of another unit.

    `texts`: one row per report with sha256, unit_key, unit_name, file_name, fiscal_year,
    canonical_text; rows of other years are the reports to compare against (e.g. the previous year).
    A paragraph found in the reports of `boilerplate_min_units` or more units is a shared template,
    not a copy, and is not reported.
    """
    rows = texts.reset_index(drop=True)
    # plain lists: a row lookup per match on a frame (arrow strings: a `take` per column) is what
    # made this slow at scale
    shas, file_names = rows["sha256"].tolist(), rows["file_name"].tolist()
    unit_names = [name if isinstance(name, str) else None for name in rows["unit_name"].tolist()]
    years = [_int(year) for year in rows["fiscal_year"].tolist()]
    owners = [key if isinstance(key, str) else f"doc:{sha}" for key, sha in zip(rows["unit_key"], shas, strict=True)]
    row_of = {sha: row for row, sha in enumerate(shas)}
    items: list[Paragraph] = []
    for doc, text in enumerate(rows["canonical_text"]):
        items.extend(Paragraph(doc, start, para) for start, para in paragraphs(text or "", thresholds.copy_min_chars))
    if not items:
        return []
    shingle_sets = [shingles(item.text) for item in items]
    # datasketch's default sha1 per shingle: crc32 was 2.5x faster but, being linear, found ~10% fewer
    # copied paragraphs on the generated corpus
    hashes = MinHash.bulk([[s.encode("utf-8") for s in shingle_set] for shingle_set in shingle_sets],
                          num_perm=NUM_PERM)
    index = MinHashLSH(threshold=thresholds.copy_similarity, num_perm=NUM_PERM)
    with index.insertion_session() as session:
        for number, minhash in enumerate(hashes):
            session.insert(number, minhash, check_duplication=False)

    audited = {row for row, year in enumerate(years) if year == fiscal_year}
    # (report, other unit) -> the shared paragraphs: one finding per other unit, whatever its years
    shared: dict[tuple[int, str], list[dict[str, object]]] = defaultdict(list)
    for number, item in enumerate(items):
        if item.doc not in audited:
            continue
        matches, units = _matches(number, index.query(hashes[number]), items, owners, shingle_sets, thresholds)
        if not matches or len(units) >= thresholds.boilerplate_min_units:
            continue
        for other in sorted(matches):
            other_doc = items[other].doc
            shared[(item.doc, owners[other_doc])].append({
                "paragraph": item.text, "offset": item.start,
                "other_sha256": shas[other_doc], "other_file_name": file_names[other_doc],
                "other_fiscal_year": years[other_doc], "other_offset": items[other].start,
                "similarity": round(_jaccard(shingle_sets[number], shingle_sets[other]), 3),
            })

    found: list[AuditFinding] = []
    for (doc, _), examples in sorted(shared.items()):
        first = row_of[str(examples[0]["other_sha256"])]
        n_paragraphs = len({example["offset"] for example in examples})
        found.append(AuditFinding(
            check_name="copied_text", severity="warning", doc_sha256=shas[doc], unit_name=unit_names[doc],
            message=(f"{unit_names[doc] or file_names[doc]}的报告有{n_paragraphs}个段落与"
                     f"{unit_names[first] or file_names[first]}的报告雷同"),
            evidence={"n_paragraphs": n_paragraphs, "other_unit": unit_names[first],
                      "other_reports": sorted({example["other_file_name"] for example in examples}),
                      "paragraphs": examples[:MAX_EXAMPLES]},
        ))
    return found


def _matches(number: int, candidates: list[int], items: list[Paragraph], owners: list[str],
             shingle_sets: list[set[str]], thresholds: AuditThresholds) -> tuple[list[int], set[str]]:
    """The candidates of paragraph `number` from other units that pass the exact comparison, and the
    units involved. Stops as soon as the paragraph is found in `boilerplate_min_units` units: it is then
    a shared template (not reported), and templates are what make candidate lists long."""
    own = owners[items[number].doc]
    matches: list[int] = []
    units = {own}
    for other in candidates:
        owner = owners[items[other].doc]
        if owner == own or _jaccard(shingle_sets[number], shingle_sets[other]) < thresholds.copy_similarity:
            continue
        matches.append(other)
        units.add(owner)
        if len(units) >= thresholds.boilerplate_min_units:
            break
    return matches, units


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _int(value: object) -> int | None:
    return None if pd.isna(value) else int(value)  # type: ignore[arg-type]


def load_unit_kinds(path: Path = UNIT_KINDS_TOML) -> dict[str, dict[str, object]]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def foreign_text(texts: pd.DataFrame, fiscal_year: int, unit_kinds: dict[str, dict[str, object]] | None = None
                 ) -> list[AuditFinding]:
    """Reports of `fiscal_year` whose text uses the phrases of a kind of unit they are not."""
    kinds = unit_kinds if unit_kinds is not None else load_unit_kinds()
    found: list[AuditFinding] = []
    for row in texts[texts["fiscal_year"] == fiscal_year].itertuples(index=False):
        unit, text = row.unit_name or "", row.canonical_text or ""
        for kind in kinds.values():
            if any(marker in unit for marker in kind["unit_markers"]):  # type: ignore[attr-defined]
                continue
            hits = [(phrase, text.find(phrase)) for phrase in kind["phrases"] if phrase in text]  # type: ignore[attr-defined]
            if not hits:
                continue
            quoted = "、".join(phrase for phrase, _ in hits)
            found.append(AuditFinding(
                check_name="foreign_text", severity="warning", doc_sha256=row.sha256, unit_name=row.unit_name,
                message=f"{unit or row.file_name}的报告使用了{kind['label']}类单位的表述：{quoted}",
                evidence={"kind": kind["label"], "phrases": [
                    {"phrase": phrase, "offset": offset,
                     "snippet": text[max(offset - SNIPPET_CHARS, 0):offset + len(phrase) + SNIPPET_CHARS]}
                    for phrase, offset in hits]},
            ))
    return found
