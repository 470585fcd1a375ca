"""The records' commands: ``ivr db upgrade|purge``, ``ivr customers import``,
``ivr export queue-log``, ``ivr tickets overdue``.

The database is ``--database-url`` (or ``IVR_DATABASE__DATABASE_URL``, as for
``ivr serve``), else the SQLite file under ``--data-dir``
(``IVR_DATABASE__DATA_DIR``, default ``data``).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from ivr.cli.settings import misspelt_variables
from ivr.clock import WallClock
from ivr.errors import ConfigInvalidError, IvrError
from ivr.obs.logs import configure_logging
from ivr.storage import Storage, StorageSettings
from ivr.storage.database import create_engine
from ivr.storage.importer import import_customers
from ivr.storage.migrations import HEAD, current_version, upgrade

T = TypeVar("T")

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="IVR_DATABASE__DATABASE_URL",
        help="sqlite+aiosqlite:///path or postgresql+asyncpg://user:pw@host/db",
        show_default=False,
    ),
]
DataDirOption = Annotated[
    Path,
    typer.Option("--data-dir", envvar="IVR_DATABASE__DATA_DIR", help="where the SQLite file lives"),
]

db_app = typer.Typer(name="db", help="The records database: schema upgrades, retention.")
customers_app = typer.Typer(name="customers", help="Customers: import from CSV.")
export_app = typer.Typer(name="export", help="Export records in other tools' formats.")
tickets_app = typer.Typer(name="tickets", help="Tickets for first-contact responsibility.")


def _settings(url: str | None, data_dir: Path, **extra: object) -> StorageSettings:
    misspelt = misspelt_variables(os.environ)  # IVR_DATABASE_URL is refused here too
    if misspelt:
        typer.echo(ConfigInvalidError(misspelt).message, err=True)
        raise typer.Exit(2)
    return StorageSettings.model_validate({"database_url": url, "data_dir": data_dir, **extra})


def _run(work: Callable[[], Awaitable[T]]) -> T:
    configure_logging(level="warning", stream=sys.stderr)  # stdout may be the export itself
    try:
        return asyncio.run(work())  # type: ignore[arg-type]
    except IvrError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from exc


async def _with_storage(settings: StorageSettings, work: Callable[[Storage], Awaitable[T]]) -> T:
    storage = await Storage.open(settings, clock=WallClock())
    try:
        return await work(storage)
    finally:
        await storage.close()


@db_app.command("upgrade")
def db_upgrade(
    database_url: UrlOption = None,
    data_dir: DataDirOption = Path("data"),
    to: Annotated[int | None, typer.Option(help="stop at this version")] = None,
) -> None:
    """Bring the database's schema to this version of ivr (creates it when empty)."""
    settings = _settings(database_url, data_dir)

    async def work() -> tuple[int, int]:
        engine = create_engine(settings)
        try:
            before = await current_version(engine)
            return before, await upgrade(engine, clock=WallClock(), target=to)
        finally:
            await engine.dispose()

    before, after = _run(work)
    typer.echo(f"schema version {before} -> {after} (this ivr: {HEAD})")


@db_app.command("purge")
def db_purge(
    database_url: UrlOption = None,
    data_dir: DataDirOption = Path("data"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count, change nothing")] = False,
    recordings_list: Annotated[
        Path | None,
        typer.Option(help="write the released recording references here, one a line"),
    ] = None,
) -> None:
    """Purge call records, queue log and recording references older than the retention policy."""
    settings = _settings(database_url, data_dir)
    report = _run(lambda: _with_storage(settings, lambda s: s.purge(dry_run=dry_run)))
    verb = "would purge" if dry_run else "purged"
    typer.echo(
        f"{verb}: {report.call_records} call records, {report.queue_log} queue_log lines, "
        f"{len(report.recordings)} recording references"
    )
    if recordings_list is not None:
        recordings_list.write_text("".join(f"{ref}\n" for ref in report.recordings))


@customers_app.command("import")
def customers_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    database_url: UrlOption = None,
    data_dir: DataDirOption = Path("data"),
) -> None:
    """Import customers from CSV: every invalid row reported, the valid ones written together."""
    settings = _settings(database_url, data_dir)
    report = _run(
        lambda: _with_storage(
            settings, lambda s: import_customers(s.customers, file, clock=WallClock())
        )
    )
    for problem in report.problems:
        typer.echo(f"{file}:{problem}", err=True)
    typer.echo(f"imported {report.imported} customers; {len(report.problems)} problems")
    if report.problems:
        raise typer.Exit(1)


def _epoch(text: str | None) -> float | None:
    if text is None:
        return None
    if text.isdigit():
        return float(text)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


@export_app.command("queue-log")
def export_queue_log(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file to write; standard output if none")
    ] = None,
    since: Annotated[str | None, typer.Option(help="epoch seconds or ISO time (UTC)")] = None,
    until: Annotated[str | None, typer.Option(help="epoch seconds or ISO time (UTC)")] = None,
    database_url: UrlOption = None,
    data_dir: DataDirOption = Path("data"),
) -> None:
    """Write the queue log exactly as Asterisk writes its queue_log file."""
    settings = _settings(database_url, data_dir)
    start, end = _epoch(since), _epoch(until)
    target = output if output is not None else sys.stdout.buffer
    count = _run(
        lambda: _with_storage(
            settings, lambda s: s.export_queue_log(target, since=start, until=end)
        )
    )
    if output is not None:
        typer.echo(f"wrote {count} lines to {output}")


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


@tickets_app.command("overdue")
def tickets_overdue(
    database_url: UrlOption = None,
    data_dir: DataDirOption = Path("data"),
) -> None:
    """Tickets past their deadline (red 2 h response, yellow 24 h closure, blue 72 h follow-up)."""
    settings = _settings(database_url, data_dir)
    clock = WallClock()
    tickets = _run(lambda: _with_storage(settings, lambda s: s.tickets.overdue()))
    if not tickets:
        typer.echo("no ticket is past its deadline")
        return
    table = Table("id", "tier", "owner", "status", "subject", "due", "late by")
    now = clock.now()
    for t in tickets:
        late_s = (t.met_at if t.met_at is not None else now) - t.due_at
        table.add_row(
            str(t.id),
            str(t.tier),
            t.owner_seat,
            str(t.status),
            t.subject,
            _when(t.due_at),
            f"{late_s / 3600:.1f} h",
        )
    Console().print(table)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app)
    app.add_typer(customers_app)
    app.add_typer(export_app)
    app.add_typer(tickets_app)
