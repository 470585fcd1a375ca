"""The AMI session's rules, with no socket and no sleeping: bytes and a manual clock in."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.ami.codec import NEED_DATA, Banner, Malformed, Message, encode_message
from ivr.ami.session import ActionCompleted, ActionFailed, AmiSession, Counters, Output
from ivr.clock import ManualClock
from ivr.errors import AmiActionError, AmiConnectionError


def wire(*messages: list[tuple[str, str]]) -> bytes:
    return b"".join(encode_message(Message(headers)) for headers in messages)


def drain(session: AmiSession[str]) -> list[Output[str]]:
    out: list[Output[str]] = []
    while (item := session.next_event()) is not NEED_DATA:
        out.append(item)  # type: ignore[arg-type]
    return out


def new_session() -> AmiSession[str]:
    return AmiSession(action_timeout_s=10.0, prefix="ivr-1-")


def event(name: str, **headers: str) -> list[tuple[str, str]]:
    return [("Event", name), *headers.items()]


def response(action_id: str, result: str = "Success", **headers: str) -> list[tuple[str, str]]:
    return [("Response", result), ("ActionID", action_id), *headers.items()]


def test_an_action_gets_an_action_id_and_its_bytes() -> None:
    session = new_session()
    action_id, data = session.send("Ping", waiter="w", now=0.0)
    assert action_id == "ivr-1-1"
    assert data == b"Action: Ping\r\nActionID: ivr-1-1\r\n\r\n"
    assert session.send("Ping", waiter="w", now=0.0)[0] == "ivr-1-2"
    assert session.counters.actions_out == 2


def test_responses_are_matched_to_their_actions_by_action_id_in_any_order() -> None:
    session = new_session()
    first, _ = session.send("Ping", waiter="first", now=0.0)
    second, _ = session.send("Status", waiter="second", now=0.0)
    session.receive_data(wire(response(second, Message="two"), response(first, Ping="Pong")))
    out = drain(session)
    assert [(o.waiter, o.action) for o in out if isinstance(o, ActionCompleted)] == [
        ("second", "Status"),
        ("first", "Ping"),
    ]
    assert isinstance(out[1], ActionCompleted) and out[1].result.response["Ping"] == "Pong"
    assert session.in_flight == 0


def test_the_action_id_header_is_matched_whatever_its_case() -> None:
    session = new_session()
    action_id, _ = session.send("Ping", waiter="w", now=0.0)
    session.receive_data(wire([("Response", "Success"), ("actionid", action_id)]))
    [done] = drain(session)
    assert isinstance(done, ActionCompleted) and done.waiter == "w"


def test_an_answer_to_nothing_in_flight_is_dropped() -> None:
    session = new_session()
    session.receive_data(wire(response("ivr-9-9"), event("Newchannel")))
    [only] = drain(session)
    assert isinstance(only, Message) and only.event == "Newchannel"
    assert session.counters.messages_in == 2


def test_an_error_response_fails_only_its_action_and_is_counted() -> None:
    session = new_session()
    bad, _ = session.send("Redirect", waiter="bad", now=0.0)
    good, _ = session.send("Ping", waiter="good", now=0.0)
    session.receive_data(
        wire(response(bad, "Error", Message="Channel does not exist: PJSIP/x"), response(good))
    )
    failed, done = drain(session)
    assert isinstance(failed, ActionFailed) and failed.waiter == "bad"
    assert isinstance(failed.error, AmiActionError)
    assert str(failed.error) == "Asterisk refused Redirect: Channel does not exist: PJSIP/x"
    assert failed.error.details == {
        "action": "Redirect",
        "reason": "Channel does not exist: PJSIP/x",
    }
    assert isinstance(done, ActionCompleted) and done.waiter == "good"
    assert session.counters.action_errors == 1


def test_fire_and_forget_is_silent_on_success_and_reports_an_error() -> None:
    session = new_session()
    ok, _ = session.send("Setvar", waiter="ok", now=0.0, wants_result=False)
    bad, _ = session.send("Hangup", waiter="bad", now=0.0, wants_result=False)
    session.receive_data(wire(response(ok), response(bad, "Error", Message="No such channel")))
    [failed] = drain(session)
    assert isinstance(failed, ActionFailed) and failed.waiter == "bad"
    assert session.in_flight == 0


def test_an_event_list_collects_its_events_while_other_events_pass_through_in_order() -> None:
    session = new_session()
    action_id, _ = session.send("CoreShowChannels", waiter="list", now=0.0)
    session.receive_data(
        wire(
            response(action_id, EventList="start", Message="Channels will follow"),
            event("CoreShowChannel", ActionID=action_id, Uniqueid="1.1"),
            event("Newchannel", Uniqueid="1.3"),  # another call's event, in the middle
            event("CoreShowChannel", ActionID=action_id, Uniqueid="1.2"),
            event("Hangup", Uniqueid="1.3"),
            event("CoreShowChannelsComplete", ActionID=action_id, EventList="Complete"),
            event("DeviceStateChange", Device="PJSIP/1001"),
        )
    )
    out = drain(session)
    assert [o.event for o in out if isinstance(o, Message)] == [
        "Newchannel",
        "Hangup",
        "DeviceStateChange",
    ]
    [done] = [o for o in out if isinstance(o, ActionCompleted)]
    assert out.index(done) == 2  # completed where its Complete event was, in wire order
    assert [e["Uniqueid"] for e in done.result.events] == ["1.1", "1.2"]
    assert session.in_flight == 0


def test_two_event_lists_arriving_interleaved_each_get_their_own_events() -> None:
    session = new_session()
    a, _ = session.send("CoreShowChannels", waiter="a", now=0.0)
    b, _ = session.send("Status", waiter="b", now=0.0)
    session.receive_data(
        wire(
            response(a, EventList="start"),
            response(b, EventList="start"),
            event("Status", ActionID=b, Uniqueid="b1"),
            event("CoreShowChannel", ActionID=a, Uniqueid="a1"),
            event("StatusComplete", ActionID=b, EventList="Complete"),
            event("CoreShowChannel", ActionID=a, Uniqueid="a2"),
            event("CoreShowChannelsComplete", ActionID=a, EventList="complete"),
        )
    )
    done = {o.waiter: o for o in drain(session) if isinstance(o, ActionCompleted)}
    assert [e["Uniqueid"] for e in done["a"].result.events] == ["a1", "a2"]
    assert [e["Uniqueid"] for e in done["b"].result.events] == ["b1"]


def test_a_fire_and_forget_event_list_hands_its_events_out() -> None:
    session = new_session()
    action_id, _ = session.send("Status", waiter="w", now=0.0, wants_result=False)
    session.receive_data(
        wire(
            response(action_id, EventList="start"),
            event("Status", ActionID=action_id),
            event("StatusComplete", ActionID=action_id, EventList="Complete"),
        )
    )
    assert [o.event for o in drain(session) if isinstance(o, Message)] == [
        "Status",
        "StatusComplete",
    ]


def test_a_response_that_never_comes_fails_at_its_deadline_and_not_before() -> None:
    clock = ManualClock(100.0)
    session = new_session()
    slow, _ = session.send("Redirect", waiter="slow", now=clock.now())
    quick, _ = session.send("Ping", waiter="quick", now=clock.now(), timeout_s=2.0)
    assert session.next_deadline() == 102.0
    clock.advance(1.999)
    assert session.expire(clock.now()) == []
    clock.advance(0.001)
    [timed_out] = session.expire(clock.now())
    assert timed_out.waiter == "quick" and isinstance(timed_out.error, AmiConnectionError)
    assert "did not answer Ping in time" in str(timed_out.error)
    clock.advance(8.0)
    assert [f.waiter for f in session.expire(clock.now())] == ["slow"]
    # A late answer finds nothing in flight: dropped, and nothing fails twice.
    session.receive_data(wire(response(quick), response(slow)))
    assert drain(session) == []
    assert session.expire(clock.now() + 100) == []


def test_an_event_list_cut_off_by_its_deadline_lets_its_late_events_through() -> None:
    clock = ManualClock()
    session = new_session()
    action_id, _ = session.send("CoreShowChannels", waiter="list", now=clock.now())
    session.receive_data(wire(response(action_id, EventList="start")))
    assert drain(session) == []
    clock.advance(10.0)
    [failed] = session.expire(clock.now())
    assert failed.waiter == "list"
    session.receive_data(wire(event("CoreShowChannel", ActionID=action_id)))
    [late] = drain(session)
    assert isinstance(late, Message) and late.event == "CoreShowChannel"


def test_a_malformed_message_is_skipped_and_counted_and_the_session_goes_on() -> None:
    session = new_session()
    action_id, _ = session.send("Ping", waiter="w", now=0.0)
    session.receive_data(
        b"Event: Broken\r\nno colon here\r\n\r\n"
        b"Event: Broken\r\n: no name\r\n\r\n"
        + wire(response(action_id), event("DeviceStateChange"))
    )
    out = drain(session)
    assert [type(o) for o in out] == [Malformed, Malformed, ActionCompleted, Message]
    assert session.counters.malformed == 2
    assert session.ended is None


def test_an_event_with_bytes_not_in_utf8_is_kept_and_counted_across_sessions() -> None:
    counters = Counters()
    for _ in range(2):  # a reconnect: a new session, the same counters
        session: AmiSession[str] = AmiSession(action_timeout_s=5.0, counters=counters)
        session.receive_data(b"Event: Newchannel\r\nCallerIDName: \xd5\xc5\r\n\r\n")
        [message] = drain(session)
        assert isinstance(message, Message) and message["CallerIDName"] == "\ufffd\ufffd"
    assert counters.undecodable == 2
    assert counters.malformed == 0


def test_the_banner_gives_the_protocol_version() -> None:
    session = new_session()
    session.receive_data(b"Asterisk Call Manager/11.0.0\r\n")
    assert drain(session) == [Banner(version="11.0.0")]
    assert session.version == "11.0.0"


def test_a_shutdown_event_is_handed_out_then_ends_the_session() -> None:
    session = new_session()
    session.receive_data(wire(event("Shutdown", Shutdown="Cleanly"), event("Newchannel")))
    [shutdown] = drain(session)
    assert isinstance(shutdown, Message) and shutdown.event == "Shutdown"
    assert session.ended == "asterisk shutdown"
    session.receive_data(wire(event("Newchannel")))
    assert drain(session) == []


def test_a_lost_link_fails_everything_in_flight_and_sends_nothing_again() -> None:
    session = new_session()
    session.send("Redirect", waiter="a", now=0.0)
    action_id, _ = session.send("CoreShowChannels", waiter="b", now=0.0)
    session.receive_data(wire(response(action_id, EventList="start")))
    drain(session)
    failed = session.lose("eof")
    assert [f.waiter for f in failed] == ["a", "b"]
    assert all(isinstance(f.error, AmiConnectionError) for f in failed)
    assert "lost (eof) before Redirect was answered; it was not sent again" in str(failed[0].error)
    assert session.in_flight == 0 and session.lose("eof") == []


# --- interleavings: any order of answers, any TCP split, replayable from the seed ------------


@st.composite
def conversations(draw: st.DrawFn) -> tuple[list[str], list[list[tuple[str, str]]], list[int]]:
    """Some actions (plain, listing, refused, unanswered), their answers and other calls' events
    interleaved in an order Asterisk could send them (a list's items between its start and its
    Complete), and cut points for the bytes."""
    kinds = draw(st.lists(st.sampled_from(["plain", "list", "error", "silent"]), max_size=8))
    streams: list[list[list[tuple[str, str]]]] = []
    for n, kind in enumerate(kinds, start=1):
        aid = f"ivr-1-{n}"
        if kind == "plain":
            streams.append([response(aid, Ping="Pong")])
        elif kind == "error":
            streams.append([response(aid, "Error", Message="nope")])
        elif kind == "list":
            items = draw(st.integers(0, 4))
            streams.append(
                [
                    response(aid, EventList="start"),
                    *(event("Status", ActionID=aid, Item=str(i)) for i in range(items)),
                    event("StatusComplete", ActionID=aid, EventList="Complete"),
                ]
            )
    noise = draw(st.integers(0, 10))
    streams.append([event("Newexten", Seq=str(i)) for i in range(noise)])
    merged: list[list[tuple[str, str]]] = []
    while any(streams):
        live = [s for s in streams if s]
        merged.append(live[draw(st.integers(0, len(live) - 1))].pop(0))
    data_len = len(wire(*merged)) if merged else 0
    cuts = draw(st.lists(st.integers(0, max(0, data_len)), max_size=30))
    return kinds, merged, cuts


@given(conversations())
@settings(max_examples=300, deadline=None)
def test_however_answers_interleave_and_tcp_splits_them_each_action_settles_once(
    conversation: tuple[list[str], list[list[tuple[str, str]]], list[int]],
) -> None:
    kinds, merged, cuts = conversation
    clock = ManualClock()
    session = new_session()
    for n, _ in enumerate(kinds, start=1):
        session.send("Status", waiter=str(n), now=clock.now())
    data = wire(*merged) if merged else b""
    out: list[Output[str]] = []
    start = 0
    for cut in [*sorted(cuts), len(data)]:
        session.receive_data(data[start:cut])
        start = cut
        out.extend(drain(session))
    clock.advance(10.0)
    out.extend(session.expire(clock.now()))

    settled = [o for o in out if isinstance(o, ActionCompleted | ActionFailed)]
    assert sorted(o.waiter for o in settled) == sorted(str(n) for n in range(1, len(kinds) + 1))
    for o in settled:
        kind = kinds[int(o.waiter) - 1]
        if kind == "error":
            assert isinstance(o, ActionFailed) and isinstance(o.error, AmiActionError)
        elif kind == "silent":
            assert isinstance(o, ActionFailed) and isinstance(o.error, AmiConnectionError)
        else:
            assert isinstance(o, ActionCompleted)
            expected = [e for e in merged if e[0][0] == "Event" and ("ActionID", o.action_id) in e]
            assert [e.headers for e in o.result.events] == [tuple(e) for e in expected[:-1]]
    # Other calls' events come out, all of them, in the order they were sent.
    passed = [o["Seq"] for o in out if isinstance(o, Message)]
    assert passed == [dict(e)["Seq"] for e in merged if e[0] == ("Event", "Newexten")]
    assert session.in_flight == 0
