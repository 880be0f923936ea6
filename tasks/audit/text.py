"""Text checks of the audit: copied paragraphs and text that speaks as another kind of unit.

Copied paragraphs: every paragraph of every report (canonical text, split on line breaks) becomes a
MinHash of its character 5-grams; a MinHash LSH index returns, for each paragraph of the audited
year, the paragraphs likely to be similar, and only those candidates are compared exactly. No pair of
reports is compared as a whole: the work grows with the number of paragraphs, not its square.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from collections.abc import Callable, Collection
from concurrent.futures import Executor
from pathlib import Path

import pandas as pd

from tasks.audit import DEFAULT_THRESHOLDS, AuditFinding, AuditThresholds
from tasks.audit.similarity import NUM_PERM, minhashes, shingles, similar_pairs

__all__ = ["NUM_PERM", "copied_paragraphs", "copied_paragraphs_by_year", "foreign_text", "minhashes", "paragraphs",
           "shingles"]

UNIT_KINDS_TOML = Path(__file__).with_name("unit_kinds.toml")
MAX_EXAMPLES = 5  # shared paragraphs quoted in one finding's evidence
SNIPPET_CHARS = 30


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


def copied_paragraphs(
    texts: pd.DataFrame, fiscal_year: int, thresholds: AuditThresholds = DEFAULT_THRESHOLDS
) -> list[AuditFinding]:
    """Reports of `fiscal_year` sharing paragraphs with a report of another unit.

    `texts`: one row per report with sha256, unit_key, unit_name, file_name, fiscal_year,
    canonical_text; rows of other years are the reports to compare against (e.g. the previous year).
    A paragraph found in the reports of `boilerplate_min_units` or more units is a shared template,
    not a copy, and is not reported.
    """
    return copied_paragraphs_by_year(texts, [fiscal_year], thresholds, years_back=None)[fiscal_year]


def copied_paragraphs_by_year(
    texts: pd.DataFrame, fiscal_years: list[int], thresholds: AuditThresholds = DEFAULT_THRESHOLDS,
    years_back: int | None = 1,
) -> dict[int, list[AuditFinding]]:
    """`copied_paragraphs` of each of `fiscal_years` in one pass over `texts` (every year's rows).

    Each year is compared with the reports of the `years_back` years before it and its own, exactly
    as an audit of that year alone over those rows would (`years_back=None`: with every row), but
    every paragraph is split, hashed and indexed once for all years."""
    rows = texts.reset_index(drop=True)
    # plain lists: a row lookup per match on a frame (arrow strings: a `take` per column) is what
    # made this slow at scale
    shas, file_names = rows["sha256"].tolist(), rows["file_name"].tolist()
    unit_names = [name if isinstance(name, str) else None for name in rows["unit_name"].tolist()]
    years = [_int(year) for year in rows["fiscal_year"].tolist()]
    owners = [key if isinstance(key, str) else f"doc:{sha}" for key, sha in zip(rows["unit_key"], shas, strict=True)]
    row_of = {sha: row for row, sha in enumerate(shas)}
    windows = {year: [years_back is None or (y is not None and year - years_back <= y <= year) for y in years]
               for year in fiscal_years}
    corpus = _ParagraphCorpus(rows["canonical_text"].tolist(), owners, years, windows, thresholds)
    found_by_year: dict[int, list[AuditFinding]] = {}
    for fiscal_year in fiscal_years:
        in_window = windows[fiscal_year]
        # (report, other unit) -> the shared paragraphs: one finding per other unit, whatever its years
        shared: dict[tuple[int, str], list[dict[str, object]]] = defaultdict(list)
        for item in corpus.items_of_docs([row for row, year in enumerate(years) if year == fiscal_year]):
            doc, start, text_id = corpus.item_doc[item], corpus.item_start[item], corpus.item_text[item]
            own = owners[doc]
            matches = [(other, similarity) for other_text, similarity in corpus.similar_if_not_template(text_id, fiscal_year)
                       for other in corpus.items_of[other_text]
                       if in_window[corpus.item_doc[other]] and owners[corpus.item_doc[other]] != own]
            for other, similarity in sorted(matches):
                other_doc = corpus.item_doc[other]
                shared[(doc, owners[other_doc])].append({
                    "paragraph": corpus.texts[text_id], "offset": start,
                    "other_sha256": shas[other_doc], "other_file_name": file_names[other_doc],
                    "other_fiscal_year": years[other_doc], "other_offset": corpus.item_start[other],
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
                fiscal_year=fiscal_year,
            ))
        found_by_year[fiscal_year] = found
    return found_by_year


class _ParagraphCorpus:
    """The paragraphs of a set of reports, and which of their distinct texts are similar.

    Templates repeat the same paragraph in many reports: each distinct text is shingled, hashed,
    indexed and compared once (`similarity.similar_pairs`, for all texts at once), and the result
    applies to every report that has it.

    `windows`: audited year -> which documents an audit of that year compares (its own year and the
    ones before): a text is judged per year against those documents only."""

    def __init__(self, documents: list[str | None], owners: list[str], years: list[int | None],
                 windows: dict[int, list[bool]], thresholds: AuditThresholds) -> None:
        self.thresholds = thresholds
        self.owners = owners
        self.years = years
        self.windows = windows
        self.texts: list[str] = []
        self.item_doc: list[int] = []
        self.item_start: list[int] = []
        self.item_text: list[int] = []
        self.items_of: list[list[int]] = []  # text id -> its paragraphs (item numbers, ascending)
        self._items_of_doc: list[range] = []
        text_ids: dict[str, int] = {}
        for doc, document in enumerate(documents):
            first = len(self.item_doc)
            for start, text in paragraphs(document or "", thresholds.copy_min_chars):
                text_id = text_ids.setdefault(text, len(self.texts))
                if text_id == len(self.texts):
                    self.texts.append(text)
                    self.items_of.append([])
                self.items_of[text_id].append(len(self.item_doc))
                self.item_doc.append(doc)
                self.item_start.append(start)
                self.item_text.append(text_id)
            self._items_of_doc.append(range(first, len(self.item_doc)))
        left, right, similarity = similar_pairs(self.texts, thresholds.copy_similarity)
        # text id -> (other text id, similarity) of the texts similar to it, both ways round
        self.neighbours: list[list[tuple[int, float]]] = [[] for _ in self.texts]
        for one, other, value in zip(left.tolist(), right.tolist(), similarity.tolist(), strict=True):
            self.neighbours[one].append((other, value))
            self.neighbours[other].append((one, value))
        self._similar: dict[tuple[int, int], list[tuple[int, float]]] = {}

    def items_of_docs(self, docs: list[int]) -> list[int]:
        return [item for doc in docs for item in self._items_of_doc[doc]]

    def similar_if_not_template(self, text_id: int, fiscal_year: int) -> list[tuple[int, float]]:
        """(text id, Jaccard similarity) of the texts of the year's window similar to `text_id` (itself
        included), or [] when they appear in the reports of `boilerplate_min_units` or more units of
        the window: a shared template. Every year the text is audited in is judged in the same pass
        over its similar texts."""
        key = (text_id, fiscal_year)
        if key not in self._similar:
            self._judge(text_id)
        return self._similar[key]

    def _judge(self, text_id: int) -> None:
        # the years whose audited reports (of that year) have the text
        audited = {self.years[self.item_doc[item]] for item in self.items_of[text_id]}
        for year in audited & self.windows.keys():
            window = self.windows[year]
            similar: list[tuple[int, float]] = []
            units: set[str] = set()
            for other, similarity in [(text_id, 1.0), *self.neighbours[text_id]]:
                in_window = [item for item in self.items_of[other] if window[self.item_doc[item]]]
                if not in_window:
                    continue  # a text of other years only: not in this year's comparison
                similar.append((other, similarity))
                units.update(self.owners[self.item_doc[item]] for item in in_window)
                if len(units) >= self.thresholds.boilerplate_min_units:
                    similar = []  # stop: templates have long lists of similar texts
                    break
            self._similar[(text_id, year)] = similar


def _int(value: object) -> int | None:
    return None if pd.isna(value) else int(value)  # type: ignore[arg-type]


def load_unit_kinds(path: Path = UNIT_KINDS_TOML) -> dict[str, dict[str, object]]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def foreign_text(texts: pd.DataFrame, fiscal_years: int | Collection[int],
                 unit_kinds: dict[str, dict[str, object]] | None = None) -> list[AuditFinding]:
    """Reports of `fiscal_years` (one or several) whose text uses the phrases of a kind of unit they
    are not, in the order of `texts`."""
    kinds = unit_kinds if unit_kinds is not None else load_unit_kinds()
    years = [fiscal_years] if isinstance(fiscal_years, int) else list(fiscal_years)
    found: list[AuditFinding] = []
    for row in texts[texts["fiscal_year"].isin(years)].itertuples(index=False):
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
                fiscal_year=_int(row.fiscal_year),
            ))
    return found


# From this many texts on, `text_checks` splits the years over the workers it is given (100k reports:
# ~27 s of text checks in one process); below it, a worker's start costs more than it saves.
PARALLEL_TEXTS = 5_000


def text_checks(texts: pd.DataFrame, fiscal_years: list[int], thresholds: AuditThresholds,
                pool: Callable[[], Executor] | None = None, workers: int = 1) -> list[AuditFinding]:
    """Copied paragraphs by year (in the order of `fiscal_years`), then foreign text (in the order of
    `texts`). With a `pool` (made only when used) and many texts, a run of consecutive years goes to each
    of `workers` processes, each with the year before its first (a year is compared with itself and the
    year before): the same findings in the same order as one pass."""
    workers = min(workers, len(fiscal_years))
    if pool is None or len(texts) < PARALLEL_TEXTS or workers < 2:
        copied, foreign = _text_checks_of(texts, fiscal_years, thresholds)
        return copied + foreign
    ordered = sorted(fiscal_years)
    runs = [ordered[i * len(ordered) // workers:(i + 1) * len(ordered) // workers] for i in range(workers)]
    executor = pool()
    parts = [executor.submit(_text_checks_of, texts[texts["fiscal_year"].between(run[0] - 1, run[-1])], run,
                             thresholds) for run in runs]
    copied_parts, foreign_parts = zip(*(part.result() for part in parts), strict=True)
    position = {year: rank for rank, year in enumerate(fiscal_years)}
    copied = sorted((finding for part in copied_parts for finding in part), key=lambda f: position[f.fiscal_year])
    return copied + [finding for part in foreign_parts for finding in part]


def _text_checks_of(texts: pd.DataFrame, fiscal_years: list[int],
                    thresholds: AuditThresholds) -> tuple[list[AuditFinding], list[AuditFinding]]:
    copied = copied_paragraphs_by_year(texts, fiscal_years, thresholds)
    return [finding for year in fiscal_years for finding in copied[year]], foreign_text(texts, fiscal_years)
