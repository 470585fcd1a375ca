"""The supervised connection against a real TCP fake Asterisk on 127.0.0.1."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable

import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs

from ivr.ami.codec import Message
from ivr.ami.connection import AmiConnection
from ivr.ami.fake import FakeAsterisk
from ivr.ami.settings import AmiSettings
from ivr.errors import AmiActionError, AmiAuthenticationError, AmiConnectionError

SECRET = "s3cr3t-never-printed"


async def until(condition: Callable[[], bool], what: str, limit_s: float = 10.0) -> None:
    """Wait for a condition the fake or the connection will reach (a guard, not a speed check)."""
    for _ in range(int(limit_s / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture
async def fake() -> AsyncIterator[FakeAsterisk]:
    async with FakeAsterisk(secret=SECRET) as server:
        yield server


def settings_for(fake: FakeAsterisk, secret: str = SECRET) -> AmiSettings:
    return AmiSettings(
        host=fake.host,
        port=fake.port,
        username="ivr",
        secret=SecretStr(secret),
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
        action_timeout_s=2.0,
    )


class Listener:
    def __init__(self) -> None:
        self.events: list[Message] = []
        self.sessions: list[int] = []
        self.lost: list[str] = []


_RUNNING: list[tuple[AmiConnection, asyncio.Task[None]]] = []


@pytest.fixture(autouse=True)
async def _close_connections() -> AsyncIterator[None]:
    yield
    while _RUNNING:
        conn, task = _RUNNING.pop()
        await conn.close()
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def running(
    fake: FakeAsterisk, listener: Listener, secret: str = SECRET
) -> tuple[AmiConnection, asyncio.Task[None]]:
    conn = AmiConnection(
        settings_for(fake, secret),
        rng=random.Random(7),
        on_event=listener.events.append,
        on_connected=listener.sessions.append,
        on_lost=listener.lost.append,
    )
    task = asyncio.get_running_loop().create_task(conn.run())
    _RUNNING.append((conn, task))
    return conn, task


async def stop(conn: AmiConnection, task: asyncio.Task[None]) -> None:
    await conn.close()
    await asyncio.wait_for(task, 5)


async def test_login_then_ping_is_answered_by_action_id(fake: FakeAsterisk) -> None:
    listener = Listener()
    conn, task = await running(fake, listener)
    await until(lambda: conn.connected, "login")
    result = await conn.request("Ping")
    assert result.response["Ping"] == "Pong"
    assert result.response.action_id == fake.actions[-1]["ActionID"]
    await stop(conn, task)


async def test_wrong_secret_stops_with_a_clear_error_and_never_logs_the_secret(
    fake: FakeAsterisk,
) -> None:
    wrong = "wrong-secret-xyz"
    listener = Listener()
    with capture_logs() as logs:
        conn, task = await running(fake, listener, secret=wrong)
        with pytest.raises(AmiAuthenticationError, match="refused the login of user 'ivr'") as info:
            await asyncio.wait_for(task, 5)
    assert "IVR_AMI__SECRET" in str(info.value)
    assert fake.failed_logins == 1  # tried once, did not retry
    assert wrong not in repr(info.value.to_dict()) and wrong not in str(info.value)
    assert wrong not in repr(logs)
    assert any(entry["event"] == "ami_login_refused" for entry in logs)
    await conn.close()


async def test_failed_action_fails_only_that_action(fake: FakeAsterisk) -> None:
    listener = Listener()
    conn, task = await running(fake, listener)
    await until(lambda: conn.connected, "login")
    fake.fail_next("Redirect", "Channel does not exist: PJSIP/x")
    with pytest.raises(AmiActionError, match="Channel does not exist") as info:
        await conn.request(
            "Redirect", {"Channel": "PJSIP/x", "Context": "c", "Exten": "s", "Priority": 1}
        )
    assert info.value.details["action"] == "Redirect"
    assert (await conn.request("Ping")).response["Ping"] == "Pong"
    assert conn.counters.action_errors == 1
    await stop(conn, task)


async def test_event_list_collects_its_events(fake: FakeAsterisk) -> None:
    listener = Listener()
    conn, task = await running(fake, listener)
    await until(lambda: conn.connected, "login")
    fake.place_call(caller="5550001")
    fake.place_call(caller="5550002")
    result = await conn.request("CoreShowChannels")
    assert [e["CallerIDNum"] for e in result.events] == ["5550001", "5550002"]
    assert all(e.event == "CoreShowChannel" for e in result.events)
    assert not any(e.event == "CoreShowChannel" for e in listener.events)
    await stop(conn, task)


async def test_malformed_message_is_counted_and_logged_and_reading_goes_on(
    fake: FakeAsterisk,
) -> None:
    listener = Listener()
    conn, task = await running(fake, listener)
    await until(lambda: conn.connected, "login")
    with capture_logs() as logs:
        fake.inject(b"Event: Broken\r\nno colon here\r\n\r\n")
        fake.device_state("PJSIP/1001", "INUSE")
        await until(
            lambda: any(e.event == "DeviceStateChange" for e in listener.events), "next event"
        )
    assert conn.counters.malformed == 1
    assert any(entry["event"] == "ami_malformed_message" for entry in logs)
    await stop(conn, task)


async def test_events_with_bytes_not_in_utf8_reach_the_listener_counted_and_said_once(
    fake: FakeAsterisk,
) -> None:
    listener = Listener()
    conn, task = await running(fake, listener)
    await until(lambda: conn.connected, "login")
    with capture_logs() as logs:
        for n in (1, 2):
            fake.inject(
                b"Event: Newchannel\r\nCallerIDName: \xd5\xc5\r\nUniqueid: 1.%d\r\n\r\n" % n
            )
            await until(lambda: conn.counters.undecodable == n, f"event {n}")  # noqa: B023
    assert conn.counters.undecodable == 2
    assert [e.get("CallerIDName") for e in listener.events if e.event == "Newchannel"][-2:] == [
        "\ufffd\ufffd"
    ] * 2
    assert sum(entry["event"] == "ami_undecodable_bytes" for entry in logs) == 1
    await stop(conn, task)


async def test_lost_connection_fails_actions_in_flight_and_never_resends_them(
    fake: FakeAsterisk,
) -> None:
    listener = Listener()
    conn, task = await running(fake, listener)
    await until(lambda: conn.connected, "login")
    fake.ignore_next("Redirect")
    in_flight = conn.send(
        "Redirect", {"Channel": "PJSIP/a", "Context": "c", "Exten": "s", "Priority": 1}
    )
    await until(lambda: any(a["Action"] == "Redirect" for a in fake.actions), "redirect received")
    await fake.drop_connections()
    with pytest.raises(AmiConnectionError, match="was not sent again"):
        await in_flight
    await until(lambda: len(listener.sessions) == 2, "second login")
    await conn.request("Ping")
    assert listener.lost and "eof" in listener.lost[0]
    assert [a["Action"] for a in fake.actions].count("Redirect") == 1  # never replayed
    assert not conn.asterisk_restarted  # a network blip: the uptime kept counting
    await stop(conn, task)


async def test_asterisk_restart_is_recognised_from_fully_booted_uptime(fake: FakeAsterisk) -> None:
    listener = Listener()
    conn, task = await running(fake, listener)
    await until(lambda: conn.connected, "login")
    assert not conn.asterisk_restarted
    await fake.restart(down_s=0.05)
    await until(lambda: len(listener.sessions) == 2 and conn.connected, "login after restart")
    await conn.request("Ping")  # FullyBooted is read before this answer
    assert conn.asterisk_restarted
    await stop(conn, task)


async def test_shutdown_event_ends_the_session_and_it_comes_back(fake: FakeAsterisk) -> None:
    listener = Listener()
    conn, task = await running(fake, listener)
    await until(lambda: conn.connected, "login")
    await fake.restart(shutdown_event=True)
    await until(lambda: len(listener.sessions) == 2, "login after shutdown")
    assert any("shutdown" in reason or "eof" in reason for reason in listener.lost)
    await stop(conn, task)


async def test_close_returns_from_run_at_once_even_in_a_long_backoff(fake: FakeAsterisk) -> None:
    # run() is the only place that reconnects: once it has returned, nothing can come back.
    # With a 60 s backoff, a close() that did not cut the wait short would miss the 5 s guard.
    listener = Listener()
    conn = AmiConnection(
        settings_for(fake).model_copy(update={"backoff_initial_s": 60.0, "backoff_max_s": 60.0}),
        rng=random.Random(7),
        on_event=listener.events.append,
        on_connected=listener.sessions.append,
        on_lost=listener.lost.append,
    )
    task = asyncio.get_running_loop().create_task(conn.run())
    _RUNNING.append((conn, task))
    await until(lambda: conn.connected, "login")
    await fake.drop_connections()
    await until(lambda: bool(listener.lost), "the loss is seen; the 60 s wait begins")
    await conn.close()
    await asyncio.wait_for(task, 5)
    assert task.result() is None
    assert fake.logins == 1 and listener.sessions == [1]
    assert not conn.connected


async def test_a_listener_that_raises_does_not_end_the_session(fake: FakeAsterisk) -> None:
    seen: list[str] = []

    def fragile(message: Message) -> None:
        seen.append(message.event or "")
        if message.event == "DeviceStateChange":
            raise RuntimeError("a bug in the listener")

    conn = AmiConnection(settings_for(fake), rng=random.Random(1), on_event=fragile)
    task = asyncio.get_running_loop().create_task(conn.run())
    _RUNNING.append((conn, task))
    await until(lambda: conn.connected, "login")
    with capture_logs() as logs:
        fake.device_state("PJSIP/1001", "INUSE")
        fake.place_call()
        await until(lambda: "AsyncAGIStart" in seen, "the next event still arrives")
    assert conn.connected and conn.counters.listener_errors == 1
    assert any(e["event"] == "ami_listener_failed" for e in logs)
