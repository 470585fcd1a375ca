"""Retention: call records, queue log and recording references purged by policy.

Recordings are kept at least three months (REQUIREMENTS §5): the policy
refuses less (:class:`ivr.storage.settings.RetentionPolicy`), and a purge
only ever removes what is older than the policy says. A recording's audio
lives with Asterisk: the purge returns the references it cleared, so the
operator's job can delete those files.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from ivr.storage import schema
from ivr.storage.settings import RetentionPolicy

DAY_S = 86_400.0


@dataclass(frozen=True, slots=True, kw_only=True)
class PurgeReport:
    call_records: int
    recordings: tuple[str, ...]
    queue_log: int
    seat_sessions: int
    dry_run: bool


async def purge(
    engine: AsyncEngine, policy: RetentionPolicy, *, now: float, dry_run: bool = False
) -> PurgeReport:
    cr, vm, ql, ss = schema.call_records, schema.voicemails, schema.queue_log, schema.seat_sessions
    recordings_before = now - policy.recordings_days * DAY_S
    records_before = now - policy.call_records_days * DAY_S
    queue_log_before = int(now - policy.queue_log_days * DAY_S)
    sessions_before = now - policy.seat_sessions_days * DAY_S
    async with engine.begin() as conn:
        refs = [
            *(
                await conn.execute(
                    select(cr.c.recording_ref).where(
                        cr.c.recording_ref.is_not(None), cr.c.ended_at < recordings_before
                    )
                )
            ).scalars(),
            *(
                await conn.execute(
                    select(vm.c.recording_ref).where(
                        vm.c.recording_ref.is_not(None), vm.c.recorded_at < recordings_before
                    )
                )
            ).scalars(),
        ]
        counts = [
            (await conn.execute(select(func.count()).where(cond))).scalar_one()
            for cond in (
                cr.c.ended_at < records_before,
                ql.c.time < queue_log_before,
                ss.c.ended_at < sessions_before,
            )
        ]
        if not dry_run:
            await conn.execute(
                update(cr).where(cr.c.ended_at < recordings_before).values(recording_ref=None)
            )
            await conn.execute(
                update(vm).where(vm.c.recorded_at < recordings_before).values(recording_ref=None)
            )
            await conn.execute(delete(cr).where(cr.c.ended_at < records_before))
            await conn.execute(delete(ql).where(ql.c.time < queue_log_before))
            await conn.execute(delete(ss).where(ss.c.ended_at < sessions_before))
    return PurgeReport(
        call_records=counts[0],
        recordings=tuple(sorted(refs)),
        queue_log=counts[1],
        seat_sessions=counts[2],
        dry_run=dry_run,
    )
