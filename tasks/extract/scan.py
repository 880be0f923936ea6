"""Regex scans that skip ahead: the same matches as `pattern.finditer` / `pattern.search`, found faster.

Python's regex engine skips quickly over text only when a pattern starts with a literal or a
character class. A pattern that opens with a look-behind, an optional group or an alternation of
groups (most of the lexicon's, and the figure patterns) is instead tried at every character of the
text. `Scanner` reads from the pattern's parse which characters a match can start with, finds those
characters with a one-class pattern (which does skip), and tries the pattern only there. A match
cannot start anywhere else, so the matches are the same ones, in the same order; a pattern whose
first characters cannot be bounded (a negated class, `.`, `\\d`...) or that can match empty is simply
run as it is.
"""

from __future__ import annotations

import re
import re._compiler as _sre_compiler  # the stdlib's own compiler: does it skip ahead by itself?
import re._parser as _sre_parser  # the stdlib's own regex parser: what a pattern can start with

_MAX_RANGE = 512  # a class wider than this ([\u4e00-\u9fff]) counts as "any character"
_MAX_STARTS = 64  # more start characters than this: the candidates would be most of a Chinese text


def first_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The characters a non-empty match of `pattern` can start with, or None when unbounded (a negated
    class, `.`, a category such as \\d, a back reference, case-insensitive flags...). Zero-width parts
    (lookarounds, anchors) consume nothing, so the first character comes from what follows them."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    try:
        parsed = _sre_parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - a parser we cannot read only costs the fast path
        return None
    chars, _ = _first_of_sequence(list(parsed))
    return frozenset(chars) if chars is not None else None


def _skips_by_itself(pattern: re.Pattern[str]) -> bool:
    """Whether the engine already skips ahead for this pattern: a literal or one-class prefix (the
    engine's own test, `_compile_info`), or a branch anchored at the start (tried at one place only).
    A Scanner would only add work there."""
    try:
        parsed = _sre_parser.parse(pattern.pattern, pattern.flags)
        if _sre_compiler._get_literal_prefix(parsed, pattern.flags)[0] \
                or _sre_compiler._get_charset_prefix(parsed, pattern.flags):
            return True
        return _anchored(list(parsed))
    except Exception:  # noqa: BLE001 - the engine's internals moved: scanning is exact either way
        return False


def _anchored(items: list) -> bool:
    if not items:
        return False
    op, arg = items[0]
    name = str(op)
    if name == "AT":
        return str(arg) in ("AT_BEGINNING", "AT_BEGINNING_STRING")
    if name == "SUBPATTERN":
        return _anchored(list(arg[3]))
    if name == "BRANCH":
        return all(_anchored(list(branch)) for branch in arg[1])
    return False


def widths(pattern: re.Pattern[str]) -> tuple[int, int]:
    """The fewest and the most characters a match of `pattern` consumes (the engine's own bounds, as it
    uses them for look-behinds; the most is huge when a repeat is unbounded)."""
    try:
        return _sre_parser.parse(pattern.pattern, pattern.flags).getwidth()
    except Exception:  # noqa: BLE001 - no bounds known
        return 0, _sre_parser.MAXREPEAT


def _context_free(pattern: re.Pattern[str]) -> bool:
    try:
        parsed = _sre_parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001
        return False
    return _items_context_free(list(parsed))


def _items_context_free(items: list) -> bool:
    for op, arg in items:
        name = str(op)
        if name in ("AT", "ASSERT", "ASSERT_NOT", "GROUPREF", "GROUPREF_EXISTS"):
            return False
        if name == "BRANCH" and not all(_items_context_free(list(branch)) for branch in arg[1]):
            return False
        if name == "SUBPATTERN" and not _items_context_free(list(arg[3])):
            return False
        if name == "ATOMIC_GROUP" and not _items_context_free(list(arg)):
            return False
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and not _items_context_free(list(arg[2])):
            return False
    return True


def _min_width(pattern: re.Pattern[str]) -> int:
    """The fewest characters a match of `pattern` consumes (0: it can match empty)."""
    return widths(pattern)[0]


def _first_of_sequence(items: list) -> tuple[set[str] | None, bool]:
    """(first characters, nullable) of a sequence of parsed items; None: unbounded."""
    chars: set[str] = set()
    for item in items:
        first, nullable = _first_of_item(item)
        if first is None:
            return None, False
        chars |= first
        if not nullable:
            return chars, False
    return chars, True


def _first_of_item(item: tuple) -> tuple[set[str] | None, bool]:
    op, arg = item
    name = str(op)
    if name == "LITERAL":
        return {chr(arg)}, False
    if name == "IN":
        chars: set[str] = set()
        for kind, value in arg:
            kind = str(kind)
            if kind == "LITERAL":
                chars.add(chr(value))
            elif kind == "RANGE" and value[1] - value[0] < _MAX_RANGE:
                chars.update(chr(c) for c in range(value[0], value[1] + 1))
            else:  # NEGATE, CATEGORY, a wide RANGE
                return None, False
        return chars, False
    if name == "BRANCH":
        chars, nullable = set(), False
        for branch in arg[1]:
            first, empty = _first_of_sequence(list(branch))
            if first is None:
                return None, False
            chars |= first
            nullable = nullable or empty
        return chars, nullable
    if name == "SUBPATTERN":
        return _first_of_sequence(list(arg[3]))
    if name == "ATOMIC_GROUP":
        return _first_of_sequence(list(arg))
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _, body = arg
        first, nullable = _first_of_sequence(list(body))
        return first, nullable or low == 0
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return set(), True  # zero-width: consumes nothing
    return None, False  # ANY, NOT_LITERAL, GROUPREF, CATEGORY, ...: unbounded


def run_start(text: str, end: int, extra: str = "") -> int:
    """Where the run of decimal digits (what the regex `\\d` matches: str.isdecimal) and `extra`
    characters that ends at `end` (exclusive) starts; `end` itself when there is none."""
    start = end
    while start > 0 and (text[start - 1].isdecimal() or text[start - 1] in extra):
        start -= 1
    return start


class Scanner:
    """`pattern.search(text)` and `pattern.finditer(text)`, trying the pattern only where a match can start."""

    __slots__ = ("pattern", "starts", "context_free")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        # Whether a match depends only on the characters it consumes (no look-around, anchor or back
        # reference): then a match inside a part of a text is a match in the whole text too.
        self.context_free = _context_free(pattern)
        first = first_chars(pattern)
        self.starts: re.Pattern[str] | None = None
        if first and len(first) <= _MAX_STARTS and _min_width(pattern) > 0 and not _skips_by_itself(pattern):
            self.starts = re.compile("[" + "".join(re.escape(char) for char in sorted(first)) + "]")

    def search(self, text: str) -> re.Match[str] | None:
        if self.starts is None:
            return self.pattern.search(text)
        match_at = self.pattern.match
        for start in self.starts.finditer(text):
            match = match_at(text, start.start())
            if match is not None:
                return match
        return None

    def finditer(self, text: str) -> list[re.Match[str]]:
        """The matches of `pattern.finditer(text)`, as a list (none is empty: after one, the next can
        start only where it ends)."""
        if self.starts is None:
            return list(self.pattern.finditer(text))
        found: list[re.Match[str]] = []
        match_at = self.pattern.match
        position = 0
        for start in self.starts.finditer(text):
            at = start.start()
            if at < position:
                continue
            match = match_at(text, at)
            if match is not None:
                found.append(match)
                position = match.end()
        return found


_SCANNERS: dict[int, Scanner] = {}


def scanner(pattern: re.Pattern[str]) -> Scanner:
    """The Scanner of a compiled pattern, built once and held by the pattern's identity (patterns are
    module constants or the lexicon's, which live for the process)."""
    held = _SCANNERS.get(id(pattern))
    if held is None or held.pattern is not pattern:
        held = Scanner(pattern)
        _SCANNERS[id(pattern)] = held
    return held
