"""A generated corpus of self-evaluation reports with ground truth, for benchmarks and recall checks.

    python -m bench.corpus --n 1000 --years 2019-2024 --seed 7 --out /tmp/corpus

writes DIR/NNNNNN_<unit>.txt (UTF-8, some GB18030 and UTF-8 with BOM) and, in DIR/.truth/ (a dot
folder, so `jixiao ingest DIR` never sees it), one JSON per report in the gold-file shape that
`../shared/tools/score.py DIR/.truth PRED.json` and `bench.recall` read.

Report i is a pure function of (seed, i): generation streams, is deterministic, and any slice can be
made alone. Units recur across years (report i is unit i // len(years) in year i % len(years)), so
year-over-year audits have material. Phrasings follow the seeds, the samples and the realistic prose
(see `bench/layouts.py`, `bench/prose.py`, `bench/prose_full.py`, `bench/project.py`); about 45% of
reports carry one planted inconsistency, spread over every rule of the spec, and many carry traps (a
rounding or reading that must not be flagged: the truth's `traps` and `must_not_flag`).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.layouts import DEPARTMENTS, REGIONS, Figures, Writer, findings_of, render_report

PLANTED_RULES: tuple[str, ...] = (
    "sum_mismatch", "rate_mismatch", "rate_over_100", "shares_not_100", "conflicting_values",
    "over_budget", "expenditure_exceeds_income", "staff_sum_mismatch", "staff_over_authorized",
)
PLANT_SHARE = 0.45
TRUTH_DIR = ".truth"


@dataclass(frozen=True, slots=True)
class Generated:
    """One report: its file name, its bytes as written to disk, and its ground truth (gold shape)."""

    name: str
    data: bytes
    truth: dict


def parse_years(spec: str) -> list[int]:
    """'2019-2024' or '2021' or '2019,2021' -> sorted list of years."""
    years: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        years.update(range(int(first), int(last or first) + 1))
    if not years:
        raise ValueError(f"no years in {spec!r}")
    return sorted(years)


def _unit(seed: int, unit_index: int) -> dict:
    """A budget unit's fixed traits: region, department, size. The same in every year it reports."""
    rng = random.Random(f"{seed}:unit:{unit_index}")
    province, city, county = rng.choice(REGIONS)
    department, indicators = rng.choice(DEPARTMENTS)
    county_level = county is not None and rng.random() < 0.75
    place = county if county_level else city
    return {
        "name": f"{place}{department}",
        "region": {"province": province, "city": city, "county": county if county_level else None},
        "indicators": indicators,
        # size in 万元: most units are small, a few big (卫健委-sized)
        "scale_wan": round(min(60000.0, rng.lognormvariate(5.8, 1.0)), 2),
        "staff": max(3, int(rng.lognormvariate(2.8, 0.8))),
        "slug": f"u{unit_index:06d}",
    }


def generate_one(index: int, *, years: list[int], seed: int, layouts: tuple[str, ...] | None = None) -> Generated:
    """Report number `index` of the corpus for `seed` (independent of every other report). `layouts`
    restricts the layouts drawn (e.g. `bench.prose.OLD_LAYOUTS`); None draws from all, by their shares."""
    unit = _unit(seed, index // len(years))
    year = years[index % len(years)]
    rng = random.Random(f"{seed}:report:{index}")
    planted = rng.choice(PLANTED_RULES) if rng.random() < PLANT_SHARE else None
    growth = (1.0 + 0.04 * (year - years[0])) * rng.uniform(0.95, 1.05)
    figures = Figures.draw(rng, scale_wan=unit["scale_wan"] * growth, staff=unit["staff"], planted=planted)
    writer = Writer(rng)
    text = render_report(writer, rng, unit=unit, year=year, figures=figures, planted=planted, layouts=layouts)
    name = f"{index:06d}_{unit['slug']}_{year}.txt"
    encoding = rng.choices(("utf-8", "gb18030", "utf-8-sig"), weights=(85, 10, 5))[0]
    findings, optional_findings = findings_of(writer)
    truth = {
        "document": name,
        "report_kind": writer.report_kind,
        "subject": writer.subject,
        "unit_name": unit["name"],
        "region": unit["region"],
        "fiscal_year": year,
        "report_date": writer.report_date,
        "encoding": encoding,
        "layout": writer.layout,
        "planted": planted,
        "amounts": writer.amounts,
        "optional_amounts": writer.optional_amounts,
        "rates": writer.rates,
        "staff": writer.staff,
        "scores": writer.scores,
        "unclassified": writer.unclassified,
        "findings": findings,
        "optional_findings": optional_findings,
        "must_not_flag": must_not_flag(writer.traps, findings, optional_findings),
        "traps": sorted(set(writer.traps)),
        "notes": f"generated: layout {writer.layout}, planted {planted}, traps {sorted(set(writer.traps)) or 'none'}",
    }
    return Generated(name=name, data=text.encode(encoding), truth=truth)


# the rules a trap could wrongly trigger (the gold's must_not_flag), by trap
TRAP_RULES: dict[str, tuple[str, ...]] = {
    "rate_rounding": ("rate_mismatch",),  # 94.50% stated, 94.4968% computed
    "rate_truncated": ("rate_mismatch",),  # 99% for 99.62%
    "sum_rounding": ("sum_mismatch",),  # parts adding up to the total +/- 0.01
    "shares_rounding": ("shares_not_100",),  # shares adding up to 100.01% or 99.99%
    "restated_coarser": ("conflicting_values",),  # 1.26亿元 for 12,615.38万元
    "implied_adjusted": ("rate_mismatch", "over_budget"),  # 年初预算 + 调整追加, no 全年预算数
    "implied_part": ("sum_mismatch",),  # 公务用车购置费 + 运行维护费, no 公务用车购置及运行维护费
    "carryover_covers": ("expenditure_exceeds_income",),  # 支出 > 收入 with 年初结转和结余 stated
    "prior_year": ("conflicting_values", "over_budget"),  # （上年为Y万元） beside this year's figure
}


def must_not_flag(traps: list[str], findings: list[dict], optional: list[dict]) -> list[str]:
    rules = {rule for trap in traps for rule in TRAP_RULES[trap]}
    return sorted(rules - {f["rule"] for f in findings} - {f["rule"] for f in optional})


def generate(n: int, *, years: list[int], seed: int, start: int = 0,
             layouts: tuple[str, ...] | None = None) -> Iterator[Generated]:
    """Reports start .. start+n-1, one at a time (nothing is held beyond the current report)."""
    for index in range(start, start + n):
        yield generate_one(index, years=years, seed=seed, layouts=layouts)


def write_corpus(out: Path, n: int, *, years: list[int], seed: int) -> int:
    """Write n reports and their truth files under `out`; return the bytes of report text written."""
    truth_dir = out / TRUTH_DIR
    truth_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for report in generate(n, years=years, seed=seed):
        (out / report.name).write_bytes(report.data)
        (truth_dir / report.name.replace(".txt", ".json")).write_text(
            json.dumps(report.truth, ensure_ascii=False), encoding="utf-8")
        written += len(report.data)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, required=True, help="number of reports")
    parser.add_argument("--years", default="2019-2024", help="fiscal years, e.g. 2019-2024")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    size = write_corpus(args.out, args.n, years=parse_years(args.years), seed=args.seed)
    elapsed = time.perf_counter() - started
    print(f"{args.n} reports ({size / 2**20:.1f} MiB) in {elapsed:.1f} s -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
