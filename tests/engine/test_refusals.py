"""The engine's transition table: every event a phase does not take is a refusal, and only that.

A refusal is one ``Refused`` output and nothing else: no exception, no silent drop,
no change to the journey or the routing core. The rules that drivers used to keep
for themselves (only a waiting caller takes a callback, an unknown transfer code
goes to the general queue, no new call once the intake closes) are the engine's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.engine.journey import Engine
from ivr.engine.table import TABLE, Phase
from ivr.model.commands import Hangup, OfferCall
from ivr.model.events import (
    ActionFailed,
    CallArrived,
    CallbackConnected,
    CallbackFailed,
    CallbackRequested,
    CallEnded,
    CustomerFound,
    DigitsCollected,
    PasswordChecked,
    PlaybackFinished,
    SeatAnswered,
    SeatDidNotAnswer,
    SeatLoggedIn,
    SeatReady,
    TransferRequested,
)
from ivr.model.facts import JourneyEnded, Outcome, Queued, Refused, Transferred
from ivr.secret import Secret

from .test_journey import Run

CALL_EVENTS = [
    CallArrived(call_id="c1", caller="02088880000", dnis="10000"),
    PlaybackFinished(call_id="c1"),
    DigitsCollected(call_id="c1", digits="1"),
    CustomerFound(call_id="c1", customer=None),
    PasswordChecked(call_id="c1", outcome="wrong"),
    ActionFailed(call_id="c1", command="PlayPrompts", reason="no such file"),
    SeatAnswered(call_id="c1", seat_id="b1"),
    SeatDidNotAnswer(call_id="c1", seat_id="b1"),
    TransferRequested(call_id="c1", queue="general"),
    CallbackRequested(call_id="c1", number="02088880000"),
    CallbackConnected(call_id="c1"),
    CallbackFailed(call_id="c1"),
    CallEnded(call_id="c1", by="caller"),
]


def _in_phase(tmp_path: Path, phase: Phase | None) -> Run:
    """A run whose call c1 stands in ``phase`` (None: the engine holds no journey for it)."""
    run = Run(tmp_path)
    if phase is None:
        return run
    run.send(SeatLoggedIn(seat_id="b1"))
    run.arrive("c1")
    if phase is Phase.MENU:
        return run
    if phase is Phase.CLOSING:
        run.engine.journeys["c1"].phase = Phase.CLOSING  # only its phase matters here
        run.engine.journeys["c1"].closing = (Outcome.DIVERTED, "test", [[], []])
        return run
    if phase is Phase.WAITING:
        run.send(SeatReady(seat_id="b1"))
        run.send(SeatLoggedIn(seat_id="b2"))
        run.arrive("c0")
        run.press("c0", "1")  # c0 takes b1, b2 rings for it... so c1 waits behind
        run.send(SeatAnswered(call_id="c0", seat_id="b1"))
    run.press("c1", "1")
    if phase is Phase.WAITING:
        # b2 may be ringing for c1 now: log it out of the way so c1 truly waits.
        offers = [o for o in run.of_type(OfferCall) if o.call_id == "c1"]
        if offers:
            run.send(SeatDidNotAnswer(call_id="c1", seat_id=offers[-1].seat_id))
    if phase is Phase.TALKING:
        run.send(SeatAnswered(call_id="c1", seat_id="b1"))
    if phase is Phase.CALLBACK:
        run.send(SeatDidNotAnswer(call_id="c1", seat_id="b1"))
        run.send(CallbackRequested(call_id="c1", number="02088880000"))
    assert run.engine.journeys["c1"].phase is phase, run.engine.journeys["c1"].phase
    return run


REFUSED = [
    (event, phase)
    for phase in (None, *Phase)
    for event in CALL_EVENTS
    if (type(event), phase) not in TABLE
]


@pytest.mark.parametrize(
    ("event", "phase"),
    REFUSED,
    ids=[f"{type(e).__name__}-{p.value if p else 'none'}" for e, p in REFUSED],
)
def test_an_event_its_phase_does_not_take_is_refused_and_changes_nothing(
    tmp_path: Path, event: object, phase: Phase | None
) -> None:
    run = _in_phase(tmp_path, phase)
    journey = run.engine.journeys.get("c1")
    held = run.engine.routing.holds("c1")
    before = (journey.phase, journey.queue) if journey else None

    out = run.send(event)

    assert len(out) == 1 and isinstance(out[0], Refused), out
    refusal = out[0]
    assert refusal.event == type(event).__name__ and refusal.call_id == "c1"
    assert refusal.phase == (phase.value if phase else None)
    assert refusal.reason and refusal.error_id.startswith("routing-")
    after = run.engine.journeys.get("c1")
    assert ((after.phase, after.queue) if after else None) == before
    assert run.engine.routing.holds("c1") == held


def test_an_event_for_a_call_the_engine_does_not_hold_is_refused_as_unknown(
    tmp_path: Path,
) -> None:
    run = Run(tmp_path)
    (refusal,) = run.send(TransferRequested(call_id="gone", queue="general"))
    assert isinstance(refusal, Refused)
    assert refusal.error_id == "routing-unknown-call"
    assert "no such call" in refusal.reason


def test_a_seat_event_the_seat_rules_forbid_is_refused_not_raised(tmp_path: Path) -> None:
    run = Run(tmp_path)
    (refusal,) = run.send(SeatReady(seat_id="b1"))  # never logged in
    assert isinstance(refusal, Refused)
    assert (refusal.event, refusal.seat_id, refusal.call_id) == ("SeatReady", "b1", None)
    assert refusal.error_id == "routing-illegal-transition"
    (unknown,) = run.send(SeatLoggedIn(seat_id="nobody"))
    assert isinstance(unknown, Refused) and unknown.error_id == "routing-unknown-seat"


def test_only_a_waiting_caller_can_take_a_callback(tmp_path: Path) -> None:
    run = _in_phase(tmp_path, Phase.RINGING)
    assert not run.engine.takes(CallbackRequested, "c1")
    (refusal,) = run.send(CallbackRequested(call_id="c1", number="02088880000"))
    assert isinstance(refusal, Refused)
    assert refusal.reason == "only a waiting caller can take a callback"


def test_a_waiting_caller_who_takes_a_callback_is_hung_up_by_the_engine_and_keeps_the_place(
    tmp_path: Path,
) -> None:
    run = _in_phase(tmp_path, Phase.WAITING)
    assert run.engine.takes(CallbackRequested, "c1")
    out = run.send(CallbackRequested(call_id="c1", number="02088880000"))
    hangups = [o for o in out if isinstance(o, Hangup)]
    assert [h.call_id for h in hangups] == ["c1"]
    assert run.engine.journeys["c1"].phase is Phase.CALLBACK
    assert run.send(CallEnded(call_id="c1", by="caller")) == []  # its own line ending
    assert run.engine.routing.holds("c1")


@pytest.mark.parametrize(
    ("dialled", "queue", "seat"),
    [("billing", "billing", None), ("b2", "billing", "b2"), ("77", "general", None)],
)
def test_a_transfer_to_what_a_seat_dialled_goes_to_that_queue_or_seat_else_the_general_queue(
    tmp_path: Path, dialled: str, queue: str, seat: str | None
) -> None:
    run = _in_phase(tmp_path, Phase.TALKING)
    run.send(SeatLoggedIn(seat_id="b2"))
    out = run.send(TransferRequested(call_id="c1", target=dialled, by="b1"))
    (moved,) = [o for o in out if isinstance(o, Transferred)]
    assert (moved.to_queue, moved.to_seat) == (queue, seat)
    assert any(isinstance(o, Queued) for o in out)  # nobody is left in silence


def test_once_the_intake_closes_a_new_call_gets_a_busy_signal_and_the_calls_in_go_on(
    tmp_path: Path,
) -> None:
    run = _in_phase(tmp_path, Phase.MENU)
    run.engine.close_intake()
    out = run.send(CallArrived(call_id="c2", caller="1", dnis="10000"))
    at = run.clock.now()
    assert out == [
        Hangup(call_id="c2", reason="engine_stopping", cause="busy"),
        JourneyEnded(call_id="c2", outcome=Outcome.FAILED, reason="engine_stopping", at=at),
    ]
    assert "c2" not in run.engine.journeys
    run.press("c1", "1")  # the call already in goes on to its queue
    assert run.engine.journeys["c1"].phase in (Phase.WAITING, Phase.RINGING)


def test_a_refusal_never_carries_a_secret(tmp_path: Path) -> None:
    run = _in_phase(tmp_path, Phase.TALKING)
    (refusal,) = run.send(DigitsCollected(call_id="c1", digits=Secret("123456")))
    assert isinstance(refusal, Refused)
    assert "123456" not in repr(refusal)


def test_the_table_names_only_methods_the_engine_has(tmp_path: Path) -> None:
    engine: Engine = Run(tmp_path).engine
    for name in set(TABLE.values()):
        assert callable(getattr(engine, name)), name
