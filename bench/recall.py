"""Recall and precision of the extractor + validator on a generated corpus, scored against its truth.

Matching follows `../shared/tools/score.py`: an amount is found when a fact with the same concept and
basis is within half a yuan; an extracted amount matching none is an extra, unless it matches an
optional one of the truth (a restatement, a change, a prior year's figure). A finding is found when the
report has a finding of that rule (counted with multiplicity); a finding raised beyond the truth's is a
false alarm, unless the truth lists its rule as optional.

- finding recall: truth findings found / truth findings
- finding precision: findings raised that match a truth finding / findings raised (optional ones left out)
- amount recall and precision likewise (precision: found / (found + extras))

Figures per layout, per rule and per trap show which phrasings the extractor misses; `--examples`
prints, for misses and false alarms, the sentence of the report and what was extracted.

    python -m bench.recall --n 1000 --seed 7 [--examples 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field

YUAN_TOLERANCE = 0.5
GROUPS = {"old_layouts": ("plan_actual", "chain", "triple", "yuan", "brief", "table"),
          "new_layouts": ("full_year", "unit_once", "project")}


@dataclass(slots=True)
class Tally:
    """Counts for one slice of the corpus (all of it, a layout, a rule)."""

    reports: int = 0
    amounts_total: int = 0
    amounts_found: int = 0
    amounts_extra: int = 0
    findings_total: int = 0
    findings_found: int = 0
    findings_raised: int = 0  # raised and not optional
    false_alarms: int = 0

    def as_dict(self) -> dict:
        return {
            "reports": self.reports,
            "amount_recall": _ratio(self.amounts_found, self.amounts_total),
            "amount_precision": _ratio(self.amounts_found, self.amounts_found + self.amounts_extra),
            "finding_recall": _ratio(self.findings_found, self.findings_total),
            "finding_precision": _ratio(self.findings_found, self.findings_raised),
            "amounts_total": self.amounts_total, "amounts_missed": self.amounts_total - self.amounts_found,
            "amounts_extra": self.amounts_extra, "findings_total": self.findings_total,
            "findings_missed": self.findings_total - self.findings_found, "findings_raised": self.findings_raised,
            "false_alarms": self.false_alarms,
        }


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


@dataclass(slots=True)
class Recall:
    total: Tally = field(default_factory=Tally)
    by_layout: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_rule: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    alarms_by_trap: Counter[str] = field(default_factory=Counter)  # false alarms a trap of the report explains
    missed_concepts: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (layout, concept, basis)
    extra_concepts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    examples: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    keep_examples: int = 0

    # the old API, kept for callers
    @property
    def amount_recall(self) -> float:
        return _ratio(self.total.amounts_found, self.total.amounts_total)

    @property
    def finding_recall(self) -> float:
        return _ratio(self.total.findings_found, self.total.findings_total)

    @property
    def finding_precision(self) -> float:
        return _ratio(self.total.findings_found, self.total.findings_raised)

    @property
    def false_alarms(self) -> int:
        return self.total.false_alarms

    def group(self, layouts: tuple[str, ...]) -> Tally:
        """The counts of some layouts together."""
        out = Tally()
        for layout in layouts:
            tally = self.by_layout.get(layout)
            if tally is not None:
                for name in Tally.__slots__:
                    setattr(out, name, getattr(out, name) + getattr(tally, name))
        return out

    def add(self, truth: dict, predicted: dict | None, text: str = "") -> None:
        predicted = predicted or {}
        layout = truth.get("layout", "")
        slices = [self.total, self.by_layout[layout]]
        for tally in slices:
            tally.reports += 1
        pool = list(predicted.get("amounts", []))
        for gold in truth["amounts"]:
            for i, fact in enumerate(pool):
                if ((fact["concept"], fact["basis"]) == (gold["concept"], gold["basis"])
                        and abs(float(fact["value_yuan"]) - gold["value_yuan"]) <= YUAN_TOLERANCE):
                    pool.pop(i)
                    found = 1
                    break
            else:
                found = 0
                self.missed_concepts[(layout, gold["concept"], gold["basis"])] += 1
                self._example(f"amount missed: {layout}", truth, text, gold=gold, predicted=predicted)
            for tally in slices:
                tally.amounts_total += 1
                tally.amounts_found += found
        optional = truth.get("optional_amounts", [])
        extras = [fact for fact in pool if not any(
            abs(float(fact["value_yuan"]) - o["value_yuan"]) <= YUAN_TOLERANCE
            and (fact["concept"] == o["concept"] or o["concept"].startswith(("target.", "special_fund")))
            for o in optional)]
        for fact in extras:
            self.extra_concepts[(layout, fact["concept"], fact["basis"])] += 1
            self._example(f"amount extra: {layout}", truth, text, fact=fact, predicted=predicted)
        for tally in slices:
            tally.amounts_extra += len(extras)
        self._findings(truth, predicted, text, layout, slices)

    def _findings(self, truth: dict, predicted: dict, text: str, layout: str, slices: list[Tally]) -> None:
        want = Counter(f["rule"] for f in truth["findings"])
        got = Counter(f["rule"] for f in predicted.get("findings", []))
        allowed = Counter(f["rule"] for f in truth.get("optional_findings", []))
        matched = want & got
        beyond = got - want
        absorbed = beyond & allowed
        alarms = beyond - absorbed
        for rule in set(want) | set(got):
            tallies = [*slices, self.by_rule[rule]]
            for tally in tallies:
                tally.findings_total += want[rule]
                tally.findings_found += matched[rule]
                tally.findings_raised += got[rule] - absorbed[rule]
                tally.false_alarms += alarms[rule]
            if want[rule] > matched[rule]:
                self._example(f"finding missed: {rule}", truth, text, rule=rule, predicted=predicted)
            if alarms[rule]:
                traps = [t for t in truth.get("traps", []) if rule in _trap_rules(t)]
                for trap in traps[:1] or ["(no trap)"]:
                    self.alarms_by_trap[f"{rule} <- {trap}"] += alarms[rule]
                self._example(f"false alarm: {rule}", truth, text, rule=rule, predicted=predicted, alarm=True)

    def _example(self, key: str, truth: dict, text: str, *, gold: dict | None = None, fact: dict | None = None,
                 rule: str | None = None, predicted: dict, alarm: bool = False) -> None:
        if len(self.examples[key]) >= self.keep_examples:
            return
        example: dict = {"document": truth["document"], "layout": truth.get("layout"), "traps": truth.get("traps", [])}
        if gold is not None:
            number = gold["as_written"].split(" (")[0]
            sentence, start, end = _sentence(text, number)
            example |= {"truth": f"{gold['concept']}/{gold['basis']}={gold['value_yuan']} ({gold['as_written']})",
                        "sentence": sentence,
                        "extracted_there": [f"{a['concept']}/{a['basis']}={a['value_yuan']} ({a['as_written']})"
                                            for a in predicted.get("amounts", []) if start <= a["span"][0] < end]}
        if fact is not None:
            start, end = fact["span"]
            example |= {"extracted": f"{fact['concept']}/{fact['basis']}={fact['value_yuan']} ({fact['as_written']})",
                        "sentence": _around(text, start, end)}
        if rule is not None:
            example |= {"truth_findings": [f"{f['rule']}: {f.get('about', '')}" for f in truth["findings"]],
                        "raised": [f"{f['rule']}: {f.get('message', '')}" for f in predicted.get("findings", [])
                                   if not alarm or f["rule"] == rule]}
        self.examples[key].append(example)

    def as_dict(self) -> dict:
        out = {
            **self.total.as_dict(),
            **{name: self.group(layouts).as_dict() for name, layouts in GROUPS.items()},
            "by_layout": {layout: tally.as_dict() for layout, tally in sorted(self.by_layout.items())},
            "by_rule": {rule: {key: tally.as_dict()[key] for key in (
                "findings_total", "findings_missed", "findings_raised", "false_alarms", "finding_recall",
                "finding_precision")} for rule, tally in sorted(self.by_rule.items())},
            "false_alarms_by_trap": dict(self.alarms_by_trap.most_common()),
            "amounts_missed_by_concept": {" ".join(key): n for key, n in self.missed_concepts.most_common(25)},
            "amounts_extra_by_concept": {" ".join(key): n for key, n in self.extra_concepts.most_common(25)},
        }
        if self.keep_examples:
            out["examples"] = dict(self.examples)
        return out


def _trap_rules(trap: str) -> tuple[str, ...]:
    from bench.corpus import TRAP_RULES

    return TRAP_RULES.get(trap, ())


def _sentence(text: str, number: str) -> tuple[str, int, int]:
    at = text.find(number)
    if at < 0:
        return "", 0, 0
    return _around(text, at, at + len(number)), *_bounds(text, at, at + len(number))


def _bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(text.rfind(mark, 0, start) for mark in "。\n") + 1
    rights = [i for i in (text.find(mark, end) for mark in "。\n") if i >= 0]
    return left, min(rights) + 1 if rights else len(text)


def _around(text: str, start: int, end: int) -> str:
    left, right = _bounds(text, start, end)
    return text[left:right].strip()[:300]


def measure(n: int, *, seed: int, years: list[int] | None = None, batch: int = 200,
            layouts: tuple[str, ...] | None = None, examples: int = 0) -> Recall:
    """Generate n reports in memory, read + extract + validate them in batches, score against truth.
    `layouts` restricts the corpus to some layouts (see `bench.corpus.generate_one`)."""
    from bench.corpus import generate
    from tasks.pipeline import process_batch

    recall = Recall(keep_examples=examples)
    reports = list(generate(n, years=years or list(range(2019, 2025)), seed=seed, layouts=layouts))
    for start in range(0, n, batch):
        chunk = reports[start:start + batch]
        processed = process_batch([(report.name, report.data) for report in chunk])
        for report, item in zip(chunk, processed, strict=True):
            recall.add(report.truth, item.facts.to_json() if item.facts else None, item.document.text)
    return recall


def _print(report: dict) -> None:
    header = ("reports", "amount_recall", "amount_precision", "finding_recall", "finding_precision",
              "amounts_total", "amounts_missed", "amounts_extra", "findings_total", "findings_missed",
              "false_alarms")
    print("\t".join(["slice", *header]))
    rows = [("all", report), *((name, report[name]) for name in GROUPS), *report["by_layout"].items()]
    for name, row in rows:
        print("\t".join([name, *(str(row[key]) for key in header)]))
    print("\nrule\tfindings_total\tmissed\traised\tfalse_alarms\trecall\tprecision")
    for rule, row in report["by_rule"].items():
        print(f"{rule}\t{row['findings_total']}\t{row['findings_missed']}\t{row['findings_raised']}\t"
              f"{row['false_alarms']}\t{row['finding_recall']}\t{row['finding_precision']}")
    for key in ("false_alarms_by_trap", "amounts_missed_by_concept", "amounts_extra_by_concept"):
        print(f"\n{key}: {json.dumps(report[key], ensure_ascii=False)}")
    for key, examples in report.get("examples", {}).items():
        print(f"\n--- {key}")
        for example in examples:
            print(json.dumps(example, ensure_ascii=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="recall and precision of extract + validate on a generated corpus")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--layouts", help="comma-separated layouts only (default: all, by their shares)")
    parser.add_argument("--examples", type=int, default=0, help="examples per kind of miss / false alarm")
    parser.add_argument("--json", help="write the figures (and examples) as JSON here")
    args = parser.parse_args(argv)
    layouts = tuple(args.layouts.split(",")) if args.layouts else None
    report = measure(args.n, seed=args.seed, layouts=layouts, examples=args.examples).as_dict()
    _print(report)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
