"""Fixtures: a fake Asterisk on 127.0.0.1:0, and a live centre logged in to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ivr.ami.fake import FakeAsterisk

from .harness import SECRET, Live, start_live, stop_live


@pytest.fixture
async def fake() -> AsyncIterator[FakeAsterisk]:
    async with FakeAsterisk(secret=SECRET, time_scale=0.01) as server:
        yield server


@pytest.fixture
async def live(fake: FakeAsterisk) -> AsyncIterator[Live]:
    running = await start_live(fake)
    await running.connected()
    yield running
    await stop_live(running)
