"""The extractor never crashes or hangs on random or mutated report text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.extract import extract_text
from tasks.read import canonical_text

FRAGMENTS = ["财政拨款收入", "支出", "基本支出", "项目支出", "占", "完成率", "万元", "元", "亿元", "万", "%", "，", "。",
             "；", "其中", "分别为", "编制", "实有", "人", "名", "自评得分", "年", "月", "日", "1", "0", ".", ",",
             "123", "4,567.89", "百分之", "九十五", "（", "）", "\n", " ", "预算数", "决算数", "较上年增加", "人均"]

report_like = st.lists(st.sampled_from(FRAGMENTS), max_size=300).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(report_like, st.text(max_size=2000)))
def test_extractor_returns_facts_for_any_text(text: str) -> None:
    canonical = canonical_text(text)
    found = extract_text(canonical, "fuzz.txt")
    for fact in [*found.amounts, *found.rates, *found.staff, *found.scores]:
        start, end = fact.span
        assert 0 <= start < end <= len(canonical)
        assert canonical[start:end] == fact.as_written
    for amount in found.amounts:
        assert amount.value_yuan >= 0
