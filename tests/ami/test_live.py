"""End to end: the real engine and driver take calls from a fake Asterisk over TCP."""

from __future__ import annotations

import json

from ivr.ami.fake import FakeAsterisk
from ivr.live.settings import LiveSettings
from ivr.model.events import SeatLoggedIn
from ivr.model.facts import (
    Answered,
    Completed,
    JourneyEnded,
    MenuInput,
    Outcome,
    Queued,
    RingNoAnswer,
    Transferred,
)
from ivr.storage.records import CallRecord

from .harness import Live, live_centre, start_live, stop_live, until


def login(live: Live, *seats: str) -> None:
    for seat in seats:
        live.service.submit(SeatLoggedIn(seat_id=seat))


def subsequence(wanted: list[str], got: list[str]) -> bool:
    it = iter(got)
    return all(name in it for name in wanted)


async def test_call_walks_the_menu_queues_reaches_a_seat_is_transferred_and_ends(
    live: Live,
) -> None:
    fake = live.fake
    login(live, "s1", "s2")
    call = fake.place_call(caller="13900001111", dnis="10000", keys="12345")
    uid = call.uniqueid
    await until(lambda: fake.seat_leg(call) is not None and fake.seat_leg(call).bridge, "s1 talks")  # type: ignore[union-attr]
    seat_leg = fake.seat_leg(call)
    assert seat_leg is not None and seat_leg.endpoint == "PJSIP/1001"
    # The screen pop rode on the seat's channel; the account entered in the menu is in it.
    pop = json.loads(seat_leg.variables["IVR_POP"])
    assert (pop["call_id"], pop["seat_id"], pop["account"]) == (uid, "s1", "2345")
    assert pop["caller"] == "13900001111" and pop["queue"] == "billing"

    fake.seat_transfers(call, "complaint")
    await until(
        lambda: (
            fake.seat_leg(call) is not None
            and fake.seat_leg(call).endpoint == "PJSIP/1002"  # type: ignore[union-attr]
            and bool(fake.seat_leg(call).bridge)
        ),  # type: ignore[union-attr]
        "s2 talks after the transfer",
    )
    fake.seat_hangs_up(call)
    await until(lambda: live.ended(uid), "journey ended")

    names = live.fact_names(uid)
    assert subsequence(
        [
            "CallStarted",
            "MenuInput",
            "MenuInput",
            "Queued",
            "Answered",
            "Transferred",
            "Answered",
            "Completed",
            "JourneyEnded",
        ],
        names,
    ), names
    inputs = [f for f in live.facts(uid) if isinstance(f, MenuInput)]
    assert [i.choice for i in inputs] == ["1", "2345"]
    (transferred,) = [f for f in live.facts(uid) if isinstance(f, Transferred)]
    assert (transferred.from_seat, transferred.to_queue) == ("s1", "complaint")
    answered = [f.seat_id for f in live.facts(uid) if isinstance(f, Answered)]
    assert answered == ["s1", "s2"]
    (ended,) = [f for f in live.facts(uid) if isinstance(f, JourneyEnded)]
    assert ended.outcome is Outcome.ANSWERED
    assert [f.by for f in live.facts(uid) if isinstance(f, Completed)] == ["seat"]
    # The menu went over AsyncAGI: the menu key by GET DATA, the account after the first prompt.
    commands = [c for ch, c in fake.agi_commands if ch == call.name]
    assert any(c.startswith("GET DATA demo-congrats") for c in commands)
    await until(lambda: any(isinstance(r, CallRecord) for r in live.records), "call record")


async def test_caller_who_hangs_up_in_the_menu_ends_the_journey_as_a_menu_hang_up(
    live: Live,
) -> None:
    call = live.fake.place_call(keys="")  # waits in GET DATA
    await until(lambda: any(c.startswith("GET DATA") for _, c in live.fake.agi_commands), "menu")
    live.fake.caller_hangs_up(call)
    await until(lambda: live.ended(call.uniqueid), "journey ended")
    (ended,) = [f for f in live.facts(call.uniqueid) if isinstance(f, JourneyEnded)]
    assert ended.outcome is Outcome.MENU_HANGUP
    assert not live.service.driver.calls


async def test_caller_who_hangs_up_while_waiting_is_an_abandon(live: Live) -> None:
    call = live.fake.place_call(keys="2")  # straight to billing; nobody logged in
    await until(lambda: "Queued" in live.fact_names(call.uniqueid), "queued")
    await until(lambda: live.fake.channels[call.name].moh, "music on hold")
    live.fake.caller_hangs_up(call)
    await until(lambda: live.ended(call.uniqueid), "journey ended")
    assert "Abandoned" in live.fact_names(call.uniqueid)


async def test_busy_seat_is_reported_and_the_next_one_gets_the_call(live: Live) -> None:
    from ivr.ami.fake import SeatScript

    live.fake.seats["PJSIP/1001"] = SeatScript(behaviour="busy")
    login(live, "s1", "s3")
    call = live.fake.place_call(keys="2")
    await until(lambda: "Answered" in live.fact_names(call.uniqueid), "answered by another seat")
    (rna,) = [f for f in live.facts(call.uniqueid) if isinstance(f, RingNoAnswer)]
    assert (rna.seat_id, rna.reason) == ("s1", "busy")
    (answered,) = [f for f in live.facts(call.uniqueid) if isinstance(f, Answered)]
    assert answered.seat_id == "s3"


async def test_seat_that_does_not_answer_is_reported_noanswer(live: Live) -> None:
    from ivr.ami.fake import SeatScript

    live.fake.seats["PJSIP/1001"] = SeatScript(behaviour="noanswer")
    login(live, "s1")
    call = live.fake.place_call(keys="2")
    await until(lambda: "RingNoAnswer" in live.fact_names(call.uniqueid), "no answer")
    (rna,) = [f for f in live.facts(call.uniqueid) if isinstance(f, RingNoAnswer)]
    assert rna.reason == "noanswer"
    # Back in AsyncAGI with its music: it waits again.
    await until(lambda: live.fake.channels[call.name].in_agi, "back to the engine")


async def test_failed_redirect_is_that_calls_problem_only(live: Live) -> None:
    login(live, "s1")
    live.fake.fail_next("Redirect", "Channel does not exist: PJSIP/trunk")
    call = live.fake.place_call(keys="2")
    await until(lambda: "RingNoAnswer" in live.fact_names(call.uniqueid), "offer failed")
    (rna,) = [f for f in live.facts(call.uniqueid) if isinstance(f, RingNoAnswer)]
    assert rna.reason == "unreachable"
    other = live.fake.place_call(keys="2")
    login(live, "s3")
    await until(
        lambda: (
            "Answered" in live.fact_names(other.uniqueid)
            or "Answered" in live.fact_names(call.uniqueid)
        ),
        "someone answered",
    )
    assert live.service.driver.stats.action_errors == 1


async def test_seat_without_endpoint_is_unreachable(live: Live) -> None:
    login(live, "s9")
    call = live.fake.place_call(keys="2")
    await until(lambda: "RingNoAnswer" in live.fact_names(call.uniqueid), "unreachable")
    (rna,) = [f for f in live.facts(call.uniqueid) if isinstance(f, RingNoAnswer)]
    assert rna.reason == "unreachable"


async def test_seat_busy_on_a_private_call_is_not_offered_the_queue_call(live: Live) -> None:
    login(live, "s1", "s3")
    live.fake.device_state("PJSIP/1001", "INUSE")
    live.fake.device_state("PJSIP/1003", "INUSE")
    call = live.fake.place_call(keys="2")
    await until(lambda: "Queued" in live.fact_names(call.uniqueid), "queued")
    assert live.fake.seat_leg(call) is None
    live.fake.device_state("PJSIP/1003", "NOT_INUSE")
    await until(lambda: "Answered" in live.fact_names(call.uniqueid), "s3 free again")
    assert [f.seat_id for f in live.facts(call.uniqueid) if isinstance(f, Answered)] == ["s3"]


async def test_malformed_message_mid_call_is_skipped_and_the_call_goes_on(live: Live) -> None:
    login(live, "s1")
    live.fake.inject(b"Event: Garbage\r\nno colon at all\r\n\r\n")
    call = live.fake.place_call(keys="2")
    await until(lambda: "Answered" in live.fact_names(call.uniqueid), "answered")
    assert live.service.connection.counters.malformed == 1


async def test_queued_fact_names_the_queue_of_the_menu_choice(live: Live) -> None:
    call = live.fake.place_call(keys="2")
    await until(lambda: "Queued" in live.fact_names(call.uniqueid), "queued")
    (queued,) = [f for f in live.facts(call.uniqueid) if isinstance(f, Queued)]
    assert queued.queue == "billing"


async def test_waiting_caller_presses_1_for_a_callback_and_a_seat_calls_back(
    fake: FakeAsterisk,
) -> None:
    live = await start_live(fake, live_settings=LiveSettings(hold_callback_key="1"))
    try:
        await live.connected()
        call = fake.place_call(caller="13900003333", keys="2")
        await until(lambda: fake.channels[call.name].moh, "on hold")
        fake.press(call, "1")  # heard as DTMF only: the channel idles in AsyncAGI
        await until(lambda: call.name not in fake.channels, "the caller's line is ended")
        assert not live.ended(call.uniqueid)  # the place in the queue is kept
        login(live, "s1")
        await until(lambda: len(fake.channels) == 2, "the seat calls the customer back")
        customer = next(c for c in fake.channels.values() if c.role == "caller")
        assert customer.exten == "13900003333"
        assert live.service.driver.stats.engine_errors == 0
        fake.seat_hangs_up(customer)
        await until(lambda: live.ended(call.uniqueid), "the callback's talk ended")
        names = live.fact_names(call.uniqueid)
        assert subsequence(
            ["Queued", "CallbackQueued", "Answered", "Completed", "JourneyEnded"], names
        ), names
    finally:
        await stop_live(live)


async def test_callback_the_seat_does_not_answer_is_closed_and_frees_the_seat(
    fake: FakeAsterisk,
) -> None:
    from ivr.ami.fake import SeatScript
    from ivr.model.facts import SeatState

    fake.seats["PJSIP/1001"] = SeatScript(behaviour="noanswer")
    live = await start_live(fake, live_settings=LiveSettings(hold_callback_key="1"))
    try:
        await live.connected()
        call = fake.place_call(keys="2")
        await until(lambda: fake.channels[call.name].moh, "on hold")
        fake.press(call, "1")
        await until(lambda: call.name not in fake.channels, "the caller's line is ended")
        login(live, "s1")
        await until(lambda: live.ended(call.uniqueid), "the callback is closed")
        seat = live.service.engine.routing.seats["s1"]  # type: ignore[attr-defined]
        assert seat.state is not SeatState.RINGING and seat.call is None
        assert not live.service.driver.engaged_seats
    finally:
        await stop_live(live)


async def test_waiting_caller_hears_position_and_wait_and_a_seat_cuts_the_announcement_short(
    fake: FakeAsterisk,
) -> None:
    live = await start_live(fake, centre_config=live_centre(announce_every_s=0.05))
    try:
        await live.connected()
        call = fake.place_call(keys="2")
        await until(lambda: "Queued" in live.fact_names(call.uniqueid), "queued")
        fake.endless_prompts = True  # from now on a prompt ends only when something stops it
        await until(
            lambda: any("queue-thereare" in c for _, c in fake.agi_commands), "an announcement"
        )
        commands = [c for ch, c in fake.agi_commands if ch == call.name]
        assert commands[-1].startswith("STREAM FILE queue-thereare")
        assert any(c.startswith("SET MUSIC on") for c in commands)  # music first
        live.service.submit(SeatLoggedIn(seat_id="s1"))
        await until(lambda: "Answered" in live.fact_names(call.uniqueid), "answered at once")
        # The position and wait were never finished: the Redirect cut the prompt short.
        assert not any(c.startswith("SAY NUMBER") for ch, c in fake.agi_commands if ch == call.name)
    finally:
        await stop_live(live)


async def test_transfer_to_an_unknown_code_goes_to_the_general_queue_not_to_silence(
    live: Live,
) -> None:
    login(live, "s1")
    call = live.fake.place_call(keys="2")
    await until(lambda: "Answered" in live.fact_names(call.uniqueid), "talking")
    live.fake.seat_transfers(call, "999")
    await until(lambda: "Transferred" in live.fact_names(call.uniqueid), "transferred")
    (moved,) = [f for f in live.facts(call.uniqueid) if isinstance(f, Transferred)]
    assert moved.to_queue == "general"


async def test_caller_hanging_up_while_talking_completes_the_call_by_the_caller(live: Live) -> None:
    login(live, "s1")
    call = live.fake.place_call(keys="2")
    await until(lambda: "Answered" in live.fact_names(call.uniqueid), "talking")
    live.fake.caller_hangs_up(call)
    await until(lambda: live.ended(call.uniqueid), "ended")
    assert [f.by for f in live.facts(call.uniqueid) if isinstance(f, Completed)] == ["caller"]
    assert not live.fake.channels  # the seat's leg went with it


async def test_an_action_the_engine_refuses_is_a_409_through_the_live_driver_never_a_500(
    live: Live,
) -> None:
    from ivr.api.control import DriverControl
    from ivr.api.errors import ApiError
    from ivr.errors import IllegalTransitionError
    from ivr.model.events import SeatReady, TransferRequested

    control = DriverControl(live.service.driver)
    call = live.fake.place_call(keys="2")
    await until(lambda: "Queued" in live.fact_names(call.uniqueid), "waiting, no seat in")
    refusals: list[IllegalTransitionError] = []
    for event in (
        SeatReady(seat_id="s1"),  # never logged in
        TransferRequested(call_id=call.uniqueid, queue="general"),  # still waiting
    ):
        try:
            await control.submit(event)
        except IllegalTransitionError as exc:
            refusals.append(exc)
    assert [ApiError.of(e).status for e in refusals] == [409, 409]
    assert "only a call talking to a seat is transferred" in refusals[1].message
    stats = live.service.driver.stats
    assert (stats.engine_refusals, stats.engine_errors) == (2, 0)
    login(live, "s1")  # the engine goes on: the waiting call reaches the seat
    await until(lambda: "Answered" in live.fact_names(call.uniqueid), "talking")


async def test_an_event_the_engine_refuses_is_counted_and_logged_once_and_the_engine_goes_on(
    live: Live,
) -> None:
    from structlog.testing import capture_logs

    from ivr.model.events import PlaybackFinished

    with capture_logs() as logs:
        live.service.driver.submit(PlaybackFinished(call_id="a-channel-long-gone"))
    lines = [entry for entry in logs if entry["event"] == "engine_refused_event"]
    assert len(lines) == 1, logs
    assert (lines[0]["event_type"], lines[0]["error"]) == (
        "PlaybackFinished",
        "routing-unknown-call",
    )
    assert live.service.driver.stats.engine_refusals == 1
    login(live, "s1")
    call = live.fake.place_call(keys="2")
    await until(lambda: "Answered" in live.fact_names(call.uniqueid), "the next call is served")
