"""The records' commands: ``ivr db upgrade|purge``, ``ivr customers import``,
``ivr export queue-log``, ``ivr tickets overdue``.

The database and the retention policy come from ``--config`` (``ivr.yaml``, or
``$IVR_CONFIG``) exactly as for ``ivr serve``, with the same ``IVR_DATABASE__*`` overrides;
``--database-url`` and ``--data-dir`` override the file for one run.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from ivr.cli.options import ConfigOption, settings_for
from ivr.cli.output import Output
from ivr.clock import WallClock
from ivr.errors import ConfigError, IvrError
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
        help="sqlite+aiosqlite:///path or postgresql+asyncpg://user:pw@host/db (overrides --config)",
        show_default=False,
    ),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="where the SQLite file lives (overrides --config; default data)",
        show_default=False,
    ),
]

db_app = typer.Typer(name="db", help="The records database: schema upgrades, retention.")
customers_app = typer.Typer(name="customers", help="Customers: import from CSV.")
export_app = typer.Typer(name="export", help="Export records in other tools' formats.")
tickets_app = typer.Typer(name="tickets", help="Tickets for first-contact responsibility.")


def _settings(config: Path | None, url: str | None, data_dir: Path | None) -> StorageSettings:
    """The database of ``ivr serve``'s configuration, with this run's overrides.

    The IVR_* variables are checked as for ``ivr serve`` (a misspelt one, such as the old
    IVR_DATABASE_URL, is refused rather than silently ignored)."""
    try:
        database = settings_for(config).database
    except ConfigError as exc:
        where = f"{config}: " if config is not None else ""
        typer.echo(f"{where}{exc.message}", err=True)
        raise typer.Exit(2) from None
    overrides: dict[str, object] = {}
    if url:
        overrides["database_url"] = url
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    return database.model_copy(update=overrides) if overrides else database


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
    config: ConfigOption = None,
    database_url: UrlOption = None,
    data_dir: DataDirOption = None,
    to: Annotated[int | None, typer.Option(help="stop at this version")] = None,
) -> None:
    """Bring the database's schema to this version of ivr (creates it when empty)."""
    settings = _settings(config, database_url, data_dir)

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
    config: ConfigOption = None,
    database_url: UrlOption = None,
    data_dir: DataDirOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count, change nothing")] = False,
    recordings_list: Annotated[
        Path | None,
        typer.Option(help="write the released recording references here, one a line"),
    ] = None,
) -> None:
    """Purge call records, queue log and recording references older than the retention policy."""
    settings = _settings(config, database_url, data_dir)
    report = _run(lambda: _with_storage(settings, lambda s: s.purge(dry_run=dry_run)))
    verb = "would purge" if dry_run else "purged"
    typer.echo(
        f"{verb}: {report.call_records} call records, {report.queue_log} queue_log lines, "
        f"{len(report.recordings)} recording references"
    )
    if recordings_list is not None:
        written = Output(recordings_list)
        recordings_list.write_text("".join(f"{ref}\n" for ref in report.recordings))
        typer.echo(
            written.said(
                f"wrote {len(report.recordings)} recording references to {recordings_list}"
            )
        )


@customers_app.command("import")
def customers_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    encoding: Annotated[
        str, typer.Option(help="the file's encoding, e.g. gbk or cp1252 for older spreadsheets")
    ] = "utf-8",
    update: Annotated[
        bool,
        typer.Option(
            help="apply changes to customers already stored (names, tiers, passwords, "
            "numbers, a number moved from another account); without it each is refused"
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option(help="check and show what would change; write nothing")
    ] = False,
    config: ConfigOption = None,
    database_url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Import customers from CSV: every invalid row reported, the valid ones written together.

    The first line names the columns, in any order (example: docs/customers.example.csv):
    account (required, letters, digits, - and _), name, numbers (one or more, separated by ;
    or spaces), tier (normal, vip or green; default normal), segment, language (zh, zh-CN,
    en...), password (empty, or exactly six digits; stored only as a salted hash).

    A customer already stored keeps the columns the file lacks and its password when the
    cell is empty. Every change to a stored customer is listed, one line each; without
    --update it is refused (exit 1) and that row is not written. --dry-run shows the same
    and writes nothing.
    """
    settings = _settings(config, database_url, data_dir)
    report = _run(
        lambda: _with_storage(
            settings,
            lambda s: import_customers(
                s.customers,
                file,
                clock=WallClock(),
                encoding=encoding,
                update=update,
                dry_run=dry_run,
            ),
        )
    )
    for change in report.changes:
        verb = "would change" if dry_run else "changed"
        typer.echo(f"{file}:line {change.line}: {verb} {change}")
    for problem in report.problems:
        typer.echo(f"{file}:{problem}", err=True)
    counts = f"{report.new} new, {report.changed} changed, {report.unchanged} unchanged"
    noun = "problem" if len(report.problems) == 1 else "problems"
    head = "dry run, nothing written" if dry_run else "imported"
    typer.echo(f"{head}: {counts}; {len(report.problems)} {noun}")
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
    config: ConfigOption = None,
    database_url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write the queue log exactly as Asterisk writes its queue_log file."""
    settings = _settings(config, database_url, data_dir)
    start, end = _epoch(since), _epoch(until)
    written = Output(output) if output is not None else None
    target = output if output is not None else sys.stdout.buffer
    count = _run(
        lambda: _with_storage(
            settings, lambda s: s.export_queue_log(target, since=start, until=end)
        )
    )
    if written is not None:
        typer.echo(written.said(f"wrote {count} lines to {output}"))


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


@tickets_app.command("overdue")
def tickets_overdue(
    config: ConfigOption = None,
    database_url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Tickets past their deadline (red 2 h response, yellow 24 h closure, blue 72 h follow-up)."""
    settings = _settings(config, database_url, data_dir)
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
