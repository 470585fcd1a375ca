"""However calls' events interleave through the fake Asterisk over TCP, no call or seat is left
in an impossible state, and every journey ends exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter

from ivr.ami.fake import FakeAsterisk, FakeChannel, SeatScript
from ivr.live.settings import LiveSettings
from ivr.model.events import SeatLoggedIn, SeatLoggedOut, SeatReady
from ivr.model.facts import CallStarted, JourneyEnded, SeatState

from .harness import SECRET, Live, start_live, stop_live, until

SEATS = {"s1": "PJSIP/1001", "s2": "PJSIP/1002", "s3": "PJSIP/1003"}
OPS = (
    "call",
    "call",
    "call",
    "press",
    "caller_hangs_up",
    "seat_hangs_up",
    "transfer",
    "device_busy",
    "device_free",
    "login",
    "logout",
    "drop_link",
)


def callback_leg(fake: FakeAsterisk, call_id: str) -> FakeChannel | None:
    """The seat's leg of a callback placed for ``call_id`` (its uniqueid is ``<call>-cb<n>``)."""
    return next(
        (
            c
            for c in fake.channels.values()
            if c.role == "seat" and c.uniqueid.startswith(f"{call_id}-cb")
        ),
        None,
    )


def consistent(fake: FakeAsterisk, live: Live) -> bool:
    """The engine's picture agrees with the PBX's: every call it holds is up (or waits for its
    callback), every seat it has ringing or talking has that call's leg, and every talking seat
    leg is known to it."""
    core = live.service.engine.routing  # type: ignore[attr-defined]
    for call_id, call in core.calls.items():
        if not call.callback_number and fake.by_uniqueid(call_id) is None:
            return False
    for seat in core.seats.values():
        if seat.state not in (SeatState.RINGING, SeatState.ON_CALL) or seat.call is None:
            if seat.state in (SeatState.RINGING, SeatState.ON_CALL):
                return False
            continue
        if seat.call.callback_number:
            leg = callback_leg(fake, seat.call.id)
            if seat.state is SeatState.ON_CALL and (leg is None or not leg.bridge):
                return False
            continue
        chan = fake.by_uniqueid(seat.call.id)
        leg = fake.seat_leg(chan) if chan is not None else None
        if leg is None or leg.endpoint != SEATS[seat.id]:
            return False
        if seat.state is SeatState.ON_CALL and not leg.bridge:
            return False
    for leg in fake.channels.values():
        if leg.role == "seat" and leg.bridge:
            seat_id = next(k for k, v in SEATS.items() if v == leg.endpoint)
            held = core.seats[seat_id]
            if held.state is not SeatState.ON_CALL or held.call is None:
                return False
            if "-cb" in leg.uniqueid:
                if held.call.id != leg.uniqueid.split("-cb")[0]:
                    return False
                continue
            caller = fake.channels.get(leg.peer or "")
            if caller is None or held.call.id != caller.uniqueid:
                return False
    return True


async def scenario(ops: list[tuple[str, int, bool]], seat_behaviour: dict[str, str]) -> None:
    async with FakeAsterisk(secret=SECRET, time_scale=0.001) as fake:
        for endpoint, behaviour in seat_behaviour.items():
            fake.seats[endpoint] = SeatScript(behaviour=behaviour)  # type: ignore[arg-type]
        live = await start_live(fake, live_settings=LiveSettings(hold_callback_key="1"))
        try:
            await live.connected()
            calls: list[FakeChannel] = []
            outages = 0
            for op, n, settle in ops:
                seat = sorted(SEATS)[n % len(SEATS)]
                up = [c for c in calls if c.name in fake.channels]
                target = up[n % len(up)] if up else None
                if op == "call":
                    calls.append(
                        fake.place_call(caller=f"555{len(calls)}", keys="2" if n % 3 else "1")
                    )
                elif op == "press" and target is not None:
                    fake.press(target, str(n))
                elif op == "caller_hangs_up" and target is not None:
                    fake.caller_hangs_up(target)
                elif op == "seat_hangs_up" and target is not None:
                    fake.seat_hangs_up(target)
                elif op == "transfer" and target is not None and fake.seat_leg(target) is not None:
                    if fake.seat_leg(target).bridge:  # type: ignore[union-attr]
                        fake.seat_transfers(target, "complaint" if n % 2 else "billing")
                elif op == "device_busy":
                    fake.device_state(SEATS[seat], "INUSE")
                elif op == "device_free":
                    fake.device_state(SEATS[seat], "NOT_INUSE")
                elif op == "login":
                    live.service.submit(SeatLoggedIn(seat_id=seat))
                elif op == "logout":
                    live.service.submit(SeatLoggedOut(seat_id=seat))
                elif op == "drop_link" and fake.clients:
                    # No waiting for the reconnect: what follows may happen while ivr is away.
                    outages += 1
                    await fake.drop_connections()
                if settle and fake.clients and live.service.driver.stats.resyncs == outages:
                    await until(lambda: consistent(fake, live), "engine and PBX agree")
            # The link comes back and is resynchronised; then everyone hangs up, and the centre
            # must come to rest with nothing left over.
            driver = live.service.driver
            await until(lambda: fake.logins == 1 + outages and fake.clients == 1, "reconnected")
            await until(lambda: driver.stats.resyncs == outages, "resynchronised")
            await asyncio.sleep(0.01)
            # Callbacks still owed are placed once seats are there: every seat comes in, and
            # every line, caller's or seat's, is hung up until nothing is left.
            for seat_id, endpoint in SEATS.items():
                fake.device_state(endpoint, "NOT_INUSE")
                live.service.submit(SeatLoggedIn(seat_id=seat_id))
                live.service.submit(SeatReady(seat_id=seat_id))
            core = live.service.engine.routing  # type: ignore[attr-defined]
            for _ in range(200):
                for chan in list(fake.channels.values()):
                    if chan.name in fake.channels:
                        fake.caller_hangs_up(chan)
                await asyncio.sleep(0.01)
                if not driver.calls and not core.calls and not fake.channels:
                    break
            await until(lambda: not driver.calls, "every call closed in the driver")
            await until(lambda: not core.calls, "every call out of the routing core")

            started = Counter(f.call_id for f in live.facts() if isinstance(f, CallStarted))
            ended = Counter(f.call_id for f in live.facts() if isinstance(f, JourneyEnded))
            assert started == ended, (started, ended)
            assert all(count == 1 for count in ended.values())
            core = live.service.engine.routing  # type: ignore[attr-defined]
            for seat_state in core.seats.values():
                assert seat_state.state not in (SeatState.RINGING, SeatState.ON_CALL), seat_state
                assert seat_state.call is None
            assert not live.service.driver.engaged_seats
            assert live.service.driver.stats.engine_errors == 0
            assert not fake.channels
        finally:
            await stop_live(live)


# One run over real TCP, through the real connection, driver and engine: every operation at
# least once, two link drops among the calls. (The many random interleavings run without a
# socket, on the AMI session and the fake PBX: tests/ami/test_session_interleavings.py.)
SMOKE = [
    ("call", 0, True),
    ("call", 1, False),
    ("call", 2, True),
    ("press", 0, False),
    ("device_busy", 1, False),
    ("device_free", 1, True),
    ("transfer", 0, True),
    ("seat_hangs_up", 1, True),
    ("login", 0, False),
    ("logout", 2, False),
    ("drop_link", 0, False),
    ("call", 3, True),
    ("caller_hangs_up", 0, True),
    ("press", 1, True),
    ("login", 2, True),
    ("transfer", 1, True),
    ("seat_hangs_up", 0, True),
    ("drop_link", 0, False),
    ("call", 5, False),
    ("caller_hangs_up", 1, True),
]


def test_calls_seats_and_link_drops_over_tcp_leave_no_call_or_seat_in_an_impossible_state() -> None:
    assert {op for op, _, _ in SMOKE} == set(OPS)
    behaviour = {"PJSIP/1001": "answer", "PJSIP/1002": "noanswer", "PJSIP/1003": "busy"}
    asyncio.run(scenario(SMOKE, behaviour))
