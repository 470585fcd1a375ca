"""Callbacks and voicemails waiting for the back office, and marking them handled.

The recorder writes them (``CreateCallback``, ``CallbackQueued``,
``RecordVoicemail``); the back office reads what waits and closes each one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from ivr.clock import Clock
from ivr.errors import StorageError
from ivr.storage import schema

WAITING = "waiting"
CALLBACK_ENDS = frozenset({"done", "failed", "cancelled"})


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitingCallback:
    id: int
    call_id: str
    number: str
    queue: str | None
    source: str
    requested_at: float
    wished_at: float | None
    context: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitingVoicemail:
    id: int
    call_id: str
    box: str
    caller: str
    recorded_at: float
    recording_ref: str | None


class BackOffice:
    def __init__(self, engine: AsyncEngine, *, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    async def waiting_callbacks(self, *, limit: int = 100) -> list[WaitingCallback]:
        """Oldest request first."""
        c = schema.callbacks
        query = (
            select(c).where(c.c.status == WAITING).order_by(c.c.requested_at, c.c.id).limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            WaitingCallback(
                id=r.id,
                call_id=r.call_id,
                number=r.number,
                queue=r.queue,
                source=r.source,
                requested_at=r.requested_at,
                wished_at=r.wished_at,
                context=json.loads(r.context),
            )
            for r in rows
        ]

    async def close_callback(
        self, callback_id: int, *, status: str, by: str, note: str = ""
    ) -> None:
        if status not in CALLBACK_ENDS:
            msg = f"a callback ends as one of {', '.join(sorted(CALLBACK_ENDS))}, not {status!r}"
            raise StorageError(msg, status=status)
        c = schema.callbacks
        await self._close(
            update(c)
            .where(c.c.id == callback_id, c.c.status == WAITING)
            .values(status=status, handled_at=self._clock.now(), handled_by=by, note=note),
            what=f"callback {callback_id}",
        )

    async def waiting_voicemails(self, *, limit: int = 100) -> list[WaitingVoicemail]:
        v = schema.voicemails
        query = (
            select(v).where(v.c.status == WAITING).order_by(v.c.recorded_at, v.c.id).limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            WaitingVoicemail(
                id=r.id,
                call_id=r.call_id,
                box=r.box,
                caller=r.caller,
                recorded_at=r.recorded_at,
                recording_ref=r.recording_ref,
            )
            for r in rows
        ]

    async def close_voicemail(self, voicemail_id: int, *, by: str) -> None:
        v = schema.voicemails
        await self._close(
            update(v)
            .where(v.c.id == voicemail_id, v.c.status == WAITING)
            .values(status="handled", handled_at=self._clock.now(), handled_by=by),
            what=f"voicemail {voicemail_id}",
        )

    async def _close(self, statement: Any, *, what: str) -> None:
        async with self._engine.begin() as conn:
            result = await conn.execute(statement)
        if result.rowcount != 1:
            msg = f"{what} is not waiting (unknown, or already handled)"
            raise StorageError(msg)
