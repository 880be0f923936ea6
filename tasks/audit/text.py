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

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH
from datasketch.hashfunc import sha1_hash32

from tasks.audit import DEFAULT_THRESHOLDS, AuditFinding, AuditThresholds

UNIT_KINDS_TOML = Path(__file__).with_name("unit_kinds.toml")
SHINGLE_CHARS = 5
NUM_PERM = 64
_MINHASH_SLICE = 512  # paragraphs per numpy reduction in `minhashes`
MAX_EXAMPLES = 5  # shared paragraphs quoted in one finding's evidence
SNIPPET_CHARS = 30


@dataclass(frozen=True, slots=True)
class Paragraph:
    doc: int  # row of the texts frame
    start: int  # offset in the canonical text
    text_id: int  # its text among the distinct paragraph texts


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
    corpus = _ParagraphCorpus(rows["canonical_text"].tolist(), owners, thresholds)
    if not corpus.items:
        return []

    audited = {row for row, year in enumerate(years) if year == fiscal_year}
    # (report, other unit) -> the shared paragraphs: one finding per other unit, whatever its years
    shared: dict[tuple[int, str], list[dict[str, object]]] = defaultdict(list)
    for item in corpus.items:
        if item.doc not in audited:
            continue
        similar = corpus.similar_if_not_template(item.text_id)
        own = owners[item.doc]
        matches = [(other, similarity) for text_id, similarity in similar
                   for other in corpus.items_of[text_id] if owners[corpus.items[other].doc] != own]
        for other, similarity in sorted(matches):
            other_item = corpus.items[other]
            shared[(item.doc, owners[other_item.doc])].append({
                "paragraph": corpus.texts[item.text_id], "offset": item.start,
                "other_sha256": shas[other_item.doc], "other_file_name": file_names[other_item.doc],
                "other_fiscal_year": years[other_item.doc], "other_offset": other_item.start,
                "similarity": round(similarity, 3),
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


class _ParagraphCorpus:
    """The paragraphs of a set of reports, with a MinHash LSH index over their distinct texts.

    Templates repeat the same paragraph in many reports: each distinct text is shingled, hashed,
    indexed and compared once, and the result applies to every report that has it (and `minhashes`
    hashes each distinct shingle once, for the same reason)."""

    def __init__(self, documents: list[str | None], owners: list[str], thresholds: AuditThresholds) -> None:
        self.thresholds = thresholds
        self.owners = owners
        self.texts: list[str] = []
        self.items: list[Paragraph] = []
        self.items_of: list[list[int]] = []  # text id -> its paragraphs (item numbers, ascending)
        text_ids: dict[str, int] = {}
        for doc, document in enumerate(documents):
            for start, text in paragraphs(document or "", thresholds.copy_min_chars):
                text_id = text_ids.setdefault(text, len(self.texts))
                if text_id == len(self.texts):
                    self.texts.append(text)
                    self.items_of.append([])
                self.items_of[text_id].append(len(self.items))
                self.items.append(Paragraph(doc, start, text_id))
        self.shingle_sets = [shingles(text) for text in self.texts]
        self.hashes = minhashes(self.shingle_sets)
        self.index = MinHashLSH(threshold=thresholds.copy_similarity, num_perm=NUM_PERM)
        with self.index.insertion_session() as session:
            for text_id, minhash in enumerate(self.hashes):
                session.insert(text_id, minhash, check_duplication=False)
        self._similar: dict[int, list[tuple[int, float]]] = {}

    def similar_if_not_template(self, text_id: int) -> list[tuple[int, float]]:
        """(text id, Jaccard similarity) of the texts similar to `text_id` (itself included), or []
        when they appear in the reports of `boilerplate_min_units` or more units: a shared template.
        Stops comparing as soon as that many units are seen (templates make candidate lists long)."""
        if text_id not in self._similar:
            similar: list[tuple[int, float]] = []
            units: set[str] = set()
            for other in self.index.query(self.hashes[text_id]):
                similarity = _jaccard(self.shingle_sets[text_id], self.shingle_sets[other])
                if similarity < self.thresholds.copy_similarity:
                    continue
                similar.append((other, similarity))
                units.update(self.owners[self.items[item].doc] for item in self.items_of[other])
                if len(units) >= self.thresholds.boilerplate_min_units:
                    similar = []
                    break
            self._similar[text_id] = similar
        return self._similar[text_id]


def minhashes(shingle_sets: list[set[str]]) -> list[MinHash]:
    """datasketch MinHashes of `shingle_sets`, equal to `MinHash.bulk` with its defaults (sha1 of each
    shingle, the affine32 scheme's permutations; tests/test_audit_text.py holds them to that), computed
    for all sets at once: each distinct shingle is hashed and permuted once, and each set's minimum is
    a numpy reduction over its shingles' rows rather than Python work per shingle."""
    template = MinHash(num_perm=NUM_PERM)
    if template.scheme != "affine32":  # a datasketch whose default changed: let it do the work
        return MinHash.bulk([[s.encode("utf-8") for s in shingle_set] for shingle_set in shingle_sets],
                            num_perm=NUM_PERM)
    ids, vocabulary = pd.factorize(np.array([s for shingle_set in shingle_sets for s in shingle_set], dtype=object))
    hashed = np.fromiter((sha1_hash32(s.encode("utf-8")) for s in vocabulary), dtype=np.uint32, count=len(vocabulary))
    a, b = template.permutations
    permuted = _fmix32(hashed)[:, None] * a + b  # (distinct shingles x permutations), wraps mod 2**32
    starts = np.zeros(len(shingle_sets), dtype=np.int64)
    np.cumsum([len(shingle_set) for shingle_set in shingle_sets[:-1]], out=starts[1:])
    values = np.empty((len(shingle_sets), NUM_PERM), dtype=np.uint32)
    # in slices of sets, so the gathered rows stay a few MiB however large the year
    for first in range(0, len(shingle_sets), _MINHASH_SLICE):
        last = min(first + _MINHASH_SLICE, len(shingle_sets))
        begin, end = starts[first], starts[last] if last < len(shingle_sets) else len(ids)
        values[first:last] = np.minimum.reduceat(permuted[ids[begin:end]], starts[first:last] - begin, axis=0)
    return [MinHash(hashvalues=row, permutations=template.permutations, scheme=template.scheme) for row in values]


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, which datasketch's affine32 scheme applies before permuting."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def _jaccard(a: set[str], b: set[str]) -> float:
    shared = len(a & b)  # |a | b| by inclusion-exclusion: building the union cost as much again
    return shared / (len(a) + len(b) - shared) if a or b else 0.0


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
