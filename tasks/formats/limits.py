"""Limits that protect the readers from hostile files; set through JIXIAO_* (see jixiao/settings.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReadLimits:
    parser_timeout_s: float = 60.0  # wall-clock time one binary document may take to parse
    parser_memory_bytes: int = 2 * 1024**3  # address-space limit of the parser process
    max_unzipped_bytes: int = 200 * 1024**2  # decompressed size of a .docx (zip bombs)
    max_zip_members: int = 5_000

    @classmethod
    def from_settings(cls) -> ReadLimits:
        # Imported here: pure steps read the settings object but do not need it to import.
        from jixiao.settings import Settings

        settings = Settings()
        return cls(
            parser_timeout_s=settings.parser_timeout_s,
            parser_memory_bytes=settings.parser_memory_bytes,
            max_unzipped_bytes=settings.max_unzipped_bytes,
        )
