"""The bench's accounting: a run's warehouse against a plain sequential run over the same corpus.

The reference is `tasks.pipeline.process_batch` called in a loop over the corpus in file order (plain
functions: no Prefect, no database, no windows of batches in flight), spread over a process pool only
to keep the bench's time down (each chunk is the same sequential loop). Every report must be loaded
once, and each report's fact counts (per table) and finding keys (rule, severity, facts named) must
be those of the reference: the batching, the worker pool and the writer change nothing."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

FindingKey = tuple[str, str, str, tuple[str, ...]]  # doc_sha256, rule, severity, sorted fact ids
FACT_TABLES = ("amounts", "rates", "staff", "scores", "unclassified")
CHUNK = 2_000  # the ingest's batch size: the reference validates as many reports at once


@dataclass(slots=True)
class Digest:
    files: int = 0
    rejected: int = 0
    fact_counts: dict[str, tuple[int, ...]] = field(default_factory=dict)  # sha256 -> rows per FACT_TABLES
    findings: Counter[FindingKey] = field(default_factory=Counter)

    def merge(self, other: Digest) -> None:
        self.files += other.files
        self.rejected += other.rejected
        self.fact_counts.update(other.fact_counts)
        self.findings.update(other.findings)


def _reference_chunk(paths: list[str]) -> Digest:
    from tasks.pipeline import process_batch

    digest = Digest(files=len(paths))
    for item in process_batch([(path, Path(path).read_bytes()) for path in paths]):
        facts = item.facts
        if facts is None:
            digest.rejected += 1
            continue
        sha = item.document.sha256
        digest.fact_counts[sha] = (len(facts.amounts), len(facts.rates), len(facts.staff), len(facts.scores),
                                   len(facts.unclassified))
        digest.findings.update((sha, f.rule, f.severity, tuple(sorted(f.facts))) for f in facts.findings)
    return digest


def reference_digest(paths: list[str], pool: ProcessPoolExecutor) -> Digest:
    """The plain sequential run's digest of `paths` (chunks of CHUNK files, in order)."""
    total = Digest()
    for part in pool.map(_reference_chunk, [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)]):
        total.merge(part)
    return total


def warehouse_digest(db: Path) -> tuple[Digest, int, int]:
    """The warehouse's digest, with its document rows and distinct paths."""
    import duckdb

    here = Path(__file__).with_name("queries")
    with duckdb.connect(str(db), read_only=True) as conn:
        documents, paths, reports = conn.execute((here / "document_counts.sql").read_text()).fetchone()
        digest = Digest(files=documents, rejected=documents - reports)
        for sha, *counts in conn.execute((here / "fact_counts.sql").read_text()).fetchall():
            digest.fact_counts[sha] = tuple(counts)
        for sha, rule, severity, fact_ids in conn.execute((here / "finding_keys.sql").read_text()).fetchall():
            digest.findings[(sha, rule, severity, tuple(fact_ids))] += 1
    return digest, documents, paths


def check_against_reference(db: Path, files: int, reference: Digest) -> dict[str, int]:
    """Raise AssertionError naming the first differences; return the counts compared."""
    loaded, documents, paths = warehouse_digest(db)
    problems = []
    if not documents == paths == files == reference.files:
        problems.append(f"{files} files, reference {reference.files}, warehouse {documents} documents "
                        f"with {paths} distinct paths (each file must be loaded once)")
    if loaded.rejected != reference.rejected:
        problems.append(f"rejected: warehouse {loaded.rejected}, reference {reference.rejected}")
    differing = [sha for sha in reference.fact_counts.keys() | loaded.fact_counts.keys()
                 if reference.fact_counts.get(sha) != loaded.fact_counts.get(sha)]
    if differing:
        sha = differing[0]
        problems.append(f"{len(differing)} reports differ in fact counts {FACT_TABLES}, e.g. {sha[:12]}: "
                        f"reference {reference.fact_counts.get(sha)}, warehouse {loaded.fact_counts.get(sha)}")
    missing, extra = reference.findings - loaded.findings, loaded.findings - reference.findings
    if missing or extra:
        problems.append(f"findings: {sum(missing.values())} of the reference missing (e.g. {next(iter(missing), None)}), "
                        f"{sum(extra.values())} extra (e.g. {next(iter(extra), None)})")
    if problems:
        raise AssertionError("the run differs from a plain sequential run: " + "; ".join(problems))
    return {"reference_files": reference.files, "reference_reports": len(reference.fact_counts),
            "reference_fact_rows": sum(sum(counts) for counts in reference.fact_counts.values()),
            "reference_findings": sum(reference.findings.values())}
