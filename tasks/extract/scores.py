"""Self-evaluation scores: "自评分数为97.19分", "项目自评得分100分", "自评总分 99.68"."""

from __future__ import annotations

import re

from tasks.extract.numbers import matched_arabic
from tasks.extract.phrasings import Phrasings
from tasks.extract.scan import scanner
from tasks.models import Score

_SCORE_VALUE = re.compile(r"(?:为|是|:|达|达到)? ?(?P<num>\d{1,3}(?:\.\d+)?)(?![\d.%])(?! ?(?:%|万|元|个|人|名|项))")


def extract_scores(text: str, phrasings: Phrasings) -> list[Score]:
    scores: list[Score] = []
    for keyword in scanner(phrasings.score).finditer(text):
        match = _SCORE_VALUE.match(text, keyword.end())
        if match is None:
            continue
        value = float(matched_arabic(match.group("num"))[0])  # \d{1,3}(?:\.\d+)?: a number as matched
        if not 0 <= value <= 100:
            continue
        end = match.end()
        if text.startswith("分", end):
            end += 1
        start = match.start("num")
        scores.append(Score(id=f"c{len(scores) + 1}", value=value, as_written=text[start:end], span=(start, end)))
    return scores
