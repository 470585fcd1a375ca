"""A scripted caller for the flow interpreter: answers each command like a driver would."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ivr.clock import ManualClock
from ivr.config.flow_files import load_catalog
from ivr.config.skills import load_centre
from ivr.flows.catalog import FlowCatalog
from ivr.flows.interpreter import FlowInterpreter, FlowRun
from ivr.model.commands import (
    CollectDigits,
    LookupCustomer,
    PlayPrompts,
    RecordVoicemail,
    SayValue,
    VerifyPassword,
)
from ivr.model.directives import FlowDone, ToQueue
from ivr.model.events import (
    CustomerFound,
    DigitsCollected,
    PasswordChecked,
    PlaybackFinished,
)
from ivr.model.facts import MenuInput, NodeEntered
from ivr.model.skills import CentreConfig, Tier
from ivr.secret import Secret

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def shanghai(year: int, month: int, day: int, hour: int, minute: int) -> float:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).timestamp()


OPEN = shanghai(2026, 11, 24, 10, 0)  # a Tuesday morning
CLOSED = shanghai(2026, 11, 24, 23, 0)


class FakeQueues:
    """A QueueView with set answers."""

    def __init__(self, alarm: int = 0, wait: float = 30.0, seats: int = 5, waiting: int = 1):
        self.alarm, self.wait, self.seats, self.wait_count = alarm, wait, seats, waiting

    def alarm_level(self, queue: str) -> int:
        return self.alarm

    def estimated_wait(self, queue: str, tier: Tier = Tier.NORMAL) -> float:
        return self.wait

    def seats_open(self, queue: str) -> int:
        return self.seats

    def waiting(self, queue: str) -> int:
        return self.wait_count


@dataclass
class Walk:
    run: FlowRun
    outputs: list[Any] = field(default_factory=list)
    hangup_facts: list[Any] = field(default_factory=list)
    hung_up: bool = False
    answered: int = 0  # events the caller's side sent

    @property
    def directive(self) -> ToQueue | FlowDone | None:
        found = [o for o in self.outputs if isinstance(o, ToQueue | FlowDone)]
        assert len(found) <= 1, found
        return found[0] if found else None

    @property
    def nodes(self) -> list[str]:
        return [o.node for o in self.outputs if isinstance(o, NodeEntered)]

    @property
    def inputs(self) -> list[tuple[str, str]]:
        return [(o.node, o.choice) for o in self.outputs if isinstance(o, MenuInput)]

    def commands(self, kind: type) -> list[Any]:
        return [o for o in self.outputs if isinstance(o, kind)]


class Caller:
    """Starts a call and answers commands: keys in order, lookups, password checks."""

    def __init__(self, interp: FlowInterpreter, clock: ManualClock) -> None:
        self.interp = interp
        self.clock = clock

    def __call__(
        self,
        keys: Iterable[str | Secret | None] = (),
        *,
        dnis: str = "10000",
        caller: str = "13800138000",
        customer: dict[str, Any] | None = None,
        account: dict[str, Any] | None = None,
        passwords: Iterable[tuple[str, int]] = (),
        barge: str | None = None,
        hang_up_after: int | None = None,
        language: str | None = None,
        flow: str | None = None,
    ) -> Walk:
        if self.clock.now() == 0.0:
            self.clock.set(OPEN)  # unless the test set another time
        keys = list(keys)
        passwords = list(passwords)
        run, out = self.interp.start(
            call_id="c1", caller=caller, dnis=dnis, language=language, flow=flow
        )
        walk = Walk(run, list(out))
        pending = list(out)
        answered = 0
        while pending and not run.done:
            cmd = pending.pop(0)
            event: Any = None
            if isinstance(cmd, PlayPrompts):
                digit = barge if cmd.interruptible else None
                event = PlaybackFinished(call_id="c1", digit=digit)
            elif isinstance(cmd, SayValue | RecordVoicemail):
                event = PlaybackFinished(call_id="c1")
            elif isinstance(cmd, CollectDigits):
                if not keys:
                    if hang_up_after is not None:  # the script ends: the caller gives up here
                        walk.hangup_facts = self.interp.hangup(run)
                        walk.hung_up = True
                    break  # else the caller is left waiting here
                key = keys.pop(0)
                event = DigitsCollected(call_id="c1", digits="" if key is None else key)
            elif isinstance(cmd, LookupCustomer):
                event = CustomerFound(
                    call_id="c1", customer=customer if cmd.by == "caller" else account
                )
            elif isinstance(cmd, VerifyPassword):
                outcome, failures = passwords.pop(0) if passwords else ("ok", 0)
                event = PasswordChecked(call_id="c1", outcome=outcome, failures=failures)  # type: ignore[arg-type]
            if event is None:
                continue
            if hang_up_after is not None and answered >= hang_up_after:
                walk.hangup_facts = self.interp.hangup(run)
                walk.hung_up = True
                break
            answered += 1
            walk.answered = answered
            new = self.interp.handle(run, event)
            walk.outputs.extend(new)
            pending = new
        return walk


@pytest.fixture(scope="session")
def centre() -> CentreConfig:
    return load_centre(ROOT / "skills")


@pytest.fixture(scope="session")
def catalog(centre: CentreConfig) -> FlowCatalog:
    return load_catalog(ROOT / "flows", centre)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(0.0)  # the caller sets OPEN unless the test sets another time


@pytest.fixture
def queues() -> FakeQueues:
    return FakeQueues()


@pytest.fixture
def call(catalog: FlowCatalog, clock: ManualClock, queues: FakeQueues) -> Caller:
    return Caller(FlowInterpreter(catalog, clock=clock, queues=queues), clock)
