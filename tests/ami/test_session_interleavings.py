"""Property: the client session and the fake Asterisk, joined by bytes alone, agree on everything.

No socket and no sleeping: the fake PBX runs on manual timers and a manual
clock, its bytes reach an :class:`AmiSession` cut at random places, and the
client's actions reach the fake cut at random places too. Whatever the calls,
actions, injected garbage and clock jumps, read against an independent parse
of the very bytes on the wire:

- every action settles exactly once, as the fake answered it (completed,
  refused with its message, or, unanswered, failed at its deadline);
- an event list holds exactly the events the fake sent for it;
- every other event reaches the client, once, in the order it was sent;
- every malformed block is counted, and the session goes on;
- the fake received every action, framed whole, in the order sent.

A failure replays from Hypothesis's seed: nothing here depends on timing.
"""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.ami.codec import NEED_DATA, AmiCodec, Malformed, Message
from ivr.ami.fake import FakePbx, ManualTimers, MemoryTransport
from ivr.ami.session import ActionCompleted, ActionFailed, AmiSession, Output
from ivr.clock import ManualClock
from ivr.errors import AmiActionError, AmiConnectionError

SECRET = "in-memory-secret"
TIMEOUT_S = 10.0
GARBAGE = b"Event: Broken\r\nthis line has no colon\r\n\r\n"

OPS = (
    "call",
    "call",
    "press",
    "hang_up",
    "device",
    "ping",
    "redirect",
    "agi",
    "list",
    "unknown",
    "fail_next",
    "ignore_next",
    "inject",
    "tick",
)
operations = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 99), st.integers(0, 2**16)),
    min_size=1,
    max_size=40,
)


class Joined:
    """A fake PBX and a client session, with everything that crossed the wire kept."""

    def __init__(self, seed: int) -> None:
        self.clock = ManualClock(1_000_000.0)
        self.timers = ManualTimers(self.clock)
        self.pbx = FakePbx(secret=SECRET, clock=self.clock, timers=self.timers)
        self.transport = MemoryTransport()
        self.link = self.pbx.connect(self.transport)
        self.session: AmiSession[str] = AmiSession(action_timeout_s=TIMEOUT_S)
        self.rng = random.Random(seed)
        self.wire = bytearray()  # every byte the fake sent
        self.sent: list[tuple[str, str]] = []  # (ActionID, Action) in the order sent
        self.outputs: list[Output[str]] = []

    def send(self, action: str, headers: dict[str, object] | None = None) -> None:
        action_id, data = self.session.send(
            action, headers or {}, waiter=action, now=self.clock.now()
        )
        self.sent.append((action_id, action))
        for chunk in self._cut(data):
            self.pbx.receive(self.link, chunk)

    def deliver(self) -> None:
        """Run what the fake does at once, then hand its bytes to the client, cut anywhere."""
        self.timers.run_ready()
        data = self.transport.take()
        self.wire += data
        for chunk in self._cut(data):
            self.session.receive_data(chunk)
            while (out := self.session.next_event()) is not NEED_DATA:
                self.outputs.append(out)  # type: ignore[arg-type]

    def tick(self, seconds: float) -> None:
        self.timers.advance(seconds)
        self.deliver()
        self.outputs.extend(self.session.expire(self.clock.now()))

    def _cut(self, data: bytes) -> list[bytes]:
        cuts = sorted(self.rng.randrange(len(data) + 1) for _ in range(self.rng.randrange(4)))
        bounds = [0, *cuts, len(data)]
        return [data[a:b] for a, b in itertools.pairwise(bounds)]


def play(joined: Joined, op: str, n: int) -> None:
    pbx = joined.pbx
    up = sorted(pbx.channels.values(), key=lambda c: c.name)
    chan = up[n % len(up)] if up else None
    name = chan.name if chan is not None and n % 7 else "PJSIP/nobody-00000000"
    if op == "call":
        pbx.place_call(caller=f"555{n:04d}", keys=str(n % 10) * (n % 3))
    elif op == "press" and chan is not None:
        pbx.press(chan, str(n % 10))
    elif op == "hang_up" and chan is not None:
        pbx.caller_hangs_up(chan)
    elif op == "device":
        pbx.device_state(f"PJSIP/10{n % 10:02d}", "INUSE" if n % 2 else "NOT_INUSE")
    elif op == "ping":
        joined.send("Ping")
    elif op == "redirect":
        context = (pbx.entry_context, pbx.seat_context, "elsewhere")[n % 3]
        joined.send("Redirect", {"Channel": name, "Context": context, "Exten": "s", "Priority": 1})
    elif op == "agi":
        command = ("GET DATA beep 3000 1", 'STREAM FILE hello "12"', "EXEC PLAYBACK x")[n % 3]
        joined.send("AGI", {"Channel": name, "Command": command, "CommandID": f"cmd-{n}"})
    elif op == "list":
        joined.send("CoreShowChannels" if n % 2 else "Status")
    elif op == "unknown":
        joined.send("Frobnicate")
    elif op == "fail_next":
        pbx.fail_next("Ping", "no pings today")
    elif op == "ignore_next":
        pbx.ignore_next("Ping")
    elif op == "inject":
        pbx.inject(GARBAGE)
    elif op == "tick":
        joined.tick(n / 10)
        return
    joined.deliver()


def what_the_wire_says(wire: bytes) -> tuple[dict[str, list[Message]], list[Message], int]:
    """Parsed on its own: each ActionID's messages, the events of nobody's list, the garbage."""
    codec = AmiCodec()
    codec.receive_data(wire)
    by_action: dict[str, list[Message]] = {}
    listing: set[str] = set()
    loose: list[Message] = []
    malformed = 0
    for item in codec.events():
        if isinstance(item, Malformed):
            malformed += 1
            continue
        if not isinstance(item, Message):
            continue
        aid = item.action_id
        if item.response is not None and aid is not None:
            by_action.setdefault(aid, []).append(item)
            if (item.get("EventList") or "").lower() == "start" and item.response != "Error":
                listing.add(aid)
        elif aid in listing:
            by_action[aid].append(item)
            if (item.get("EventList") or "").lower() == "complete":
                listing.discard(aid)
        else:
            loose.append(item)
    return by_action, loose, malformed


@given(ops=operations, seed=st.integers(0, 2**32))
@settings(max_examples=150, deadline=None)
def test_session_and_fake_joined_by_bytes_agree_however_things_interleave(
    ops: list[tuple[str, int, int]], seed: int
) -> None:
    joined = Joined(seed)
    joined.send("Login", {"Username": "ivr", "Secret": SECRET, "Events": "on"})
    joined.deliver()
    for op, n, _ in ops:
        play(joined, op, n)
    joined.tick(TIMEOUT_S + 1)  # whatever was never answered meets its deadline

    by_action, loose, malformed = what_the_wire_says(bytes(joined.wire))
    settled = {
        o.action_id: o for o in joined.outputs if isinstance(o, ActionCompleted | ActionFailed)
    }
    assert len(settled) == len(
        [o for o in joined.outputs if isinstance(o, ActionCompleted | ActionFailed)]
    ), "an action settled twice"
    assert sorted(settled) == sorted(aid for aid, _ in joined.sent)
    for action_id, action in joined.sent:
        outcome, answers = settled[action_id], by_action.get(action_id, [])
        if not answers:
            assert isinstance(outcome, ActionFailed), action
            assert isinstance(outcome.error, AmiConnectionError), action
        elif answers[0].response == "Error":
            assert isinstance(outcome, ActionFailed), action
            assert isinstance(outcome.error, AmiActionError)
            assert outcome.error.details["reason"] == answers[0]["Message"]
        else:
            assert isinstance(outcome, ActionCompleted), action
            assert outcome.result.response == answers[0]
            assert outcome.result.events == answers[1:-1]  # without its Complete
            if answers[0].get("EventList"):
                assert len(outcome.result.events) == int(answers[-1]["ListItems"])

    events = [o for o in joined.outputs if isinstance(o, Message)]
    assert events == loose
    assert joined.session.counters.malformed == malformed
    assert malformed == sum(1 for op, _, _ in ops if op == "inject")
    assert joined.session.ended is None and joined.session.in_flight == 0
    received = [(a["ActionID"], a["Action"]) for a in joined.pbx.actions]
    assert received == joined.sent
