"""``Storage``: the one object a composition root opens, and what it hands out.

::

    storage = await Storage.open(StorageSettings(...), clock=clock)
    async with storage.writer() as writer:      # owns its task
        writer.submit_all(recorder.feed(fact))  # from the engine's outputs
    await storage.customers.answer_lookup(cmd)  # LookupCustomer -> CustomerFound
    await storage.customers.answer_verify(cmd)  # VerifyPassword -> PasswordChecked
    await storage.tickets.open(...); await storage.backoffice.waiting_callbacks()
    await storage.close()
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import IO

from sqlalchemy.ext.asyncio import AsyncEngine

from ivr.clock import Clock
from ivr.model.commands import LookupCustomer
from ivr.model.events import CustomerFound
from ivr.storage.backoffice import BackOffice
from ivr.storage.customers import CustomerStore
from ivr.storage.database import open_engine
from ivr.storage.export import export_queue_log
from ivr.storage.retention import PurgeReport, purge
from ivr.storage.settings import StorageSettings
from ivr.storage.tickets import TicketStore
from ivr.storage.writer import RecordWriter


class Storage:
    def __init__(self, engine: AsyncEngine, *, settings: StorageSettings, clock: Clock) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.customers = CustomerStore(engine, settings=settings, clock=clock)
        self.tickets = TicketStore(engine, clock=clock)
        self.backoffice = BackOffice(engine, clock=clock)

    @classmethod
    async def open(cls, settings: StorageSettings, *, clock: Clock) -> Storage:
        return cls(await open_engine(settings, clock=clock), settings=settings, clock=clock)

    async def answer_lookup(self, command: LookupCustomer) -> CustomerFound:
        """The customer, with ``owner_seat`` when a seat owns an open request of theirs.

        First-contact responsibility (REQUIREMENTS §3): the flow's ``queue`` node
        hands that seat to the routing core, which offers it the call first.
        """
        found = await self.customers.answer_lookup(command)
        customer = found.customer
        if customer is None or not customer.get("account"):
            return found
        owner = await self.tickets.owner_for(str(customer["account"]))
        if owner is None:
            return found
        return CustomerFound(call_id=found.call_id, customer={**customer, "owner_seat": owner})

    def writer(self, *, spill_path: Path | None = None) -> RecordWriter:
        """A record writer; a second one at once needs its own ``spill_path``."""
        return RecordWriter(self.engine, self.settings, spill_path=spill_path)

    async def export_queue_log(
        self, out: Path | IO[bytes], *, since: float | None = None, until: float | None = None
    ) -> int:
        return await export_queue_log(self.engine, out, since=since, until=until)

    async def purge(self, *, dry_run: bool = False) -> PurgeReport:
        return await purge(
            self.engine, self.settings.retention, now=self.clock.now(), dry_run=dry_run
        )

    async def close(self) -> None:
        await self.engine.dispose()

    async def __aenter__(self) -> Storage:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
