"""Storage tests run on SQLite (a real file in tmp_path) and on a real PostgreSQL server.

PostgreSQL comes from ``IVR_TEST_PG_URL`` (``postgresql+asyncpg://user:pw@127.0.0.1/db``;
the role needs CREATEDB): each test gets a fresh database, dropped afterwards.
Without the variable the PostgreSQL cases are skipped, saying so, except in CI
(``CI`` set), where a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from ivr.clock import ManualClock
from ivr.storage import Storage, StorageSettings

PG_ENV = "IVR_TEST_PG_URL"
START = 1_795_468_167.0  # the Asterisk sample's first second


def pg_url() -> str:
    url = os.environ.get(PG_ENV, "")
    if url:
        return url
    msg = (
        f"no PostgreSQL for the storage tests: set {PG_ENV}=postgresql+asyncpg://user:pw@127.0.0.1/db "
        "(.ci/run shows how to install and start one)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so this is a failure, not a skip: {msg}")
    pytest.skip(msg)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _fresh_pg_database() -> str:
    base = make_url(pg_url())
    name = f"ivr_t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_dsn(str(base.render_as_string(hide_password=False))))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return base.set(database=name).render_as_string(hide_password=False)


async def _drop_pg_database(url: str) -> None:
    base = make_url(pg_url())
    name = make_url(url).database
    conn = await asyncpg.connect(_dsn(base.render_as_string(hide_password=False)))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'ivr.sqlite'}"
        return
    url = await _fresh_pg_database()
    try:
        yield url
    finally:
        await _drop_pg_database(url)


def make_settings(database_url: str, tmp_path: Path, **changes: object) -> StorageSettings:
    values: dict[str, object] = {
        "database_url": database_url,
        "data_dir": tmp_path,
        "password_scrypt_n": 2**10,  # cheap in tests; the default is 2**14
        "flush_interval_s": 0.01,
        "retry_initial_s": 0.01,
        "retry_max_s": 0.05,
        "sqlite_busy_timeout_ms": 50,
    }
    values.update(changes)
    return StorageSettings.model_validate(values)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> StorageSettings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def storage(settings: StorageSettings, clock: ManualClock) -> AsyncIterator[Storage]:
    store = await Storage.open(settings, clock=clock)
    try:
        yield store
    finally:
        await store.close()
