"""Real Asterisk traffic through the driver's event conversion: what the engine is told.

Each capture from the lab (tests/fixtures/ami) is replayed, message by message,
into a LiveDriver whose engine only records what it is told. Where the lab
script played the engine's part (a Redirect to a seat), the test hands the
driver the same OfferCall the engine would have given, so the driver is
waiting for that seat exactly as it would live.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from ivr.ami.codec import AmiCodec, Message
from ivr.ami.connection import ActionResult
from ivr.clock import ManualClock
from ivr.engine.journey import Phase
from ivr.errors import AmiError
from ivr.live.driver import LiveDriver
from ivr.live.settings import LiveSettings
from ivr.model.commands import OfferCall
from ivr.model.events import (
    CallArrived,
    CallEnded,
    SeatAnswered,
    SeatDeviceBusy,
    SeatDidNotAnswer,
    TransferRequested,
)
from ivr.model.skills import SeatConfig
from ivr.scheduling import Timer

CAPTURES = Path(__file__).parent.parent / "fixtures" / "ami"


class Told:
    """An engine that only records the events it is told; a timer falling due hands the driver
    whatever the test put in ``due`` (the engine's part the lab script played)."""

    def __init__(self) -> None:
        self.events: list[object] = []
        self.due: list[object] = []

    def handle(self, event: Any) -> Sequence[object]:
        self.events.append(event)
        return []

    def fire(self, timer: Timer) -> Sequence[object]:
        due, self.due = self.due, []
        return due

    def takes(self, kind: type, call_id: str) -> bool:
        return True

    def phase(self, call_id: str) -> Phase | None:
        return Phase.MENU  # every journey goes on: the capture says when a call ends


class Wire:
    """Where the driver's actions go: kept, never answered (the capture is the answer)."""

    connected = True
    asterisk_restarted = False

    def __init__(self) -> None:
        self.actions: list[tuple[str, dict[str, object]]] = []

    def send(
        self, action: str, headers: Any = (), *, timeout_s: float | None = None
    ) -> asyncio.Future[ActionResult]:
        raise AssertionError("the driver waits for nothing while replaying")

    def send_nowait(
        self,
        action: str,
        headers: Any = (),
        *,
        on_error: Callable[[AmiError], None] | None = None,
        timeout_s: float | None = None,
    ) -> None:
        self.actions.append((action, dict(headers)))


def replay(
    scenario: str, on_message: Callable[[LiveDriver, Told, Message], None] | None = None
) -> tuple[list[object], Wire]:
    told, wire = Told(), Wire()
    driver = LiveDriver(
        told,
        seats=[
            SeatConfig(id="agent1", endpoint="Local/agent1@agents"),
            SeatConfig(id="agent2", endpoint="Local/agent2@agents"),
        ],
        queues=["billing", "general"],
        clock=ManualClock(),
        settings=LiveSettings(transfer_targets={"agent3": "billing"}),
    )
    driver.attach(wire)
    codec = AmiCodec()
    codec.receive_data((CAPTURES / f"{scenario}.ami").read_bytes())
    for item in codec.events():
        if isinstance(item, Message):
            driver.on_event(item)
            if on_message is not None:
                on_message(driver, told, item)
    return told.events, wire


def offer(driver: LiveDriver, told: Told, call_id: str, seat: str, endpoint: str) -> None:
    """The engine's OfferCall, as the journey would hand it to the driver (on a timer)."""
    told.due.append(
        OfferCall(
            call_id=call_id,
            seat_id=seat,
            queue="billing",
            endpoint=endpoint,
            ring_timeout_s=15,
            context={"account": "A-1"},
        )
    )
    driver.fire(Timer(0.0, "offer", call_id))


def agi_start(driver: LiveDriver, uid: str, channel: str) -> None:
    """The AsyncAGIStart a caller sent straight to a seat never had: live, it would have."""
    driver.on_event(
        Message(
            [
                ("Event", "AsyncAGIStart"),
                ("Channel", channel),
                ("Uniqueid", uid),
                ("Env", "agi_extension%3A%2010000%0A%0A"),
            ]
        )
    )


@pytest.mark.parametrize(
    "scenario", sorted(p.stem for p in CAPTURES.glob("*.ami") if not p.stem.endswith(".sent"))
)
def test_every_capture_converts_without_an_error(scenario: str) -> None:
    told, _ = replay(scenario)
    arrived = {e.call_id for e in told if isinstance(e, CallArrived)}
    ended = {e.call_id for e in told if isinstance(e, CallEnded)}
    assert ended <= arrived  # nothing ends that did not arrive


def test_menu_call_arrives_with_its_dnis_and_ends_when_the_caller_hangs_up() -> None:
    told, _ = replay("ivr_dtmf")
    arrived = [e for e in told if isinstance(e, CallArrived)]
    assert [(a.call_id, a.caller, a.dnis) for a in arrived] == [
        ("ivr-dtmf-call", "5550001", "10000")
    ]
    assert arrived[0].channel == "Local/dtmf-seq@caller-sim-00000000;1"
    assert [(e.call_id, e.by) for e in told if isinstance(e, CallEnded)] == [
        ("ivr-dtmf-call", "caller")
    ]


def test_twenty_interleaved_calls_each_arrive_and_end_once() -> None:
    told, _ = replay("concurrent_20")
    arrived = [e.call_id for e in told if isinstance(e, CallArrived)]
    ended = [e.call_id for e in told if isinstance(e, CallEnded)]
    assert len(arrived) == 20 == len(set(arrived))
    assert sorted(ended) == sorted(arrived)


def test_busy_and_unanswered_seats_are_told_to_the_core() -> None:
    def when(driver: LiveDriver, told: Told, msg: Message) -> None:
        # The lab sent these callers straight to the seat context; live, ivr would have.
        uid = msg.get("Uniqueid")
        if msg.event == "Newchannel" and uid in ("busy-call", "noans-call"):
            agi_start(driver, uid, msg["Channel"])
            seat = "agent1" if uid == "busy-call" else "agent2"
            offer(driver, told, uid, seat, f"Local/{seat}@agents")

    told, _ = replay("dial_failures", when)
    failures = [(e.call_id, e.seat_id, e.reason) for e in told if isinstance(e, SeatDidNotAnswer)]
    assert failures == [("busy-call", "agent1", "busy"), ("noans-call", "agent2", "noanswer")]


def test_seat_answer_and_blind_transfer_become_seat_answered_then_transfer_requested() -> None:
    def when(driver: LiveDriver, told: Told, msg: Message) -> None:
        if msg.event == "AsyncAGIStart" and msg.get("Uniqueid") == "bxfer-call":
            offer(driver, told, "bxfer-call", "agent1", "Local/agent1@agents")

    told, wire = replay("blind_transfer_action", when)
    kinds = [type(e).__name__ for e in told]
    assert kinds.index("SeatAnswered") < kinds.index("TransferRequested")
    (answered,) = [e for e in told if isinstance(e, SeatAnswered)]
    assert (answered.call_id, answered.seat_id) == ("bxfer-call", "agent1")
    (moved,) = [e for e in told if isinstance(e, TransferRequested)]
    # The code the seat dialled, through the wiring's transfer codes: the engine resolves it.
    assert (moved.call_id, moved.target, moved.by) == ("bxfer-call", "billing", "agent1")
    # The transferring seat's leg hanging up is not the end of the call; the caller's is.
    assert [(e.call_id, e.by) for e in told if isinstance(e, CallEnded)] == [
        ("bxfer-call", "caller")
    ]
    # What the driver sent to reach the seat: the offer and the screen pop, then the Redirect.
    assert [a for a, _ in wire.actions] == ["Setvar", "Setvar", "Redirect"]
    assert wire.actions[0][1]["Value"] == "Local/agent1@agents|17|agent1|default"


def test_extension_status_of_a_seat_on_a_private_call_marks_it_busy_then_free() -> None:
    told, wire = Told(), Wire()
    driver = LiveDriver(
        told,
        seats=[SeatConfig(id="1001", endpoint="PJSIP/1001")],
        queues=["billing"],
        clock=ManualClock(),
    )
    driver.attach(wire)
    for status in ("1", "1", "0"):  # in use, still in use (no repeat), idle
        driver.on_event(
            Message(
                [
                    ("Event", "ExtensionStatus"),
                    ("Exten", "1001"),
                    ("Context", "hints"),
                    ("Status", status),
                ]
            )
        )
    busy = [(e.seat_id, e.busy) for e in told.events if isinstance(e, SeatDeviceBusy)]
    assert busy == [("1001", True), ("1001", False)]
