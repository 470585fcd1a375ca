"""What the storage needs to be told: where the database is, how big the write buffer is.

The configuration file (``ivr.cli.settings``) composes :class:`StorageSettings`
under its ``database`` key; the records commands build one from ``--database-url``
/ ``IVR_DATABASE__DATABASE_URL`` and ``--data-dir``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

RECORDINGS_MIN_DAYS = 92
"""REQUIREMENTS §5: recordings are kept at least 3 months (92 days covers any three)."""


class RetentionPolicy(BaseModel):
    """How long records are kept, in days. Recordings never less than three months."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    call_records_days: int = Field(400, ge=RECORDINGS_MIN_DAYS)
    recordings_days: int = Field(RECORDINGS_MIN_DAYS, ge=RECORDINGS_MIN_DAYS)
    queue_log_days: int = Field(400, ge=1)
    seat_sessions_days: int = Field(400, ge=1)

    @model_validator(mode="after")
    def _records_outlive_recordings(self) -> RetentionPolicy:
        if self.call_records_days < self.recordings_days:
            msg = (
                f"call_records_days ({self.call_records_days}) is shorter than recordings_days "
                f"({self.recordings_days}): a recording's reference lives in its call record; "
                "raise call_records_days"
            )
            raise ValueError(msg)
        return self


class StorageSettings(BaseModel):
    """The storage's settings. ``database_url`` empty means SQLite under ``data_dir``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str | None = Field(
        None,
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    data_dir: Path = Path("data")
    auto_upgrade: bool = True
    buffer_size: int = Field(20_000, ge=1, description="records held in memory before spilling")
    batch_size: int = Field(1_000, ge=1)
    flush_interval_s: float = Field(0.2, gt=0)
    write_timeout_s: float = Field(10.0, gt=0)
    retry_initial_s: float = Field(0.2, gt=0)
    retry_max_s: float = Field(10.0, gt=0)
    spill_path: Path | None = Field(None, description="default: <data_dir>/storage-spill.jsonl")
    sqlite_busy_timeout_ms: int = Field(5_000, ge=0)
    password_scrypt_n: int = Field(2**14, ge=2**4, description="scrypt cost (a power of two)")
    lockout_after: int = Field(3, ge=1, description="failed password attempts before lockout")
    lockout_s: float = Field(1800.0, ge=0)
    retention: RetentionPolicy = RetentionPolicy()

    @model_validator(mode="after")
    def _n_is_power_of_two(self) -> StorageSettings:
        n = self.password_scrypt_n
        if n & (n - 1):
            msg = f"password_scrypt_n must be a power of two, got {n}"
            raise ValueError(msg)
        return self

    @property
    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'ivr.sqlite'}"

    @property
    def spill_file(self) -> Path:
        return self.spill_path or self.data_dir / "storage-spill.jsonl"

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")
