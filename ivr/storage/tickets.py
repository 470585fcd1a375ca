"""Tickets: first-contact responsibility and complaints, tracked to their result (REQUIREMENTS §3, §5).

A ticket is owned by the seat that first took the request. Its tier sets one
deadline from the moment it is opened, and which action meets it:

======  ==========  =======================================
tier    deadline    met by
======  ==========  =======================================
red     2 h         a response (or a follow-up, or closing)
yellow  24 h        closing
blue    72 h        a follow-up (or closing)
======  ==========  =======================================

Status transitions live in one table (:data:`TRANSITIONS`); anything else is
refused with the state and the action named. Every action is kept in the
ticket's history. Time comes from the injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ivr.clock import Clock
from ivr.errors import StorageError
from ivr.storage import schema


class TicketTier(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    BLUE = "blue"


class TicketStatus(StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"


DEADLINE_S: dict[TicketTier, float] = {
    TicketTier.RED: 2 * 3600.0,
    TicketTier.YELLOW: 24 * 3600.0,
    TicketTier.BLUE: 72 * 3600.0,
}
MEETS: dict[TicketTier, frozenset[str]] = {
    TicketTier.RED: frozenset({"respond", "follow_up", "close"}),
    TicketTier.YELLOW: frozenset({"close"}),
    TicketTier.BLUE: frozenset({"follow_up", "close"}),
}
TRANSITIONS: dict[tuple[TicketStatus, str], TicketStatus] = {
    (TicketStatus.OPEN, "respond"): TicketStatus.RESPONDED,
    (TicketStatus.OPEN, "follow_up"): TicketStatus.FOLLOWED_UP,
    (TicketStatus.OPEN, "close"): TicketStatus.CLOSED,
    (TicketStatus.RESPONDED, "respond"): TicketStatus.RESPONDED,
    (TicketStatus.RESPONDED, "follow_up"): TicketStatus.FOLLOWED_UP,
    (TicketStatus.RESPONDED, "close"): TicketStatus.CLOSED,
    (TicketStatus.FOLLOWED_UP, "follow_up"): TicketStatus.FOLLOWED_UP,
    (TicketStatus.FOLLOWED_UP, "close"): TicketStatus.CLOSED,
    (TicketStatus.CLOSED, "reopen"): TicketStatus.OPEN,
}
ACTIONS = frozenset(action for _, action in TRANSITIONS) | {"note"}


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketEvent:
    at: float
    actor: str
    action: str
    note: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Ticket:
    id: int
    owner_seat: str
    tier: TicketTier
    subject: str
    status: TicketStatus
    opened_at: float
    due_at: float
    met_at: float | None
    closed_at: float | None
    call_id: str | None
    account: str | None
    history: tuple[TicketEvent, ...] = ()

    def overdue_at(self, now: float) -> bool:
        """Past its deadline: not met in time (met late, or not met and the deadline has passed)."""
        if self.met_at is not None:
            return self.met_at > self.due_at
        return now > self.due_at


class TicketStore:
    def __init__(self, engine: AsyncEngine, *, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    async def open(
        self,
        *,
        owner_seat: str,
        tier: TicketTier,
        subject: str,
        call_id: str | None = None,
        account: str | None = None,
        note: str = "",
    ) -> Ticket:
        now = self._clock.now()
        t = schema.tickets
        async with self._engine.begin() as conn:
            ticket_id = (
                await conn.execute(
                    t.insert()
                    .values(
                        call_id=call_id,
                        account=account,
                        owner_seat=owner_seat,
                        tier=str(tier),
                        subject=subject,
                        status=str(TicketStatus.OPEN),
                        opened_at=now,
                        due_at=now + DEADLINE_S[tier],
                        updated_at=now,
                    )
                    .returning(t.c.id)
                )
            ).scalar_one()
            await self._event(conn, ticket_id, now, owner_seat, "open", note)
            return await self._load(conn, ticket_id)

    async def act(self, ticket_id: int, action: str, *, actor: str, note: str = "") -> Ticket:
        """``respond``, ``follow_up``, ``close``, ``reopen`` or ``note``, by ``actor``."""
        if action not in ACTIONS:
            msg = f"unknown ticket action {action!r}; use one of {', '.join(sorted(ACTIONS))}"
            raise StorageError(msg, action=action)
        now = self._clock.now()
        t = schema.tickets
        async with self._engine.begin() as conn:
            ticket = await self._load(conn, ticket_id)
            if action != "note":
                status = TRANSITIONS.get((ticket.status, action))
                if status is None:
                    msg = (
                        f"ticket {ticket_id} is {ticket.status}: it cannot take {action!r}; "
                        "reopen a closed ticket first"
                    )
                    raise StorageError(msg, ticket_id=ticket_id, status=str(ticket.status))
                values: dict[str, object] = {"status": str(status), "updated_at": now}
                if ticket.met_at is None and action in MEETS[ticket.tier]:
                    values["met_at"] = now
                values["closed_at"] = now if status == TicketStatus.CLOSED else None
                await conn.execute(update(t).where(t.c.id == ticket_id).values(values))
            await self._event(conn, ticket_id, now, actor, action, note)
            return await self._load(conn, ticket_id)

    async def get(self, ticket_id: int) -> Ticket:
        async with self._engine.connect() as conn:
            return await self._load(conn, ticket_id)

    async def overdue(self, now: float | None = None) -> list[Ticket]:
        """Tickets past their deadline: not met and due before ``now``, or met late. Oldest due first."""
        at = self._clock.now() if now is None else now
        t = schema.tickets
        query = (
            select(t.c.id)
            .where(
                or_(
                    and_(t.c.met_at.is_(None), t.c.due_at < at),
                    t.c.met_at > t.c.due_at,
                )
            )
            .order_by(t.c.due_at, t.c.id)
        )
        async with self._engine.connect() as conn:
            ids = (await conn.execute(query)).scalars().all()
            return [await self._load(conn, i) for i in ids]

    async def owner_for(self, account: str) -> str | None:
        """The seat that owns the account's oldest open request (for ``CallEnqueued.owner_seat``)."""
        t = schema.tickets
        query = (
            select(t.c.owner_seat)
            .where(t.c.account == account, t.c.status != str(TicketStatus.CLOSED))
            .order_by(t.c.opened_at, t.c.id)
            .limit(1)
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).scalar_one_or_none()

    @staticmethod
    async def _event(
        conn: AsyncConnection, ticket_id: int, at: float, actor: str, action: str, note: str
    ) -> None:
        await conn.execute(
            schema.ticket_events.insert().values(
                ticket_id=ticket_id, at=at, actor=actor, action=action, note=note
            )
        )

    @staticmethod
    async def _load(conn: AsyncConnection, ticket_id: int) -> Ticket:
        t, e = schema.tickets, schema.ticket_events
        row = (await conn.execute(select(t).where(t.c.id == ticket_id))).one_or_none()
        if row is None:
            msg = f"no ticket {ticket_id}: list them with `ivr tickets overdue`"
            raise StorageError(msg, ticket_id=ticket_id)
        events = await conn.execute(
            select(e.c.at, e.c.actor, e.c.action, e.c.note)
            .where(e.c.ticket_id == ticket_id)
            .order_by(e.c.at, e.c.id)
        )
        return Ticket(
            id=row.id,
            owner_seat=row.owner_seat,
            tier=TicketTier(row.tier),
            subject=row.subject,
            status=TicketStatus(row.status),
            opened_at=row.opened_at,
            due_at=row.due_at,
            met_at=row.met_at,
            closed_at=row.closed_at,
            call_id=row.call_id,
            account=row.account,
            history=tuple(TicketEvent(**ev._mapping) for ev in events),
        )
