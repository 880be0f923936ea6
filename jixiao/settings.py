"""One settings object, read from the environment (JIXIAO_*) and overridden by CLI flags."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIXIAO_", extra="ignore")

    db: Path = Field(default=PROJECT_ROOT / "warehouse" / "jixiao.duckdb", description="DuckDB warehouse file")
    archive_dir: Path | None = Field(default=None, description="raw-bytes archive; default: beside the db")
    batch_size: int = Field(default=2000, ge=1, description="documents per batch (one task, one transaction)")
    # Revalidation reads facts back, never texts: a batch costs little memory, and validation's fixed
    # cost per batch (~0.75 s) is what large batches save (100k reports: 112 s at 2000, 53 s at 20000).
    revalidate_batch_size: int = Field(default=10000, ge=1,
                                       description="reports per revalidation batch (facts only, no text)")
    writer_memory_limit: str = Field(
        default="1GB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB's buffer pool of the ingest writer (DuckDB's own default is 80% of the RAM)")
    max_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1, description="larger files are rejected")
    # Hostile documents (README "Formats and limits"): binary formats are parsed in a child process.
    parser_timeout_s: float = Field(default=60.0, gt=0, description="seconds one pdf/docx/html/doc may take to parse")
    parser_memory_bytes: int = Field(default=2 * 1024**3, ge=64 * 1024**2,
                                     description="address-space limit of the parser process")
    max_unzipped_bytes: int = Field(default=200 * 1024**2, ge=1, description="decompressed size limit of a .docx")

    @property
    def archive_path(self) -> Path:
        return self.archive_dir or self.db.parent / "archive"
