"""Limits that protect the readers from hostile files.

The caller passes them in: the flows build them once from the settings (JIXIAO_*, flows/settings.py,
`Settings.read_limits`); a bare call gets these defaults."""

from __future__ import annotations

from dataclasses import dataclass

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
