"""The sample corpus' expected files are consistent with their reports and with the validation rules.

No extractor here: the expected facts are read as written and the spec's rules are re-derived from them
with the lead's tolerance semantics (half a unit of the last stated digit; rates may be truncated), so a
declared finding must follow from the figures and an undeclared one must not.
"""

from __future__ import annotations

import codecs
import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from expectations.concepts import children_by_axis, load_concepts
from tasks.models import BASES, RATE_KINDS, UNIT_YUAN

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"
EXPECTED_DIR = SAMPLES_DIR / ".expected"
SCORE_TOOL = Path(__file__).resolve().parents[2] / "shared" / "tools" / "score.py"
# the prose reports: samples/*.txt and samples/prose/*.txt (paths relative to samples/)
SAMPLE_NAMES = sorted([p.name for p in SAMPLES_DIR.glob("*.txt")]
                      + [f"prose/{p.name}" for p in (SAMPLES_DIR / "prose").glob("*.txt")])

SEVERITY = {
    "sum_mismatch": "error", "rate_mismatch": "error", "rate_over_100": "error", "shares_not_100": "error",
    "conflicting_values": "error", "over_budget": "warning", "expenditure_exceeds_income": "warning",
    "staff_sum_mismatch": "error", "staff_over_authorized": "warning",
}
PROPORTION_WORDS = ("满意度", "知晓度", "知晓率", "覆盖率", "使用率", "比例", "受益度", "达标率", "合格率",
                    "到位率", "占", "准确率", "参与率")
EPS = 1e-6  # float noise only; every real tolerance comes from the stated precision


def decode(raw: bytes) -> str:
    """BOMs first, then strict UTF-8, then GB18030: the three encodings the corpus uses besides UTF-8."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw.decode("utf-8-sig")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def expected_path(name: str) -> Path:
    return (SAMPLES_DIR / name).parent / ".expected" / f"{Path(name).stem}.json"


def expected_for(name: str) -> dict:
    return json.loads(expected_path(name).read_text(encoding="utf-8"))


def report_text(name: str) -> str:
    return nfkc(decode((SAMPLES_DIR / name).read_bytes()))


# --- figures as written -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    concept: str
    basis: str
    value: float  # yuan, or percent for rates
    half: float  # half a unit of the last stated digit


AMOUNT_RE = re.compile(r"(\d+(?:\.(\d+))?)\s*(亿元|万元|元)?")
PCT_RE = re.compile(r"(\d+(?:\.(\d+))?)\s*%")


def amount_figure(row: dict) -> Figure:
    match = AMOUNT_RE.fullmatch(nfkc(row["as_written"]).replace(",", ""))
    assert match, f"unparseable amount {row['as_written']!r}"
    # a bare number sits among 元 figures, or under a unit the report states once ("unit" of the row)
    unit_yuan = UNIT_YUAN[match[3] or row.get("unit", "元")]
    decimals = len(match[2] or "")
    return Figure(row["concept"], row["basis"], float(match[1]) * unit_yuan, 0.5 * 10.0**-decimals * unit_yuan)


def rate_figure(row: dict) -> Figure:
    match = PCT_RE.fullmatch(nfkc(row["as_written"]))
    assert match, f"unparseable rate {row['as_written']!r}"
    return Figure(row["concept"], row.get("basis", ""), float(match[1]), 0.5 * 10.0 ** -len(match[2] or ""))


def agree(a: Figure, b: Figure) -> bool:
    return abs(a.value - b.value) <= a.half + b.half + EPS


def ratio_fits(rate: Figure, numerator: Figure, denominator: Figure) -> bool:
    """Stated r stands for [r - h, r + 2h) (truncation allowed); the ratio of two rounded amounts is an interval."""
    low = (numerator.value - numerator.half) / (denominator.value + denominator.half) * 100
    high_den = denominator.value - denominator.half
    high = (numerator.value + numerator.half) / high_den * 100 if high_den > 0 else float("inf")
    return high >= rate.value - rate.half - EPS and low <= rate.value + 2 * rate.half + EPS


# --- the spec's rules, re-derived from expected facts ---------------------------------------------------

def derive_findings(expected: dict, with_optional: bool = False) -> list[str]:
    concepts = load_concepts()
    rows = expected["amounts"] + (expected.get("optional_amounts", []) if with_optional else [])
    amounts = [amount_figure(r) for r in rows if r["concept"] in concepts]
    rates = [(r["kind"], rate_figure(r)) for r in expected["rates"]]
    staff = {s["concept"]: s["value"] for s in expected["staff"]}
    by_key: dict[tuple[str, str], list[Figure]] = {}
    for figure in amounts:
        by_key.setdefault((figure.concept, figure.basis), []).append(figure)

    def conflicted(key: tuple[str, str]) -> bool:
        stated = by_key.get(key, [])
        return any(not agree(a, b) for a in stated for b in stated)

    def first(concept: str, basis: str) -> Figure | None:
        stated = by_key.get((concept, basis))
        return stated[0] if stated else None

    fired: list[str] = []
    for concept, basis in by_key:  # conflicting_values: one per concept + basis
        if not concepts[concept].multiple and conflicted((concept, basis)):
            fired.append("conflicting_values")

    for (parent_name, basis), stated in by_key.items():  # sum_mismatch, per parent, basis and axis
        if conflicted((parent_name, basis)):
            continue
        parent = stated[0]
        for children in children_by_axis(parent_name).values():
            parts: list[Figure] = []
            for child in children:  # multiple=yes items all count; otherwise a child's first statement
                stated_child = by_key.get((child, basis), [])
                if not stated_child:  # 中央 + 省级 + 市级 + 县级: grandchildren stand in for an unstated 市县
                    for grandchildren in children_by_axis(child).values():
                        stated_child = [f for g in grandchildren for f in by_key.get((g, basis), [])[:1]]
                        if stated_child:
                            break
                    parts += stated_child
                    continue
                parts += stated_child if concepts[child].multiple else stated_child[:1]
            if not parts:
                continue
            total = sum(p.value for p in parts)
            tolerance = parent.half + sum(p.half for p in parts) + EPS
            if (len(parts) >= 2 and abs(parent.value - total) > tolerance) or total - parent.value > tolerance:
                fired.append("sum_mismatch")

    share_groups: dict[tuple[str, str, str], list[Figure]] = {}
    for kind, rate in rates:
        info = concepts.get(rate.concept)
        if kind == "share":
            part, parent = first(rate.concept, rate.basis), first(info.parent, rate.basis)
            if part and parent and parent.value > 0 and not ratio_fits(rate, part, parent):
                fired.append("rate_mismatch")
            if rate.value - rate.half > 100:
                fired.append("rate_over_100")
            share_groups.setdefault((info.parent, info.axis, rate.basis), []).append(rate)
        elif kind == "execution":
            final = first(rate.concept, "final")
            references = [f for f in (first(rate.concept, "adjusted_budget"), first(rate.concept, "budget"))
                          if f and f.value > 0]
            if final and references and not any(ratio_fits(rate, final, ref) for ref in references):
                fired.append("rate_mismatch")
        elif kind == "indicator" and rate.value - rate.half > 100 and "控制率" not in rate.concept \
                and any(word in rate.concept for word in PROPORTION_WORDS):
            fired.append("rate_over_100")

    for (parent_name, axis, basis), group in share_groups.items():  # shares_not_100
        if len(group) < 2:
            continue
        axis_children = children_by_axis(parent_name)[axis]
        parent = first(parent_name, basis)
        parts = [first(r.concept, basis) for r in group]
        adds_up = parent is not None and all(parts) and abs(sum(p.value for p in parts) - parent.value) <= (
            parent.half + sum(p.half for p in parts) + EPS)
        complete = (concepts[axis_children[0]].closed and {r.concept for r in group} == set(axis_children)) \
            or adds_up
        low = sum(r.value - r.half for r in group)
        high = sum(r.value + 2 * r.half for r in group)
        if (complete and not low - EPS <= 100 <= high + EPS) or (not complete and low > 100 + EPS):
            fired.append("shares_not_100")

    for (concept, basis), stated in by_key.items():  # over_budget: income may exceed its plan
        if basis != "final" or concept.startswith("income."):
            continue
        reference = first(concept, "adjusted_budget") or first(concept, "budget")
        if reference and stated[0].value - reference.value > stated[0].half + reference.half + EPS:
            fired.append("over_budget")

    spent = first("expenditure.total", "final")  # expenditure_exceeds_income
    income_parts = [first("income.total", "final")] if first("income.total", "final") else [
        f for f in (first("income.fiscal", "final"), first("income.other", "final")) if f]
    carryover = any(f.concept == "income.carryover_in" for f in amounts)
    if spent and income_parts and not carryover:
        received = sum(f.value for f in income_parts)
        if spent.value - received > spent.half + sum(f.half for f in income_parts) + EPS:
            fired.append("expenditure_exceeds_income")

    for parent_name, count in staff.items():  # staff_sum_mismatch: head counts are exact
        for children in children_by_axis(parent_name).values():
            parts = [staff[c] for c in children if c in staff]
            if (len(parts) >= 2 or any(p > count for p in parts)) and sum(parts) != count:
                fired.append("staff_sum_mismatch")

    if staff.get("staff.actual", 0) > staff.get("staff.authorized", float("inf")):  # staff_over_authorized
        fired.append("staff_over_authorized")
    else:
        for part in ("organ", "affiliated", "admin", "institution"):
            if staff.get(f"staff.actual.{part}", 0) > staff.get(f"staff.authorized.{part}", float("inf")):
                fired.append("staff_over_authorized")
    return fired


# --- tests ----------------------------------------------------------------------------------------------

def test_corpus_has_at_least_fourteen_reports_each_with_expectations() -> None:
    assert len(SAMPLE_NAMES) >= 14
    for name in SAMPLE_NAMES:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.txt", Path(name).name), f"{name}: want NN_<ascii-slug>.txt"
        assert expected_path(name).is_file(), f"{name} has no expected file"
    expected = [*EXPECTED_DIR.glob("*.json"), *(SAMPLES_DIR / "prose" / ".expected").glob("*.json")]
    assert len(expected) == len(SAMPLE_NAMES), "an expected file without its report"
    assert sum(name.startswith("prose/") for name in SAMPLE_NAMES) >= 8  # other departments, projects, 决算说明


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_report_is_prose_of_genre_length_in_its_declared_encoding(name: str) -> None:
    raw, expected = (SAMPLES_DIR / name).read_bytes(), expected_for(name)
    assert raw.decode(expected["encoding"]) == decode(raw), "declared encoding disagrees with the bytes"
    text = report_text(name)
    assert 40 <= len(text.splitlines()) <= 120
    assert "|" not in text and "\t" not in text, "tables come with a later issue"
    assert expected["document"] == Path(name).name
    assert str(expected["fiscal_year"]) in text and expected["unit_name"] in text


def test_corpus_mixes_encodings() -> None:
    heads = [(SAMPLES_DIR / name).read_bytes() for name in SAMPLE_NAMES]
    assert sum(h.startswith(codecs.BOM_UTF8) for h in heads) >= 1
    assert sum(h.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) for h in heads) >= 1
    not_utf8 = []
    for head in heads:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            not_utf8.append(head)
    gb18030 = [h for h in not_utf8 if not h.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))]
    assert gb18030 and all(h.decode("gb18030") for h in gb18030)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_figure_is_written_in_its_report_with_the_declared_value(name: str) -> None:
    expected, text = expected_for(name), report_text(name)
    for row in expected["amounts"] + expected["rates"] + expected.get("optional_rates", []):
        assert nfkc(row["as_written"]) in text, f"{row['as_written']!r} not in {name}"
    for row in expected["amounts"]:
        assert amount_figure(row).value == pytest.approx(row["value_yuan"], abs=0.005), row
    for row in expected["rates"] + expected.get("optional_rates", []):
        assert rate_figure(row).value == pytest.approx(row["value_pct"], abs=1e-9), row


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_expected_facts_use_the_vocabulary(name: str) -> None:
    concepts, expected = load_concepts(), expected_for(name)
    for row in expected["amounts"]:
        assert concepts[row["concept"]].kind == "amount" and row["basis"] in BASES, row
    for row in expected["rates"] + expected.get("optional_rates", []):
        assert row["kind"] in RATE_KINDS, row
        if row["kind"] in ("share", "execution"):
            assert concepts[row["concept"]].kind == "amount", row
        if row["kind"] == "share":  # the part the share is of must be one of the stated amounts
            assert (row["concept"], row["basis"]) in {(a["concept"], a["basis"]) for a in expected["amounts"]}
    for row in expected["staff"]:
        assert concepts[row["concept"]].kind == "staff" and row["value"] >= 0, row
    assert all(0 <= score <= 100 for score in expected["scores"])
    assert set(expected["region"]) == {"province", "city", "county"}
    assert expected["report_date"] is None or re.fullmatch(r"\d{4}-\d\d(-\d\d)?", expected["report_date"])


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_declared_findings_follow_from_the_figures(name: str) -> None:
    expected = expected_for(name)
    declared = Counter(f["rule"] for f in expected["findings"])
    derived = Counter(derive_findings(expected))
    assert derived == declared, f"{name}: figures give {dict(derived)}, file declares {dict(declared)}"
    assert Counter(derive_findings(expected, with_optional=True)) == declared, "optional amounts change findings"
    for finding in expected["findings"]:
        assert finding["severity"] == SEVERITY[finding["rule"]] and finding["about"]
    assert not set(expected["must_not_flag"]) & set(declared)


def test_every_rule_is_planted_twice_and_some_reports_are_clean() -> None:
    planted = Counter()
    clean = 0
    for name in SAMPLE_NAMES:
        rules = {f["rule"] for f in expected_for(name)["findings"]}
        planted.update(rules)
        clean += not rules
    assert {rule: planted[rule] for rule in SEVERITY if planted[rule] < 2} == {}
    assert clean >= 4


def test_reference_rules_see_precision_not_epsilon() -> None:
    """The derivation above is the yardstick for the corpus, so check it on the brief's own examples."""
    def doc(amounts: list[tuple[str, str, str]], rates: list[dict] | None = None) -> dict:
        return {"amounts": [{"concept": c, "basis": b, "as_written": w} for c, b, w in amounts],
                "rates": rates or [], "staff": []}
    near = doc([("expenditure.total", "final", "299.8万元"), ("expenditure.basic", "final", "271.25万元"),
                ("expenditure.project", "final", "28.56万元"), ("income.fiscal", "final", "299.81万元")])
    assert derive_findings(near) == []
    far = doc([("expenditure.total", "final", "299.8万元"), ("expenditure.basic", "final", "271.25万元"),
               ("expenditure.project", "final", "28.66万元"), ("income.fiscal", "final", "299.61万元")])
    assert sorted(derive_findings(far)) == ["expenditure_exceeds_income", "sum_mismatch"]
    third = [{"concept": "income.other", "kind": "share", "as_written": "33.3%", "basis": "final"}]
    assert derive_findings(doc([("income.total", "final", "150.00万元"),
                                ("income.other", "final", "50.00万元")], third)) == []
    assert derive_findings(doc([("income.total", "final", "150.00万元"),
                                ("income.other", "final", "52.00万元")], third)) == ["rate_mismatch"]


def test_score_tool_scores_the_expected_files(tmp_path: Path) -> None:
    if not SCORE_TOOL.is_file():
        pytest.skip("../shared not beside the clone")
    predictions = [expected_for(name) for name in SAMPLE_NAMES]
    pred_path = tmp_path / "pred.json"
    pred_path.write_text(json.dumps(predictions, ensure_ascii=False), encoding="utf-8")
    result = subprocess.run([sys.executable, str(SCORE_TOOL), str(EXPECTED_DIR), str(pred_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "recall=1.000" in result.stdout
