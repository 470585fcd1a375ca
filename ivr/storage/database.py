"""Opening the database: one SQLAlchemy async engine, SQLite (WAL) by default, PostgreSQL by URL.

SQLite connections are set to WAL (readers never block the writer), NORMAL
synchronous (a committed transaction survives a crash of the process; WAL
makes it atomic), foreign keys on, and a busy timeout so that a second writer
waits rather than fails at once.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ivr.clock import Clock
from ivr.errors import StorageError
from ivr.storage.migrations import HEAD, current_version, upgrade
from ivr.storage.settings import StorageSettings


def create_engine(settings: StorageSettings) -> AsyncEngine:
    url = make_url(settings.url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 0})
        busy_ms = settings.sqlite_busy_timeout_ms

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            cursor.close()

        return engine
    if url.get_backend_name() == "postgresql":
        if url.get_driver_name() == "asyncpg":
            _require_asyncpg()
        return create_async_engine(url, pool_pre_ping=True)
    msg = (
        f"unsupported database URL scheme {url.drivername!r}: use sqlite+aiosqlite:///path "
        "or postgresql+asyncpg://user:password@host/db"
    )
    raise StorageError(msg, scheme=url.drivername)


def _require_asyncpg() -> None:
    """asyncpg is the ``postgres`` extra, not a dependency: SQLite users need none of it."""
    try:
        importlib.import_module("asyncpg")
    except ImportError as exc:
        msg = (
            "the database URL names PostgreSQL, but its driver asyncpg is not installed: "
            f"run `{sys.executable} -m pip install -e '.[postgres]'` in the ivr checkout "
            "(or leave the database URL empty for the SQLite file)"
        )
        raise StorageError(msg, missing="asyncpg") from exc


async def open_engine(settings: StorageSettings, *, clock: Clock) -> AsyncEngine:
    """An engine on a database at the newest schema version (upgraded when ``auto_upgrade``)."""
    engine = create_engine(settings)
    try:
        version = await current_version(engine)
        if version < HEAD:
            if not settings.auto_upgrade:
                msg = (
                    f"the database is at schema version {version}, this ivr needs {HEAD}: "
                    "run `ivr db upgrade` first"
                )
                raise StorageError(msg, version=version, head=HEAD)
            await upgrade(engine, clock=clock)
        elif version > HEAD:
            await upgrade(engine, clock=clock)  # refuses, with the message to show
    except BaseException:
        await engine.dispose()
        raise
    return engine
