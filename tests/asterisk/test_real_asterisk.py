"""The real ``ivr serve`` against a real Asterisk 22, wired as the README says (issue 15).

Callers are Local channels the test originates into the trunk context with a DNIS; seat
phones are Local channels into ``[agents]``. What happened is checked three ways: the API,
the SQLite records, and what Asterisk itself reported on the test's own AMI session.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from .ami import HarnessAmi, as_pairs, event_is
from .conftest import Asterisk, Serve, ivr_command, ivr_config, ivr_env

pytestmark = pytest.mark.asterisk

BILLING_LINE = "10001"  # flows/billing-line.yaml: welcome, lookup, straight to the billing queue
CALL_S = 30.0  # the longest a single call may take here, from Originate to its last hang-up


async def originate_caller(
    ami: HarnessAmi,
    *,
    call_id: str,
    dnis: str,
    caller: str,
    digits: str = "",
    variables: dict[str, Any] | None = None,
) -> None:
    """A caller on the trunk dialling ``dnis``: Local/<exten>@caller-sim into [from-trunk].

    The ;1 half (Uniqueid ``call_id``) is the inbound call ivr drives; the ;2 half presses
    ``digits`` (none: stays silent). ``variables`` reach both halves; ``__TALK``/``__RING`` are
    inherited by the seat phone's channel.
    """
    exten = f"seq-{digits}" if digits else "silent"
    await ami.action(
        "Originate",
        as_pairs({"POST_WAIT": 25, **(variables or {})}),
        Channel=f"Local/{exten}@caller-sim",
        Context="from-trunk",
        Exten=dnis,
        Priority=1,
        CallerID=f'"Caller {caller}" <{caller}>',
        Timeout=10000,
        Async="true",
        ChannelId=call_id,
        OtherChannelId=f"{call_id}-2",
    )


async def poll(
    what: str, probe: Any, *, timeout_s: float = 10.0, every_s: float = 0.1
) -> dict[str, Any]:
    """``probe()`` again until it returns something truthy; fails after ``timeout_s``."""
    last: Any = None
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                last = await probe()
                if last:
                    return dict(last)
                await asyncio.sleep(every_s)
    except TimeoutError:
        msg = f"{what} not seen within {timeout_s} s; last seen: {last!r}"
        raise AssertionError(msg) from None


def call_record(database: Path, call_id: str) -> dict[str, Any] | None:
    if not database.exists():
        return None
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=2) as db:
        db.row_factory = sqlite3.Row
        try:
            row = db.execute("SELECT * FROM call_records WHERE call_id = ?", (call_id,)).fetchone()
        except sqlite3.OperationalError:  # not created yet
            return None
    return dict(row) if row is not None else None


async def test_one_hotline_call_end_to_end_on_real_asterisk(
    asterisk: Asterisk, ami: HarnessAmi, serve: Serve
) -> None:
    async with serve.client() as api:
        login = await api.post("/api/seats/bil01/login")
        assert login.status_code == 200, login.text
        assert login.json()["seat"]["state"] == "available"

        since = len(ami.events)
        await originate_caller(
            ami,
            call_id="ivr-test-hotline-1",
            dnis=BILLING_LINE,
            caller="13900000001",
            variables={"__RING": 1, "__TALK": 2},
        )
        # The menu runs over AsyncAGI on the caller's own channel.
        start = await ami.wait_event(
            event_is("AsyncAGIStart", Uniqueid="ivr-test-hotline-1"),
            timeout_s=10,
            what="the caller in AsyncAGI (ivr-entry)",
            since=since,
        )
        assert start["Context"] == "ivr-entry", start
        # The seat's phone is dialled from ivr-seat and answers.
        answered = await ami.wait_event(
            event_is("DialEnd", Uniqueid="ivr-test-hotline-1", DialStatus="ANSWER"),
            timeout_s=CALL_S,
            what="DialEnd ANSWER for the caller",
            since=since,
        )
        assert answered["DestChannel"].startswith("Local/agent1@agents-"), answered
        assert answered["Context"] == "ivr-seat", answered
        # The seat talks TALK s and hangs up; the caller's line ends after it.
        await ami.wait_event(
            event_is("Hangup", Uniqueid=answered["DestUniqueid"]),
            timeout_s=CALL_S,
            what="the seat's hang-up",
            since=since,
        )
        await ami.wait_event(
            event_is("Hangup", Uniqueid="ivr-test-hotline-1"),
            timeout_s=CALL_S,
            what="the caller's hang-up",
            since=since,
        )

        async def answered_today() -> dict[str, Any] | None:
            today = (await api.get("/api/centre")).json()["today"]
            return today if today["answered"] >= 1 else None

        today = await poll("the answer in /api/centre's today", answered_today)
        assert (today["offered"], today["answered"], today["abandoned"]) == (1, 1, 0), today

        # The seat is in its wrap-up (billing: 20 s); the record waits for it to end (its
        # wrap_s), so the seat says it is ready again, as after its after-call work.
        async def wrapping_up() -> dict[str, Any] | None:
            seat = (await api.get("/api/seats/bil01")).json()
            return seat if seat["state"] == "wrap_up" else None

        await poll("the seat in wrap-up", wrapping_up)
        ready = await api.post("/api/seats/bil01/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["seat"]["state"] == "available"

    async def record() -> dict[str, Any] | None:
        return call_record(serve.database, "ivr-test-hotline-1")

    row = await poll("the call's record in SQLite", record)
    assert row["outcome"] == "answered", row
    assert (row["caller"], row["dnis"], row["flow"]) == (
        "13900000001",
        BILLING_LINE,
        "billing-line",
    )
    assert (row["queue"], row["seat_id"]) == ("billing", "bil01"), row
    assert row["answered_at"] is not None and row["talk_s"] is not None, row
    assert row["uniqueid"] == "ivr-test-hotline-1", row

    assert await serve.stop() == 0, serve.text[-20:]


async def test_wrong_ami_secret_exits_2_with_clear_message(
    asterisk: Asterisk, ami: HarnessAmi, tmp_path: Path
) -> None:
    wrong = "not-the-secret-of-docs-manager-conf"
    assert wrong != asterisk.ivr_secret
    config = ivr_config(tmp_path, asterisk, secret=wrong)
    since = len(ami.events)
    proc = await asyncio.create_subprocess_exec(
        *ivr_command(config),
        cwd=tmp_path,
        env=ivr_env(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    text = (out + err).decode()
    assert proc.returncode == 2, text
    assert f"refused the login of user '{asterisk.ivr_username}'" in text, text
    assert f"127.0.0.1:{asterisk.ami_port}" in text, text
    assert wrong not in text
    assert asterisk.ivr_secret not in text
    assert "Traceback" not in text, text
    # Asterisk itself refused it, once: no retry loop against a wrong secret.
    refused = await ami.wait_event(
        lambda m: (
            m.get("Event") in ("InvalidPassword", "ChallengeResponseFailed")
            and m.get("AccountID") == asterisk.ivr_username
        ),
        timeout_s=5,
        what="Asterisk's security event for the refused login",
        since=since,
    )
    assert refused["Service"] == "AMI", refused
    await asyncio.sleep(0.5)
    assert not ami.named("SuccessfulAuth", AccountID=asterisk.ivr_username)
    failures = [
        m
        for m in ami.events[since:]
        if m.get("Event") == refused["Event"] and m.get("AccountID") == asterisk.ivr_username
    ]
    assert len(failures) == 1, failures


async def test_item3_a_seat_logged_out_twice_around_a_call_stays_logged_in_after_a_later_wrap_up(
    asterisk: Asterisk, ami: HarnessAmi, serve: Serve
) -> None:
    """Issue 15, item 3: a log-out kept while the seat talked, then a second one in its
    wrap-up, must not come back at the end of a later wrap-up after the seat logged in."""
    async with serve.client() as api:

        async def seat_in(state: str) -> Any:
            async def probe() -> dict[str, Any] | None:
                seat = (await api.get("/api/seats/bil01")).json()
                return seat if seat["state"] == state else None

            return await poll(f"bil01 {state}", probe, timeout_s=CALL_S)

        assert (await api.post("/api/seats/bil01/login")).status_code == 200
        for n, talk in ((1, 3), (2, 1)):
            since = len(ami.events)
            await originate_caller(
                ami,
                call_id=f"ivr-test-item3-{n}",
                dnis=BILLING_LINE,
                caller=f"1390000010{n}",
                variables={"__RING": 1, "__TALK": talk},
            )
            await ami.wait_event(
                event_is("DialEnd", Uniqueid=f"ivr-test-item3-{n}", DialStatus="ANSWER"),
                timeout_s=CALL_S,
                what=f"call {n} answered at the seat",
                since=since,
            )
            if n == 1:
                first = await api.post("/api/seats/bil01/logout")  # while talking: kept
                assert first.status_code == 200, first.text
                assert first.json()["deferred"] == "logged out when its call and wrap-up end"
                await seat_in("wrap_up")
                second = await api.post("/api/seats/bil01/logout")  # in the wrap-up: now
                assert second.json()["seat"]["state"] == "logged_out", second.text
                again = await api.post("/api/seats/bil01/login")
                assert again.json()["seat"]["state"] == "available", again.text
        await seat_in("wrap_up")
        # billing's wrap-up is 20 s: at its end the seat is free, not logged out.
        await seat_in("available")
    assert await serve.stop() == 0, serve.text[-20:]


async def test_item4_keep_waiting_after_a_peak_diversion_waits_even_while_the_centre_is_in_alarm(
    asterisk: Asterisk, ami: HarnessAmi, serve: Serve
) -> None:
    """Issue 15, item 4: under a centre alarm a new caller is offered the overflow flow once;
    its "keep waiting" (the offer left unanswered) waits in the general queue, not back in
    the offer. The bundled centre: level 1 at 3 callers on the line per open seat."""
    async with serve.client() as api:
        assert (await api.post("/api/seats/bil01/login")).status_code == 200
        since = len(ami.events)
        # One caller talks to the only open seat; three wait: 3 per open seat, level 1.
        await originate_caller(
            ami,
            call_id="ivr-test-item4-talk",
            dnis=BILLING_LINE,
            caller="13900000200",
            variables={"__RING": 1, "__TALK": 90, "POST_WAIT": 120},
        )
        await ami.wait_event(
            event_is("DialEnd", Uniqueid="ivr-test-item4-talk", DialStatus="ANSWER"),
            timeout_s=CALL_S,
            what="the first caller answered at bil01",
            since=since,
        )
        for n in range(3):
            await originate_caller(
                ami,
                call_id=f"ivr-test-item4-wait{n}",
                dnis=BILLING_LINE,
                caller=f"1390000021{n}",
                variables={"POST_WAIT": 120},
            )

        async def waiting(call_id: str, queue: str) -> Any:
            async def probe() -> dict[str, Any] | None:
                got = await api.get(f"/api/calls/{call_id}")
                call = got.json() if got.status_code == 200 else {}
                return (
                    call if call.get("state") == "waiting" and call.get("queue") == queue else None
                )

            return await poll(f"{call_id} waiting in {queue}", probe, timeout_s=CALL_S)

        for n in range(3):
            await waiting(f"ivr-test-item4-wait{n}", "billing")
        centre = (await api.get("/api/centre")).json()
        assert centre["alarm_level"] >= 1, centre
        await originate_caller(
            ami,
            call_id="ivr-test-item4-late",
            dnis=BILLING_LINE,
            caller="13900000299",
            variables={"POST_WAIT": 120},
        )
        late = await waiting("ivr-test-item4-late", "general_queue")
        assert late["flow"] in (None, "overflow-callback"), late
        # Still waiting a while later: not diverted back into the offer.
        await asyncio.sleep(3)
        again = (await api.get("/api/calls/ivr-test-item4-late")).json()
        assert (again["state"], again["queue"]) == ("waiting", "general_queue"), again
    assert await serve.stop() == 0, serve.text[-20:]
