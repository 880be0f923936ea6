"""Sentence and paragraph boundaries of the canonical text."""

from __future__ import annotations

import bisect
import re

# After NFKC the Chinese semicolon and exclamation marks are ASCII; 。 stays.
_SENTENCE_END = re.compile(r"[。;!?\n]")
_LINE_BREAK = re.compile("\n")  # one scan in C, not a Python loop over every character


class Segments:
    """Answers "where does the sentence / paragraph around offset i start" in O(log n)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._sentence_starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
        self._paragraph_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]

    def sentence_start(self, offset: int) -> int:
        return self._sentence_starts[bisect.bisect_right(self._sentence_starts, offset) - 1]

    def sentence_end(self, offset: int) -> int:
        index = bisect.bisect_right(self._sentence_starts, offset)
        return self._sentence_starts[index] if index < len(self._sentence_starts) else len(self.text)

    def paragraph_start(self, offset: int) -> int:
        return self._paragraph_starts[bisect.bisect_right(self._paragraph_starts, offset) - 1]

    def same_sentence(self, a: int, b: int) -> bool:
        return self.sentence_start(a) == self.sentence_start(b)

    def same_paragraph(self, a: int, b: int) -> bool:
        return self.paragraph_start(a) == self.paragraph_start(b)
