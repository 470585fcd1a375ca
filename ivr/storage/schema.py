"""The tables, as they are at the newest schema version (SQLAlchemy Core).

Queries use these. How a database gets here from an older version is
:mod:`ivr.storage.migrations`; a test checks that upgrading from nothing gives
exactly these tables and columns.

No column holds a password or secret digits in clear: ``customers.password_hash``
is a salted scrypt hash; call records keep a secret collect's input as ``*``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", String(200), nullable=False),
    Column("applied_at", Float, nullable=False),
)

customers = Table(
    "customers",
    metadata,
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

customer_numbers = Table(
    "customer_numbers",
    metadata,
    Column("number", String(32), primary_key=True),
    Column(
        "account",
        String(32),
        ForeignKey("customers.account", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

call_records = Table(
    "call_records",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("caller", String(32), nullable=False),
    Column("dnis", String(32), nullable=False),
    Column("flow", String(64), nullable=False),
    Column("flow_version", String(64), nullable=False),
    Column("path", Text, nullable=False),  # JSON list of node ids
    Column("inputs", Text, nullable=False),  # JSON list of "node=choice"
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
    Column("transfers", Text, nullable=False),  # JSON list
    # version 2
    Column("uniqueid", String(64)),
    Column("linkedid", String(64), index=True),
    Column("wrap_s", Float),
    Column("recording_ref", String(255)),
)

queue_log = Table(
    "queue_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("uid", String(40), nullable=False, unique=True),
    Column("time", BigInteger, nullable=False),
    Column("callid", String(64), nullable=False),
    Column("queuename", String(64), nullable=False),
    Column("agent", String(64), nullable=False),
    Column("event", String(32), nullable=False),
    Column("data", Text),  # the data fields exactly as written, "|"-joined; NULL: none at all
    Index("ix_queue_log_time", "time", "id"),
)

seat_sessions = Table(
    "seat_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("uid", String(40), nullable=False, unique=True),
    Column("seat_id", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float, nullable=False),
    Column("reason", String(64), nullable=False, server_default=""),
)

callbacks = Table(
    "callbacks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("uid", String(40), nullable=False, unique=True),
    Column("call_id", String(64), nullable=False, index=True),
    Column("number", String(32), nullable=False),
    Column("queue", String(64)),
    Column("source", String(16), nullable=False),
    Column("requested_at", Float, nullable=False),
    Column("wished_at", Float),
    Column("context", Text, nullable=False),  # JSON
    Column("status", String(16), nullable=False, server_default="waiting"),
    Column("handled_at", Float),
    Column("handled_by", String(64)),
    Column("note", Text),
)

voicemails = Table(
    "voicemails",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
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

# --- version 2 ----------------------------------------------------------------

alarms = Table(
    "alarms",
    metadata,
    Column("alarm_id", String(120), primary_key=True),
    Column("scope", String(64), nullable=False),
    Column("level", Integer, nullable=False),
    Column("started_at", Float, nullable=False, index=True),
    Column("ended_at", Float),
    Column("waiting", Integer, nullable=False),
    Column("open_seats", Integer, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("call_id", String(64)),
    Column("account", String(32)),
    Column("owner_seat", String(64), nullable=False, index=True),
    Column("tier", String(16), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("opened_at", Float, nullable=False),
    Column("due_at", Float, nullable=False, index=True),
    Column("met_at", Float),
    Column("closed_at", Float),
    Column("updated_at", Float, nullable=False),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "ticket_id",
        Id,
        ForeignKey("tickets.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("at", Float, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
)
