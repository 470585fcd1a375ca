"""``ivr serve`` (take Asterisk's calls) and ``ivr fake-asterisk`` (a PBX to try it against).

From a fresh clone, in two terminals::

    .venv/bin/ivr fake-asterisk --calls 20
    IVR_AMI__SECRET=ivrpass .venv/bin/ivr serve --login-seats

Settings come from ``--config`` (``ivr.yaml``: its ``flows``, ``skills`` and
``ami`` sections) when given, else from the defaults; in both cases the
environment's ``IVR_<SECTION>__<FIELD>`` overrides them, and the options here
override that.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import structlog
import typer

from ivr.ami.settings import AmiSettings
from ivr.cli.options import ConfigOption
from ivr.cli.settings import Settings
from ivr.clock import WallClock
from ivr.errors import AmiAuthenticationError, IvrError, PortInUseError
from ivr.live.customers import CustomerService
from ivr.live.settings import LiveSettings
from ivr.model.commands import LookupCustomer, VerifyPassword
from ivr.model.events import CustomerFound, PasswordChecked
from ivr.model.facts import CallStarted

if TYPE_CHECKING:  # storage (SQLAlchemy) is imported when serving, not for every `ivr` command
    from ivr.storage import Storage
    from ivr.storage.recorder import Recorder
    from ivr.storage.settings import StorageSettings
    from ivr.storage.writer import RecordWriter

log = structlog.get_logger("ivr.cli")


def _load(flows: Path, skills: Path) -> tuple[Any, Any]:
    from ivr.config.flow_files import load_catalog
    from ivr.config.skills import load_centre

    centre = load_centre(skills)
    return centre, load_catalog(flows, centre)


class _RecordSink:
    """Folds the engine's facts into records (storage's recorder) and hands them to the writer.

    Live, a call's id is its Asterisk Uniqueid; the Linkedid comes from the driver.
    Records go to the database, never to the log: they hold customers' numbers.
    """

    def __init__(self, recorder: Recorder, writer: RecordWriter) -> None:
        self.recorder = recorder
        self.writer = writer
        self.driver: Any = None

    def __call__(self, outputs: Sequence[object]) -> None:
        for item in outputs:
            if isinstance(item, CallStarted):
                live = self.driver.calls.get(item.call_id) if self.driver is not None else None
                self.recorder.link(
                    item.call_id,
                    uniqueid=item.call_id,
                    linkedid=live.linkedid if live is not None else None,
                )
            self.writer.submit_all(self.recorder.feed(item))

    async def flush(self, now: float) -> None:
        """Close the records of calls still open (the stop) and wait until all are stored."""
        self.writer.submit_all(self.recorder.drain(now, open_calls=True))
        await self.writer.flush()


class _StorageCustomers:
    """Lookups and password checks from the database; a lookup carries the owner of an open request."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def answer_lookup(self, command: LookupCustomer) -> CustomerFound:
        return await self._storage.answer_lookup(command)

    async def answer_verify(self, command: VerifyPassword) -> PasswordChecked:
        return await self._storage.customers.answer_verify(command)


async def _serve(
    *,
    flows: Path,
    skills: Path,
    ami: AmiSettings,
    live: LiveSettings,
    login_seats: bool,
    storage_settings: StorageSettings,
    seed: int | None,
    settings: Settings | None = None,
) -> None:
    from ivr.storage import Storage
    from ivr.storage.recorder import Recorder

    clock = WallClock()
    centre, catalog = _load(flows, skills)
    # Records, customers and tickets: SQLite under the data directory unless a URL says otherwise.
    storage = await Storage.open(storage_settings, clock=clock)
    try:
        async with storage.writer() as writer:
            records = _RecordSink(Recorder.for_centre(centre, clock=clock), writer)
            await _run_service(
                centre=centre,
                catalog=catalog,
                flows=flows,
                ami=ami,
                live=live,
                login_seats=login_seats,
                seed=seed,
                settings=settings,
                clock=clock,
                customers=_StorageCustomers(storage),
                records=records,
            )
    except BaseExceptionGroup as group:
        # A refused login ends the service: say so plainly, not as an exception group.
        first: BaseException = group
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        if isinstance(first, IvrError):
            raise first from None
        raise
    finally:
        await storage.close()


async def _run_service(
    *,
    centre: Any,
    catalog: Any,
    flows: Path,
    ami: AmiSettings,
    live: LiveSettings,
    login_seats: bool,
    seed: int | None,
    settings: Settings | None,
    clock: Any,
    customers: CustomerService,
    records: _RecordSink,
) -> None:
    from ivr.api.control import DriverControl, flow_reloader
    from ivr.cli.reload_signal import ReloadOnSighup
    from ivr.cli.settings import settings_from_environment
    from ivr.cli.supervision import Supervision
    from ivr.config.flow_files import FlowReloader
    from ivr.live.service import LiveService, journey_engine
    from ivr.shutdown import GracefulShutdown

    # The supervisor's side: API, wallboard, /metrics, audit, the clean stop.
    sup = Supervision(settings or settings_from_environment(), centre, clock=clock)
    service = LiveService(
        centre=centre,
        flows=catalog,
        ami=ami,
        live=live,
        customers=customers,
        sinks=[records, sup.hub.observe],
        clock=clock,
        seed=seed,
        make_engine=sup.wrap_engine(journey_engine),
    )
    records.driver = service.driver
    sup.watch(
        engine=service.engine,
        ami_counters=lambda: service.connection.counters,
        ami_link=lambda: service.connection.link,
        buffer_depth=lambda: records.writer.stats.buffered,
        writer_stats=lambda: records.writer.stats,
    )
    # One reloader for the API and SIGHUP: one reload at a time, off the event loop.
    reloader = FlowReloader(catalog, flows, centre)
    sighup = ReloadOnSighup(reloader)
    sighup.install()  # before the API listens: whoever saw it listening may send SIGHUP
    await sup.start_http(DriverControl(service.driver, reload=flow_reloader(reloader)))

    async def flush_records() -> None:
        await records.flush(clock.now())

    shutdown = GracefulShutdown(
        sup.shutdown_plan(close_ami=service.stop, flush_records=flush_records)
    )
    shutdown.install()
    seats = [s.id for s in centre.seats if s.endpoint] if login_seats else []
    log.info("serve_starting", ami=f"{ami.username}@{ami.host}:{ami.port}", seats=len(seats))
    try:
        async with asyncio.TaskGroup() as tg:
            runner = tg.create_task(service.run(login_seats=seats))

            async def stop_on_signal() -> None:
                await shutdown.wait()
                await shutdown.run()

            stopper = tg.create_task(stop_on_signal())
            await runner
            if not shutdown.requested.is_set():
                stopper.cancel()  # the service ended on its own (a refused login)
    finally:
        sighup.uninstall()
        shutdown.uninstall()
        await sup.stop_http()


def _with_options(ami: AmiSettings, options: dict[str, object]) -> AmiSettings:
    """The AMI settings (file and environment) with the options given on the command line."""
    given = {k: v for k, v in options.items() if v is not None}
    return AmiSettings.model_validate({**ami.model_dump(), **given}) if given else ami


def serve(
    config: ConfigOption = None,
    flows: Annotated[Path, typer.Option(help="the flows directory")] = Path("flows"),
    skills: Annotated[Path, typer.Option(help="the skills directory")] = Path("skills"),
    ami_host: Annotated[
        str | None, typer.Option(help="default $IVR_AMI__HOST or 127.0.0.1")
    ] = None,
    ami_port: Annotated[int | None, typer.Option(help="default $IVR_AMI__PORT or 5038")] = None,
    ami_username: Annotated[
        str | None, typer.Option(help="default $IVR_AMI__USERNAME or ivr")
    ] = None,
    login_seats: Annotated[
        bool, typer.Option(help="log every seat with an endpoint in at start (try-out, fake)")
    ] = False,
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="IVR_DATABASE__DATABASE_URL",
            help="records, customers and tickets here; default SQLite under data/",
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="seed for the engine's random choices")] = None,
) -> None:
    """Run beside Asterisk: take its calls over AMI. The secret: $IVR_AMI__SECRET or the config file."""
    from ivr.obs.logs import configure_logging

    configure_logging()
    overrides: dict[str, object] = {"host": ami_host, "port": ami_port, "username": ami_username}
    try:
        run = resolve(config, flows, skills, overrides, database_url)
        asyncio.run(
            _serve(
                flows=run.flows,
                skills=run.skills,
                ami=run.ami,
                live=run.live,
                login_seats=login_seats,
                storage_settings=run.storage,
                seed=seed,
                settings=run.settings,
            )
        )
    except AmiAuthenticationError as exc:
        # Its own status, so a supervisor (systemd, a script) can tell "fix the secret" apart.
        _exit_with(exc, 2)
    except IvrError as exc:
        _exit_with(exc, 1)
    except KeyboardInterrupt:
        pass


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """What ``ivr serve`` runs with once the file, the environment and the options are merged."""

    settings: Settings | None  # None without --config: the defaults and IVR_* variables
    flows: Path
    skills: Path
    ami: AmiSettings
    storage: StorageSettings
    live: LiveSettings


def resolve(
    config: Path | None,
    flows: Path,
    skills: Path,
    overrides: dict[str, object],
    database_url: str | None,
) -> ServeSettings:
    """The configuration file when given (its flows and skills win over --flows/--skills),
    else the environment; the AMI and database options on top of either."""
    settings = None
    if config is not None:
        from ivr.cli.settings import load_settings
        from ivr.obs.logs import configure_logging

        settings = load_settings(config)
        configure_logging(level=settings.log.level, json=settings.log.json_lines)
        storage = settings.database
        flows, skills = settings.flows, settings.skills
        ami = _with_options(settings.ami, overrides)
        live = settings.live
    else:
        from ivr.cli.settings import settings_from_environment

        defaults = settings_from_environment()
        storage = defaults.database
        ami = _with_options(defaults.ami, overrides)
        live = defaults.live  # IVR_LIVE__* count without a file too, like IVR_AMI__*
    if database_url:
        storage = storage.model_copy(update={"database_url": database_url})
    return ServeSettings(
        settings=settings, flows=flows, skills=skills, ami=ami, storage=storage, live=live
    )


def _exit_with(exc: IvrError, code: int) -> NoReturn:
    """The error's message (it says what to do) on stderr, no traceback, and exit ``code``."""
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(code) from None


def fake_asterisk(
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1")] = 5038,
    username: Annotated[str, typer.Option()] = "ivr",
    secret: Annotated[
        str, typer.Option(envvar="IVR_AMI__SECRET", help="the AMI secret it accepts")
    ] = "ivrpass",
    calls: Annotated[int, typer.Option(help="demo calls to ring in once a client logs in")] = 0,
    every: Annotated[float, typer.Option(help="seconds between demo calls")] = 2.0,
    keys: Annotated[str, typer.Option(help="what each demo caller presses")] = "",
    dnis: Annotated[
        str, typer.Option(help="the number the demo callers dial (10001: the billing line)")
    ] = "10001",
    talk: Annotated[float, typer.Option(help="seconds a seat talks before hanging up")] = 5.0,
    ring: Annotated[float, typer.Option(help="seconds a seat rings before answering")] = 1.0,
) -> None:
    """A fake Asterisk speaking AMI on 127.0.0.1, for trying `ivr serve` without a PBX."""
    from ivr.obs.logs import configure_logging

    configure_logging()
    try:
        asyncio.run(_fake(port, username, secret, calls, every, keys, dnis, talk, ring))
    except PortInUseError as exc:
        _exit_with(exc, 1)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("fake-asterisk")(fake_asterisk)


async def _fake(
    port: int,
    username: str,
    secret: str,
    calls: int,
    every: float,
    keys: str,
    dnis: str,
    talk: float,
    ring: float,
) -> None:
    from ivr.ami.fake import FakeAsterisk, SeatScript, demo_traffic

    fake = FakeAsterisk(username=username, secret=secret)
    fake.default_seat = SeatScript(ring_s=ring, talk_s=talk)
    try:
        await fake.start(port=port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError.at(
                "127.0.0.1",
                port,
                change="choose another with --port, and give ivr serve the same --ami-port",
            ) from None
        raise
    log.info("fake_asterisk_listening", where=f"{fake.host}:{fake.port}", username=username)
    try:
        if calls:
            while fake.logins == 0:
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
            await demo_traffic(fake, calls=calls, every_s=every, keys=keys, dnis=dnis)
        await asyncio.Event().wait()
    finally:
        await fake.stop()
