"""Text read from reports, made safe for the places it is shown: spreadsheets and terminals.

Report text is hostile input: a unit name can be `=HYPERLINK("http://…")` or carry terminal escape
sequences. HTML is escaped by Jinja's autoescape; these two cover the rest, in one place.
"""

from __future__ import annotations

import re
from typing import Any

# A cell a spreadsheet would run as a formula starts with one of these (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# C0/C1 control characters but tab and newline: ESC starts terminal sequences, others garble lines.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def for_spreadsheet(value: Any) -> Any:
    """A cell value Excel, LibreOffice and Sheets show as text: strings that would start a formula get a
    leading apostrophe (the spreadsheets' own "this is text" mark). Numbers and None pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def for_terminal(text: str) -> str:
    """Text with control characters (ESC sequences, backspace, carriage return...) shown as U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def storable(text: str) -> str:
    """Text any UTF-8 sink (DuckDB, Arrow, JSON) accepts. A file name with bytes that are not UTF-8
    comes from the OS as lone surrogates (os.fsdecode's surrogateescape), which every encoder
    refuses; those bytes become visible `\\xNN` escapes, so the stored name still says which file it was."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text
