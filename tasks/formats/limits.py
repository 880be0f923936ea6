"""Limits that protect the readers from hostile files; set through JIXIAO_* (see jixiao/settings.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

# Characters of canonical text one report may have. The longest real report seen is ~15k characters;
# the extractor's cost is linear but high (a 20 MB line of figures took 90 s), so a file of millions
# of characters is a denial of service, not a report: rejected before extraction.
DEFAULT_MAX_TEXT_CHARS = 1_000_000


@dataclass(frozen=True, slots=True)
class ReadLimits:
    parser_timeout_s: float = 60.0  # wall-clock time one binary document may take to parse
    parser_memory_bytes: int = 2 * 1024**3  # address-space limit of the parser process
    max_unzipped_bytes: int = 200 * 1024**2  # decompressed size of a .docx (zip bombs)
    max_zip_members: int = 5_000
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS  # canonical text of one report (any format)

    @classmethod
    def from_settings(cls) -> ReadLimits:
        """The limits the settings (JIXIAO_*) give; built once per distinct environment, since a
        settings object per file would cost at 100k files."""
        return _limits_for(tuple(os.environ.get(name) for name in _LIMIT_VARIABLES))


_LIMIT_VARIABLES = ("JIXIAO_PARSER_TIMEOUT_S", "JIXIAO_PARSER_MEMORY_BYTES", "JIXIAO_MAX_UNZIPPED_BYTES",
                    "JIXIAO_MAX_TEXT_CHARS")


@lru_cache(maxsize=8)
def _limits_for(_environment: tuple[str | None, ...]) -> ReadLimits:
    # Imported here: pure steps read the settings object but do not need it to import.
    from jixiao.settings import Settings

    settings = Settings()
    return ReadLimits(parser_timeout_s=settings.parser_timeout_s, parser_memory_bytes=settings.parser_memory_bytes,
                      max_unzipped_bytes=settings.max_unzipped_bytes, max_text_chars=settings.max_text_chars)
