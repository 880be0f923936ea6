"""What every format reader returns: paragraphs and tables in document order (picklable)."""

from __future__ import annotations

from dataclasses import dataclass, field


class FormatError(ValueError):
    """The bytes cannot be read in their format; the message is the rejection reason a person reads."""


@dataclass(slots=True)
class Block:
    """A paragraph (`text`) or a table (`rows` of cell texts), with its PDF page when known."""

    text: str = ""
    rows: list[list[str]] | None = None
    page: int | None = None

    @property
    def is_table(self) -> bool:
        return self.rows is not None


@dataclass(slots=True)
class Parsed:
    """A reader's result: the blocks and any warnings worth keeping (e.g. pages without text)."""

    blocks: list[Block] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
