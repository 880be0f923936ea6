"""The gazetteer fast path answers exactly as jionlp's parse_location, or defers to it."""

from __future__ import annotations

import contextlib
import io

import pytest

from tasks.extract.gazetteer import fast_place

UNIT_NAMES = [
    "曲靖市科学技术协会", "益阳市资阳区科学技术协会", "香河县科学技术协会", "广州市白云区科学技术协会",
    "峨边彝族自治县科学技术协会", "共青团赣州市委员会", "上海市嘉定区文化和旅游局", "东台市退役军人事务局",
    "云南省林业和草原局", "潍坊市卫生健康委员会", "阳朔县白沙镇人民政府", "歙县档案馆",
]


def _parse_location(name: str) -> tuple[str | None, str | None, str | None]:
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

        parsed = jionlp.parse_location(name)
    return parsed["province"], parsed["city"], parsed["county"]


@pytest.mark.parametrize("name", UNIT_NAMES)
def test_fast_path_agrees_with_parse_location(name: str) -> None:
    place = fast_place(name)
    assert place is not None, f"{name}: full names should settle it without parse_location"
    assert place == _parse_location(name)


@pytest.mark.parametrize("name", ["白云区科协", "朝阳区妇联", "宝鸡市凤翔区农业农村局", "某单位"])
def test_ambiguous_or_renamed_places_defer_to_parse_location(name: str) -> None:
    assert fast_place(name) is None
