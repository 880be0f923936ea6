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
    batch_size: int = Field(default=200, ge=1, description="documents per batch (one task, one transaction)")
    max_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1, description="larger files are rejected")

    @property
    def archive_path(self) -> Path:
        return self.archive_dir or self.db.parent / "archive"
