"""Recall of the extractor + validator on a generated corpus, scored against its ground truth.

Matching follows `../shared/tools/score.py`: an amount is found when a fact with the same concept and
basis is within half a yuan; a finding is found when the report has a finding of that rule (counted
with multiplicity). Figures per layout show which phrasings the extractor misses.

    python -m bench.recall --n 500 --seed 1   # generate in memory, extract + validate, print recall
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field

YUAN_TOLERANCE = 0.5


@dataclass(slots=True)
class Recall:
    amounts_found: int = 0
    amounts_total: int = 0
    amounts_extra: int = 0
    findings_found: int = 0
    findings_total: int = 0
    false_alarms: int = 0
    by_layout: Counter[str] = field(default_factory=Counter)  # amounts missed per layout
    missed_rules: Counter[str] = field(default_factory=Counter)
    alarm_rules: Counter[str] = field(default_factory=Counter)

    @property
    def amount_recall(self) -> float:
        return self.amounts_found / max(self.amounts_total, 1)

    @property
    def finding_recall(self) -> float:
        return self.findings_found / max(self.findings_total, 1)

    def add(self, truth: dict, predicted: dict | None) -> None:
        predicted = predicted or {}
        pool = list(predicted.get("amounts", []))
        for gold in truth["amounts"]:
            self.amounts_total += 1
            for i, fact in enumerate(pool):
                if ((fact["concept"], fact["basis"]) == (gold["concept"], gold["basis"])
                        and abs(float(fact["value_yuan"]) - gold["value_yuan"]) <= YUAN_TOLERANCE):
                    self.amounts_found += 1
                    pool.pop(i)
                    break
            else:
                self.by_layout[truth.get("layout", "")] += 1
        self.amounts_extra += len(pool)
        want = Counter(f["rule"] for f in truth["findings"])
        got = Counter(f["rule"] for f in predicted.get("findings", []))
        self.findings_total += sum(want.values())
        self.findings_found += sum((want & got).values())
        self.missed_rules.update(want - got)
        self.alarm_rules.update(got - want)
        self.false_alarms += sum((got - want).values())

    def as_dict(self) -> dict:
        return {
            "amount_recall": round(self.amount_recall, 4), "finding_recall": round(self.finding_recall, 4),
            "amounts_total": self.amounts_total, "amounts_extra": self.amounts_extra,
            "findings_total": self.findings_total, "false_alarms": self.false_alarms,
            "amounts_missed_by_layout": dict(self.by_layout), "findings_missed_by_rule": dict(self.missed_rules),
            "false_alarms_by_rule": dict(self.alarm_rules),
        }


def measure(n: int, *, seed: int, years: list[int] | None = None, batch: int = 200) -> Recall:
    """Generate n reports in memory, read + extract + validate them in batches, score against truth."""
    from bench.corpus import generate
    from tasks.pipeline import process_batch

    recall = Recall()
    reports = list(generate(n, years=years or list(range(2019, 2025)), seed=seed))
    for start in range(0, n, batch):
        chunk = reports[start:start + batch]
        processed = process_batch([(report.name, report.data) for report in chunk])
        for report, item in zip(chunk, processed, strict=True):
            recall.add(report.truth, item.facts.to_json() if item.facts else None)
    return recall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="recall of extract + validate on a generated corpus")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for key, value in measure(args.n, seed=args.seed).as_dict().items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
