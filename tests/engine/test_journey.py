"""The journey of a call through the engine: menu, queue, seat, transfer, diversions, the end."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.clock import ManualClock
from ivr.config.flow_files import load_catalog
from ivr.engine.journey import Engine
from ivr.engine.table import Phase
from ivr.model.commands import (
    CollectDigits,
    CreateCallback,
    Hangup,
    OfferCall,
    RecordVoicemail,
    StartHold,
)
from ivr.model.events import (
    CallArrived,
    CallbackConnected,
    CallbackRequested,
    CallEnded,
    DigitsCollected,
    PlaybackFinished,
    SeatAnswered,
    SeatLoggedIn,
    TransferRequested,
)
from ivr.model.facts import Answered, CallStarted, JourneyEnded, MenuInput, Outcome, Queued
from ivr.model.outputs import Output
from ivr.model.skills import AlarmConfig, Exit, ExitAction
from ivr.routing.testing import centre
from ivr.scheduling import ListScheduler

FLOW = """
flow: main
dnis: ["10000"]
languages: [zh, en]
start: menu
nodes:
  menu:
    type: menu
    prompts: custom/main-menu
    choices:
      "1": billing
      "2": urgent_billing
      "0": person
    timeout_s: 5
    retries: 1
    on_exhausted: person
  billing:
    type: queue
    queue: billing
  urgent_billing:
    type: queue
    queue: billing
    priority: 20
  person:
    type: queue
    queue: general
"""

OVERFLOW = """
flow: overflow
languages: [zh, en]
start: offer
nodes:
  offer:
    type: menu
    prompts: custom/peak-offer
    choices:
      "1": wait
      "2": bye
    timeout_s: 5
    retries: 0
    on_exhausted: wait
  wait:
    type: queue
    queue: general
  bye:
    type: hangup
"""


PROMPTS = """
prompts:
  custom/main-menu: {zh: 请选择。, en: Please choose.}
  custom/peak-offer: {zh: 请稍候。, en: Please hold.}
  custom/no-input: {zh: 请按键。, en: Please press a key.}
"""


class Run:
    """An engine on a manual clock, with its outputs."""

    def __init__(
        self, tmp: Path, centre_alarm: AlarmConfig | None = None, **billing: object
    ) -> None:
        (tmp / "flows").mkdir()
        (tmp / "flows" / "main.yaml").write_text(FLOW)
        (tmp / "flows" / "overflow.yaml").write_text(OVERFLOW)
        (tmp / "flows" / "prompts.yaml").write_text(PROMPTS)
        config = centre(
            [
                {"name": "general"},
                {"name": "billing", "skill": "billing", "wrap_up_s": 0, **billing},
            ],
            [
                {"id": "b1", "skills": {"billing": 5}},
                {"id": "b2", "skills": {"billing": 5}},
                {"id": "g1", "general": True},
            ],
            **({"alarm": centre_alarm} if centre_alarm is not None else {}),
        )
        self.clock = ManualClock(1_800_000_000.0)
        self.scheduler = ListScheduler()
        self.engine = Engine(
            centre=config,
            flows=load_catalog(tmp / "flows", config),
            clock=self.clock,
            scheduler=self.scheduler,
        )
        self.outputs: list[Output] = []

    def send(self, event: object) -> list[Output]:
        out = self.engine.handle(event)
        self.outputs.extend(out)
        return out

    def advance(self, seconds: float) -> None:
        target = self.clock.now() + seconds
        while (when := self.scheduler.next_when()) is not None and when <= target:
            self.clock.set(when)
            for timer in self.scheduler.due(when):
                self.outputs.extend(self.engine.fire(timer))
        self.clock.set(target)

    def arrive(self, call_id: str, caller: str = "02088880000", dnis: str = "10000") -> None:
        self.send(CallArrived(call_id=call_id, caller=caller, dnis=dnis))

    def press(self, call_id: str, digits: str) -> None:
        self.send(DigitsCollected(call_id=call_id, digits=digits))

    def of_type(self, kind: type) -> list:  # type: ignore[type-arg]
        return [o for o in self.outputs if isinstance(o, kind)]

    def ended(self, call_id: str) -> JourneyEnded:
        [end] = [e for e in self.of_type(JourneyEnded) if e.call_id == call_id]
        return end


def test_a_call_walks_the_menu_queues_reaches_a_seat_and_ends_answered(tmp_path: Path) -> None:
    run = Run(tmp_path)
    run.send(SeatLoggedIn(seat_id="b1"))
    run.arrive("c1")
    assert isinstance(run.outputs[1], CallStarted) and run.outputs[1].flow == "main"
    assert run.of_type(CollectDigits)[0].prompts == ("custom/main-menu",)
    run.press("c1", "1")
    assert run.of_type(MenuInput)[0].choice == "1"
    assert run.of_type(StartHold)[0].queue == "billing"
    offer = run.of_type(OfferCall)[0]
    assert offer.seat_id == "b1" and offer.context["tier"] == "normal"
    run.advance(2)
    run.send(SeatAnswered(call_id="c1", seat_id="b1"))
    run.advance(120)
    run.send(CallEnded(call_id="c1", by="seat"))
    assert run.ended("c1").outcome is Outcome.ANSWERED
    assert run.engine.journey("c1") is None


def test_the_phase_a_driver_reads_follows_the_journey_and_is_none_outside_it(
    tmp_path: Path,
) -> None:
    run = Run(tmp_path)
    run.send(SeatLoggedIn(seat_id="b1"))
    assert run.engine.phase("c1") is None  # not arrived
    run.arrive("c1")
    assert run.engine.phase("c1") is Phase.MENU
    run.press("c1", "1")
    assert run.engine.phase("c1") is Phase.RINGING  # b1 is free: offered at once
    run.send(SeatAnswered(call_id="c1", seat_id="b1"))
    assert run.engine.phase("c1") is Phase.TALKING
    run.send(CallEnded(call_id="c1", by="seat"))
    assert run.engine.phase("c1") is None  # over


def test_a_hang_up_in_the_menu_ends_the_journey_there(tmp_path: Path) -> None:
    run = Run(tmp_path)
    run.arrive("c1")
    run.send(CallEnded(call_id="c1"))
    assert run.ended("c1").outcome is Outcome.MENU_HANGUP
    assert run.of_type(MenuInput)[-1].choice == "hangup"


def test_a_hang_up_while_waiting_is_an_abandon_of_the_journey(tmp_path: Path) -> None:
    run = Run(tmp_path)
    run.arrive("c1")
    run.press("c1", "1")
    run.advance(30)
    run.send(CallEnded(call_id="c1"))
    assert run.ended("c1").outcome is Outcome.ABANDONED


def test_a_transferred_call_keeps_its_menu_context_and_ends_once(tmp_path: Path) -> None:
    run = Run(tmp_path)
    run.send(SeatLoggedIn(seat_id="b1"))
    run.arrive("c1")
    run.press("c1", "1")
    run.send(SeatAnswered(call_id="c1", seat_id="b1"))
    run.send(SeatLoggedIn(seat_id="g1"))
    run.send(TransferRequested(call_id="c1", queue="general", note="a move"))
    offer = run.of_type(OfferCall)[-1]
    assert offer.seat_id == "g1" and offer.context["flow"] == "main"
    assert offer.context["transfers"][0]["note"] == "a move"
    run.send(SeatAnswered(call_id="c1", seat_id="g1"))
    run.send(CallEnded(call_id="c1", by="caller"))
    assert [e.outcome for e in run.of_type(JourneyEnded)] == [Outcome.ANSWERED]


def test_at_a_peak_alarm_new_callers_are_diverted_into_the_overflow_flow(tmp_path: Path) -> None:
    alarm = AlarmConfig(
        level1=1.0, level2=5.0, on_level1=Exit(action=ExitAction.FLOW, target="overflow")
    )
    run = Run(tmp_path, alarm=alarm)
    run.send(SeatLoggedIn(seat_id="b1"))
    for i in range(3):
        run.arrive(f"c{i}")
        run.press(f"c{i}", "1")
    # c0 rings at b1; c1 waits (1 waiting / 1 open = level 1); c2 is diverted to the overflow flow
    assert run.engine.journey("c2").phase is Phase.MENU  # type: ignore[union-attr]
    assert run.of_type(CollectDigits)[-1].prompts == ("custom/peak-offer",)
    run.press("c2", "2")
    assert run.ended("c2").outcome is Outcome.SELF_SERVICE


def test_a_caller_is_offered_a_peak_diversion_once_and_keep_waiting_means_waiting(
    tmp_path: Path,
) -> None:
    # The whole centre in alarm: every queue, the general one too, diverts new callers.
    alarm = AlarmConfig(
        level1=1.0, level2=5.0, on_level1=Exit(action=ExitAction.FLOW, target="overflow")
    )
    run = Run(tmp_path, centre_alarm=alarm)
    run.send(SeatLoggedIn(seat_id="b1"))
    run.arrive("c0")
    run.press("c0", "1")  # rings at b1: 1 caller on the line per open seat, level 1
    run.arrive("c1")
    run.press("c1", "1")
    assert run.of_type(CollectDigits)[-1].prompts == ("custom/peak-offer",)
    run.press("c1", "1")  # "keep waiting": to the general queue, itself in alarm
    assert run.engine.journey("c1").phase is Phase.WAITING  # type: ignore[union-attr]
    assert [q.queue for q in run.of_type(Queued) if q.call_id == "c1"] == ["general"]
    offers = [o for o in run.of_type(CollectDigits) if o.prompts == ("custom/peak-offer",)]
    assert len(offers) == 1


def test_a_maximum_wait_sends_the_call_on_to_the_general_queue_with_its_time_waited(
    tmp_path: Path,
) -> None:
    run = Run(tmp_path, max_wait_s=60)
    run.arrive("c1")
    run.press("c1", "1")
    run.advance(60)
    queued = run.of_type(Queued)
    assert [q.queue for q in queued] == ["billing", "general"]
    run.advance(10)
    run.send(SeatLoggedIn(seat_id="g1"))
    run.send(SeatAnswered(call_id="c1", seat_id="g1"))
    assert run.of_type(Answered)[-1].wait_s == pytest.approx(70)


def test_a_busy_exit_plays_its_message_then_hangs_up_with_busy(tmp_path: Path) -> None:
    exit_ = Exit(action=ExitAction.BUSY, prompt="custom/all-busy")
    run = Run(tmp_path, max_length=1, exit=exit_)
    run.arrive("c1")
    run.press("c1", "1")
    run.arrive("c2")
    run.press("c2", "1")
    assert run.of_type(Hangup) == []
    run.send(PlaybackFinished(call_id="c2"))
    [hangup] = run.of_type(Hangup)
    assert hangup.call_id == "c2" and hangup.cause == "busy"
    assert run.ended("c2").outcome is Outcome.DIVERTED


def test_a_voicemail_exit_records_before_it_hangs_up(tmp_path: Path) -> None:
    run = Run(tmp_path, max_wait_s=30, exit=Exit(action=ExitAction.VOICEMAIL, target="back-office"))
    run.arrive("c1")
    run.press("c1", "1")
    run.advance(30)
    assert run.of_type(RecordVoicemail)[0].box == "back-office" and run.of_type(Hangup) == []
    run.send(PlaybackFinished(call_id="c1"))
    assert run.of_type(Hangup)[0].call_id == "c1"
    assert run.ended("c1").outcome is Outcome.VOICEMAIL


def test_a_callback_exit_still_creates_the_callback_if_the_caller_hangs_up_during_the_message(
    tmp_path: Path,
) -> None:
    exit_ = Exit(action=ExitAction.CALLBACK, prompt="custom/we-will-call-back")
    run = Run(tmp_path, max_wait_s=30, exit=exit_)
    run.arrive("c1", caller="02011112222")
    run.press("c1", "1")
    run.advance(30)
    run.send(CallEnded(call_id="c1"))
    assert run.of_type(CreateCallback)[0].number == "02011112222"
    assert run.ended("c1").outcome is Outcome.CALLBACK


def test_a_callback_that_keeps_the_callers_place_is_answered_as_if_the_caller_had_waited(
    tmp_path: Path,
) -> None:
    run = Run(tmp_path)
    run.arrive("c1")
    run.press("c1", "1")
    run.advance(20)
    run.send(CallbackRequested(call_id="c1", number="02011112222"))
    run.send(CallEnded(call_id="c1"))  # the caller's line ends: the place is kept
    assert run.of_type(JourneyEnded) == []
    run.advance(40)
    run.send(SeatLoggedIn(seat_id="b2"))
    run.advance(5)
    run.send(CallbackConnected(call_id="c1"))
    assert run.of_type(Answered)[-1].wait_s == pytest.approx(65)
    run.send(CallEnded(call_id="c1", by="seat"))
    assert run.ended("c1").outcome is Outcome.ANSWERED


def test_the_context_a_supervisor_sees_follows_the_call_from_menu_to_queue(tmp_path: Path) -> None:
    run = Run(tmp_path)
    run.arrive("c1", caller="02033334444")
    in_menu = run.engine.call_context("c1")
    assert in_menu is not None and in_menu["flow"] == "main" and in_menu["caller"] == "02033334444"
    run.press("c1", "1")
    queued = run.engine.call_context("c1")
    assert queued is not None and queued["flow"] == "main"
    run.send(CallEnded(call_id="c1"))
    assert run.engine.call_context("c1") is None


def test_a_call_moved_on_by_a_queue_exit_keeps_the_priority_its_flow_gave_it(
    tmp_path: Path,
) -> None:
    run = Run(tmp_path, max_wait_s=60)
    run.arrive("c1")
    run.press("c1", "2")
    run.advance(60)
    assert [(q.queue, q.priority) for q in run.of_type(Queued)] == [
        ("billing", 20),
        ("general", 20),
    ]


def test_calls_the_pbx_cut_off_end_as_pbx_restart_not_as_the_callers_hang_up(
    tmp_path: Path,
) -> None:
    run = Run(tmp_path)
    run.send(SeatLoggedIn(seat_id="b1"))
    run.arrive("in_menu")
    run.arrive("talking")
    run.press("talking", "1")
    run.send(SeatAnswered(call_id="talking", seat_id="b1"))
    run.arrive("waiting")
    run.press("waiting", "1")
    for call_id in ("in_menu", "talking", "waiting"):
        run.send(CallEnded(call_id=call_id, by="pbx"))
    outcomes = {c: run.ended(c).outcome for c in ("in_menu", "talking", "waiting")}
    assert outcomes == {
        "in_menu": Outcome.PBX_RESTART,
        "talking": Outcome.ANSWERED,  # the caller was served before the cut
        "waiting": Outcome.PBX_RESTART,
    }
