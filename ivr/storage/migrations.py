"""Schema versions: a small, versioned scheme that upgrades a database in place.

Each :class:`Migration` has a number and a function of a synchronous
connection; ``schema_version`` holds one row per version applied. ``upgrade``
applies the missing ones in order, each in its own transaction (on PostgreSQL
under an advisory lock, so two engines starting at once do not both migrate).

A migration never uses :mod:`ivr.storage.schema` for a table that a later
version changes: the shape it creates is frozen here, so an old database is
upgraded through exactly the steps a new one is created with.

Versions:

1. customers and their numbers, call records, queue log, seat sessions,
   callbacks, voicemails.
2. call records gain the Asterisk ids (``uniqueid``, ``linkedid``), ``wrap_s``
   and the ``recording_ref``; tables for alarms, tickets and ticket history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from ivr.clock import Clock
from ivr.errors import StorageError
from ivr.storage import schema

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


# Kept whole: the frozen version-1 schema reads best as one list of tables, not split up.
def _v1(conn: Connection) -> None:
    md = MetaData()
    id_ = BigInteger().with_variant(Integer(), "sqlite")
    Table(
        "customers",
        md,
        Column("account", String(32), primary_key=True),
        Column("name", String(200), nullable=False, server_default=""),
        Column("tier", String(16), nullable=False, server_default="normal"),
        Column("segment", String(64), nullable=False, server_default=""),
        Column("language", String(16), nullable=False, server_default=""),
        Column("password_hash", String(200)),
        Column("failed_attempts", Integer, nullable=False, server_default="0"),
        Column("locked_until", Float),
        Column("updated_at", Float, nullable=False, server_default="0"),
    )
    Table(
        "customer_numbers",
        md,
        Column("number", String(32), primary_key=True),
        Column(
            "account",
            String(32),
            ForeignKey("customers.account", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
    )
    Table(
        "call_records",
        md,
        Column("call_id", String(64), primary_key=True),
        Column("caller", String(32), nullable=False),
        Column("dnis", String(32), nullable=False),
        Column("flow", String(64), nullable=False),
        Column("flow_version", String(64), nullable=False),
        Column("path", Text, nullable=False),
        Column("inputs", Text, nullable=False),
        Column("service", String(64)),
        Column("queue", String(64)),
        Column("first_queue", String(64)),
        Column("seat_id", String(64)),
        Column("arrived_at", Float, nullable=False),
        Column("queued_at", Float),
        Column("offered_at", Float),
        Column("answered_at", Float),
        Column("ended_at", Float, nullable=False, index=True),
        Column("wait_s", Float),
        Column("talk_s", Float),
        Column("outcome", String(32), nullable=False),
        Column("reason", String(64), nullable=False),
        Column("transfers", Text, nullable=False),
    )
    Table(
        "queue_log",
        md,
        Column("id", id_, primary_key=True, autoincrement=True),
        Column("uid", String(40), nullable=False, unique=True),
        Column("time", BigInteger, nullable=False),
        Column("callid", String(64), nullable=False),
        Column("queuename", String(64), nullable=False),
        Column("agent", String(64), nullable=False),
        Column("event", String(32), nullable=False),
        Column("data", Text),
        Index("ix_queue_log_time", "time", "id"),
    )
    Table(
        "seat_sessions",
        md,
        Column("id", id_, primary_key=True, autoincrement=True),
        Column("uid", String(40), nullable=False, unique=True),
        Column("seat_id", String(64), nullable=False, index=True),
        Column("kind", String(16), nullable=False),
        Column("started_at", Float, nullable=False),
        Column("ended_at", Float, nullable=False),
        Column("reason", String(64), nullable=False, server_default=""),
    )
    Table(
        "callbacks",
        md,
        Column("id", id_, primary_key=True, autoincrement=True),
        Column("uid", String(40), nullable=False, unique=True),
        Column("call_id", String(64), nullable=False, index=True),
        Column("number", String(32), nullable=False),
        Column("queue", String(64)),
        Column("source", String(16), nullable=False),
        Column("requested_at", Float, nullable=False),
        Column("wished_at", Float),
        Column("context", Text, nullable=False),
        Column("status", String(16), nullable=False, server_default="waiting"),
        Column("handled_at", Float),
        Column("handled_by", String(64)),
        Column("note", Text),
    )
    Table(
        "voicemails",
        md,
        Column("id", id_, primary_key=True, autoincrement=True),
        Column("uid", String(40), nullable=False, unique=True),
        Column("call_id", String(64), nullable=False, index=True),
        Column("box", String(64), nullable=False),
        Column("caller", String(32), nullable=False),
        Column("recorded_at", Float, nullable=False),
        Column("recording_ref", String(255)),
        Column("status", String(16), nullable=False, server_default="waiting"),
        Column("handled_at", Float),
        Column("handled_by", String(64)),
    )
    md.create_all(conn)


def _v2(conn: Connection) -> None:
    for column, kind in (
        ("uniqueid", "VARCHAR(64)"),
        ("linkedid", "VARCHAR(64)"),
        ("wrap_s", "FLOAT"),
        ("recording_ref", "VARCHAR(255)"),
    ):
        conn.execute(text(f"ALTER TABLE call_records ADD COLUMN {column} {kind}"))
    conn.execute(text("CREATE INDEX ix_call_records_linkedid ON call_records (linkedid)"))
    # New tables, unchanged since version 2: freeze them here when a later version alters one.
    for table in (schema.alarms, schema.tickets, schema.ticket_events):
        table.create(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(version=1, description="customers, call records, queue log, sessions", apply=_v1),
    Migration(
        version=2, description="asterisk ids, wrap-up, recordings, alarms, tickets", apply=_v2
    ),
)
HEAD = MIGRATIONS[-1].version


def _current(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    found = conn.execute(select(schema.schema_version.c.version)).scalars().all()
    return max(found, default=0)


async def current_version(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def upgrade(engine: AsyncEngine, *, clock: Clock, target: int | None = None) -> int:
    """Apply the migrations the database lacks, up to ``target`` (the newest by default).

    Returns the version the database is at afterwards. A database newer than
    this program is refused, not touched.
    """
    goal = HEAD if target is None else target
    if not 0 <= goal <= HEAD:
        msg = f"schema version {goal} does not exist; this ivr knows versions 1 to {HEAD}"
        raise StorageError(msg, target=goal)
    version = await current_version(engine)
    if version > HEAD:
        msg = (
            f"the database is at schema version {version}, newer than this ivr ({HEAD}): "
            "upgrade ivr, or point it at another database"
        )
        raise StorageError(msg, version=version, head=HEAD)
    for migration in MIGRATIONS:
        if migration.version <= version or migration.version > goal:
            continue
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(7341995)"))
            if await conn.run_sync(_current) >= migration.version:
                continue  # another engine applied it while we waited for the lock
            await conn.run_sync(lambda c: schema.schema_version.create(c, checkfirst=True))
            await conn.run_sync(migration.apply)
            await conn.execute(
                schema.schema_version.insert().values(
                    version=migration.version,
                    description=migration.description,
                    applied_at=clock.now(),
                )
            )
        log.info("storage_schema_upgraded", version=migration.version)
    return await current_version(engine)
