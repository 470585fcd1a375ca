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
    assert "imported: 4 new, 0 changed, 0 unchanged; 7 problems" in out
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


def test_export_queue_log_writes_the_asterisk_file_and_says_when_it_overwrote_one(
    data_dir: Path, tmp_path: Path
) -> None:
    _fill(data_dir)
    out = tmp_path / "queue_log"
    code, said, _ = run("export", "queue-log", "-o", str(out), "--data-dir", str(data_dir))
    assert code == 0 and said.strip() == f"wrote 118 lines to {out}"
    assert out.read_bytes() == (FIXTURES / "queue_log.sample").read_bytes()
    code, said, _ = run("export", "queue-log", "-o", str(out), "--data-dir", str(data_dir))
    assert said.strip() == f"wrote 118 lines to {out} (overwrote the file that was there)"


def test_tickets_overdue_lists_a_red_ticket_unanswered_for_years(data_dir: Path) -> None:
    _fill(data_dir)  # opened in 2001, due two hours later
    code, out, _ = run("tickets", "overdue", "--data-dir", str(data_dir))
    assert code == 1 and "line dead" in out and "agent14" in out


def test_db_purge_dry_run_changes_nothing(data_dir: Path) -> None:
    _fill(data_dir)
    code, out, _ = run("db", "purge", "--dry-run", "--data-dir", str(data_dir))
    assert code == 0 and out.startswith("would purge: 0 call records")


def test_db_purge_recordings_list_says_where_it_wrote_and_when_it_overwrote(
    data_dir: Path, tmp_path: Path
) -> None:
    _fill(data_dir)
    released = tmp_path / "released.txt"
    args = ("db", "purge", "--dry-run", "--recordings-list", str(released))
    code, out, _ = run(*args, "--data-dir", str(data_dir))
    assert code == 0 and out.splitlines()[-1] == f"wrote 0 recording references to {released}"
    code, out, _ = run(*args, "--data-dir", str(data_dir))
    assert out.splitlines()[-1].endswith(f"to {released} (overwrote the file that was there)")


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


# Every command that needs the configuration takes it as `ivr serve` does.

NEEDS_THE_CONFIGURATION = (
    "serve",
    "config check",
    "db upgrade",
    "db purge",
    "customers import",
    "export queue-log",
    "tickets overdue",
)


def _commands() -> dict[str, object]:
    from typer.main import get_command

    found: dict[str, object] = {}

    def walk(command: object, name: str) -> None:
        children = getattr(command, "commands", None)
        if children is None:
            found[name.strip()] = command
            return
        for child_name, child in children.items():
            walk(child, f"{name} {child_name}")

    walk(get_command(app), "")
    return found


@pytest.mark.parametrize("name", NEEDS_THE_CONFIGURATION)
def test_every_command_that_needs_the_configuration_takes_config_the_same_way(name: str) -> None:
    command = _commands()[name]
    options = [p for p in command.params if "--config" in getattr(p, "opts", ())]  # type: ignore[attr-defined]
    assert len(options) == 1, f"ivr {name} has no --config"
    assert options[0].envvar == "IVR_CONFIG"


def _config(tmp_path: Path, text: str) -> Path:
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "ivr.yaml").write_text(text)
    return etc / "ivr.yaml"


def test_db_upgrade_creates_the_database_the_configuration_names(tmp_path: Path) -> None:
    config = _config(tmp_path, "database:\n  data_dir: state\n")
    code, out, _ = run("db", "upgrade", "--config", str(config))
    assert code == 0 and out.startswith("schema version 0 -> ")
    assert (tmp_path / "etc" / "state" / "ivr.sqlite").exists()  # relative to the file


def test_the_configuration_may_come_from_ivr_config_as_for_ivr_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path, "database:\n  data_dir: state\n")
    monkeypatch.setenv("IVR_CONFIG", str(config))
    assert run("db", "upgrade")[0] == 0
    assert (tmp_path / "etc" / "state" / "ivr.sqlite").exists()


def test_db_purge_keeps_what_the_configured_retention_keeps(tmp_path: Path) -> None:
    _fill(tmp_path / "etc" / "state")  # a queue_log of November 2026
    config = tmp_path / "etc" / "ivr.yaml"
    for days, purged in ((1, 118), (100_000, 0)):
        config.write_text(
            f"database:\n  data_dir: state\n  retention:\n    queue_log_days: {days}\n"
        )
        code, out, _ = run("db", "purge", "--dry-run", "--config", str(config))
        assert code == 0 and f", {purged} queue_log lines" in out, (days, out)


def test_an_invalid_configuration_stops_a_records_command_naming_file_and_field(
    tmp_path: Path,
) -> None:
    config = _config(
        tmp_path, "database:\n  data_dir: state\n  retention:\n    queue_log_days: 0\n"
    )
    code, _, err = run("db", "purge", "--config", str(config))
    assert code == 2
    assert str(config) in err and "queue_log_days" in err
    assert not (tmp_path / "etc" / "state").exists()  # nothing was created


def test_the_documented_customers_example_imports_without_a_problem(data_dir: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "docs" / "customers.example.csv"
    code, out, err = run("customers", "import", str(example), "--data-dir", str(data_dir))
    assert (code, err) == (0, "") and out.strip() == (
        "imported: 3 new, 0 changed, 0 unchanged; 0 problems"
    )


def test_customers_import_help_names_every_column() -> None:
    from ivr.storage.importer import COLUMNS

    code, out, _ = run("customers", "import", "--help")
    assert code == 0
    for column in COLUMNS:
        assert column in out, column
