"""What a header cell names: the role of its column and its money unit, from the lexicon.

Its own module because both the grid readers (is this line a header?) and the table step (which column
is which) ask it: neither imports the other for it."""

from __future__ import annotations

import re
from functools import lru_cache

from tasks.extract.phrasings import first_found, load_phrasings

PARENS = re.compile(r"\([^()]*\)")


@lru_cache(maxsize=8192)  # a pure lookup; the grid readers ask it of every short line and cell, often again
def column_role(text: str) -> tuple[str | None, str | None]:
    """(role, money unit) of a header cell: "全年执行数(万元)" -> ("final", "万元")."""
    phrasings = load_phrasings()
    unit = next((m.group(1) for p in phrasings.table_units if (m := p.search(text))), None)
    name = PARENS.sub("", text).replace(" ", "").strip(":")
    if not name:
        return None, unit
    label = first_found(phrasings.table_columns, name)
    return (label.value if label is not None else None), unit
