"""A fast path to jionlp's gazetteer for the common case: full administrative names in a unit name.

jionlp's `parse_location` costs ~9 ms a call (it scans its whole gazetteer), more than the rest of a
report's extraction together. Unit names almost always spell their region in full ("宝兴县林业局",
"广州市白云区科学技术协会"), so the same gazetteer (jionlp's `china_location_loader`) indexed by full
name answers them in microseconds. Anything this cannot settle alone (no full name, a county name
shared by several cities, words that look like a renamed county) goes to `parse_location` as before.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from functools import cache

Place = tuple[str, str | None, str | None]  # (province, city, county)
_COUNTY_LIKE = re.compile(r"[县区旗]")


@dataclass(frozen=True, slots=True)
class _Index:
    pattern: re.Pattern[str]
    provinces: dict[str, list[Place]]
    cities: dict[str, list[Place]]
    counties: dict[str, list[Place]]


@cache
def quiet_jionlp():  # noqa: ANN201 - the jionlp module
    """jionlp, imported once; it prints a banner on import, and stdout is reserved for results."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import jionlp
    return jionlp


@cache
def _index() -> _Index:
    with contextlib.redirect_stdout(io.StringIO()):
        tree = quiet_jionlp().china_location_loader()
    provinces: dict[str, list[Place]] = {}
    cities: dict[str, list[Place]] = {}
    counties: dict[str, list[Place]] = {}
    for province, province_node in tree.items():
        provinces.setdefault(province, []).append((province, None, None))
        for city, city_node in province_node.items():
            if city.startswith("_"):
                continue
            cities.setdefault(city, []).append((province, city, None))
            for county in city_node:
                if not county.startswith("_"):
                    counties.setdefault(county, []).append((province, city, county))
    names = sorted({*provinces, *cities, *counties}, key=len, reverse=True)  # longest first
    return _Index(re.compile("|".join(map(re.escape, names))), provinces, cities, counties)


def fast_place(text: str) -> Place | None:
    """The place the full names in `text` settle unambiguously, or None (then ask parse_location)."""
    index = _index()
    found = [m for m in index.pattern.finditer(text)]
    if not found:
        return None
    names = [m.group() for m in found]
    counties = [p for name in names for p in index.counties.get(name, [])]
    cities = {p[1] for name in names for p in index.cities.get(name, [])}
    provinces = {p[0] for name in names for p in index.provinces.get(name, [])}
    if counties:
        fitting = [p for p in counties if (not cities or p[1] in cities) and (not provinces or p[0] in provinces)]
        return fitting[0] if len(fitting) == 1 else None
    rest = text[found[-1].end():]
    if _COUNTY_LIKE.search(rest):
        return None  # maybe a county the gazetteer spells otherwise (凤翔县 -> 凤翔区)
    if cities:
        fitting_cities = [p for name in names for p in index.cities.get(name, [])
                          if not provinces or p[0] in provinces]
        return fitting_cities[0] if len(fitting_cities) == 1 else None
    if len(provinces) == 1:
        return (next(iter(provinces)), None, None)
    return None
