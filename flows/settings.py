"""One settings object, read from the environment (JIXIAO_*) and overridden by CLI flags."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tasks.formats.limits import ReadLimits

if TYPE_CHECKING:  # warehouse.lake imports duckdb and pyarrow: not at the CLI's start
    from warehouse.lake import LakeTarget

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIXIAO_", extra="ignore")

    db: Path = Field(default=PROJECT_ROOT / "warehouse" / "jixiao.duckdb", description="DuckDB warehouse file")
    # The backend, URL-like: a file path (the embedded default, same as `db`) or
    # ducklake+postgres://user@host:port/dbname?data_path=/shared/lake (many writers; warehouse/lake.py).
    warehouse: str | None = Field(default=None, description="warehouse URL; overrides db when set")
    archive_dir: Path | None = Field(default=None, description="raw-bytes archive; default: beside the db")
    batch_size: int = Field(default=1000, ge=1, description="documents per batch (one task, one transaction)")
    # Revalidation reads facts back, never texts: a batch costs little memory, and validation's fixed
    # cost per batch (~0.75 s) is what large batches save (100k reports: 112 s at 2000, 53 s at 20000).
    revalidate_batch_size: int = Field(default=10000, ge=1,
                                       description="reports per revalidation batch (facts only, no text)")
    writer_memory_limit: str = Field(
        default="1GB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB's buffer pool of the ingest writer (DuckDB's own default is 80% of the RAM)")
    # Runs queue on the warehouse's run lock (warehouse/writer.py): how long a run waits for another.
    lock_wait_s: float = Field(default=3600.0, ge=0, description="seconds a run waits for the run writing the warehouse")
    max_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1, description="larger files are rejected")
    # Hostile documents (README "Formats and limits"): binary formats are parsed in a child process.
    parser_timeout_s: float = Field(default=60.0, gt=0, description="seconds one pdf/docx/html/doc may take to parse")
    parser_memory_bytes: int = Field(default=2 * 1024**3, ge=64 * 1024**2,
                                     description="address-space limit of the parser process")
    max_unzipped_bytes: int = Field(default=200 * 1024**2, ge=1, description="decompressed size limit of a .docx")
    # The longest real report is ~15k characters; a 20 MB line of figures would take minutes to extract.
    max_text_chars: int = Field(default=1_000_000, ge=1, description="longer texts are rejected unread")
    # The scheduled yearly ingestion (flows/yearly.py): a worker runs flows in a folder of its own,
    # so the paths come from the environment of whatever runs them, never from a relative default.
    inbox: Path = Field(default=PROJECT_ROOT / "inbox", description="inbox folder of the yearly ingestion")
    roster: Path | None = Field(default=None, description="units CSV of the yearly ingestion's audit")

    @classmethod
    def for_run(cls, db: str | None = None, **overrides: Any) -> Settings:
        """The settings of a flow run: `db` is a path or a warehouse URL (the flows' `db` parameter)."""
        values = {key: value for key, value in overrides.items() if value is not None}
        if db:  # an explicit path or URL wins over JIXIAO_WAREHOUSE and JIXIAO_DB alike
            values.update({"warehouse": db} if is_url(db) else {"db": db, "warehouse": None})
        return cls(**values)

    @property
    def target(self) -> Path | LakeTarget:
        """Where the warehouse is: a DuckDB file, or a DuckLake (catalog + data path)."""
        if self.warehouse and is_url(self.warehouse):
            from warehouse.lake import LakeTarget

            return LakeTarget.from_url(self.warehouse)
        return Path(self.warehouse) if self.warehouse else self.db

    @property
    def home(self) -> Path:
        """The folder of what a run writes beside the warehouse (archive, audit reports)."""
        target = self.target
        return target.parent if isinstance(target, Path) else target.data_path

    @property
    def read_limits(self) -> ReadLimits:
        """The readers' limits (tasks get values, never the settings object)."""
        return ReadLimits(parser_timeout_s=self.parser_timeout_s, parser_memory_bytes=self.parser_memory_bytes,
                          max_unzipped_bytes=self.max_unzipped_bytes, max_text_chars=self.max_text_chars)

    @property
    def archive_path(self) -> Path:
        return self.archive_dir or self.home / "archive"


def is_url(value: str) -> bool:
    return "://" in value


def describe(target: Path | LakeTarget) -> str:
    """The warehouse as a user names it (no password)."""
    return str(target) if isinstance(target, Path) else target.url
