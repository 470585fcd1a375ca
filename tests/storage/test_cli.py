"""The records' commands, run as a user runs them (Typer's runner, a real SQLite file)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from ivr.cli import app
from ivr.clock import ManualClock
from ivr.storage import QueueLogRow, Storage, StorageSettings
from ivr.storage.tickets import TicketTier

FIXTURES = Path(__file__).parent.parent / "fixtures" / "storage"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """The commands send logs to the runner's stderr, closed after each run: undo that."""
    yield
    structlog.reset_defaults()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_db_upgrade_creates_the_database_at_the_newest_version(data_dir: Path) -> None:
    code, out, _ = run("db", "upgrade", "--data-dir", str(data_dir))
    assert code == 0 and out.startswith("schema version 0 -> 2")
    assert (data_dir / "ivr.sqlite").exists()
    assert run("db", "upgrade", "--data-dir", str(data_dir))[1].startswith("schema version 2 -> 2")


def test_customers_import_reports_bad_rows_by_line_and_exits_1(data_dir: Path) -> None:
    code, out, err = run(
        "customers", "import", str(FIXTURES / "customers_mixed.csv"), "--data-dir", str(data_dir)
    )
    assert code == 1
    assert "imported 4 customers; 7 problems" in out
    assert "customers_mixed.csv:line 6: tier: 'gold' is not one of normal, vip, green" in err
    assert "12345" not in err


def _fill(data_dir: Path) -> None:
    async def fill() -> None:
        clock = ManualClock(1_000_000_000.0)  # September 2001
        storage = await Storage.open(StorageSettings(data_dir=data_dir), clock=clock)
        try:
            async with storage.writer() as writer:
                lines = (FIXTURES / "queue_log.sample").read_text().splitlines()
                writer.submit_all(QueueLogRow.parse(line) for line in lines)
            await storage.tickets.open(
                owner_seat="agent14", tier=TicketTier.RED, subject="line dead"
            )
        finally:
            await storage.close()

    asyncio.run(fill())


def test_export_queue_log_writes_the_asterisk_file(data_dir: Path, tmp_path: Path) -> None:
    _fill(data_dir)
    out = tmp_path / "queue_log"
    code, said, _ = run("export", "queue-log", "-o", str(out), "--data-dir", str(data_dir))
    assert code == 0 and said.strip() == f"wrote 118 lines to {out}"
    assert out.read_bytes() == (FIXTURES / "queue_log.sample").read_bytes()


def test_tickets_overdue_lists_a_red_ticket_unanswered_for_years(data_dir: Path) -> None:
    _fill(data_dir)  # opened in 2001, due two hours later
    code, out, _ = run("tickets", "overdue", "--data-dir", str(data_dir))
    assert code == 1 and "line dead" in out and "agent14" in out


def test_db_purge_dry_run_changes_nothing(data_dir: Path) -> None:
    _fill(data_dir)
    code, out, _ = run("db", "purge", "--dry-run", "--data-dir", str(data_dir))
    assert code == 0 and out.startswith("would purge: 0 call records")


def test_the_old_database_variable_is_refused_naming_the_new_one(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite+aiosqlite:///{data_dir / 'elsewhere.sqlite'}")
    code, _, err = run("db", "upgrade", "--data-dir", str(data_dir))
    assert code == 2
    assert "IVR_DATABASE_URL" in err and "write IVR_DATABASE__DATABASE_URL" in err
    assert not data_dir.exists()  # nothing was created in the wrong place


def test_the_database_url_comes_from_the_same_variable_as_for_ivr_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "from-env.sqlite"
    monkeypatch.setenv("IVR_DATABASE__DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    code, out, _ = run("db", "upgrade", "--data-dir", str(tmp_path / "unused"))
    assert code == 0 and out.startswith("schema version 0 -> ")
    assert db.exists()
