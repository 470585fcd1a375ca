"""Tickets: the first seat owns the request; red 2 h, yellow 24 h, blue 72 h; past-deadline report."""

from __future__ import annotations

import pytest

from ivr.clock import ManualClock
from ivr.errors import StorageError
from ivr.storage import Storage
from ivr.storage.tickets import TicketStatus, TicketTier

HOUR = 3600.0


async def test_each_tier_gets_its_deadline_from_the_moment_it_is_opened(
    storage: Storage, clock: ManualClock
) -> None:
    opened = clock.now()
    due = {}
    for tier in TicketTier:
        ticket = await storage.tickets.open(
            owner_seat="agent14", tier=tier, subject="billing dispute"
        )
        due[tier] = (ticket.due_at - opened) / HOUR
    assert due == {TicketTier.RED: 2, TicketTier.YELLOW: 24, TicketTier.BLUE: 72}


async def test_a_red_ticket_not_answered_within_two_hours_is_reported_overdue(
    storage: Storage, clock: ManualClock
) -> None:
    red = await storage.tickets.open(
        owner_seat="agent14", tier=TicketTier.RED, subject="no dial tone", account="A100"
    )
    answered = await storage.tickets.open(
        owner_seat="agent12", tier=TicketTier.RED, subject="fault"
    )
    yellow = await storage.tickets.open(
        owner_seat="agent12", tier=TicketTier.YELLOW, subject="bill"
    )
    clock.advance(1 * HOUR)
    await storage.tickets.act(answered.id, "respond", actor="agent12", note="engineer booked")
    clock.advance(1 * HOUR + 1)
    overdue = await storage.tickets.overdue()
    assert [t.id for t in overdue] == [red.id]
    clock.advance(22 * HOUR)
    assert [t.id for t in await storage.tickets.overdue()] == [red.id, yellow.id]


async def test_a_deadline_met_late_stays_in_the_report(
    storage: Storage, clock: ManualClock
) -> None:
    ticket = await storage.tickets.open(
        owner_seat="agent14", tier=TicketTier.BLUE, subject="follow up"
    )
    clock.advance(73 * HOUR)
    late = await storage.tickets.act(ticket.id, "follow_up", actor="agent14")
    assert late.met_at is not None and late.overdue_at(clock.now())
    assert [t.id for t in await storage.tickets.overdue()] == [ticket.id]


async def test_the_first_seat_keeps_ownership_and_every_action_is_in_the_history(
    storage: Storage, clock: ManualClock
) -> None:
    ticket = await storage.tickets.open(
        owner_seat="agent14", tier=TicketTier.YELLOW, subject="move line", account="A100"
    )
    clock.advance(60)
    await storage.tickets.act(ticket.id, "note", actor="agent22", note="customer called again")
    await storage.tickets.act(ticket.id, "respond", actor="agent22")
    closed = await storage.tickets.act(ticket.id, "close", actor="agent14", note="done")
    assert closed.owner_seat == "agent14"
    assert closed.status is TicketStatus.CLOSED and closed.met_at == clock.now()
    assert [(e.actor, e.action) for e in closed.history] == [
        ("agent14", "open"),
        ("agent22", "note"),
        ("agent22", "respond"),
        ("agent14", "close"),
    ]
    assert await storage.tickets.owner_for("A100") is None


async def test_an_open_request_routes_back_to_its_owner(storage: Storage) -> None:
    await storage.tickets.open(
        owner_seat="agent14", tier=TicketTier.YELLOW, subject="a", account="A100"
    )
    await storage.tickets.open(
        owner_seat="agent22", tier=TicketTier.RED, subject="b", account="A100"
    )
    assert await storage.tickets.owner_for("A100") == "agent14"


async def test_a_closed_ticket_must_be_reopened_before_anything_else(storage: Storage) -> None:
    ticket = await storage.tickets.open(owner_seat="agent14", tier=TicketTier.RED, subject="x")
    await storage.tickets.act(ticket.id, "close", actor="agent14")
    with pytest.raises(
        StorageError, match=r"ticket .* is closed: it cannot take 'respond'; reopen"
    ):
        await storage.tickets.act(ticket.id, "respond", actor="agent14")
    reopened = await storage.tickets.act(ticket.id, "reopen", actor="agent14")
    assert reopened.status is TicketStatus.OPEN and reopened.closed_at is None
