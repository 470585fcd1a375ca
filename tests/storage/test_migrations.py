"""A database created by an earlier version upgrades in place, keeping its data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, text

from ivr.clock import ManualClock
from ivr.errors import StorageError
from ivr.storage import Storage, StorageSettings, schema
from ivr.storage.database import create_engine
from ivr.storage.migrations import HEAD, current_version, upgrade

from .conftest import make_settings


def _columns(conn: Connection) -> dict[str, set[str]]:
    found = inspect(conn)
    return {t: {c["name"] for c in found.get_columns(t)} for t in found.get_table_names()}


async def test_a_version_1_database_upgrades_in_place_and_keeps_its_data(
    settings: StorageSettings, clock: ManualClock
) -> None:
    engine = create_engine(settings)
    try:
        assert await upgrade(engine, clock=clock, target=1) == 1
        async with engine.begin() as conn:  # rows as version 1 wrote them
            await conn.execute(
                text(
                    "INSERT INTO call_records (call_id, caller, dnis, flow, flow_version, path, inputs,"
                    " arrived_at, ended_at, outcome, reason, transfers) VALUES ('old-1', '0301', '10000',"
                    " 'main', '3', '[\"welcome\"]', '[]', 100.0, 160.0, 'answered', 'completed', '[]')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO customers (account, name, tier) VALUES ('A1', 'Old Customer', 'vip')"
                )
            )
            assert "recording_ref" not in (await conn.run_sync(_columns))["call_records"]
    finally:
        await engine.dispose()

    storage = await Storage.open(settings, clock=clock)  # the new version opens it: upgrades
    try:
        assert await current_version(storage.engine) == HEAD
        async with storage.engine.connect() as conn:
            row = (
                await conn.execute(
                    text("SELECT call_id, path, outcome, recording_ref, linkedid FROM call_records")
                )
            ).one()
        assert tuple(row) == ("old-1", '["welcome"]', "answered", None, None)
        customer = await storage.customers.lookup(by="account", value="A1")
        assert customer is not None and customer["tier"] == "vip"
        ticket = await storage.tickets.open(
            owner_seat="agent1", tier="red", subject="new table works"
        )  # type: ignore[arg-type]
        assert ticket.id >= 1
    finally:
        await storage.close()


async def test_upgrading_from_nothing_gives_exactly_the_declared_schema(
    settings: StorageSettings, clock: ManualClock
) -> None:
    engine = create_engine(settings)
    try:
        await upgrade(engine, clock=clock)
        async with engine.connect() as conn:
            columns = await conn.run_sync(_columns)
    finally:
        await engine.dispose()
    declared = {
        name: {c.name for c in table.columns} for name, table in schema.metadata.tables.items()
    }
    assert columns == declared


async def test_a_database_newer_than_this_program_is_refused(
    settings: StorageSettings, clock: ManualClock
) -> None:
    engine = create_engine(settings)
    try:
        await upgrade(engine, clock=clock)
        async with engine.begin() as conn:
            await conn.execute(
                schema.schema_version.insert().values(
                    version=HEAD + 1, description="future", applied_at=0
                )
            )
    finally:
        await engine.dispose()
    with pytest.raises(StorageError, match="newer than this ivr"):
        await Storage.open(settings, clock=clock)


async def test_without_auto_upgrade_an_old_database_asks_for_ivr_db_upgrade(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    settings = make_settings(database_url, tmp_path, auto_upgrade=False)
    engine = create_engine(settings)
    try:
        await upgrade(engine, clock=clock, target=1)
    finally:
        await engine.dispose()
    with pytest.raises(StorageError, match="run `ivr db upgrade`"):
        await Storage.open(settings, clock=clock)
