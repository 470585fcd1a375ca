"""The fake Asterisk's telephony: its channels, the dialplan it imitates, the events it emits.

No socket and no event loop here: clients are :class:`~.link.ManagerLink`\\ s
(bytes in through :meth:`FakePbx.receive`, events out through their
transports), and what happens later goes through :mod:`.timers`. The TCP
server (:mod:`.server`) and a socket-free test run the same code.

The dialplan it imitates is ``docs/asterisk/extensions.conf``: the caller is
in ``AGI(agi:async)`` in the entry context; to reach a seat the engine sets
``IVR_OFFER`` (endpoint|ring seconds|seat|music class) and ``__IVR_POP`` and
redirects the caller into the seat context, which dials; if the seat does not
answer the caller comes back into AsyncAGI there; after a talk the caller is
hung up; a blind transfer by the seat lands the caller in the transfer
context, back in AsyncAGI.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Sequence

from ivr.ami.codec import Message
from ivr.ami.fake import actions
from ivr.ami.fake.agi import AsyncAgi
from ivr.ami.fake.channels import (
    CAUSE_TEXT,
    DIAL_STATUS,
    FakeChannel,
    SeatScript,
    channel_headers,
)
from ivr.ami.fake.link import BANNER, ManagerLink, Transport
from ivr.ami.fake.timers import FakeTimers, LoopTimers
from ivr.clock import Clock, WallClock

Header = tuple[str, str]
Headers = list[Header]


class FakePbx:
    """Channels, dialplan and manager actions of a fake Asterisk 22, for any transport."""

    def __init__(
        self,
        *,
        username: str = "ivr",
        secret: str = "ivrpass",
        entry_context: str = "ivr-entry",
        seat_context: str = "ivr-seat",
        transfer_context: str = "ivr-transfer",
        time_scale: float = 1.0,
        clock: Clock | None = None,
        up_s: float = 3600.0,
        timers: FakeTimers | None = None,
    ) -> None:
        self.username = username
        self.secret = secret
        self.entry_context = entry_context
        self.seat_context = seat_context
        self.transfer_context = transfer_context
        self.time_scale = time_scale
        self.clock = clock or WallClock()
        self.timers = timers or LoopTimers()
        self.booted_at = self.clock.now() - up_s
        self.links: list[ManagerLink] = []
        self.ids = itertools.count(1)
        self.agi = AsyncAgi(self)
        self.fail_next_with: dict[str, str] = {}  # action -> the error message to answer it with
        self.ignore_next_of: set[str] = set()  # actions to receive and never answer, once
        self.channels: dict[str, FakeChannel] = {}  # by channel name
        self.seats: dict[str, SeatScript] = {}
        self.default_seat = SeatScript()  # for an endpoint not in ``seats``
        self.customers: dict[str, str] = {}  # number called back -> answer | noanswer | busy
        self.keep_actions = True  # the benchmark turns the action log off
        self.endless_prompts = False  # True: a prompt plays until a key, a redirect or a hang-up
        # Hooks for the benchmark: every event emitted (name, headers), every action received.
        self.on_event: Callable[[str, Headers], None] | None = None
        self.on_action: Callable[[Message], None] | None = None
        self.actions: list[Message] = []  # every action received, in order (Login's secret masked)
        self.agi_commands: list[tuple[str, str]] = []  # (channel, command)
        self.logins = 0
        self.failed_logins = 0

    # --- clients --------------------------------------------------------------------

    def connect(self, transport: Transport) -> ManagerLink:
        """A client connects: it gets the banner, then its actions are answered."""
        link = ManagerLink(transport, self.timers)
        self.links.append(link)
        link.write_raw(BANNER)
        return link

    def receive(self, link: ManagerLink, data: bytes) -> None:
        for msg in link.receive_data(data):
            actions.answer(self, link, msg)

    def disconnect(self, link: ManagerLink) -> None:
        if link in self.links:
            self.links.remove(link)

    @property
    def clients(self) -> int:
        """Sessions logged in now."""
        return sum(1 for link in self.links if link.logged_in)

    def inject(self, raw: bytes) -> None:
        """Send raw bytes to every logged-in client (a malformed message, say)."""
        for link in self.links:
            if link.logged_in:
                link.write_raw(raw)

    def fail_next(self, action: str, message: str) -> None:
        """The next ``action`` is answered ``Response: Error`` with ``message``."""
        self.fail_next_with[action.lower()] = message

    def ignore_next(self, action: str) -> None:
        """The next ``action`` is received but never answered (it is in flight when the link drops)."""
        self.ignore_next_of.add(action.lower())

    # --- events and time --------------------------------------------------------------

    def emit(self, event: str, headers: Headers, privilege: str = "call,all") -> None:
        msg = [
            ("Event", event),
            ("Privilege", privilege),
            ("Timestamp", f"{self.clock.now():.6f}"),
            *headers,
        ]
        for link in self.links:
            if link.logged_in and link.events:
                link.send(msg)
        if self.on_event is not None:
            self.on_event(event, headers)

    def later(self, delay_s: float, callback: Callable[[], None]) -> None:
        """Run ``callback`` after ``delay_s`` of the fake's time (scaled by ``time_scale``)."""
        self.timers.later(delay_s * self.time_scale, callback)

    @property
    def uptime_s(self) -> int:
        return int(self.clock.now() - self.booted_at)

    def by_uniqueid(self, uniqueid: str) -> FakeChannel | None:
        return next((c for c in self.channels.values() if c.uniqueid == uniqueid), None)

    # --- a caller ---------------------------------------------------------------------

    def place_call(
        self,
        *,
        caller: str = "5550001",
        dnis: str = "10000",
        keys: str = "",
        uniqueid: str | None = None,
    ) -> FakeChannel:
        """A call rings into the entry context and starts AsyncAGI; its caller will press ``keys``."""
        n = next(self.ids)
        uid = uniqueid or f"{int(self.booted_at)}.{n}"
        chan = FakeChannel(
            name=f"PJSIP/trunk-{n:08x}",
            uniqueid=uid,
            linkedid=uid,
            caller=caller,
            context=self.entry_context,
            exten=dnis,
            keys=deque(keys),
        )
        self.channels[chan.name] = chan
        self.emit("Newchannel", channel_headers(chan))
        self.agi.start(chan)
        return chan

    def press(self, chan: FakeChannel, keys: str) -> None:
        """The caller presses keys: a command waiting for one takes them; on hold (idle in
        AsyncAGI) they are only seen as DTMF events, as on a real channel."""
        if chan.running is None and chan.in_agi and not chan.agi_queue:
            for key in keys:
                self.emit(
                    "DTMFEnd",
                    [
                        *channel_headers(chan),
                        ("Digit", key),
                        ("DurationMs", "120"),
                        ("Direction", "Received"),
                    ],
                    "dtmf,all",
                )
            return
        chan.keys.extend(keys)
        if chan.running is not None:
            command, cid = chan.running
            chan.running = None
            self.agi.execute(chan, command, cid)

    def caller_hangs_up(self, chan: FakeChannel) -> None:
        self.hangup(chan, 16)

    # --- the dialplan -------------------------------------------------------------------

    def redirect(self, chan: FakeChannel, context: str, exten: str) -> None:
        """A ``Redirect``: out of AsyncAGI (and out of a bridge or a ringing Dial) into ``context``."""
        self.agi.end(chan)
        if chan.bridge:
            self.unbridge(chan, seat_cause=16)
        elif (ringing := self.channels.get(chan.peer or "")) is not None:
            # Redirected while its Dial rings: the Dial ends, the seat's leg goes.
            self.emit("DialEnd", self._dial_headers(chan, ringing, "CANCEL"))
            self.remove(ringing, 16)
            chan.peer = None
        chan.context, chan.exten = context, exten
        if context == self.seat_context:
            self._dial(chan)
        elif context in (self.entry_context, self.transfer_context):
            self.agi.start(chan)
        else:
            chan.app, chan.app_data = "Dial", f"PJSIP/{exten}@trunk"

    def _dial(self, caller: FakeChannel) -> None:
        """The seat context: ``Dial(${IVR_OFFER} endpoint)``, the seat's script decides."""
        endpoint = caller.variables.get("IVR_OFFER", "").split("|")[0]
        script = self.seats.get(endpoint, self.default_seat)
        n = next(self.ids)
        seat = FakeChannel(
            name=f"{endpoint}-{n:08x}",
            uniqueid=f"{int(self.booted_at)}.{n}",
            linkedid=caller.linkedid,
            caller=caller.caller,
            context="from-internal",
            exten="",
            role="seat",
            app="AppDial",
            app_data="(Outgoing Line)",
            peer=caller.name,
            endpoint=endpoint,
        )
        # Variables set with a leading "__" are inherited by the dialled channel.
        seat.variables = {
            k.lstrip("_"): v for k, v in caller.variables.items() if k.startswith("__")
        }
        caller.app, caller.app_data, caller.peer = "Dial", endpoint, seat.name
        self.channels[seat.name] = seat
        self.emit("Newchannel", channel_headers(seat))
        self.emit(
            "DialBegin",
            [*channel_headers(caller), *channel_headers(seat, "Dest"), ("DialString", endpoint)],
        )
        if script.ring_s > 0:
            self.later(script.ring_s, lambda: self._dial_outcome(caller, seat, script))
        else:
            self._dial_outcome(caller, seat, script)

    def _dial_outcome(self, caller: FakeChannel, seat: FakeChannel, script: SeatScript) -> None:
        if (
            caller.name not in self.channels
            or seat.name not in self.channels
            or caller.peer != seat.name
        ):
            return  # the caller hung up or was redirected while it rang
        behaviour = script.behaviour
        if behaviour == "answer":
            self.emit("DialEnd", self._dial_headers(caller, seat, "ANSWER"))
            self.bridge(f"bridge-{seat.uniqueid}", (seat, caller), [("BridgeType", "basic")])
            if script.talk_s is not None:
                self.later(script.talk_s, lambda: self.hangup(seat, 16))
            return
        self.emit("DialEnd", self._dial_headers(caller, seat, DIAL_STATUS[behaviour]))
        self.remove(seat, 17 if behaviour == "busy" else 16)
        caller.peer = None
        self.agi.start(caller)  # the seat context's fall-through: back to the engine

    def _dial_headers(self, chan: FakeChannel, dest: FakeChannel, status: str) -> Headers:
        return [*channel_headers(chan), *channel_headers(dest, "Dest"), ("DialStatus", status)]

    def bridge(
        self, bridge: str, legs: tuple[FakeChannel, FakeChannel], extra: Sequence[Header] = ()
    ) -> None:
        """Both legs enter ``bridge``, the first one first."""
        for i, leg in enumerate(legs, start=1):
            leg.bridge = bridge
            self.emit(
                "BridgeEnter",
                [
                    ("BridgeUniqueid", bridge),
                    *extra,
                    ("BridgeNumChannels", str(i)),
                    *channel_headers(leg),
                ],
            )

    def unbridge(self, chan: FakeChannel, *, seat_cause: int) -> None:
        peer = self.channels.get(chan.peer or "")
        for leg in (chan, peer):
            if leg is not None and leg.bridge:
                self.emit("BridgeLeave", [("BridgeUniqueid", leg.bridge), *channel_headers(leg)])
                leg.bridge = ""
        if peer is not None and peer.role == "seat":
            self.remove(peer, seat_cause)
            chan.peer = None

    def hangup(self, chan: FakeChannel, cause: int) -> None:
        if chan.name not in self.channels:
            return
        if chan.running is not None:
            _, cid = chan.running
            chan.running = None
            self.agi.result(chan, cid, "200 result=-1")
        self.agi.end(chan)
        peer = self.channels.get(chan.peer or "")
        if peer is None:
            self.remove(chan, cause)
            return
        if chan.bridge or peer.bridge:
            for leg in (chan, peer):
                if leg.bridge:
                    self.emit(
                        "BridgeLeave", [("BridgeUniqueid", leg.bridge), *channel_headers(leg)]
                    )
                    leg.bridge = ""
        elif chan.role == "caller":
            self.emit("DialEnd", self._dial_headers(chan, peer, "CANCEL"))
        self.remove(chan, cause)
        peer.peer = None
        if peer.role == "seat" or chan.role == "seat":
            self.remove(peer, 16)  # the dialplan hangs up the other side after Dial returns

    def remove(self, chan: FakeChannel, cause: int) -> None:
        if self.channels.pop(chan.name, None) is None:
            return
        text = CAUSE_TEXT.get(cause, "Unknown")
        self.emit("HangupRequest", [*channel_headers(chan), ("Cause", str(cause))])
        self.emit("Hangup", [*channel_headers(chan), ("Cause", str(cause)), ("Cause-txt", text)])

    # --- a seat -------------------------------------------------------------------------

    def seat_leg(self, caller: FakeChannel) -> FakeChannel | None:
        return self.channels.get(caller.peer or "")

    def seat_hangs_up(self, caller: FakeChannel) -> None:
        seat = self.seat_leg(caller)
        if seat is not None:
            self.hangup(seat, 16)

    def seat_transfers(self, caller: FakeChannel, extension: str) -> None:
        """The seat blind-transfers the caller to ``extension`` of the transfer context."""
        seat = self.seat_leg(caller)
        if seat is None:
            msg = f"{caller.name} is not talking to a seat"
            raise ValueError(msg)
        self.emit(
            "BlindTransfer",
            [
                ("Result", "Success"),
                *channel_headers(seat, "Transferer"),
                *channel_headers(caller, "Transferee"),
                ("BridgeUniqueid", caller.bridge),
                ("IsExternal", "Yes"),
                ("Context", self.transfer_context),
                ("Extension", extension),
            ],
        )
        self.unbridge(caller, seat_cause=16)
        caller.context, caller.exten = self.transfer_context, extension
        self.agi.start(caller)

    def device_state(self, device: str, state: str) -> None:
        self.emit("DeviceStateChange", [("Device", device), ("State", state)])
