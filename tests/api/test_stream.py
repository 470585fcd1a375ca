"""The live stream over a real HTTP server on 127.0.0.1: who sees which events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ivr.api.app import create_app
from ivr.api.hub import Hub
from ivr.api.server import HttpServer
from ivr.model.events import CallEnqueued, SeatLoggedIn

from .conftest import SEAT_1001, SUPERVISOR, WALLBOARD, auth, build, tokens


class Stream:
    """Reads ``event:``/``data:`` pairs from an open SSE response."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()

    async def next(self) -> tuple[str, dict[str, Any]]:
        kind = ""
        async with asyncio.timeout(5):
            async for line in self._lines:
                if line.startswith("event: "):
                    kind = line[len("event: ") :]
                elif line.startswith("data: "):
                    return kind, json.loads(line[len("data: ") :])
        msg = "the stream ended"
        raise AssertionError(msg)

    async def until(self, kind: str) -> dict[str, Any]:
        while True:
            got, data = await self.next()
            if got == kind:
                return data


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[tuple[HttpServer, Any, Hub]]:
    _clock, _core, hub, control, audit, _ = build(tmp_path)
    app = create_app(hub=hub, control=control, tokens=tokens(), audit=audit)
    server = HttpServer(app, host="127.0.0.1", port=0, bus=hub.bus)
    await server.start()
    try:
        yield server, control, hub
    finally:
        await server.stop()


async def _wait_for_subscribers(hub: Hub, n: int) -> None:
    async with asyncio.timeout(5):
        while hub.bus.subscribers < n:
            await asyncio.sleep(0.01)


async def test_a_wallboard_sees_queue_changes_but_no_customer_data(
    live: tuple[HttpServer, Any, Hub],
) -> None:
    server, control, hub = live
    async with (
        httpx.AsyncClient(base_url=server.url) as client,
        client.stream("GET", f"/api/events?token={WALLBOARD}") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response)
        hello = await stream.until("hello")
        assert hello["role"] == "wallboard"
        await _wait_for_subscribers(hub, 1)
        control.send(CallEnqueued(call_id="c1", queue="billing", context={"account": "A-7"}))
        control.send(SeatLoggedIn(seat_id="1001"))
        kinds = []
        while True:
            kind, data = await stream.next()
            kinds.append(kind)
            if kind == "queue" and data["name"] == "billing" and data["waiting"] == 1:
                assert data["alarm_level"] == 2
                break
        while True:  # after the login the call rings 1001: the queue's alarm clears
            kind, data = await stream.next()
            kinds.append(kind)
            if kind == "queue" and data["name"] == "billing" and data["alarm_level"] == 0:
                break
        assert set(kinds) <= {"queue", "centre", "alarm"}


async def test_a_seat_desktop_gets_the_screen_pop_for_its_own_seat(
    live: tuple[HttpServer, Any, Hub],
) -> None:
    server, control, hub = live
    async with (
        httpx.AsyncClient(base_url=server.url) as client,
        client.stream("GET", "/api/events", headers=auth(SEAT_1001)) as response,
    ):
        stream = Stream(response)
        await stream.until("hello")
        await _wait_for_subscribers(hub, 1)
        control.send(SeatLoggedIn(seat_id="1002"))
        control.send(CallEnqueued(call_id="c0", queue="faults"))  # rings 1002: not for 1001's eyes
        control.send(SeatLoggedIn(seat_id="1001"))
        control.send(CallEnqueued(call_id="c1", queue="billing", context={"account": "A-7"}))
        offer = await stream.until("offer")
        assert (offer["call_id"], offer["seat_id"]) == ("c1", "1001")
        assert offer["context"]["account"] == "A-7"


async def test_a_supervisor_sees_calls_and_a_bad_token_gets_no_stream(
    live: tuple[HttpServer, Any, Hub],
) -> None:
    server, control, hub = live
    async with httpx.AsyncClient(base_url=server.url) as client:
        refused = await client.get("/api/events?token=wrong-token-000000000000")
        assert refused.status_code == 401
        async with client.stream("GET", "/api/events", headers=auth(SUPERVISOR)) as response:
            stream = Stream(response)
            await stream.until("hello")
            await _wait_for_subscribers(hub, 1)
            control.send(CallEnqueued(call_id="c9", queue="faults"))
            call = await stream.until("call")
            assert (call["call_id"], call["queue"], call["position"]) == ("c9", "faults", 1)


async def test_stopping_the_server_ends_open_streams(live: tuple[HttpServer, Any, Hub]) -> None:
    server, _control, hub = live
    async with (
        httpx.AsyncClient(base_url=server.url) as client,
        client.stream("GET", "/api/events", headers=auth(SUPERVISOR)) as response,
    ):
        stream = Stream(response)
        await stream.until("hello")
        await _wait_for_subscribers(hub, 1)
        async with asyncio.timeout(10):
            await server.stop()
        with pytest.raises((AssertionError, httpx.HTTPError)):
            await stream.next()
