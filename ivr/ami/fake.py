"""A fake Asterisk: an asyncio TCP server that speaks the AMI wire protocol.

Built from the lab captures in ``tests/fixtures/ami`` (Asterisk 22.10.1): the
banner with no blank line after it, ``Login`` answered ``Authentication
accepted`` then ``FullyBooted``/``SuccessfulAuth`` (or ``Authentication
failed`` and a closed socket), responses by ``ActionID``, event lists ended by
``...Complete``, AsyncAGI (``AsyncAGIStart`` with a URL-encoded ``Env``,
``Added AGI command to queue``, then ``AsyncAGIExec`` with a URL-encoded
``Result`` and the id echoed as ``CommandId``), ``STREAM FILE`` answering the
digit's ASCII code and ``GET DATA`` the digits, ``-1`` on a hang-up, Dial and
Bridge events for seats, ``BlindTransfer``, and a restart that is only an EOF.

A test scripts it: :meth:`FakeAsterisk.place_call` rings a call into the entry
context with the keys its caller will press; :attr:`FakeAsterisk.seats` says
what each endpoint does when dialled; :meth:`seat_hangs_up`,
:meth:`caller_hangs_up`, :meth:`seat_transfers`, :meth:`device_state`,
:meth:`drop_connections`, :meth:`restart`, :meth:`inject` and
:meth:`fail_next` do the rest. ``ivr fake-asterisk`` serves one for
``ivr serve`` to talk to.

The dialplan it imitates is ``docs/asterisk/extensions.conf``: the caller is
in ``AGI(agi:async)`` in the entry context; to reach a seat the engine sets ``IVR_OFFER``
(endpoint|ring seconds|seat|music class) and ``__IVR_POP`` and redirects the
caller into the seat context, which dials; if the seat does not answer the caller comes back
into AsyncAGI there; after a talk the caller is hung up; a blind transfer by
the seat lands the caller in the transfer context, back in AsyncAGI.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

from ivr.ami.codec import Message, encode_message
from ivr.clock import Clock, WallClock

SeatBehaviour = Literal["answer", "noanswer", "busy", "unavailable"]
DIAL_STATUS = {"noanswer": "NOANSWER", "busy": "BUSY", "unavailable": "CHANUNAVAIL"}


@dataclass
class SeatScript:
    """What an endpoint does when dialled."""

    behaviour: SeatBehaviour = "answer"
    ring_s: float = 0.0  # how long it rings before the behaviour happens
    talk_s: float | None = None  # after answering, hang up after this long (None: the test decides)


@dataclass
class FakeChannel:
    name: str
    uniqueid: str
    linkedid: str
    caller: str
    context: str
    exten: str
    role: Literal["caller", "seat"] = "caller"
    app: str = "AGI"
    app_data: str = "agi:async"
    bridge: str = ""
    in_agi: bool = False
    keys: deque[str] = field(default_factory=deque)
    variables: dict[str, str] = field(default_factory=dict)
    agi_queue: deque[tuple[str, str]] = field(default_factory=deque)
    running: tuple[str, str] | None = None  # a command waiting for keys: (command, id)
    peer: str | None = None  # the other leg (caller <-> seat)
    endpoint: str | None = None  # for a seat leg
    moh: bool = False


class _Session:
    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.logged_in = False
        self.events = True
        self._out: list[bytes] = []

    def send(self, headers: list[tuple[str, str]]) -> None:
        # What is sent in one turn of the loop goes out in one write, as Asterisk's do.
        self._out.append(encode_message(Message(headers)))
        if len(self._out) == 1:
            asyncio.get_running_loop().call_soon(self.flush)

    def write_raw(self, data: bytes) -> None:
        self.flush()
        if not self.writer.is_closing():
            self.writer.write(data)

    def flush(self) -> None:
        out, self._out = self._out, []
        if out and not self.writer.is_closing():
            self.writer.write(b"".join(out))


class FakeAsterisk:
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
    ) -> None:
        self.username = username
        self._secret = secret
        self.entry_context = entry_context
        self.seat_context = seat_context
        self.transfer_context = transfer_context
        self.time_scale = time_scale
        self._clock = clock or WallClock()
        self._booted_at = self._clock.now() - up_s
        self._server: asyncio.Server | None = None
        self._sessions: list[_Session] = []
        self._session_tasks: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._ids = itertools.count(1)
        self._fail_next: dict[str, str] = {}
        self._ignore_next: set[str] = set()
        self.host = "127.0.0.1"
        self.port = 0
        self.channels: dict[str, FakeChannel] = {}  # by channel name
        self.seats: dict[str, SeatScript] = {}
        self.default_seat = SeatScript()  # for an endpoint not in ``seats``
        self.customers: dict[str, str] = {}  # number called back -> answer | noanswer | busy
        self.keep_actions = True  # the benchmark turns the action log off
        self.endless_prompts = False  # True: a prompt plays until a key, a redirect or a hang-up
        # Hooks for the benchmark: every event emitted (name, headers), every action received.
        self.on_event: Callable[[str, list[tuple[str, str]]], None] | None = None
        self.on_action: Callable[[Message], None] | None = None
        self.actions: list[Message] = []  # every action received, in order (Login's secret masked)
        self.agi_commands: list[tuple[str, str]] = []  # (channel, command)
        self.logins = 0
        self.failed_logins = 0

    # --- server ---------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(self._serve, host, port)
        sock = self._server.sockets[0]
        self.host, self.port = sock.getsockname()[:2]

    async def stop(self) -> None:
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        await self._close_sessions()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._session_tasks):
            task.cancel()
        if self._session_tasks:
            await asyncio.gather(*self._session_tasks, return_exceptions=True)

    async def __aenter__(self) -> FakeAsterisk:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _close_sessions(self) -> None:
        sessions, self._sessions = self._sessions, []
        for s in sessions:
            s.flush()
            s.writer.close()
        for s in sessions:
            with contextlib.suppress(Exception):
                await s.writer.wait_closed()

    def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._session(reader, writer))
        self._session_tasks.add(task)
        task.add_done_callback(self._session_tasks.discard)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _Session(writer)
        self._sessions.append(session)
        session.write_raw(b"Asterisk Call Manager/11.0.0\r\n")
        pending = bytearray()
        try:
            while not writer.is_closing():
                data = await reader.read(65536)
                if not data:
                    break
                # Actions start with "Action:", which the client codec refuses: frame them here.
                pending += data
                while (end := pending.find(b"\r\n\r\n")) >= 0:
                    block = bytes(pending[:end])
                    del pending[: end + 4]
                    headers = []
                    for line in block.decode("utf-8", "replace").split("\r\n"):
                        name, sep, value = line.partition(":")
                        if sep:  # Asterisk ignores a line without a colon, silently
                            headers.append((name.strip(), value.strip()))
                    self._action(session, Message(headers))
        except (ConnectionError, OSError):
            pass
        finally:
            if session in self._sessions:
                self._sessions.remove(session)
            writer.close()

    # --- actions --------------------------------------------------------------------

    def _action(self, session: _Session, msg: Message) -> None:
        name = (msg.get("Action") or "").lower()
        aid = msg.get("ActionID") or ""
        masked = [(k, "******" if k.lower() == "secret" else v) for k, v in msg.headers]
        if self.keep_actions:
            self.actions.append(Message(masked))
        if self.on_action is not None:
            self.on_action(msg)

        def reply(response: str = "Success", **extra: str) -> None:
            session.send([("Response", response), ("ActionID", aid), *extra.items()])

        if not name:
            reply("Error", Message="Missing action in request")
            return
        if name == "login":
            if session.logged_in:
                reply(Message="Already authenticated")
            elif msg.get("Username") == self.username and msg.get("Secret") == self._secret:
                session.logged_in = True
                session.events = (msg.get("Events") or "on").lower() != "off"
                self.logins += 1
                reply(Message="Authentication accepted")
                if session.events:
                    uptime = int(self._clock.now() - self._booted_at)
                    session.send(
                        [
                            ("Event", "FullyBooted"),
                            ("Privilege", "system,all"),
                            ("Uptime", str(uptime)),
                            ("LastReload", str(uptime)),
                            ("Status", "Fully Booted"),
                        ]
                    )
            else:
                self.failed_logins += 1
                reply("Error", Message="Authentication failed")
                session.flush()
                session.writer.close()
            return
        if not session.logged_in:
            reply("Error", Message="Permission denied")
            return
        if name in self._ignore_next:
            self._ignore_next.discard(name)
            return
        if name in self._fail_next:
            reply("Error", Message=self._fail_next.pop(name))
            return
        if name == "logoff":
            reply("Goodbye", Message="Thanks for all the fish.")
            session.flush()
            session.writer.close()
        elif name == "ping":
            reply(Ping="Pong", Timestamp=f"{self._clock.now():.6f}")
        elif name == "agi":
            self._agi_action(msg, reply)
        elif name == "redirect":
            chan = self.channels.get(msg.get("Channel") or "")
            if chan is None:
                reply("Error", Message=f"Channel does not exist: {msg.get('Channel')}")
                return
            reply(Message="Redirect successful")
            self._redirect(chan, msg.get("Context") or "", msg.get("Exten") or "s")
        elif name == "setvar":
            chan = self.channels.get(msg.get("Channel") or "")
            if msg.get("Channel") and chan is None:
                reply("Error", Message=f"Channel does not exist: {msg.get('Channel')}")
                return
            if chan is not None:
                chan.variables[msg.get("Variable") or ""] = msg.get("Value") or ""
            reply(Message="Variable Set")
        elif name == "originate":
            self._originate(msg, reply)
        elif name == "hangup":
            chan = self.channels.get(msg.get("Channel") or "")
            if chan is None:
                reply("Error", Message="No such channel")
                return
            reply(Message="Channel Hungup")
            self._hangup(chan, int(msg.get("Cause") or 16))
        elif name in ("coreshowchannels", "status"):
            self._list_channels(session, aid, name)
        else:
            reply(
                "Error",
                Message=f"Invalid/unknown command: {msg.get('Action')}. "
                "Use Action: ListCommands to show available commands.",
            )

    def _list_channels(self, session: _Session, aid: str, name: str) -> None:
        plural = (
            "Channels will follow" if name == "coreshowchannels" else "Channel status will follow"
        )
        session.send(
            [
                ("Response", "Success"),
                ("ActionID", aid),
                ("EventList", "start"),
                ("Message", plural),
            ]
        )
        event = "CoreShowChannel" if name == "coreshowchannels" else "Status"
        for chan in self.channels.values():
            headers = [("Event", event), ("ActionID", aid), *self._chan_headers(chan)[1:]]
            headers += [("Application", chan.app), ("ApplicationData", chan.app_data)]
            headers += [("BridgeId", chan.bridge), ("Duration", "00:00:01")]
            session.send(headers)
        done = "CoreShowChannelsComplete" if name == "coreshowchannels" else "StatusComplete"
        session.send(
            [
                ("Event", done),
                ("ActionID", aid),
                ("EventList", "Complete"),
                ("ListItems", str(len(self.channels))),
            ]
        )

    # --- events ---------------------------------------------------------------------

    def _emit(
        self, event: str, headers: list[tuple[str, str]], privilege: str = "call,all"
    ) -> None:
        msg = [
            ("Event", event),
            ("Privilege", privilege),
            ("Timestamp", f"{self._clock.now():.6f}"),
            *headers,
        ]
        for s in self._sessions:
            if s.logged_in and s.events:
                s.send(msg)
        if self.on_event is not None:
            self.on_event(event, headers)

    def _chan_headers(self, chan: FakeChannel, prefix: str = "") -> list[tuple[str, str]]:
        return [
            (f"{prefix}Channel", chan.name),
            (f"{prefix}ChannelState", "6"),
            (f"{prefix}ChannelStateDesc", "Up"),
            (f"{prefix}CallerIDNum", chan.caller),
            (f"{prefix}CallerIDName", f"Caller {chan.caller}"),
            (f"{prefix}ConnectedLineNum", chan.caller),
            (f"{prefix}ConnectedLineName", f"Caller {chan.caller}"),
            (f"{prefix}Language", "en"),
            (f"{prefix}AccountCode", ""),
            (f"{prefix}Context", chan.context),
            (f"{prefix}Exten", chan.exten),
            (f"{prefix}Priority", "3"),
            (f"{prefix}Uniqueid", chan.uniqueid),
            (f"{prefix}Linkedid", chan.linkedid),
        ]

    def later(self, delay_s: float, callback: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def run() -> None:
            self._timers.discard(handle)
            callback()

        handle = loop.call_later(delay_s * self.time_scale, run)
        self._timers.add(handle)

    # --- calls ----------------------------------------------------------------------

    def place_call(
        self,
        *,
        caller: str = "5550001",
        dnis: str = "10000",
        keys: str = "",
        uniqueid: str | None = None,
    ) -> FakeChannel:
        """A call rings into the entry context and starts AsyncAGI; its caller will press ``keys``."""
        n = next(self._ids)
        uid = uniqueid or f"{int(self._booted_at)}.{n}"
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
        self._emit("Newchannel", self._chan_headers(chan))
        self._start_agi(chan)
        return chan

    def press(self, chan: FakeChannel, keys: str) -> None:
        """The caller presses keys: a command waiting for one takes them; on hold (idle in
        AsyncAGI) they are only seen as DTMF events, as on a real channel."""
        if chan.running is None and chan.in_agi and not chan.agi_queue:
            for key in keys:
                self._emit(
                    "DTMFEnd",
                    [
                        *self._chan_headers(chan),
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
            self._execute(chan, command, cid)

    def _start_agi(self, chan: FakeChannel) -> None:
        chan.in_agi = True
        chan.app, chan.app_data = "AGI", "agi:async"
        env = (
            f"agi_request: async\nagi_channel: {chan.name}\nagi_language: en\nagi_type: PJSIP\n"
            f"agi_uniqueid: {chan.uniqueid}\nagi_version: 22.10.1\nagi_callerid: {chan.caller}\n"
            f"agi_calleridname: Caller {chan.caller}\nagi_callingpres: 0\nagi_dnid: {chan.exten}\n"
            f"agi_rdnis: unknown\nagi_context: {chan.context}\nagi_extension: {chan.exten}\n"
            "agi_priority: 3\nagi_enhanced: 0.0\nagi_accountcode: \n\n"
        )
        self._emit(
            "AsyncAGIStart", [*self._chan_headers(chan), ("Env", quote(env, safe=""))], "agi,all"
        )

    def _end_agi(self, chan: FakeChannel) -> None:
        if chan.in_agi:
            chan.in_agi = False
            chan.agi_queue.clear()
            chan.running = None
            self._emit("AsyncAGIEnd", self._chan_headers(chan), "agi,all")

    def _agi_action(self, msg: Message, reply: Callable[..., None]) -> None:
        chan = self.channels.get(msg.get("Channel") or "")
        if chan is None:
            reply("Error", Message=f"Channel {msg.get('Channel')} does not exist.")
            return
        if not chan.in_agi:
            reply("Error", Message=f"Channel {chan.name} is not in Async AGI.")
            return
        command, cid = msg.get("Command") or "", msg.get("CommandID") or ""
        if self.keep_actions:
            self.agi_commands.append((chan.name, command))
        reply(Message="Added AGI command to queue")
        chan.agi_queue.append((command, cid))
        if chan.running is None and len(chan.agi_queue) == 1:
            asyncio.get_running_loop().call_soon(self._next_agi, chan)

    def _next_agi(self, chan: FakeChannel) -> None:
        if chan.running is None and chan.agi_queue and chan.in_agi and chan.name in self.channels:
            command, cid = chan.agi_queue.popleft()
            self._execute(chan, command, cid)

    def _agi_result(self, chan: FakeChannel, cid: str, result: str) -> None:
        encoded = quote(f"{result}\n", safe="()")
        self._emit(
            "AsyncAGIExec",
            [*self._chan_headers(chan), ("Result", encoded), ("CommandId", cid)],
            "agi,all",
        )
        asyncio.get_running_loop().call_soon(self._next_agi, chan)

    def _execute(self, chan: FakeChannel, command: str, cid: str) -> None:
        words = _split_agi(command)
        verb = " ".join(words[:2]).upper()
        if verb in ("STREAM FILE", "SAY DIGITS", "SAY NUMBER"):
            escape = words[3] if len(words) > 3 else ""
            if chan.keys and chan.keys[0] in escape:
                self._agi_result(chan, cid, f"200 result={ord(chan.keys.popleft())} endpos=1000")
            elif self.endless_prompts:
                chan.running = (command, cid)  # plays until a key, a redirect or a hang-up
            else:
                self._agi_result(chan, cid, "200 result=0 endpos=8000")
        elif verb == "GET DATA":
            timeout_ms = float(words[3]) if len(words) > 3 else 5000
            max_digits = int(words[4]) if len(words) > 4 else 1024
            if not chan.keys:
                chan.running = (command, cid)

                def time_out() -> None:
                    if chan.running == (command, cid):
                        chan.running = None
                        self._agi_result(chan, cid, "200 result= (timeout)")

                self.later(timeout_ms / 1000, time_out)
                return
            digits = ""
            while chan.keys and len(digits) < max_digits:
                key = chan.keys.popleft()
                if key == "#":
                    break
                digits += key
            self._agi_result(chan, cid, f"200 result={digits}")
        elif verb == "SET VARIABLE" and len(words) >= 4:
            chan.variables[words[2]] = words[3]
            self._agi_result(chan, cid, "200 result=1")
        elif verb == "SET MUSIC":
            chan.moh = len(words) > 2 and words[2].lower() == "on"
            self._agi_result(chan, cid, "200 result=0")
        elif verb == "RECORD FILE":
            self._agi_result(chan, cid, "200 result=0 (timeout) endpos=16000")
        elif verb == "EXEC SET" and len(words) > 2:
            name, _, value = words[2].partition("=")
            chan.variables[name] = value
            self._agi_result(chan, cid, "200 result=0")
        elif verb in ("EXEC PLAYBACK", "EXEC WAIT", "EXEC NOOP"):
            self._agi_result(chan, cid, "200 result=0")
        elif words[:1] == ["HANGUP"]:
            self._agi_result(chan, cid, "200 result=1")
            self._hangup(chan, 16)
        elif verb == "ASYNCAGI BREAK":
            self._agi_result(chan, cid, "200 result=0")
            self._end_agi(chan)
            self._hangup(chan, 16)
        else:
            self._agi_result(chan, cid, "510 Invalid or unknown command")

    def _originate(self, msg: Message, reply: Callable[..., None]) -> None:
        """A callback: ring the seat's endpoint; when it answers, it dials the customer."""
        endpoint = msg.get("Channel") or ""
        if not endpoint:
            reply("Error", Message="Channel not specified")
            return
        reply(Message="Originate successfully queued")
        n = next(self._ids)
        uid = msg.get("ChannelId") or f"{int(self._booted_at)}.{n}"
        script = self.seats.get(endpoint, self.default_seat)
        aid = msg.get("ActionID") or ""

        def outcome() -> None:
            if script.behaviour != "answer":
                self._emit(
                    "OriginateResponse",
                    [
                        ("ActionID", aid),
                        ("Response", "Failure"),
                        ("Channel", endpoint),
                        ("Context", msg.get("Context") or ""),
                        ("Exten", msg.get("Exten") or ""),
                        ("Reason", "3"),
                        ("Uniqueid", "<null>"),
                    ],
                )
                return
            seat = FakeChannel(
                name=f"{endpoint}-{n:08x}",
                uniqueid=uid,
                linkedid=uid,
                caller=endpoint,
                context=msg.get("Context") or "",
                exten=msg.get("Exten") or "",
                role="seat",
                app="Dial",
                app_data="",
                endpoint=endpoint,
            )
            self.channels[seat.name] = seat
            self._emit("Newchannel", self._chan_headers(seat))
            self._emit(
                "OriginateResponse",
                [
                    ("ActionID", aid),
                    ("Response", "Success"),
                    ("Channel", seat.name),
                    ("Context", seat.context),
                    ("Exten", seat.exten),
                    ("Reason", "4"),
                    ("Uniqueid", uid),
                ],
            )
            number = msg.get("Exten") or ""
            customer = FakeChannel(
                name=f"PJSIP/trunk-{next(self._ids):08x}",
                uniqueid=f"{int(self._booted_at)}.{n}c",
                linkedid=uid,
                caller=number,
                context="from-trunk",
                exten=number,
                app="AppDial",
                app_data="(Outgoing Line)",
                peer=seat.name,
            )
            seat.peer = customer.name
            self.channels[customer.name] = customer
            self._emit(
                "DialBegin", [*self._chan_headers(seat), *self._chan_headers(customer, "Dest")]
            )
            answers = self.customers.get(number, "answer")
            status = {"answer": "ANSWER", "noanswer": "NOANSWER", "busy": "BUSY"}.get(
                answers, "CHANUNAVAIL"
            )
            self._emit(
                "DialEnd",
                [
                    *self._chan_headers(seat),
                    *self._chan_headers(customer, "Dest"),
                    ("DialStatus", status),
                ],
            )
            if status != "ANSWER":
                self._remove(customer, 17 if status == "BUSY" else 16)
                seat.peer = None
                self._remove(seat, 16)
                return
            bridge = f"bridge-{uid}"
            for i, leg in enumerate((customer, seat), start=1):
                leg.bridge = bridge
                self._emit(
                    "BridgeEnter",
                    [
                        ("BridgeUniqueid", bridge),
                        ("BridgeNumChannels", str(i)),
                        *self._chan_headers(leg),
                    ],
                )

        if script.ring_s > 0:
            self.later(script.ring_s, outcome)
        else:
            asyncio.get_running_loop().call_soon(outcome)

    def _redirect(self, chan: FakeChannel, context: str, exten: str) -> None:
        self._end_agi(chan)
        if chan.bridge:
            self._unbridge(chan, seat_cause=16)
        elif (ringing := self.channels.get(chan.peer or "")) is not None:
            # Redirected while its Dial rings: the Dial ends, the seat's leg goes.
            self._emit(
                "DialEnd",
                [
                    *self._chan_headers(chan),
                    *self._chan_headers(ringing, "Dest"),
                    ("DialStatus", "CANCEL"),
                ],
            )
            self._remove(ringing, 16)
            chan.peer = None
        chan.context, chan.exten = context, exten
        if context == self.seat_context:
            self._dial(chan)
        elif context in (self.entry_context, self.transfer_context):
            self._start_agi(chan)
        else:
            chan.app, chan.app_data = "Dial", f"PJSIP/{exten}@trunk"

    def _dial(self, caller: FakeChannel) -> None:
        endpoint = caller.variables.get("IVR_OFFER", "").split("|")[0]
        script = self.seats.get(endpoint, self.default_seat)
        n = next(self._ids)
        seat = FakeChannel(
            name=f"{endpoint}-{n:08x}",
            uniqueid=f"{int(self._booted_at)}.{n}",
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
        self._emit("Newchannel", self._chan_headers(seat))
        self._emit(
            "DialBegin",
            [
                *self._chan_headers(caller),
                *self._chan_headers(seat, "Dest"),
                ("DialString", endpoint),
            ],
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
            self._emit(
                "DialEnd",
                [
                    *self._chan_headers(caller),
                    *self._chan_headers(seat, "Dest"),
                    ("DialStatus", "ANSWER"),
                ],
            )
            bridge = f"bridge-{seat.uniqueid}"
            for i, leg in enumerate((seat, caller), start=1):
                leg.bridge = bridge
                self._emit(
                    "BridgeEnter",
                    [
                        ("BridgeUniqueid", bridge),
                        ("BridgeType", "basic"),
                        ("BridgeNumChannels", str(i)),
                        *self._chan_headers(leg),
                    ],
                )
            if script.talk_s is not None:
                self.later(script.talk_s, lambda: self._hangup(seat, 16))
            return
        self._emit(
            "DialEnd",
            [
                *self._chan_headers(caller),
                *self._chan_headers(seat, "Dest"),
                ("DialStatus", DIAL_STATUS[behaviour]),
            ],
        )
        self._remove(seat, 17 if behaviour == "busy" else 16)
        caller.peer = None
        self._start_agi(caller)  # the seat context's fall-through: back to the engine

    def _unbridge(self, chan: FakeChannel, *, seat_cause: int) -> None:
        peer = self.channels.get(chan.peer or "")
        for leg in (chan, peer):
            if leg is not None and leg.bridge:
                self._emit(
                    "BridgeLeave", [("BridgeUniqueid", leg.bridge), *self._chan_headers(leg)]
                )
                leg.bridge = ""
        if peer is not None and peer.role == "seat":
            self._remove(peer, seat_cause)
            chan.peer = None

    def _hangup(self, chan: FakeChannel, cause: int) -> None:
        if chan.name not in self.channels:
            return
        if chan.running is not None:
            _, cid = chan.running
            chan.running = None
            self._agi_result(chan, cid, "200 result=-1")
        self._end_agi(chan)
        peer = self.channels.get(chan.peer or "")
        if peer is not None:
            if chan.bridge or peer.bridge:
                for leg in (chan, peer):
                    if leg.bridge:
                        self._emit(
                            "BridgeLeave",
                            [("BridgeUniqueid", leg.bridge), *self._chan_headers(leg)],
                        )
                        leg.bridge = ""
            elif chan.role == "caller":
                self._emit(
                    "DialEnd",
                    [
                        *self._chan_headers(chan),
                        *self._chan_headers(peer, "Dest"),
                        ("DialStatus", "CANCEL"),
                    ],
                )
            self._remove(chan, cause)
            peer.peer = None
            if peer.role == "seat" or chan.role == "seat":
                self._remove(peer, 16)  # the dialplan hangs up the other side after Dial returns
            return
        self._remove(chan, cause)

    def _remove(self, chan: FakeChannel, cause: int) -> None:
        if self.channels.pop(chan.name, None) is None:
            return
        text = {16: "Normal Clearing", 17: "User busy"}.get(cause, "Unknown")
        self._emit("HangupRequest", [*self._chan_headers(chan), ("Cause", str(cause))])
        self._emit(
            "Hangup", [*self._chan_headers(chan), ("Cause", str(cause)), ("Cause-txt", text)]
        )

    def caller_hangs_up(self, chan: FakeChannel) -> None:
        self._hangup(chan, 16)

    def seat_leg(self, caller: FakeChannel) -> FakeChannel | None:
        return self.channels.get(caller.peer or "")

    def seat_hangs_up(self, caller: FakeChannel) -> None:
        seat = self.seat_leg(caller)
        if seat is not None:
            self._hangup(seat, 16)

    def seat_transfers(self, caller: FakeChannel, extension: str) -> None:
        """The seat blind-transfers the caller to ``extension`` of the transfer context."""
        seat = self.seat_leg(caller)
        if seat is None:
            msg = f"{caller.name} is not talking to a seat"
            raise ValueError(msg)
        self._emit(
            "BlindTransfer",
            [
                ("Result", "Success"),
                *self._chan_headers(seat, "Transferer"),
                *self._chan_headers(caller, "Transferee"),
                ("BridgeUniqueid", caller.bridge),
                ("IsExternal", "Yes"),
                ("Context", self.transfer_context),
                ("Extension", extension),
            ],
        )
        self._unbridge(caller, seat_cause=16)
        caller.context, caller.exten = self.transfer_context, extension
        self._start_agi(caller)

    def device_state(self, device: str, state: str) -> None:
        self._emit("DeviceStateChange", [("Device", device), ("State", state)])

    def inject(self, raw: bytes) -> None:
        """Send raw bytes to every logged-in client (a malformed message, say)."""
        for s in self._sessions:
            if s.logged_in:
                s.write_raw(raw)

    def fail_next(self, action: str, message: str) -> None:
        """The next ``action`` is answered ``Response: Error`` with ``message``."""
        self._fail_next[action.lower()] = message

    def ignore_next(self, action: str) -> None:
        """The next ``action`` is received but never answered (it is in flight when the link drops)."""
        self._ignore_next.add(action.lower())

    async def drop_connections(self) -> None:
        """Every client sees EOF; calls stay up (a network blip)."""
        await self._close_sessions()

    async def restart(self, *, down_s: float = 0.0, shutdown_event: bool = False) -> None:
        """Asterisk restarts: EOF (after ``Shutdown`` if asked), every call gone, back after ``down_s``."""
        if shutdown_event:
            self._emit("Shutdown", [("Shutdown", "Cleanly"), ("Restart", "True")], "system,all")
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        self.channels.clear()
        await self._close_sessions()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        if down_s:
            await asyncio.sleep(down_s)
        self._booted_at = self._clock.now()
        self._server = await asyncio.start_server(self._serve, self.host, self.port)

    @property
    def clients(self) -> int:
        """Sessions logged in now."""
        return sum(1 for s in self._sessions if s.logged_in)

    def by_uniqueid(self, uniqueid: str) -> FakeChannel | None:
        return next((c for c in self.channels.values() if c.uniqueid == uniqueid), None)


async def demo_traffic(
    fake: FakeAsterisk,
    *,
    calls: int,
    every_s: float,
    keys: str = "1",
    dnis: str = "10000",
    hang_up_after_s: float = 120.0,
) -> None:
    """Ring ``calls`` calls into the fake, one every ``every_s``: callers press ``keys`` and stay
    until a seat hangs up (see :attr:`SeatScript.talk_s`) or ``hang_up_after_s`` passes."""
    for i in range(calls):
        chan = fake.place_call(caller=f"1390000{i % 10000:04d}", dnis=dnis, keys=keys)
        fake.later(hang_up_after_s, functools.partial(fake.caller_hangs_up, chan))
        await asyncio.sleep(every_s)


def _split_agi(command: str) -> list[str]:
    """Split an AGI command line, honouring double quotes (``STREAM FILE x "12"``)."""
    words: list[str] = []
    current = ""
    quoted = False
    has_word = False
    for ch in command:
        if ch == '"':
            quoted = not quoted
            has_word = True
        elif ch == " " and not quoted:
            if has_word:
                words.append(current)
            current, has_word = "", False
        else:
            current += ch
            has_word = True
    if has_word:
        words.append(current)
    return words
