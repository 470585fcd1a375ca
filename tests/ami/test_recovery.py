"""A lost connection, a restarted Asterisk, a wrong secret: the engine recovers or says why."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from ivr.ami.fake import FakeAsterisk
from ivr.errors import AmiAuthenticationError
from ivr.model.events import SeatLoggedIn
from ivr.model.facts import Abandoned, Answered, JourneyEnded, Outcome

from .harness import Live, start_live, stop_live, until


async def test_call_hung_up_while_the_link_was_down_is_closed_after_the_reconnect(
    live: Live,
) -> None:
    fake = live.fake
    gone = fake.place_call(caller="111", keys="2")
    stays = fake.place_call(caller="222", keys="2")
    await until(
        lambda: (
            "Queued" in live.fact_names(gone.uniqueid)
            and "Queued" in live.fact_names(stays.uniqueid)
        ),
        "both queued",
    )
    with capture_logs() as logs:
        await fake.drop_connections()
        fake.caller_hangs_up(gone)  # nobody is listening: the Hangup event is lost
        await until(lambda: live.ended(gone.uniqueid), "vanished call closed after resync")
    assert any(isinstance(f, Abandoned) for f in live.facts(gone.uniqueid))
    vanished = [e for e in logs if e["event"] == "call_vanished"]
    assert [e["call_id"] for e in vanished] == [gone.uniqueid]
    assert vanished[0]["reason"] == "gone while the AMI link was down"
    # The call still up carries on: a seat logs in and takes it.
    live.service.submit(SeatLoggedIn(seat_id="s1"))
    await until(lambda: "Answered" in live.fact_names(stays.uniqueid), "answered after recovery")
    assert not live.ended(stays.uniqueid)


async def test_seat_answer_missed_during_the_outage_is_found_by_the_resync(live: Live) -> None:
    fake = live.fake
    live.service.submit(SeatLoggedIn(seat_id="s1"))
    fake.ignore_next("Redirect")  # the offer is in flight when the link drops
    call = fake.place_call(keys="2")
    await until(lambda: any(a["Action"] == "Redirect" for a in fake.actions), "offer sent")
    await fake.drop_connections()
    # Asterisk did carry it out: the seat rang and answered while ivr was away.
    chan = fake.channels[call.name]
    fake.redirect(chan, fake.seat_context, "s")
    await until(lambda: "Answered" in live.fact_names(call.uniqueid), "answer found by resync")
    assert [f.seat_id for f in live.facts(call.uniqueid) if isinstance(f, Answered)] == ["s1"]
    assert [a["Action"] for a in fake.actions].count("Redirect") == 1  # never sent twice


async def test_menu_command_lost_with_the_link_is_asked_again(live: Live) -> None:
    fake = live.fake
    call = fake.place_call(keys="")
    await until(lambda: any(c.startswith("GET DATA") for _, c in fake.agi_commands), "menu")
    await fake.drop_connections()
    fake.press(call, "2")  # the answer goes out while nobody listens
    await until(lambda: fake.logins == 2, "reconnected")
    await until(
        lambda: sum(c.startswith("GET DATA") for _, c in fake.agi_commands) == 2, "asked again"
    )
    fake.press(call, "2")
    await until(lambda: "Queued" in live.fact_names(call.uniqueid), "menu done after recovery")


async def test_restarted_asterisk_closes_every_call_with_the_reason(live: Live) -> None:
    fake = live.fake
    live.service.submit(SeatLoggedIn(seat_id="s1"))
    talking = fake.place_call(keys="2")
    waiting = fake.place_call(keys="2")
    await until(lambda: "Answered" in live.fact_names(talking.uniqueid), "talking")
    await until(lambda: "Queued" in live.fact_names(waiting.uniqueid), "waiting")
    with capture_logs() as logs:
        await fake.restart(down_s=0.05)
        await until(
            lambda: live.ended(talking.uniqueid) and live.ended(waiting.uniqueid), "both closed"
        )
    reasons = {e["call_id"]: e["reason"] for e in logs if e["event"] == "call_vanished"}
    assert reasons == {
        talking.uniqueid: "asterisk restarted",
        waiting.uniqueid: "asterisk restarted",
    }
    ends = {f.call_id: f.outcome for f in live.facts() if isinstance(f, JourneyEnded)}
    # Cut by the restart, the waiting caller is not an abandon; the talking one was answered.
    assert ends == {talking.uniqueid: Outcome.ANSWERED, waiting.uniqueid: Outcome.PBX_RESTART}
    assert not any(isinstance(f, Abandoned) for f in live.facts())
    assert not live.service.driver.calls


async def test_wrong_secret_stops_the_service_with_a_clear_error_and_no_secret_in_logs(
    fake: FakeAsterisk,
) -> None:
    wrong = "not-the-secret-42"
    with capture_logs() as logs:
        live = await start_live(fake, secret=wrong)
        with pytest.raises(AmiAuthenticationError, match="check the AMI username and secret"):
            await live.task
    await stop_live(live)
    assert fake.failed_logins == 1
    assert wrong not in repr(logs)
    assert all(wrong not in repr(a.headers) for a in fake.actions)
